"""bench/middleware.py counts what goes over the wire: its round trips equal libpq's own trace of the protocol
(makeplus/tests/wire.py). Not in the suite's testpaths (bench/ is the benchmark's): run it on PostgreSQL with
``DATABASE_URL=postgres://postgres@127.0.0.1:5432/mk_<name> .venv/bin/python -m pytest bench/tests -q``."""

import pytest
from django.db import connection, transaction
from django.http import HttpResponse
from django.test import RequestFactory

from accounts.models import User
from bench.middleware import QueryCount
from makeplus.tests.wire import wire

pytestmark = [
    pytest.mark.django_db(transaction=True),  # the view's atomic block is the outermost: a real BEGIN/COMMIT
    pytest.mark.skipif(connection.vendor != "postgresql", reason="PostgreSQL's round trips"),
]


def _counted(view) -> tuple[int, int, int]:
    """(statements, round trips) as the middleware says, and round trips on the wire."""
    connection.ensure_connection()
    with wire() as sent:
        response = QueryCount(view)(RequestFactory().get("/"))
    return int(response["X-Bench-Queries"]), int(response["X-Bench-Round-Trips"]), sent.round_trips


def test_round_trips_count_begin_and_commit():
    def view(request):
        with transaction.atomic():
            User.objects.filter(pk=0).update(first_name="x")
            User.objects.filter(pk=0).exists()
        list(User.objects.filter(pk=0))  # autocommit: no BEGIN
        return HttpResponse()

    assert _counted(view) == (3, 5, 5)


def test_round_trips_count_a_rollback():
    def view(request):
        try:
            with transaction.atomic():
                User.objects.filter(pk=0).exists()
                raise RuntimeError
        except RuntimeError:
            pass
        return HttpResponse()

    assert _counted(view) == (1, 3, 3)


def test_an_atomic_block_without_statements_costs_nothing():
    def view(request):
        with transaction.atomic():
            pass
        return HttpResponse()

    assert _counted(view) == (0, 0, 0)


def test_round_trips_count_the_health_check():
    def view(request):
        list(User.objects.filter(pk=0))
        return HttpResponse()

    connection.ensure_connection()
    enabled = connection.health_check_enabled
    connection.health_check_enabled, connection.health_check_done = True, False  # as at a request's start
    try:
        assert _counted(view) == (1, 2, 2)
    finally:
        connection.health_check_enabled = enabled
