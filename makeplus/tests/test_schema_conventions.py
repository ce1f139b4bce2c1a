"""The OpenAPI schema generates working clients, and the API follows one set of conventions (README
"API conventions"): each test walks every operation of the served schema.

The generated clients themselves (openapi-python-client, an event-day scenario against a live server) are
tested in makeplus/tests/test_generated_client.py; the TypeScript types are type-checked by .ci/run.
"""

import json
import uuid

import pytest

from conftest import DEFAULT_PASSWORD
from events.models import Role
from makeplus.errors import CODES_BY_STATUS, STATUS_OF
from makeplus.openapi import ERROR_COMPONENT

pytestmark = pytest.mark.django_db

METHODS = ("get", "post", "put", "patch", "delete")
BINARY_MEDIA = {"application/pdf", "image/png", "text/csv", "application/octet-stream"}
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def _served(client, language: str) -> dict:
    response = client.get("/api/schema/", {"format": "json"}, HTTP_ACCEPT_LANGUAGE=language)
    assert response.status_code == 200
    return json.loads(response.content)


@pytest.fixture(scope="module")
def schema(django_db_blocker):
    from rest_framework.test import APIClient

    with django_db_blocker.unblock():
        return _served(APIClient(), "fr")


def _operations(schema):
    for path, methods in schema["paths"].items():
        for method, operation in methods.items():
            if method in METHODS:
                yield path, method, operation


def _resolve(schema, node):
    while isinstance(node, dict) and "$ref" in node:
        node = schema["components"]["schemas"][node["$ref"].rsplit("/", 1)[-1]]
    return node


def _properties(schema, node, seen=None):
    """(name, property schema) of every property reachable from ``node`` (refs, allOf/oneOf, items)."""
    seen = set() if seen is None else seen
    if isinstance(node, dict) and "$ref" in node:
        name = node["$ref"].rsplit("/", 1)[-1]
        if name in seen:
            return
        seen.add(name)
        node = _resolve(schema, node)
    if not isinstance(node, dict):
        return
    for name, prop in node.get("properties", {}).items():
        yield name, _resolve(schema, prop) if "$ref" in prop else prop
        yield from _properties(schema, prop, seen)
    for key in ("allOf", "oneOf", "anyOf"):
        for item in node.get(key, []):
            yield from _properties(schema, item, seen)
    if "items" in node:
        yield from _properties(schema, node["items"], seen)
    if isinstance(node.get("additionalProperties"), dict):
        yield from _properties(schema, node["additionalProperties"], seen)


def _response_schemas(operation):
    for status, response in operation["responses"].items():
        for media, content in response.get("content", {}).items():
            if media == "application/json" and "schema" in content:
                yield status, content["schema"]


# --- 1. A schema clients generate from --------------------------------------------------------------


def test_the_schema_is_the_same_in_every_language_and_names_are_ascii(api_client, schema):
    assert _served(api_client, "ar") == schema
    assert _served(api_client, "en") == schema
    names = list(schema["components"]["schemas"])
    assert [name for name in names if not name.isascii() or not name.isidentifier()] == []


def test_every_operation_has_a_summary_and_a_description(schema):
    missing = [
        op["operationId"] for _p, _m, op in _operations(schema) if not op.get("summary") or not op.get("description")
    ]
    assert missing == []
    assert len(list(_operations(schema))) >= 138


def test_the_description_explains_login_and_event_selection(schema):
    text = schema["info"]["description"]
    for step in ("/api/auth/login/", "requires_event_selection", "/api/auth/select-event/", "/api/auth/switch-event/",
                 "temp_token", "event_not_selected", "/api/auth/token/refresh/"):  # fmt: skip
        assert step in text


def test_one_request_body_per_operation_json_unless_a_file_is_uploaded(schema):
    media_types = {}
    for _path, _method, operation in _operations(schema):
        content = operation.get("requestBody", {}).get("content")
        if content:
            assert len(content) == 1, operation["operationId"]
            (media,) = content
            media_types[operation["operationId"]] = media
    multipart = sorted(op for op, media in media_types.items() if media != "application/json")
    assert set(media_types.values()) == {"application/json", "multipart/form-data"}
    assert multipart == [
        "auth_profile_partial_update",
        "eposters_create",
        "eposters_partial_update",
        "events_create",
        "events_partial_update",
        "events_update",
        "exposants_me_partial_update",
        "exposants_partial_update",
        "participants_import_create",
    ]
    for operation_id in multipart:  # each of them uploads a file
        (path, method, operation) = next(o for o in _operations(schema) if o[2]["operationId"] == operation_id)
        body = operation["requestBody"]["content"]["multipart/form-data"]["schema"]
        assert any(prop.get("format") == "binary" for _name, prop in _properties(schema, body)), operation_id


