from django.conf import settings
from django.core.cache import cache
from django.db import connection
from drf_spectacular.utils import extend_schema, inline_serializer
from rest_framework import serializers
from rest_framework.permissions import AllowAny
from rest_framework.response import Response
from rest_framework.views import APIView

HEALTH_STATES = ["ok", "error"]

_HealthSerializer = inline_serializer(
    "Health",
    {
        "status": serializers.ChoiceField(choices=HEALTH_STATES),
        "database": serializers.ChoiceField(choices=HEALTH_STATES),
        "cache": serializers.ChoiceField(choices=["ok", "error", "local"]),
    },
)


def _database_ok() -> bool:
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
            return cursor.fetchone() == (1,)
    except Exception:  # any driver error means "unreachable" to a probe
        return False


def _cache_state() -> str:
    if not settings.REDIS_URL:
        return "local"
    try:
        cache.set("health:ping", "1", timeout=5)
        return "ok" if cache.get("health:ping") == "1" else "error"
    except Exception:
        return "error"


class HealthView(APIView):
    """Liveness for load balancers and compose: 200 when every backing service answers, 503 otherwise."""

    authentication_classes = []
    permission_classes = [AllowAny]
    throttle_classes = []

    @extend_schema(responses={200: _HealthSerializer, 503: _HealthSerializer}, tags=["health"])
    def get(self, request):
        database = "ok" if _database_ok() else "error"
        cache_state = _cache_state()
        healthy = database == "ok" and cache_state != "error"
        body = {"status": "ok" if healthy else "error", "database": database, "cache": cache_state}
        return Response(body, status=200 if healthy else 503)
