import threading

import pytest
from django.core.cache import cache
from django.db import connection
from rest_framework.test import APIClient

from accounts.tests.factories import UserFactory

DEFAULT_PASSWORD = "makeplus2025"


def run_together(jobs) -> tuple[list, list]:
    """Run callables in real threads released at once by a barrier, each closing its own DB
    connection (PostgreSQL concurrency tests). Returns (results in job order, exceptions)."""
    barrier = threading.Barrier(len(jobs))
    results, errors = [None] * len(jobs), []

    def run(i, job):
        try:
            barrier.wait()
            results[i] = job()
        except Exception as exc:  # returned to the test, which asserts on it
            errors.append(exc)
        finally:
            connection.close()

    threads = [threading.Thread(target=run, args=(i, job)) for i, job in enumerate(jobs)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return results, errors


def error_codes(response) -> list[str]:
    """The stable codes of an error response, in order."""
    return [error["code"] for error in response.json()["errors"]]


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


@pytest.fixture
def client_for():
    """An APIClient whose token carries `event` (as select-event would issue it)."""
    from accounts.services import issue_tokens

    def _client(user, event=None, role=None):
        client = APIClient()
        if event is not None and role is None:
            role = user.event_assignments.get(event=event).role
        tokens = issue_tokens(user=user, event_id=event and event.pk, role=role)
        client.credentials(HTTP_AUTHORIZATION=f"Bearer {tokens['access']}")
        client.tokens = tokens
        return client

    return _client


@pytest.fixture
def member(db, client_for):
    """member(role, event) -> (client with that event selected, user): a new user holding `role` in `event`."""
    from events.tests.factories import AssignmentFactory

    def _member(role, event):
        assignment = AssignmentFactory(role=role, event=event)
        return client_for(assignment.user, event, role), assignment.user

    return _member


@pytest.fixture
def event_a(db):
    from events.tests.factories import EventFactory

    return EventFactory(name="TechSummit Algeria")


@pytest.fixture
def event_b(db):
    from events.tests.factories import EventFactory

    return EventFactory(name="StartupWeek Oran")
