import pytest
from django.core.cache import cache
from rest_framework.test import APIClient

from accounts.tests.factories import UserFactory

DEFAULT_PASSWORD = "makeplus2025"


@pytest.fixture(autouse=True)
def _fast_hashing_and_clean_cache(settings):
    # Hashing strength is Django's business, not our tests'; throttle counters live in the cache.
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    cache.clear()


@pytest.fixture
def api_client():
    return APIClient()


@pytest.fixture
def user(db):
    return UserFactory()


@pytest.fixture
def login(api_client):
    """Log a user in through the real endpoint; returns the response body."""

    def _login(user, password=DEFAULT_PASSWORD):
        response = api_client.post("/api/auth/login/", {"email": user.email, "password": password})
        assert response.status_code == 200, response.content
        return response.json()

    return _login


@pytest.fixture
def auth_client(login):
    """An APIClient authenticated as the given user with a real JWT."""

    def _client(user):
        client = APIClient()
        client.credentials(HTTP_AUTHORIZATION=f"Bearer {login(user)['access']}")
        return client

    return _client
