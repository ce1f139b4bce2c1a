"""The production web server as it runs (gunicorn with makeplus/gunicorn.conf.py), issue 23:

* its own refusals (request line or headers beyond its limits, unparsable requests) answer in the
  API's JSON error format, not gunicorn's HTML page;
* persistent database connections (``DB_CONN_MAX_AGE``, default 60 s) carry requests through a moment
  when PostgreSQL refuses new connections; with ``DB_CONN_MAX_AGE=0`` the same moment is a retryable 503
  ``database_unavailable`` on every request, never a 500.
"""

import contextlib
import http.client
import json
import os
import socket
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from urllib.parse import quote

import psycopg
import pytest
from django.conf import settings
from django.db import connection

from accounts.services import issue_tokens
from events.roles import Role
from events.tests.factories import AssignmentFactory, EventFactory

GUNICORN = Path(sys.executable).parent / "gunicorn"


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def _postgres_url() -> str:
    db = connection.settings_dict
    auth = quote(db["USER"] or "", safe="") + (f":{quote(db['PASSWORD'], safe='')}" if db["PASSWORD"] else "")
    return f"postgres://{auth}@{db['HOST'] or '127.0.0.1'}:{db['PORT'] or 5432}/{db['NAME']}"


@contextlib.contextmanager
def gunicorn(database_url: str, **env_overrides):
    """One gunicorn master with one worker, production settings and the project's config file."""
    port = _free_port()
    env = {
        **os.environ,
        "DEBUG": "0",
        "SECRET_KEY": settings.SECRET_KEY,
        "ALLOWED_HOSTS": "127.0.0.1",
        "DATABASE_URL": database_url,
        "SECURE_SSL_REDIRECT": "0",
        "LOG_LEVEL": "WARNING",
        **env_overrides,
    }
    env.pop("REDIS_URL", None)
    with tempfile.TemporaryFile() as log:
        command = [str(GUNICORN), "-c", "makeplus/gunicorn.conf.py", "-w", "1", "-b", f"127.0.0.1:{port}"]
        process = subprocess.Popen(
            [*command, "--no-control-socket", "makeplus.wsgi"], cwd=settings.BASE_DIR, env=env, stdout=log, stderr=log
        )
        try:
            deadline = time.monotonic() + 40
            while True:
                if process.poll() is not None or time.monotonic() > deadline:
                    log.seek(0)
                    pytest.fail(f"gunicorn did not start:\n{log.read().decode(errors='replace')[-3000:]}")
                with contextlib.suppress(OSError), socket.create_connection(("127.0.0.1", port), timeout=1):
                    break
                time.sleep(0.2)
            yield port
        finally:
            process.terminate()
            try:
                process.wait(timeout=15)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait()


def _raw(port: int, request: bytes) -> tuple[int, str, dict]:
    """Send bytes as they are; (status, content type, JSON body)."""
    with socket.create_connection(("127.0.0.1", port), timeout=20) as sock:
        sock.sendall(request)
        data = b""
        while chunk := sock.recv(65536):
            data += chunk
    head, _, body = data.partition(b"\r\n\r\n")
    lines = head.decode("latin1").split("\r\n")
    headers = dict(line.split(": ", 1) for line in lines[1:])
    return int(lines[0].split()[1]), headers.get("Content-Type", ""), json.loads(body)


def _get(port: int, path: str, token: str) -> tuple[int, dict]:
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
    try:
        conn.request("GET", path, headers={"Accept-Language": "en", "Authorization": f"Bearer {token}"})
        response = conn.getresponse()
        return response.status, json.loads(response.read() or b"{}")
    finally:
        conn.close()


@pytest.fixture(scope="module")
def server(tmp_path_factory):
    """For refusals, which gunicorn answers before Django reads the database: any database will do."""
    database = tmp_path_factory.mktemp("db") / "unused.sqlite3"
    with gunicorn(f"sqlite:///{database}") as port:
        yield port


