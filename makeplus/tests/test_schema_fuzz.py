"""Schema fuzzing: schemathesis drives every operation of our own OpenAPI schema through WSGI.

The schema is the one the app serves (``GET /api/schema/``); requests go through the whole
Django stack (middleware, DRF, the error handler) with a real JWT of each role of a seeded
event (``seeds.demo``: rooms, sessions, badges, door logs, Q&A, annonces, exposants, leads,
atelier registrations). Path ids, id fields and badge fields are drawn from that event's real
objects (and another event's) as often as from the generator, so cases reach the code behind
the 404. Every case runs in a savepoint that is rolled back, with an empty cache: each case
meets the same world, whatever the previous one deleted or throttled.

Checks: no server error, the status code documented, the content type documented, the body
valid against the documented schema. A failure is fixed in the code or the schema, never by
loosening a check.

How much (CI runs the defaults, on PostgreSQL and on SQLite):
    FUZZ_EXAMPLES (default 100)       generated cases per operation as the organisateur, every operation,
                                      plus schemathesis' coverage phase (boundary and missing values):
                                      at least 100 cases per operation, checked at the end
    FUZZ_ROLE_EXAMPLES (default 10)   generated cases per operation as each other role and as a client
                                      without our token
    FUZZ_SUMMARY=path                 also write the counts (role + operation -> cases) there as JSON
The long opt-in run (about an hour):
    FUZZ_EXAMPLES=1000 FUZZ_ROLE_EXAMPLES=200 python3 scripts/dev.py test makeplus/tests/test_schema_fuzz.py
Generation is deterministic (derandomized, no example database): CI runs the same cases every time.
The fuzz tests carry the ``fuzz`` marker: the everyday run leaves them out (CI runs them):
    python3 scripts/dev.py test -m "not fuzz"
"""

import ast
import json
import os
import time
from collections import Counter
from pathlib import Path

import pytest
import schemathesis
from django.conf import settings as django_settings
from django.core import signals
from django.core.cache import cache
from django.core.wsgi import get_wsgi_application
from django.db import close_old_connections, transaction
from django.test import Client, override_settings
from hypothesis import HealthCheck, settings
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    response_schema_conformance,
    status_code_conformance,
)

from conftest import error_codes
from events.models import Role
from makeplus.errors import STATUS_OF
from makeplus.openapi import ERROR_CODES
from makeplus.tests.fuzz_world import ANONYMOUS, OTHER_ROLES, FuzzWorld, seed_fuzz_world

EXAMPLES = int(os.environ.get("FUZZ_EXAMPLES", "100"))
ROLE_EXAMPLES = int(os.environ.get("FUZZ_ROLE_EXAMPLES", "10"))
CHECKS = [not_a_server_error, status_code_conformance, content_type_conformance, response_schema_conformance]
FUZZ_SETTINGS = {
    "deadline": None,
    "derandomize": True,
    "database": None,
    # One operation's cases share the module's seeded world (a module fixture) and are slow by
    # Hypothesis' standards (a request each); the id and badge fields are drawn from lists.
    "suppress_health_check": [HealthCheck.too_slow, HealthCheck.filter_too_much, HealthCheck.function_scoped_fixture],
}

pytestmark = pytest.mark.django_db

APP = get_wsgi_application()
# Explicit configs: no schemathesis.toml of the developer's changes what CI runs.
schema = schemathesis.openapi.from_wsgi("/api/schema/", APP, config=schemathesis.Config.from_dict({}))
# The other roles: the same operations, generated cases only (the coverage phase's boundary cases,
# role-independent, are run for the organisateur).
role_schema = schemathesis.openapi.from_dict(
    schema.raw_schema, config=schemathesis.Config.from_dict({"phases": {"coverage": {"enabled": False}}})
)
role_schema.app = APP

WORLD = FuzzWorld()
CASES: Counter = Counter()


def flatmap_path_parameters(context, path_parameters):
    return WORLD.path_parameters(context.operation.path, path_parameters)


def flatmap_query(context, query):
    return WORLD.values(query)


def flatmap_body(context, body):
    return WORLD.values(body)


def flatmap_case(context, case):
    return WORLD.headers(case)


for _schema in (schema, role_schema):
    for _hook in (flatmap_path_parameters, flatmap_query, flatmap_body, flatmap_case):
        _schema.hook(_hook)


