"""Tenant isolation matrix (OWASP API1): every API operation × every caller × event A's and B's object.

The operations come from the OpenAPI schema and are cross-checked against the URL resolver; the
expected statuses are declared once, in isolation_table.py. Each operation is one test that runs
its cells (six callers × object of A, object of B, and for some rows A's object with B's ids in
the body), each in a savepoint rolled back after the request, on one world built for the module
(isolation_world.py). A cell fails on a status other than declared, a 2xx on B's object, a 5xx,
or anything of event B in the response.
"""

import json
import re
from dataclasses import dataclass
from urllib.parse import urlencode

import pytest
from django.core.cache import cache
from django.db import transaction
from django.test import override_settings
from django.urls import URLPattern, URLResolver, get_resolver
from rest_framework.test import APIClient

from makeplus.tests.isolation_requests import Call
from makeplus.tests.isolation_table import NON_SCHEMA_ROUTES, TABLE, Op
from makeplus.tests.isolation_world import (
    ANONYMOUS,
    CALLERS,
    KINDS,
    Fingerprint,
    Side,
    build_side,
    find_b_leaks,
    fingerprint,
)

HTTP_METHODS = ("get", "post", "put", "patch", "delete")
PLACEHOLDER = re.compile(r"\{(\w+)\}")  # a path parameter of the schema: {id}, {event_id}, {token}
CELLS_CHECKED: list[tuple] = []


# --- the operations ------------------------------------------------------------------------------


def schema_operations() -> set[tuple[str, str]]:
    from drf_spectacular.generators import SchemaGenerator

    schema = SchemaGenerator().get_schema(request=None, public=True)
    return {
        (method.upper(), path) for path, item in schema["paths"].items() for method in item if method in HTTP_METHODS
    }


def _template(prefix: str, pattern) -> str:
    text = str(pattern.pattern)
    text = re.sub(r"\(\?P<(\w+)>[^)]*\)", r"{\1}", text)  # regex groups (router routes)
    text = re.sub(r"<(?:\w+:)?(\w+)>", r"{\1}", text)  # path converters
    text = text.replace("^", "").replace("$", "").replace("\\.", ".")
    return prefix + text


def resolver_operations() -> tuple[set[tuple[str, str]], set[str]]:
    """(method, path) of every view the URL configuration routes to, with the methods the view
    really answers (a viewset action whose method its ``http_method_names`` refuses is a 405, not an
    operation), and the routes that are not DRF views (with every method). Format-suffix variants
    (``rooms.json``) are the same views: left out."""
    operations, other_routes = set(), set()

    def walk(patterns, prefix):
        for entry in patterns:
            path = _template(prefix, entry)
            if isinstance(entry, URLResolver):
                if path == "/admin/":
                    other_routes.add(path)
                else:
                    walk(entry.url_patterns, path)
                continue
            assert isinstance(entry, URLPattern)
            if "{format}" in path:
                continue
            path = path.replace("{pk}", "{id}")
            callback = entry.callback
            cls = getattr(callback, "cls", None)
            if cls is None:
                other_routes.add(path)
                continue
            actions = getattr(callback, "actions", None)
            allowed = set(cls.http_method_names) - {"head", "options", "trace"}
            if actions:
                methods = {m for m, action in actions.items() if m in allowed and hasattr(cls, action)}
            else:
                methods = {m for m in allowed if hasattr(cls, m)}
            if not methods:
                other_routes.add(path)
            operations.update((m.upper(), path) for m in methods)

    walk(get_resolver().url_patterns, "/")
    return operations, other_routes


def test_every_schema_operation_has_exactly_one_row():
    in_table = [op.key for op in TABLE]
    duplicates = sorted({key for key in in_table if in_table.count(key) > 1})
    schema = schema_operations()
    missing = sorted(schema - set(in_table))
    stale = sorted(set(in_table) - schema)
    assert not duplicates, f"operations with several rows in isolation_table.TABLE: {duplicates}"
    assert not missing, f"operations without a row in isolation_table.TABLE (declare them): {missing}"
    assert not stale, f"rows of isolation_table.TABLE for operations that no longer exist: {stale}"


def test_every_routed_view_is_in_the_schema_or_declared():
    operations, other_routes = resolver_operations()
    schema = schema_operations()
    undeclared_ops = sorted((method, path) for method, path in operations - schema if path not in NON_SCHEMA_ROUTES)
    undeclared_routes = sorted(other_routes - set(NON_SCHEMA_ROUTES))
    not_routed = sorted(schema - operations)
    stale = sorted(set(NON_SCHEMA_ROUTES) - other_routes - {path for _m, path in operations})
    assert not undeclared_ops, f"routed views outside the schema, not in NON_SCHEMA_ROUTES: {undeclared_ops}"
    assert not undeclared_routes, f"routes outside the schema, not in NON_SCHEMA_ROUTES: {undeclared_routes}"
    assert not not_routed, f"schema operations the URL resolver does not route: {not_routed}"
    assert not stale, f"NON_SCHEMA_ROUTES entries that are no longer routed: {stale}"