REFUSALS = [
    # (what is sent, status, code)
    (b"GET /api/" + b"a" * 5000 + b" HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n", 414, "uri_too_long"),
    (b"GET /api/health/ HTTP/1.1\r\nHost: 127.0.0.1\r\nX-Big: " + b"b" * 9000 + b"\r\n\r\n", 431, "headers_too_large"),
    (
        b"GET /api/health/ HTTP/1.1\r\nHost: 127.0.0.1\r\n"
        + b"".join(b"X-H%d: 1\r\n" % n for n in range(150))
        + b"\r\n",
        431,
        "headers_too_large",
    ),
    (b"NOT A REQUEST\r\n\r\n", 400, "bad_request"),
]


@pytest.mark.parametrize(("request_bytes", "status", "code"), REFUSALS, ids=["line", "header", "fields", "garbage"])
def test_the_web_servers_refusals_are_in_the_error_format(server, request_bytes, status, code):
    answer_status, content_type, body = _raw(server, request_bytes)

    assert (answer_status, content_type) == (status, "application/json")
    messages = {
        "uri_too_long": "L’adresse de la requête est trop longue.",
        "headers_too_large": "Les en-têtes de la requête sont trop volumineux.",
        "bad_request": "Requête invalide.",
    }
    assert body == {
        "type": "client_error",
        "errors": [{"code": code, "detail": messages[code], "attr": None}],
        "message": messages[code],
        "detail": messages[code],
        "error": messages[code],
    }


@contextlib.contextmanager
def new_connections_refused():
    """PostgreSQL refuses new connections to the test database (open ones go on), as during a restart
    or with max_connections reached; said from another database (one cannot refuse one's own)."""
    name = connection.settings_dict["NAME"]
    admin_url = _postgres_url().rsplit("/", 1)[0] + "/postgres"
    with psycopg.connect(admin_url, autocommit=True) as admin:
        admin.execute(f'ALTER DATABASE "{name}" ALLOW_CONNECTIONS false')
        try:
            yield
        finally:
            admin.execute(f'ALTER DATABASE "{name}" ALLOW_CONNECTIONS true')


def _event_and_token():
    event = EventFactory(name="TechSummit Algeria")
    member = AssignmentFactory(event=event, role=Role.PARTICIPANT)
    return event, issue_tokens(user=member.user, event_id=event.pk, role=Role.PARTICIPANT)["access"]


postgres_only = pytest.mark.skipif(connection.vendor != "postgresql", reason="PostgreSQL refuses the connections")


@postgres_only
@pytest.mark.django_db(transaction=True)
def test_persistent_connections_carry_requests_through_refused_connections():
    event, token = _event_and_token()
    with gunicorn(_postgres_url()) as port:  # DB_CONN_MAX_AGE: the default
        assert _get(port, f"/api/events/{event.pk}/", token)[0] == 200  # the worker holds its connection now
        with new_connections_refused():
            answers = [_get(port, f"/api/events/{event.pk}/", token) for _ in range(20)]

    assert [status for status, _ in answers] == [200] * 20
    assert {body["name"] for _, body in answers} == {"TechSummit Algeria"}


@postgres_only
@pytest.mark.django_db(transaction=True)
def test_without_persistent_connections_a_refusal_is_a_retryable_503_not_a_500():
    event, token = _event_and_token()
    with gunicorn(_postgres_url(), DB_CONN_MAX_AGE="0") as port:
        assert _get(port, f"/api/events/{event.pk}/", token)[0] == 200
        with new_connections_refused():
            answers = [_get(port, f"/api/events/{event.pk}/", token) for _ in range(5)]
        after = _get(port, f"/api/events/{event.pk}/", token)

    assert [(status, body["errors"][0]["code"]) for status, body in answers] == [(503, "database_unavailable")] * 5
    assert after[0] == 200