# --- What the fuzz found, pinned down ------------------------------------------------------------


def test_unknown_route_answers_404_in_the_error_format_to_a_post():
    # A path id that is no UUID matches no route: a POST met the CSRF check's HTML 403 page.
    response = Client(enforce_csrf_checks=True).post("/api/rooms/null/reset_occupancy/")

    assert (response.status_code, response["Content-Type"]) == (404, "application/json")
    assert error_codes(response) == ["not_found"]


def test_login_with_a_long_email_is_a_400_not_a_crash(api_client):
    # The per-account throttle used the address as cache key (unbounded; Django warns past 250 characters).
    response = api_client.post("/api/auth/login/", {"email": f"{'a' * 300}@example.dz", "password": "x"})

    assert response.status_code == 400
    assert error_codes(response) == ["max_length"]


def test_bearer_without_a_token_is_one_error_with_its_code(api_client):
    response = api_client.get("/api/auth/profile/", HTTP_AUTHORIZATION="Bearer ")

    assert response.status_code == 401
    assert error_codes(response) == ["bad_authorization_header"]


def test_a_day_outside_the_century_is_a_400(member, event_a):
    from exposants.services import ensure_exposant_profile

    client, user = member(Role.EXPOSANT, event_a)
    ensure_exposant_profile(event=event_a, user=user)

    response = client.get("/api/exposant/scans/", {"day": "9999-12-31"})  # its end overflowed: a 500

    assert response.status_code == 400
    assert response.json()["errors"] == [
        {
            "code": "date_out_of_range",
            "detail": "Indiquez une date comprise entre les années 2000 et 2099.",
            "attr": "day",
        }
    ]


def test_a_date_time_filter_with_an_offset_postgresql_refuses_is_compared_in_utc(member, event_a):
    client, _user = member(Role.ORGANISATEUR, event_a)

    response = client.get("/api/annonces/", {"since": "2026-01-01T00:00:00-21:30"})  # PostgreSQL: a 500

    assert response.status_code == 200


def test_an_event_before_2000_is_refused(member, event_a):
    # Its dates were written back with Algiers' 1911 offset, +00:12:12: not an RFC 3339 date-time.
    client, _user = member(Role.ORGANISATEUR, event_a)

    response = client.patch(f"/api/events/{event_a.pk}/", {"start_date": "1322-10-24T01:22:08Z"})

    assert response.status_code == 400
    assert error_codes(response) == ["date_out_of_range"]


# --- The fuzz ------------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def fuzz_world(django_db_setup, django_db_blocker, tmp_path_factory, request):
    """The seeded world, in a transaction rolled back after the module (cases run in savepoints)."""
    hashers = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    # Requests come through WSGI, not Django's test client: like the test client, keep the test's
    # connection (and its transaction) open across requests.
    signals.request_started.disconnect(close_old_connections)
    signals.request_finished.disconnect(close_old_connections)
    try:
        with (
            django_db_blocker.unblock(),
            override_settings(PASSWORD_HASHERS=hashers, MEDIA_ROOT=tmp_path_factory.mktemp("fuzz-media")),
            transaction.atomic(),
        ):
            seed_fuzz_world(WORLD)
            started = time.monotonic()
            yield WORLD
            elapsed = time.monotonic() - started
            transaction.set_rollback(True)
    finally:
        signals.request_started.connect(close_old_connections)
        signals.request_finished.connect(close_old_connections)
    _report(request.config, elapsed)
    organisateur = [count for (role, _operation), count in CASES.items() if role == "organisateur"]
    if len(organisateur) == len(list(schema.get_all_operations())):  # the whole run, not a -k selection
        assert min(organisateur) >= EXAMPLES, "an operation got fewer cases than FUZZ_EXAMPLES (see the summary)"