def test_binary_responses_are_described_with_their_media_type(schema):
    binary = {}
    for _path, _method, operation in _operations(schema):
        for status, response in operation["responses"].items():
            for media in response.get("content", {}):
                if media != "application/json":
                    binary[operation["operationId"]] = (status, media)
                    assert response["content"][media]["schema"] == {"type": "string", "format": "binary"}
    assert binary == {
        "events_programme_retrieve": ("200", "application/pdf"),
        "events_guide_retrieve": ("200", "application/pdf"),
        "exposants_plan_retrieve": ("200", "application/pdf"),
        "participants_badge_png_retrieve": ("200", "image/png"),
        "participants_me_badge_png_retrieve": ("200", "image/png"),
        "exposant_scans_export_retrieve": ("200", "text/csv"),
        "exposant_scans_export_excel_retrieve": ("200", XLSX),
        "files_retrieve": ("200", "application/octet-stream"),
        "jobs_download_retrieve": ("200", "application/octet-stream"),
    }


def test_one_error_component_and_each_operation_lists_its_codes(schema):
    components = schema["components"]["schemas"]
    error_shaped = [name for name, c in components.items() if {"type", "errors"} <= set(c.get("properties", {}))]
    assert error_shaped == [ERROR_COMPONENT]
    assert len(components) < 200  # 925 before issue 21, 734 of them error schemas
    for _path, _method, operation in _operations(schema):
        for status, response in operation["responses"].items():
            if int(status) >= 400:
                if operation["operationId"] == "health_retrieve":
                    continue  # its 503 is the health report itself
                assert response["content"] == {
                    "application/json": {"schema": {"$ref": f"#/components/schemas/{ERROR_COMPONENT}"}}
                }, operation["operationId"]
                assert response["x-error-codes"], (operation["operationId"], status)
                assert all(f"`{code}`" in response["description"] for code in response["x-error-codes"])


def test_the_door_scan_example_works_as_it_is(organisateur, event_a, schema):
    from events.models import Room

    room = Room.objects.create(event=event_a, name="Salle A", capacity=10)
    operation = schema["paths"]["/api/rooms/{id}/verify_access/"]["post"]
    example = operation["requestBody"]["content"]["application/json"]["example"]

    response = organisateur.client.post(f"/api/rooms/{room.pk}/verify_access/", example, format="json")

    assert response.status_code == 200
    assert (response.json()["status"], response.json()["reason"]) == ("denied", "invalid_badge")


# --- 3. Conventions -----------------------------------------------------------------------------------


def test_convention_one_http_status_per_error_code(schema):
    """Each registered code is documented only under its one status (conflicts 409, too large 413, ...)."""
    misplaced = []
    for _path, _method, operation in _operations(schema):
        for status, response in operation["responses"].items():
            for code in response.get("x-error-codes", []):
                if code in STATUS_OF and STATUS_OF[code] != int(status):
                    misplaced.append((operation["operationId"], status, code))
    assert misplaced == []
    assert STATUS_OF["already_assigned"] == 409
    assert STATUS_OF["file_too_large"] == 413
    assert "not_found" in CODES_BY_STATUS[404]


def test_convention_date_times_are_declared_as_date_time(schema):
    """A property named like a date-time (``*_at``, ``*_time``, ``*_date``, ``since``) is a date-time or a date."""
    suffixes = ("_at", "_time", "_date")
    wrong = set()
    for _path, _method, operation in _operations(schema):
        for _status, body in _response_schemas(operation):
            for name, prop in _properties(schema, body):
                plain = prop.get("type") == "string" and prop.get("format") not in ("date-time", "date")
                if name.endswith(suffixes) and plain:
                    wrong.add((operation["operationId"], name))
    assert sorted(wrong) == []


