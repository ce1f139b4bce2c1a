"""Bodies the database or Python cannot take are refused as 400s in the error format (makeplus/parsers.py)."""

import json

import pytest

from conftest import error_codes
from events.tests.factories_programme import RoomFactory
from makeplus.parsers import MAX_JSON_DEPTH

pytestmark = pytest.mark.django_db


def _nested(depth: int, leaf="x") -> str:
    return "[" * depth + json.dumps(leaf) + "]" * depth


@pytest.mark.parametrize("depth", [MAX_JSON_DEPTH + 1, 500, 1000, 100_000])
def test_a_deeply_nested_body_is_a_400(api_client, depth):
    response = api_client.post("/api/auth/login/", data=_nested(depth), content_type="application/json")

    assert response.status_code == 400
    assert error_codes(response) == ["too_deep"]
    assert response.json()["message"] == "Le corps JSON est imbriqué trop profondément."


def test_a_body_at_the_depth_limit_is_parsed(api_client):
    body = {"email": "a@b.dz", "password": json.loads(_nested(MAX_JSON_DEPTH - 1))}

    response = api_client.post("/api/auth/login/", data=body, format="json")

    assert response.status_code == 400
    assert error_codes(response) == ["invalid"]  # the password field's own refusal, past the parser


def test_a_list_nested_in_an_id_field_is_a_400(organisateur, event_a):
    room = RoomFactory(event=event_a)
    body = '{"room": ' + _nested(500, str(room.pk)) + ', "user": 1}'

    response = organisateur.client.post("/api/room-assignments/", data=body, content_type="application/json")

    assert response.status_code == 400
    assert error_codes(response) == ["too_deep"]


@pytest.mark.parametrize(
    "body",
    [
        {"settings": {"note": "a\x00b"}},
        {"metadata": {"a\x00": 1}},
        {"themes": ["IA", "\x00"]},
        {"name": "Tech\x00Summit"},
    ],
    ids=["value", "key", "list", "text_field"],
)
def test_a_nul_character_is_refused_before_the_database(organisateur, event_a, body):
    response = organisateur.client.patch(f"/api/events/{event_a.pk}/", data=body, format="json")

    assert response.status_code == 400
    assert error_codes(response) == ["null_character"]
    event_a.refresh_from_db()
    assert (event_a.name, event_a.settings, event_a.metadata) == ("TechSummit Algeria", {}, {})


@pytest.mark.parametrize("length", [255, 320])
def test_an_email_longer_than_the_column_is_a_400(organisateur, length):
    email = "a" * (length - len("@makeplus.dz")) + "@makeplus.dz"

    response = organisateur.client.post("/api/participants/", {"email": email}, format="json")

    assert response.status_code == 400
    assert "max_length" in error_codes(response)


@pytest.mark.parametrize("encoding", ["multipart", "form"])
def test_a_nul_character_in_a_form_field_is_refused_too(auth_client, user, encoding):
    client = auth_client(user)
    body = {"first_name": "Am\x00ina"}
    if encoding == "multipart":
        response = client.patch("/api/auth/profile/", data=body, format="multipart")
    else:
        response = client.generic(
            "PATCH", "/api/auth/profile/", "first_name=Am%00ina", content_type="application/x-www-form-urlencoded"
        )

    assert response.status_code == 400
    assert error_codes(response) == ["null_character"]
    user.refresh_from_db()
    assert user.first_name != "Am\x00ina"