def _report(config, elapsed: float) -> None:
    per_role = Counter()
    operations = {role: set() for role in ("organisateur", *OTHER_ROLES, ANONYMOUS)}
    for (role, operation), count in CASES.items():
        per_role[role] += count
        operations[role].add(operation)
    lines = [f"schema fuzz: {sum(CASES.values())} cases in {elapsed:.0f}s"]
    lines += [f"  {role}: {len(operations[role])} operations, {per_role[role]} cases" for role in per_role]
    for role in per_role:
        fewest = min((count, operation) for (r, operation), count in CASES.items() if r == role)
        lines.append(f"  {role}, fewest cases: {fewest[0]} ({fewest[1]})")
    config.pluginmanager.register(_Summary(lines), "schema-fuzz-summary")
    if path := os.environ.get("FUZZ_SUMMARY"):
        summary = {f"{role} {operation}": count for (role, operation), count in sorted(CASES.items())}
        with open(path, "w") as f:
            json.dump({"seconds": round(elapsed), "cases": summary}, f, indent=1)


class _Summary:
    """Prints the counts in pytest's terminal summary (fixture output is captured)."""

    def __init__(self, lines):
        self.lines = lines

    def pytest_terminal_summary(self, terminalreporter):
        terminalreporter.write_sep("-", "schema fuzz")
        for line in self.lines:
            terminalreporter.write_line(line)


def _call_and_validate(case, role: str, world: FuzzWorld) -> None:
    CASES[(role, case.operation.label)] += 1
    cache.clear()  # throttle counters: every case starts unthrottled
    savepoint = transaction.savepoint()
    try:
        headers = {"Authorization": f"Bearer {world.access_token(role)}"} if role != ANONYMOUS else None
        case.call_and_validate(headers=headers, checks=CHECKS)
    finally:
        transaction.savepoint_rollback(savepoint)


@pytest.mark.fuzz
@schema.parametrize()
@settings(max_examples=EXAMPLES, **FUZZ_SETTINGS)
def test_every_operation_as_organisateur(case, fuzz_world):
    _call_and_validate(case, "organisateur", fuzz_world)


@pytest.mark.fuzz
@pytest.mark.parametrize("role", [*OTHER_ROLES, ANONYMOUS])
@role_schema.parametrize()
@settings(max_examples=ROLE_EXAMPLES, **FUZZ_SETTINGS)
def test_every_operation_as_other_roles(case, role, fuzz_world):
    _call_and_validate(case, role, fuzz_world)


def _raised_codes():
    """(status, code, where) of every error with a literal code raised in the code base: AppError,
    DRF's NotFound / PermissionDenied / AuthenticationFailed, PermissionDenied subclasses and
    permission classes (``default_code`` / ``code``)."""
    exception_status = {"NotFound": 404, "PermissionDenied": 403, "AuthenticationFailed": 401}
    for path in sorted(Path(django_settings.BASE_DIR).glob("*/**/*.py")):
        parts = path.relative_to(django_settings.BASE_DIR).parts
        if parts[0] not in {"accounts", "events", "annonces", "exposants", "makeplus"}:
            continue
        if {"tests", "migrations", "management"} & set(parts):
            continue
        tree = ast.parse(path.read_text())
        for node in ast.walk(tree):
            where = f"{'/'.join(parts)}:{getattr(node, 'lineno', 0)}"
            if isinstance(node, ast.Call):
                name = getattr(node.func, "attr", getattr(node.func, "id", None))
                keywords = {kw.arg: kw.value for kw in node.keywords}
                if name in ("AppError", "api_error") and len(node.args) >= 2 and isinstance(node.args[1], ast.Constant):
                    # The status comes from the registry: the code must be in it.
                    code = node.args[1].value
                    yield STATUS_OF.get(code, "unregistered"), code, where
                elif name in exception_status and isinstance(keywords.get("code"), ast.Constant):
                    yield exception_status[name], keywords["code"].value, where
            elif isinstance(node, ast.ClassDef):
                for statement in node.body:
                    if (
                        isinstance(statement, ast.Assign)
                        and isinstance(statement.value, ast.Constant)
                        and any(getattr(t, "id", None) in {"default_code", "code"} for t in statement.targets)
                        and any("Permission" in ast.unparse(base) for base in node.bases)
                    ):
                        yield 403, statement.value.value, where


def test_every_code_the_code_raises_is_documented_at_its_status():
    raised = list(_raised_codes())
    assert len(raised) > 50  # the scan sees the code base
    undocumented = [(status, code, where) for status, code, where in raised if code not in ERROR_CODES.get(status, ())]
    assert undocumented == []  # add them to makeplus.errors.CODES_BY_STATUS
