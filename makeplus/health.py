from django.conf import settings
from django.core.cache import DEFAULT_CACHE_ALIAS, cache, caches
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
        # degraded: Redis is unreachable and this node counts limits in its own memory (makeplus/cache.py).
        "cache": serializers.ChoiceField(choices=["ok", "degraded", "local"]),
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
    cache.set("health:ping", "1", timeout=5)  # switches to the local fallback when Redis does not answer
    return "degraded" if getattr(caches[DEFAULT_CACHE_ALIAS], "degraded", False) else "ok"


class HealthView(APIView):
    """Liveness for load balancers and compose: 200 while the database answers, 503 otherwise. Redis is a
    helper, not a dependency: without it the node keeps serving and says ``cache: degraded``."""

    authentication_classes = []
    permission_classes = [AllowAny]
    throttle_classes = []

    @extend_schema(responses={200: _HealthSerializer, 503: _HealthSerializer}, tags=["health"])
    def get(self, request):
        database = "ok" if _database_ok() else "error"
        cache_state = _cache_state()
        healthy = database == "ok"
        body = {"status": "ok" if healthy else "error", "database": database, "cache": cache_state}
        return Response(body, status=200 if healthy else 503)
