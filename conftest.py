import threading
from typing import NamedTuple

import pytest
from django.core.cache import cache
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from rest_framework.test import APIClient

from accounts.models import User
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


def outcomes_of(jobs) -> list[str]:
    """run_together, then what each job came to: "ok", or the code of the AppError it raised (any other
    exception fails the test). In no particular order: tests compare them sorted."""
    from makeplus.errors import AppError

    results, errors = run_together(jobs)
    assert [error for error in errors if not isinstance(error, AppError)] == []
    return ["ok"] * (len(results) - len(errors)) + [error.get_codes() for error in errors]


def assert_same_queries(fetch, add_rows, *, expected: int | None = None) -> tuple:
    """The query count of a list does not grow with its rows: runs fetch() (the test has made one row),
    add_rows(), fetch() again, and asserts both took the same number of queries, equal to `expected`
    when given. Returns the two results of fetch() for the test's assertions on them."""
    with CaptureQueriesContext(connection) as one:
        first = fetch()
    add_rows()
    with CaptureQueriesContext(connection) as many:
        second = fetch()
    sql = "\n".join(query["sql"] for query in many)
    assert len(one) == len(many), f"{len(one)} queries with one row, {len(many)} with many:\n{sql}"
    assert expected in (None, len(many)), f"{len(many)} queries, not {expected}:\n{sql}"
    return first, second


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


class Member(NamedTuple):
    """A member of an event as tests use it: a client signed in as `user` (unpacks as a pair)."""

    client: APIClient | Client
    user: User


@pytest.fixture
def member(db, client_for):
    """member(role, event, badge=False) -> Member(client with that event selected, user): a new user holding
    `role` in `event`; with badge=True the user also holds a badge of the event (made by badge_holder)."""
    from events.tests.factories import AssignmentFactory, badge_holder

    def _member(role, event, *, badge=False):
        user = badge_holder(event, role=role).user if badge else AssignmentFactory(role=role, event=event).user
        return Member(client_for(user, event, role), user)

    return _member


@pytest.fixture
def organisateur(member, event_a):
    """Member(client, user): an organisateur of event A, with event A selected (API)."""
    from events.roles import Role

    return member(Role.ORGANISATEUR, event_a)


@pytest.fixture
def organisateur_admin(event_a):
    """Member(client, user): a staff user, organisateur of event A, signed in to the Django admin."""
    from events.roles import Role
    from events.tests.factories import AssignmentFactory

    user = UserFactory(is_staff=True)
    AssignmentFactory(user=user, event=event_a, role=Role.ORGANISATEUR)
    client = Client()
    client.force_login(user)
    return Member(client, user)


@pytest.fixture
def event_a(db):
    from events.tests.factories import EventFactory

    return EventFactory(name="TechSummit Algeria")


@pytest.fixture
def event_b(db):
    from events.tests.factories import EventFactory

    return EventFactory(name="StartupWeek Oran")