@pytest.mark.parametrize("op", TABLE, ids=str)
def test_row_is_well_formed(op: Op):
    assert op.method in {m.upper() for m in HTTP_METHODS}
    assert set(op.a) == set(op.b) == set(CALLERS)
    names = PLACEHOLDER.findall(op.path)
    if op.kind is not None:
        assert len(names) == 1, "a path with an object has one parameter, its id ({id}, {event_id}...)"
    else:
        assert bool(names) == (op.path_args is not None), "a path without an object fills its parameters"
    if op.kind is not None:
        assert op.kind in KINDS
        never_2xx = {caller: code for caller, code in op.b.items() if 200 <= code < 300}
        assert not never_2xx, f"event B's object may never answer 2xx: {never_2xx}"
    if op.x is not None:
        assert op.kind is not None and set(op.x) == set(CALLERS)
    assert op.a[ANONYMOUS] in (200, 201, 401), "the anonymous client is refused (401) or the route is public"


# --- the world -----------------------------------------------------------------------------------


@dataclass
class World:
    a: Side
    b: Side
    b_fingerprint: Fingerprint


@pytest.fixture(scope="module")
def world(django_db_setup, django_db_blocker, tmp_path_factory):
    """Both events, built once for the module inside a transaction rolled back at its end (each test
    adds its own savepoint on top, and each cell another)."""
    media = tmp_path_factory.mktemp("isolation-media")
    hashers = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    with django_db_blocker.unblock(), override_settings(MEDIA_ROOT=media, PASSWORD_HASHERS=hashers):
        atomic = transaction.atomic()
        atomic.__enter__()
        try:
            a = build_side("TechSummit Algeria", other_tenant=False)
            b = build_side("StartupWeek Oran", other_tenant=True)
            yield World(a, b, fingerprint(b))
        finally:
            transaction.set_rollback(True)
            atomic.__exit__(None, None, None)


# --- one cell ------------------------------------------------------------------------------------


def _send(op: Op, call: Call, text: str | None = None) -> tuple[int, bytes, dict, str]:
    """The cell's request; ``text``: a JSON body sent as it is, instead of the row's body."""
    client = APIClient()
    if call.me is not None:
        client.credentials(HTTP_AUTHORIZATION=f"Bearer {call.me.access}")
    if op.kind:
        path = PLACEHOLDER.sub(str(call.obj.obj(op.kind)), op.path)
    else:
        path = op.path.format(**op.path_args(call)) if op.path_args else op.path
    query = op.query(call) if op.query else {}
    url = f"{path}?{urlencode(query)}" if query else path
    if text is None:
        body = op.body(call) if op.body else None
        response = getattr(client, op.method.lower())(url, body, format=op.format)
        sent = json.dumps(body, default=str, ensure_ascii=False)
    else:
        response = client.generic(op.method, url, text.encode(), content_type="application/json")
        sent = text
    # Reading a streamed file to its end closes it (the test client's wrapper); never close() here:
    # that would fire request_finished and close the database connection inside the transaction.
    content = b"".join(response.streaming_content) if response.streaming else response.content
    headers = {name: value for name, value in response.items() if name.lower() != "authorization"}
    return response.status_code, content, headers, url + sent


def run_cell(op: Op, world: World, caller: str, obj: str) -> list[str]:
    """One request in a savepoint rolled back afterwards; the list of what went wrong."""
    sides = {"A": (world.a, world.a), "B": (world.b, world.b), "X": (world.a, world.b)}
    obj_side, ref_side = sides[obj]
    expected = {"A": op.a, "B": op.b, "X": op.x}[obj][caller]
    me = None if caller == ANONYMOUS else world.a.members[caller]
    cache.clear()  # throttle counters: each cell starts fresh
    try:
        with transaction.atomic():
            status, content, headers, sent = _send(op, Call(obj=obj_side, ref=ref_side, a=world.a, me=me))
            transaction.set_rollback(True)
    except Exception as exc:  # a crash is a finding of the matrix, reported with the others
        return [f"{caller} on {obj}: exception {type(exc).__name__}: {exc}"]
    finally:
        CELLS_CHECKED.append((op.key, caller, obj))
    body_text = content.decode("utf-8", "replace")
    text = body_text + "\n" + json.dumps(headers)
    data = None
    if headers.get("Content-Type", "").startswith("application/json") and content:
        data = json.loads(content)
    problems = []
    if status != expected:
        codes = [e.get("code") for e in data.get("errors", [])] if isinstance(data, dict) else []
        problems.append(f"{caller} on {obj}: {status} {codes or ''} (expected {expected})")
    if obj == "B" and op.kind is not None and 200 <= status < 300:
        problems.append(f"{caller} on B: {status} on event B's object")
    if status >= 500:
        problems.append(f"{caller} on {obj}: server error {status}")
    leaks = find_b_leaks(world.b_fingerprint, text=text, json_data=data, sent=sent)
    if leaks:
        problems.append(f"{caller} on {obj}: event B in the response: {leaks}")
    check = {"B": op.check_b, "X": op.check_x}.get(obj)
    if check is not None and 200 <= status < 300 and not check(body_text if data is None else data):
        problems.append(f"{caller} on {obj}: unexpected answer {body_text[:500]}")
    return problems


