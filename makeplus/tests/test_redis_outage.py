"""Redis is a helper, not a single point of failure (makeplus/cache.py): with Redis unreachable the node
stays healthy, logins and questions work, and limits still hold (per process)."""

import pytest
from django.core.cache import caches

from conftest import DEFAULT_PASSWORD, error_codes
from events.models import Role
from events.tests.factories_programme import RoomFactory, SessionFactory

pytestmark = pytest.mark.django_db

CLOSED_PORT = "redis://127.0.0.1:1/0"  # nothing listens there: connections are refused at once
LIVE_REDIS = "redis://127.0.0.1:6379/8"


@pytest.fixture
def redis_at(settings):
    def use(url: str):
        settings.REDIS_URL = url
        settings.CACHES = {"default": {"BACKEND": "makeplus.cache.ResilientRedisCache", "LOCATION": url}}
        caches["default"].clear()

    yield use
    caches["default"].close()


def test_health_stays_ok_and_says_degraded_without_redis(api_client, redis_at):
    redis_at(CLOSED_PORT)

    response = api_client.get("/api/health/")

    assert response.status_code == 200
    assert response.json() == {"status": "ok", "database": "ok", "cache": "degraded"}


def test_health_with_redis_answering(api_client, redis_at):
    redis_at(LIVE_REDIS)

    response = api_client.get("/api/health/")

    assert response.json() == {"status": "ok", "database": "ok", "cache": "ok"}


def test_login_works_and_is_still_limited_without_redis(api_client, redis_at, user, settings):
    redis_at(CLOSED_PORT)
    limit = int(settings.REST_FRAMEWORK["DEFAULT_THROTTLE_RATES"]["login_email"].split("/")[0])

    ok = api_client.post("/api/auth/login/", {"email": user.email, "password": DEFAULT_PASSWORD})
    wrong = [
        api_client.post("/api/auth/login/", {"email": user.email, "password": "wrong-password"}) for _ in range(limit)
    ]

    assert ok.status_code == 200
    assert [r.status_code for r in wrong] == [401] * (limit - 1) + [429]
    assert error_codes(wrong[-1]) == ["throttled"]


def test_asking_a_question_works_without_redis(member, event_a, redis_at):
    redis_at(CLOSED_PORT)
    talk = SessionFactory(room=RoomFactory(event=event_a), title="Keynote")
    client, _ = member(Role.PARTICIPANT, event_a, badge=True)

    response = client.post(f"/api/sessions/{talk.pk}/questions/", {"text": "Et sans Redis ?"})

    assert response.status_code == 201, response.content