def test_convention_date_times_are_answered_in_one_format(organisateur, event_a, api_client):
    """Serializer fields and dict-built answers (login, dashboard) write date-times the same way: RFC 3339 in
    the server's zone (Africa/Algiers, ``+01:00``), never ``Z``."""
    from events.models import Room

    Room.objects.create(event=event_a, name="Salle A", capacity=10)
    event = organisateur.client.get(f"/api/events/{event_a.pk}/").json()
    dashboard = organisateur.client.get("/api/dashboard/stats/").json()

    login = api_client.post("/api/auth/login/", {"email": organisateur.user.email, "password": DEFAULT_PASSWORD})
    stamps = [value for body in (event, dashboard, login.json()) for value in _strings(body) if _looks_like(value)]
    assert event["start_date"].endswith("+01:00")
    assert len(stamps) >= 4
    assert [value for value in stamps if not value.endswith("+01:00")] == []


def _strings(node):
    if isinstance(node, str):
        yield node
    elif isinstance(node, dict):
        for value in node.values():
            yield from _strings(value)
    elif isinstance(node, list):
        for value in node:
            yield from _strings(value)


def _looks_like(value: str) -> bool:
    return len(value) >= 20 and value[4] == "-" and value[10] == "T"


def test_convention_lists_are_paginated_except_the_stated_ones(schema):
    """Every list answers ``{count, next, previous, results}``; the bare lists are the ones the README names."""
    bare = set()
    for path, method, operation in _operations(schema):
        for status, body in _response_schemas(operation):
            if status.startswith("2") and _resolve(schema, body).get("type") == "array":
                bare.add(f"{method.upper()} {path}")
    assert bare == BARE_LISTS


# The mobile app reads it whole as a bare JSON array (mobile-app contract §3 "events"): README "API conventions".
BARE_LISTS = {"GET /api/auth/my-events/"}


def test_convention_a_person_is_named_by_full_name(schema):
    """A person in an answer is an object with ``id`` and ``full_name``. Older names of the same value stay
    beside it for existing clients (``name``, ``holder_name``, ``author_name``); the mobile app's shapes
    (``App*``) keep the app's keys."""
    people, missing = [], []
    for name, component in schema["components"]["schemas"].items():
        properties = component.get("properties", {})
        if name.endswith("Request") or name.startswith("App"):
            continue
        named_person = {"holder_name", "author_name"} & set(properties) or (
            "name" in properties and ({"badge_id", "email", "contact_shared"} & set(properties) or "Verifier" in name)
        )
        if named_person or "full_name" in properties:
            people.append(name)
            if "full_name" not in properties and "author" not in properties:
                missing.append(name)
    assert missing == []
    assert len(people) >= 15


BADGE_REFUSALS = {"invalid_badge", "revoked", "wrong_event"}


def test_convention_a_refused_badge(schema, organisateur, event_a):
    """Where checking the badge is the request (door, entrance), a refusal is a 200 with ``status: denied`` and
    its ``reason``; where the badge names the subject of a write (a stand's lead), it is a 400 whose code is that
    same reason."""
    for path in ("/api/rooms/{id}/verify_access/", "/api/qr/verify/"):
        answer = schema["paths"][path]["post"]["responses"]["200"]["content"]["application/json"]["schema"]
        properties = _resolve(schema, answer)["properties"]
        status = properties["status"]
        assert _resolve(schema, (status.get("allOf") or [status])[0])["enum"] == ["granted", "denied"]
        assert "reason" in properties
    refusals = schema["paths"]["/api/exposant/scan/"]["post"]["responses"]["400"]["x-error-codes"]
    assert set(refusals) >= BADGE_REFUSALS

    from events.models import Room

    room = Room.objects.create(event=event_a, name="Salle A", capacity=10)
    door = organisateur.client.post(f"/api/rooms/{room.pk}/verify_access/", {"qr_code": "MP1.x"}, format="json")
    entrance = organisateur.client.post("/api/qr/verify/", {"qr_code": "MP1.x"}, format="json")

    assert (door.status_code, door.json()["status"], door.json()["reason"]) == (200, "denied", "invalid_badge")
    assert (entrance.status_code, entrance.json()["status"], entrance.json()["reason"]) == (
        200,
        "denied",
        "invalid_badge",
    )


def test_convention_an_organiser_without_an_event_may_switch(client_for, event_a):
    from accounts.tests.factories import UserFactory
    from events.tests.factories import AssignmentFactory

    user = UserFactory()
    AssignmentFactory(user=user, event=event_a, role=Role.ORGANISATEUR)
    client = client_for(user, None)

    response = client.post("/api/auth/switch-event/", {"event_id": str(event_a.pk)}, format="json")

    assert response.status_code == 200


