"""Routes of the MakePlus Flutter app (`DjalilElz/makeplus-flutter`) that our own API names differently.

This is a translation layer: each view here reads the app's request shape, calls the same services and
selectors as our API, and answers in the app's shapes (docs: README "The mobile app"). Included under
/api/ before the router, so that e.g. ``participants/scan/`` wins over the router's detail routes.
"""

from django.urls import path

from mobile import (
    auth,  # auth
    eposters,  # exposants, annonces, e-posters
    event_day,  # event day
    exposants,  # exposants, annonces, e-posters
)

urlpatterns = [
    # --- auth (mobile/auth.py) ---
    path("auth/token/", auth.AppLoginView.as_view(), name="mobile-auth-token"),
    path("auth/me/", auth.AppMeView.as_view(), name="mobile-auth-me"),
    # --- end auth ---
    # --- event day: controller, room manager, Q&A (mobile/event_day.py) ---
    path("participants/scan/", event_day.ParticipantScanView.as_view(), name="mobile-participant-scan"),
    path("my-room/statistics/", event_day.MyRoomStatisticsView.as_view(), name="mobile-my-room-statistics"),
    path("sessions/swap-times/", event_day.SessionSwapTimesView.as_view(), name="mobile-session-swap-times"),
    path("sessions/<uuid:pk>/start/", event_day.SessionStartView.as_view(), name="mobile-session-start"),
    path("sessions/<uuid:pk>/end/", event_day.SessionEndView.as_view(), name="mobile-session-end"),
    path("session-questions/", event_day.AppSessionQuestionsView.as_view(), name="mobile-session-questions"),
    path(
        "session-questions/<int:pk>/answer/",
        event_day.QuestionAnswerToggleView.as_view(),
        name="mobile-session-question-answer",
    ),
    # --- end event day ---
    # --- exposants, annonces, e-posters (mobile/exposants.py, mobile/eposters.py) ---
    path("eposter/<uuid:event_id>/gallery/", eposters.EPosterGalleryView.as_view(), name="mobile-eposter-gallery"),
    path("participants/", exposants.participants_collection, name="mobile-participants"),
    path(
        "exposant-scans/scan_participant/",
        exposants.ScanParticipantView.as_view(),
        name="mobile-exposant-scan-participant",
    ),
    path("exposant-scans/my_scans/", exposants.MyScansView.as_view(), name="mobile-exposant-my-scans"),
    path("exposant-scans/export_excel/", exposants.ExportExcelView.as_view(), name="mobile-exposant-export-excel"),
    # --- end exposants, annonces, e-posters ---
]
