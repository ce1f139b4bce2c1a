import os
import threading
from typing import NamedTuple

import pytest
from django.core.cache import cache, caches
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


def redis_missing(reason: str):
    """Skip a test that needs Redis, or fail it where Redis must be there (CI sets MAKEPLUS_REQUIRE_REDIS)."""
    if os.environ.get("MAKEPLUS_REQUIRE_REDIS"):
        pytest.fail(reason)
    pytest.skip(reason)


def error_codes(response) -> list[str]:
    """The stable codes of an error response, in order."""
    return [error["code"] for error in response.json()["errors"]]


@pytest.fixture(autouse=True)
def _fast_hashing_and_clean_cache(settings):
    # Hashing strength is Django's business, not our tests'; throttle counters live in the cache.
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    cache.clear()
    caches["reads"].clear()  # cached API reads (makeplus/read_cache.py)


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


# --- part "accounts": a real SMTP server for the email tests ----------------------------------------
class _SMTPRecorder:
    """aiosmtpd handler keeping every received message, parsed, with its envelope recipients."""

    def __init__(self):
        self.messages = []  # email.message.EmailMessage, in the order received
        self.envelopes = []  # (mail_from, [rcpt_to]) of each message

    async def handle_DATA(self, server, session, envelope):
        import email
        import email.policy

        self.messages.append(email.message_from_bytes(envelope.original_content, policy=email.policy.default))
        self.envelopes.append((envelope.mail_from, list(envelope.rcpt_tos)))
        return "250 Message accepted for delivery"


@pytest.fixture(autouse=True)
def _mail_in_the_foreground(settings):
    # makeplus/mail.py delivers on a thread pool in production; tests read mail.outbox / the SMTP server
    # right after the request, so delivery happens before it returns.
    settings.EMAIL_SEND_IN_BACKGROUND = False


@pytest.fixture
def smtp_server(settings):
    """A real SMTP server (aiosmtpd) on 127.0.0.1 and a free port; Django's email settings point at it.
    `smtp_server.messages` are the received email.message.EmailMessage objects, `smtp_server.envelopes`
    their (from, recipients); `smtp_server.clear()` forgets them."""
    import logging
    import socket
    from types import SimpleNamespace

    from aiosmtpd.controller import Controller

    logging.getLogger("mail.log").setLevel(logging.WARNING)  # aiosmtpd logs every SMTP line at INFO

    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    recorder = _SMTPRecorder()
    controller = Controller(recorder, hostname="127.0.0.1", port=port)
    controller.start()
    settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    settings.EMAIL_HOST = "127.0.0.1"
    settings.EMAIL_PORT = port
    settings.EMAIL_HOST_USER = ""
    settings.EMAIL_HOST_PASSWORD = ""
    settings.EMAIL_USE_TLS = False
    settings.EMAIL_USE_SSL = False
    settings.EMAIL_TIMEOUT = 10
    settings.EMAIL_SEND_IN_BACKGROUND = False  # delivered before the request returns: tests read it at once
    try:
        yield SimpleNamespace(
            host="127.0.0.1",
            port=port,
            messages=recorder.messages,
            envelopes=recorder.envelopes,
            clear=lambda: (recorder.messages.clear(), recorder.envelopes.clear()),
        )
    finally:
        controller.stop()


# --- end of part "accounts" ----------------------------------------------------------------------------