@pytest.mark.parametrize("op", TABLE, ids=str)
def test_isolation(op: Op, world, db):
    objects = ["A", "B"] + (["X"] if op.x is not None else [])
    problems = [p for obj in objects for caller in CALLERS for p in run_cell(op, world, caller, obj)]
    assert not problems, f"{op}:\n  " + "\n  ".join(problems)


def test_cells_counted(request, capsys):
    """The size of the matrix (printed for the record) and that every cell of it ran."""
    selected = sum(1 for item in request.session.items if getattr(item, "originalname", "") == "test_isolation")
    expected = len(TABLE) * len(CALLERS) * 2
    cross = sum(len(CALLERS) for op in TABLE if op.x is not None)
    ran = {cell for cell in CELLS_CHECKED if cell[2] in ("A", "B")}
    with capsys.disabled():
        print(
            f"\nisolation matrix: {len(TABLE)} operations x {len(CALLERS)} callers x 2 objects = {expected} cells"
            f" (+ {cross} cross-reference cells); {len(ran)} run in this session"
        )
    if selected < len(TABLE):
        pytest.skip(f"only {selected} of the {len(TABLE)} operations were selected")
    assert len(ran) == expected


# --- bad input on every operation with a JSON body (issue 23: never a 500) ---------------------------


def _strings(value, new):
    if isinstance(value, str):
        return new(value)
    if isinstance(value, dict):
        return {key: _strings(item, new) for key, item in value.items()}
    if isinstance(value, list):
        return [_strings(item, new) for item in value]
    return value


def _nested_text(depth: int, value) -> str:
    """JSON text of ``value`` inside ``depth`` nested lists (written by hand: the encoder would recurse)."""
    return "[" * depth + json.dumps(value) + "]" * depth


BAD_BODIES = {
    # a NUL character in every text value (PostgreSQL refuses them in text: a 500 unless caught before)
    "nul": lambda body: json.dumps(_strings(body, lambda text: text[:1] + "\x00" + text[1:])),
    # every text value far beyond any column (a 500 "value too long" unless validated before)
    "long": lambda body: json.dumps(_strings(body, lambda text: "x" * 100_000)),
    # every value, ids included, inside a list nested 500 deep
    "deep_values": lambda body: (
        "{" + ", ".join(f"{json.dumps(key)}: {_nested_text(500, item)}" for key, item in body.items()) + "}"
        if isinstance(body, dict)
        else _nested_text(500, body)
    ),
    # the whole body nested 1,000 deep (a RecursionError in the JSON parser unless limited)
    "deep_body": lambda body: _nested_text(1000, body),
}
JSON_BODY_OPS = [op for op in TABLE if op.body is not None and op.format == "json"]


@pytest.mark.parametrize("op", JSON_BODY_OPS, ids=str)
def test_bad_input_is_never_a_server_error(op: Op, world, db):
    """Each bad body, sent by a caller the operation accepts (its valid body answers 2xx): a 4xx in the
    error format, or a 2xx where the value is acceptable (a long note), never a 5xx."""
    caller = next((c for c in CALLERS if 200 <= op.a[c] < 300), CALLERS[0])
    me = None if caller == ANONYMOUS else world.a.members[caller]
    call = Call(obj=world.a, ref=world.a, a=world.a, me=me)
    problems = []
    for name, spoil in BAD_BODIES.items():
        cache.clear()
        with transaction.atomic():
            status, content, headers, _sent = _send(op, call, spoil(op.body(call)))
            transaction.set_rollback(True)
        if status >= 500:
            problems.append(f"{name}: {status} {content[:300]!r}")
        elif status >= 400:
            data = json.loads(content) if headers.get("Content-Type", "").startswith("application/json") else None
            if not (isinstance(data, dict) and data.get("errors") and all(e.get("code") for e in data["errors"])):
                problems.append(f"{name}: {status} outside the error format: {content[:300]!r}")
    assert not problems, f"{op} as {caller}:\n  " + "\n  ".join(problems)
