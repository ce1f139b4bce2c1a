from django.contrib import admin
from django.urls import include, path, re_path
from drf_spectacular.views import SpectacularAPIView, SpectacularRedocView, SpectacularSwaggerView
from rest_framework.routers import DefaultRouter

from events.views import DashboardStatsView, EventViewSet, UserAssignmentViewSet
from makeplus import errors
from makeplus.health import HealthView

# The single API router: every app's viewsets are registered here.
router = DefaultRouter()
router.register("events", EventViewSet, basename="event")
router.register("user-assignments", UserAssignmentViewSet, basename="user-assignment")

api_patterns = [
    path("auth/", include("accounts.urls")),
    path("health/", HealthView.as_view(), name="health"),
    path("dashboard/stats/", DashboardStatsView.as_view(), name="dashboard-stats"),
    path("schema/", SpectacularAPIView.as_view(), name="schema"),
    path("docs/", SpectacularSwaggerView.as_view(url_name="schema"), name="swagger-ui"),
    path("redoc/", SpectacularRedocView.as_view(url_name="schema"), name="redoc"),
    path("", include(router.urls)),
    # Unknown API routes answer in the error format even with DEBUG on (no HTML debug page).
    re_path(r"^.*$", errors.not_found),
]

urlpatterns = [
    path("admin/", admin.site.urls),
    path("api/", include(api_patterns)),
]

handler400 = "makeplus.errors.handler400"
handler403 = "makeplus.errors.handler403"
handler404 = "makeplus.errors.handler404"
handler500 = "makeplus.errors.handler500"
