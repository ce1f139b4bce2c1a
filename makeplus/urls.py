from django.contrib import admin
from django.urls import include, path, re_path
from drf_spectacular.views import SpectacularAPIView, SpectacularSwaggerView
from rest_framework.routers import DefaultRouter

from annonces.views import AnnonceViewSet
from events.permissions import SIGNED_IN
from events.views import DashboardStatsView, EventViewSet, UserAssignmentViewSet
from events.views.access import (  # door-scan periphery
    ControllerRoomStatsView,
    QrVerifyView,
    ResetOccupancyView,
    RoomAccessViewSet,
    ScanSyncView,
)
from events.views.eposters import EPosterViewSet  # e-posters
from events.views.imports import ParticipantImportView  # participant import
from events.views.participants import BadgeKeyView, ParticipantViewSet, QrGenerateView
from events.views.programme import RoomViewSet, SessionViewSet
from events.views.questions import QuestionViewSet, SessionQuestionsView
from events.views.staff import RoomAssignmentViewSet
from exposants.views import ExposantScanView, ExposantScanViewSet, ExposantStatisticsView, ExposantViewSet
from makeplus import error_handling
from makeplus.health import HealthView
from makeplus.signed_files import SignedFileView
from makeplus.views_i18n import set_language
from makeplus.views_jobs import BadgesPdfView, JobViewSet, SendBadgesView, SendBadgeView  # job queue


class APIRootView(DefaultRouter.APIRootView):
    """The router's root: links to the collections, no data (any signed-in caller)."""

    event_roles = SIGNED_IN


# The single API router: every app's viewsets are registered here.
router = DefaultRouter()
router.APIRootView = APIRootView
router.register("events", EventViewSet, basename="event")
router.register("user-assignments", UserAssignmentViewSet, basename="user-assignment")
router.register("rooms", RoomViewSet, basename="room")
router.register("sessions", SessionViewSet, basename="session")
router.register("room-assignments", RoomAssignmentViewSet, basename="room-assignment")
# --- participants & badges (events/views/participants.py) ---
router.register("participants", ParticipantViewSet, basename="participant")
# --- end participants & badges ---
# --- annonces (annonces/views.py) ---
router.register("annonces", AnnonceViewSet, basename="annonce")
# --- end annonces ---
# --- exposants (exposants/views.py) ---
router.register("exposants", ExposantViewSet, basename="exposant")
router.register("exposant/scans", ExposantScanViewSet, basename="exposant-scan")
# --- end exposants ---
# --- door-scan periphery (events/views/access.py) ---
router.register("room-access", RoomAccessViewSet, basename="room-access")
# --- end door-scan periphery ---
# --- questions (events/views/questions.py) ---
router.register("questions", QuestionViewSet, basename="question")
# --- end questions ---
# --- e-posters (events/views/eposters.py) ---
router.register("eposters", EPosterViewSet, basename="eposter")
# --- end e-posters ---
# --- job queue (makeplus/views_jobs.py) ---
router.register("jobs", JobViewSet, basename="job")
# --- end job queue ---

api_patterns = [
    path("auth/", include("accounts.urls")),
    path("health/", HealthView.as_view(), name="health"),
    path("files/<str:token>/", SignedFileView.as_view(), name="signed-file"),
    path("dashboard/stats/", DashboardStatsView.as_view(), name="dashboard-stats"),
    path("schema/", SpectacularAPIView.as_view(), name="schema"),
    path("docs/", SpectacularSwaggerView.as_view(url_name="schema"), name="swagger-ui"),
    # No ReDoc: its page loads fonts and a logo from the internet; Swagger UI works offline (README).
    # --- participants & badges (events/views/participants.py) ---
    path("qr/generate/", QrGenerateView.as_view(), name="qr-generate"),
    # Before the router, so that it wins over the events viewset's routes.
    path("events/<uuid:pk>/badge-key/", BadgeKeyView.as_view(), name="event-badge-key"),
    # --- end participants & badges ---
    # --- exposants (exposants/views.py) ---
    path("exposant/scan/", ExposantScanView.as_view(), name="exposant-scan-create"),
    path("exposant/statistics/", ExposantStatisticsView.as_view(), name="exposant-statistics"),
    # --- end exposants ---
    # --- door-scan periphery (events/views/access.py) ---
    path("rooms/<uuid:pk>/reset_occupancy/", ResetOccupancyView.as_view(), name="room-reset-occupancy"),
    path("scans/sync/", ScanSyncView.as_view(), name="scans-sync"),
    path("qr/verify/", QrVerifyView.as_view(), name="qr-verify"),
    path("controller/room-stats/", ControllerRoomStatsView.as_view(), name="controller-room-stats"),
    # --- end door-scan periphery ---
    # --- questions (events/views/questions.py) ---
    path("sessions/<uuid:pk>/questions/", SessionQuestionsView.as_view(), name="session-questions"),
    # --- end questions ---
    # --- job queue: badge delivery (makeplus/views_jobs.py), before the router's participants/{pk}/ ---
    path("participants/send-badges/", SendBadgesView.as_view(), name="participants-send-badges"),
    path("participants/badges-pdf/", BadgesPdfView.as_view(), name="participants-badges-pdf"),
    path("participants/<int:pk>/send-badge/", SendBadgeView.as_view(), name="participant-send-badge"),
    # --- end job queue ---
    # --- participant import (events/views/imports.py), before the router's participants/{pk}/ ---
    path("participants/import/", ParticipantImportView.as_view(), name="participants-import"),
    # --- end participant import ---
    # The mobile app's routes (aliases over the same services), before the router: see mobile/urls.py.
    path("", include("mobile.urls")),
    path("", include(router.urls)),
    # Unknown API routes answer in the error format even with DEBUG on (no HTML debug page).
    re_path(r"^.*$", error_handling.not_found),
]

urlpatterns = [
    path("admin/", admin.site.urls),
    path("i18n/setlang/", set_language, name="set_language"),  # the back office's language switch
    path("account/", include("accounts.urls_web")),  # part accounts: pages of the emailed links
    path("api/", include(api_patterns)),
]

handler400 = "makeplus.error_handling.handler400"
handler403 = "makeplus.error_handling.handler403"
handler404 = "makeplus.error_handling.handler404"
handler500 = "makeplus.error_handling.handler500"