def test_convention_a_documented_default_is_a_valid_value(schema):
    """Empty values: a text field that defaults to "" accepts "" (register's ``phone`` did not)."""
    contradictions = set()
    for _path, _method, operation in _operations(schema):
        for content in operation.get("requestBody", {}).get("content", {}).values():
            for name, prop in _properties(schema, content["schema"]):
                if prop.get("default") == "" and prop.get("minLength", 0) > 0:
                    contradictions.add((operation["operationId"], name))
    assert sorted(contradictions) == []


def _example_path(path: str, operation: dict) -> str:
    for parameter in operation.get("parameters", []):
        if parameter["in"] == "path":
            number = parameter["schema"].get("type") == "integer" or parameter["schema"].get("pattern") == r"^\d+$"
            value = "1" if number else "token" if parameter["name"] == "token" else str(uuid.uuid4())
            path = path.replace("{" + parameter["name"] + "}", value)
    return path


def test_convention_a_method_a_route_never_allows_is_405_for_every_role(schema, member, event_a):
    """Every path of the schema, every method it does not document: 405 ``method_not_allowed`` (a participant
    met 403 where the route's write rule named organisateurs)."""
    participant, _user = member(Role.PARTICIPANT, event_a)
    answers = {}
    for path, methods in schema["paths"].items():
        documented = {method for method in methods if method in METHODS}
        operation = next(methods[m] for m in documented)
        url = _example_path(path, operation)
        for method in set(METHODS) - documented:
            response = getattr(participant, method)(url, {}, format="json")
            answers[(method.upper(), path)] = (response.status_code, response.json()["errors"][0]["code"])
    wrong = {key: answer for key, answer in answers.items() if answer != (405, "method_not_allowed")}
    assert len(answers) > 150
    assert wrong == {}


# Text that may be null: links and values computed only when they apply, and what the mobile app needs null
# (an empty speaker_name breaks its session card; it reads creator_name as an optional string).
NULLABLE_TEXT = {
    "EPoster.file_type",
    "GalleryItem.pdf_url",
    "GalleryItem.thumbnail_url",
    "Participant.qr_code_data",
    "ScanParticipant.photo",
    "Session.youtube_video_id",
    "Session.speaker_name",
    "Annonce.creator_name",
}


def test_convention_empty_text_is_an_empty_string_not_null(schema):
    """Empty values: free text is "" when empty; null is for no object, id, number, date or link."""
    nullable = set()
    for name, component in schema["components"]["schemas"].items():
        if name.endswith("Request") or name.startswith("App"):
            continue
        for field, prop in component.get("properties", {}).items():
            text = prop.get("type") == "string" and not prop.get("format") and not prop.get("enum")
            if text and prop.get("nullable"):
                nullable.add(f"{name}.{field}")
    assert nullable == NULLABLE_TEXT


# Their own identifiers, not references to another resource.
OWN_IDS = {"badge_id", "key_id", "youtube_video_id"}
# Free-form objects (a summary of the current event in statistics) and the exposant's visitor (no id: an exposant
# learns the name, and the contact only with consent).
REFERENCE_EXCEPTIONS = {"Dashboard.event", "EventStatistics.event", "ExposantScan.visitor"}
RESOURCES = {"room", "session", "event", "participant", "user", "exposant", "verified_by", "created_by", "author",
             "assigned_by", "recorded_by", "question", "annonce", "visitor"}  # fmt: skip


def test_convention_another_resource_is_referenced_by_id_or_an_object_with_id(schema):
    """``room``/``session``/``event`` (UUID) and people/badges (integer) are referenced by id under the resource's
    name, or by a nested object with ``id`` where the reader needs more (``user_detail``, ``participant``)."""
    components = schema["components"]["schemas"]
    wrong = set()
    for name, component in components.items():
        if name.endswith("Request") or name.startswith("App"):
            continue
        for field, prop in component.get("properties", {}).items():
            if field not in RESOURCES and not (field.endswith("_id") and field not in OWN_IDS):
                continue
            target = _resolve(schema, (prop.get("allOf") or [prop])[0])
            by_id = target.get("format") == "uuid" or target.get("type") == "integer"
            with_id = "id" in target.get("properties", {})
            if not (by_id or with_id) and f"{name}.{field}" not in REFERENCE_EXCEPTIONS:
                wrong.add(f"{name}.{field}")
    assert sorted(wrong) == []


