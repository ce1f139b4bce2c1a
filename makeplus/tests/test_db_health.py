"""A persistent connection the server closed is replaced before the request uses it, without a SELECT 1 before
every request (makeplus/db_health.py; issue 22)."""

import time

import psycopg
import pytest
from django.conf import settings
from django.db import connection

from makeplus.tests.wire import wire

pytestmark = [
    pytest.mark.skipif(connection.vendor != "postgresql", reason="a PostgreSQL server closing a connection"),
    pytest.mark.django_db(transaction=True),
]


def _backend_pid() -> int:
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_backend_pid()")
        return cursor.fetchone()[0]


def _terminate(pid: int) -> None:
    """What a server restart or an idle-connection killer does to a worker's connection."""
    params = connection.get_connection_params()
    with psycopg.connect(**{k: v for k, v in params.items() if k not in ("cursor_factory", "context")}) as other:
        other.execute("SELECT pg_terminate_backend(%s)", [pid])
    time.sleep(0.2)  # the server's goodbye reaches our socket


def test_no_health_check_round_trip_before_a_request(api_client):
    assert settings.DATABASES["default"]["CONN_HEALTH_CHECKS"] is False
    pid = _backend_pid()

    with wire() as sent:
        assert api_client.get("/api/health/").status_code == 200

    assert sent.sent == ["SELECT 1"]  # the health view's own probe, nothing before it
    assert _backend_pid() == pid  # a healthy connection is kept


def test_a_connection_the_server_closed_is_replaced_before_the_request(api_client):
    pid = _backend_pid()
    _terminate(pid)

    response = api_client.get("/api/health/")

    assert (response.status_code, response.json()["database"]) == (200, "ok")
    assert _backend_pid() != pid
