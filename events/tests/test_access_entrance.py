"""Entrance check: POST /api/qr/verify/."""

from datetime import datetime

import pytest
from django.db import connection

from conftest import error_codes, run_together
from events.models import Participant, Role, RoomAccess
from events.services.access import check_badge
from events.services.participants import reissue_badge
from events.tests.factories import AssignmentFactory, EventFactory, badge_holder

pytestmark = pytest.mark.django_db

URL = "/api/qr/verify/"
ROLES = list(Role.values)


@pytest.fixture
def desk(client_for, event_a):
    """A controller of the event (no shift needed: the entrance is not a room)."""
    controller = AssignmentFactory(event=event_a, role=Role.CONTROLLEUR_DES_BADGES).user
    client = client_for(controller, event_a)

    def _post(**body):
        return client.post(URL, body, HTTP_ACCEPT_LANGUAGE="en")

    return _post


def test_valid_badge_without_check_in(desk, event_a):
    badge = badge_holder(event_a, kind="exposant", first_name="Amina", last_name="Kaci")

    response = desk(qr_code=badge.qr_code_data)

    assert response.status_code == 200
    assert response.json() == {
        "status": "granted",
        "valid": True,
        "reason": None,
        "message": "Valid badge.",
        "participant": {
            "id": badge.pk,
            "full_name": "Amina Kaci",
            "name": "Amina Kaci",
            "badge_id": badge.badge_id,
            "kind": "exposant",
            "photo": None,
        },
        "is_checked_in": False,
        "checked_in_at": None,
        "checked_in_now": False,
    }
    badge.refresh_from_db()
    assert badge.is_checked_in is False


def test_check_in_once_then_idempotent(desk, event_a):
    badge = badge_holder(event_a)

    first = desk(badge_id=badge.badge_id, check_in=True).json()
    second = desk(qr_code=badge.qr_code_data, check_in=True).json()

    badge.refresh_from_db()
    assert badge.is_checked_in is True
    assert (first["valid"], first["checked_in_now"], first["is_checked_in"], first["message"]) == (
        True,
        True,
        True,
        "Checked in.",
    )
    assert (second["checked_in_now"], second["is_checked_in"], second["message"]) == (
        False,
        True,
        "Already checked in.",
    )
    assert datetime.fromisoformat(first["checked_in_at"]) == badge.checked_in_at
    assert second["checked_in_at"] == first["checked_in_at"]
    assert RoomAccess.objects.count() == 0  # the entrance is not a room


def test_a_door_scan_check_in_is_seen(desk, event_a):
    badge = badge_holder(event_a)
    Participant.objects.filter(pk=badge.pk).update(is_checked_in=True)

    body = desk(badge_id=badge.badge_id).json()

    assert (body["is_checked_in"], body["checked_in_now"], body["message"]) == (True, False, "Valid badge.")


def test_typed_badge_id_with_spaces_and_prefix(desk, event_a):
    badge = badge_holder(event_a)

    body = desk(badge_id=f"mp-{badge.badge_id[:4].lower()} {badge.badge_id[4:]}").json()

    assert (body["valid"], body["participant"]["id"]) == (True, badge.pk)


@pytest.mark.parametrize(
    ("make", "reason", "message", "shows_holder"),
    [
        ("garbage", "invalid_badge", "Unknown or unreadable badge.", False),
        ("unknown_id", "invalid_badge", "Unknown or unreadable badge.", False),
        ("revoked", "revoked", "This badge was replaced by a newer one.", True),
        ("other_event", "wrong_event", "This badge belongs to another event.", False),
        ("other_event_id", "wrong_event", "This badge belongs to another event.", False),
    ],
)
def test_refused_badges_are_answers_and_never_checked_in(desk, event_a, make, reason, message, shows_holder):
    badge = badge_holder(event_a, first_name="Amina", last_name="Kaci")
    body = {"qr_code": badge.qr_code_data}
    if make == "garbage":
        body = {"qr_code": "MP1.NOTAREALBADGE"}
    elif make == "unknown_id":
        body = {"badge_id": "ZZZZZZZZ"}
    elif make == "revoked":
        reissue_badge(participant=badge, actor=None)
    elif make == "other_event":
        body = {"qr_code": badge_holder(EventFactory()).qr_code_data}
    elif make == "other_event_id":
        body = {"badge_id": badge_holder(EventFactory()).badge_id}

    response = desk(check_in=True, **body)

    assert response.status_code == 200
    answer = response.json()
    assert (answer["valid"], answer["reason"], answer["message"], answer["checked_in_now"]) == (
        False,
        reason,
        message,
        False,
    )
    assert (answer["participant"] is not None) == shows_holder
    if shows_holder:
        assert answer["participant"] == {
            "id": badge.pk,
            "full_name": "Amina Kaci",
            "name": "Amina Kaci",
            "badge_id": "",  # the re-issued badge's id is a door key: not shown to whoever holds the old one
            "kind": "participant",
            "photo": None,
        }
    assert Participant.objects.filter(is_checked_in=True).count() == 0