# --- 4. Messages --------------------------------------------------------------------------------------


@pytest.mark.parametrize("language", ["fr", "ar", "en"])
def test_a_malformed_json_body_is_refused_in_the_request_language(api_client, language):
    from django.utils import translation

    response = api_client.post(
        "/api/auth/login/", data='{"email": ', content_type="application/json", HTTP_ACCEPT_LANGUAGE=language
    )

    with translation.override(language):
        expected = translation.gettext("The body is not valid JSON (line %(line)s, column %(column)s).") % {
            "line": 1,
            "column": 11,
        }
    assert response.status_code == 400
    assert response.json()["errors"] == [{"code": "parse_error", "detail": expected, "attr": None}]
    assert "JSON parse error" not in response.content.decode()


@pytest.mark.parametrize("language", ["fr", "ar"])
def test_a_malformed_authorization_header_is_refused_in_the_request_language(api_client, language):
    from django.utils import translation

    response = api_client.get("/api/auth/profile/", HTTP_AUTHORIZATION="Bearer ", HTTP_ACCEPT_LANGUAGE=language)

    with translation.override(language):
        expected = translation.gettext('The Authorization header must be "Bearer" followed by a token.')
    assert (response.status_code, response.json()["errors"][0]["detail"]) == (401, expected)


def test_every_401_says_how_to_authenticate(api_client, user):
    """``WWW-Authenticate`` on every 401: no token, a bad header, an invalid token, wrong credentials, a dead
    refresh token."""
    answers = [
        api_client.get("/api/auth/profile/"),
        api_client.get("/api/auth/profile/", HTTP_AUTHORIZATION="Bearer "),
        api_client.get("/api/auth/profile/", HTTP_AUTHORIZATION="Bearer not-a-token"),
        api_client.post("/api/auth/login/", {"email": user.email, "password": "wrong-password"}, format="json"),
        api_client.post("/api/auth/token/refresh/", {"refresh": "not-a-token"}, format="json"),
        api_client.post("/api/auth/select-event/", {"event_id": str(uuid.uuid4())}, format="json"),
    ]

    assert [response.status_code for response in answers] == [401] * len(answers)
    assert [response.get("WWW-Authenticate") for response in answers] == ['Bearer realm="api"'] * len(answers)


def test_a_get_on_login_is_not_counted_by_the_login_throttle(api_client, user, monkeypatch):
    from rest_framework.throttling import SimpleRateThrottle

    rates = {**SimpleRateThrottle.THROTTLE_RATES, "login": "2/min", "login_email": "2/min"}
    monkeypatch.setattr(SimpleRateThrottle, "THROTTLE_RATES", rates)

    gets = [api_client.get("/api/auth/login/").status_code for _ in range(5)]
    posts = [
        api_client.post("/api/auth/login/", {"email": user.email, "password": DEFAULT_PASSWORD}).status_code
        for _ in range(3)
    ]

    assert gets == [405] * 5
    assert posts == [200, 200, 429]


def test_framework_messages_are_translated(api_client, member, event_a):
    """DRF's and simplejwt's own refusals read in French and Arabic, not only in English."""
    participant, _user = member(Role.PARTICIPANT, event_a)
    requests = {
        "malformed JSON": lambda c, h: c.post("/api/auth/login/", data="{", content_type="application/json", **h),
        "media type": lambda c, h: c.post("/api/auth/login/", data="x", content_type="text/plain", **h),
        "no credentials": lambda c, h: c.get("/api/auth/profile/", **h),
        "bad header": lambda c, h: c.get("/api/auth/profile/", HTTP_AUTHORIZATION="Bearer ", **h),
        "bad token": lambda c, h: c.get("/api/auth/profile/", HTTP_AUTHORIZATION="Bearer x.y.z", **h),
        "method": lambda c, h: c.put("/api/auth/login/", {}, format="json", **h),
        "page": lambda c, h: participant.get("/api/sessions/", {"page": 99}, **h),
        "required": lambda c, h: c.post("/api/auth/login/", {}, format="json", **h),
    }
    untranslated = []
    for what, request in requests.items():
        english = request(api_client, {"HTTP_ACCEPT_LANGUAGE": "en"}).json()["errors"][0]["detail"]
        for language in ("fr", "ar"):
            if request(api_client, {"HTTP_ACCEPT_LANGUAGE": language}).json()["errors"][0]["detail"] == english:
                untranslated.append((what, language, english))
    assert untranslated == []
