"""The production URLs, plus the baselines under /bench/ (benchmark settings only)."""

from django.urls import path

from bench import baseline
from makeplus.urls import handler400, handler403, handler404, handler500
from makeplus.urls import urlpatterns as api_urlpatterns

__all__ = ["handler400", "handler403", "handler404", "handler500", "urlpatterns"]

urlpatterns = [
    path("bench/baseline/rooms/<uuid:room_id>/scan/", baseline.scan),
    path("bench/baseline/sessions/", baseline.sessions),
    path("bench/baseline/annonces/", baseline.annonces),
    path("bench/baseline/events/<uuid:event_id>/statistics/", baseline.statistics),
    path("bench/baseline/ping/", baseline.ping),
    *api_urlpatterns,
]