def test_messages_follow_the_language_codes_do_not(client_for, event_a):
    organiser = AssignmentFactory(event=event_a, role=Role.ORGANISATEUR).user

    body = client_for(organiser, event_a).post(URL, {"badge_id": "ZZZZZZZZ"}, HTTP_ACCEPT_LANGUAGE="fr").json()

    assert (body["reason"], body["message"]) == ("invalid_badge", "Badge inconnu ou illisible.")


# --- who may check ------------------------------------------------------------------------------


@pytest.mark.parametrize("role", ROLES)
def test_role_matrix(member, event_a, role):
    client, _ = member(role, event_a)
    badge = badge_holder(event_a)

    response = client.post(URL, {"badge_id": badge.badge_id, "check_in": True})

    if role in (Role.ORGANISATEUR, Role.GESTIONNAIRE_DES_SALLES, Role.CONTROLLEUR_DES_BADGES):
        assert (response.status_code, response.json()["checked_in_now"]) == (200, True)
    else:
        assert (response.status_code, error_codes(response)) == (403, ["insufficient_role"])
        badge.refresh_from_db()
        assert badge.is_checked_in is False


def test_staff_of_another_event_see_a_wrong_event(member, event_a, event_b):
    client, _ = member(Role.ORGANISATEUR, event_b)
    badge = badge_holder(event_a)

    body = client.post(URL, {"badge_id": badge.badge_id, "check_in": True}).json()

    assert (body["valid"], body["reason"], body["participant"]) == (False, "wrong_event", None)
    badge.refresh_from_db()
    assert badge.is_checked_in is False


def test_without_a_selected_event(client_for, event_a):
    organiser = AssignmentFactory(event=event_a, role=Role.ORGANISATEUR).user

    response = client_for(organiser).post(URL, {"badge_id": "ZZZZZZZZ"})

    assert (response.status_code, error_codes(response)) == (403, ["event_not_selected"])


def test_requires_authentication(api_client):
    assert api_client.post(URL, {"badge_id": "ZZZZZZZZ"}).status_code == 401


@pytest.mark.parametrize(
    ("body", "errors"),
    [
        ({}, [("non_field_errors", "badge_required")]),
        ({"qr_code": "x", "badge_id": "y"}, [("non_field_errors", "badge_required")]),
        ({"badge_id": "ABCDEFGH", "check_in": "perhaps"}, [("check_in", "invalid")]),
        ({"badge_id": "A" * 33}, [("badge_id", "max_length")]),
    ],
)
def test_bad_input(desk, body, errors):
    response = desk(**body)

    assert response.status_code == 400
    assert [(e["attr"], e["code"]) for e in response.json()["errors"]] == errors


def test_get_is_not_allowed(client_for, event_a):
    organiser = AssignmentFactory(event=event_a, role=Role.ORGANISATEUR).user

    assert client_for(organiser, event_a).get(URL).status_code == 405


# --- concurrency (PostgreSQL, real threads and connections) -------------------------------------

pg_only = pytest.mark.skipif(connection.vendor != "postgresql", reason="row locks need PostgreSQL")


@pg_only
@pytest.mark.django_db(transaction=True)
@pytest.mark.parametrize("attempt", range(3))
def test_simultaneous_check_ins_check_in_once(attempt):
    event = EventFactory()
    badge = badge_holder(event)

    results, errors = run_together([lambda: check_badge(event=event, badge_id=badge.badge_id, check_in=True)] * 8)

    assert errors == []
    assert sorted(r.checked_in_now for r in results) == [False] * 7 + [True]
    badge.refresh_from_db()
    assert {r.participant.checked_in_at for r in results} == {badge.checked_in_at}
