"""Offline upload: POST /api/scans/sync/."""

from datetime import datetime, timedelta

import pytest
from django.utils import timezone

from conftest import error_codes
from events.counters import rooms_disagreeing
from events.models import Role, Room, RoomAccess
from events.services.access import verify_room_access
from events.tests.factories import badge_holder
from events.tests.factories_programme import RoomFactory, SessionFactory
from events.tests.factories_staff import RoomAssignmentFactory

pytestmark = pytest.mark.django_db

URL = "/api/scans/sync/"


@pytest.fixture
def room(event_a):
    return RoomFactory(event=event_a, name="Salle Atlas", capacity=2)


@pytest.fixture
def sync(event_a, organisateur):
    client = organisateur.client

    def _sync(*scans, as_client=None):
        return (as_client or client).post(URL, {"scans": list(scans)})

    return _sync


def _ago(minutes):
    return (timezone.now() - timedelta(minutes=minutes)).replace(microsecond=0)


def _scan(nonce, room, badge=None, *, minutes_ago=30, status="granted", **extra):
    item = {
        "nonce": nonce,
        "room": str(room.pk),
        "scanned_at": _ago(minutes_ago).isoformat(),
        "device_status": status,
        **extra,
    }
    if badge is not None:
        item["qr_code"] = badge.qr_code_data
    return item


def _occupancy(room):
    room.refresh_from_db()
    return room.current_participants


def _results(response):
    assert response.status_code == 200, response.content
    return [
        (r["nonce"], r["status"], r["reason"], r["server_reason"], r["conflict"], r["replayed"])
        for r in response.json()["results"]
    ]


# --- applying ----------------------------------------------------------------------------------


def test_scans_are_applied_in_scanned_at_order_and_answered_in_request_order(sync, event_a, room, organisateur):
    other = RoomFactory(event=event_a, name="Salle Djurdjura", capacity=10)
    badge = badge_holder(event_a)

    batch = [
        _scan("c-exit", other, badge, minutes_ago=10, direction="exit"),
        _scan("a-in", room, badge, minutes_ago=30),
        _scan("b-move", other, badge, minutes_ago=20),
    ]

    response = sync(*batch)

    assert _results(response) == [
        ("c-exit", "granted", None, None, False, False),
        ("a-in", "granted", None, None, False, False),
        ("b-move", "granted", None, None, False, False),
    ]
    rows = list(RoomAccess.objects.order_by("pk"))
    assert [(a.nonce, a.offline, a.verified_by_id) for a in rows] == [
        ("a-in", True, organisateur.user.pk),
        ("b-move", True, organisateur.user.pk),
        ("c-exit", True, organisateur.user.pk),
    ]
    assert [r["access_id"] for r in response.json()["results"]] == [rows[2].pk, rows[0].pk, rows[1].pk]
    assert [a.scanned_at for a in rows] == [datetime.fromisoformat(batch[i]["scanned_at"]) for i in (1, 2, 0)]
    badge.refresh_from_db()
    assert (badge.current_room_id, badge.is_checked_in) == (None, True)
    assert (_occupancy(room), _occupancy(other)) == (0, 0)
    assert rooms_disagreeing() == []


def test_equal_times_keep_the_request_order(sync, event_a, room):
    badge = badge_holder(event_a)

    sync(_scan("1", room, badge, minutes_ago=5), _scan("2", room, badge, minutes_ago=5, direction="exit"))

    assert list(RoomAccess.objects.order_by("pk").values_list("nonce", "direction")) == [("1", "entry"), ("2", "exit")]
    assert _occupancy(room) == 0


def test_a_repeated_nonce_is_a_replay_in_the_batch_and_later(sync, event_a, room):
    badge = badge_holder(event_a)
    batch = [_scan("same", room, badge, minutes_ago=20), _scan("same", room, badge, minutes_ago=10)]

    first = sync(*batch)
    again = sync(*batch)

    assert _results(first) == [
        ("same", "granted", None, None, False, False),
        ("same", "granted", None, None, False, True),
    ]
    assert [r["replayed"] for r in again.json()["results"]] == [True, True]
    ids = {r["access_id"] for r in first.json()["results"] + again.json()["results"]}
    assert ids == {RoomAccess.objects.get().pk}
    assert _occupancy(room) == 1


def test_a_nonce_first_used_online_replays_the_online_decision(sync, event_a, room, organisateur):
    online = verify_room_access(room=room, verifier=organisateur.user, badge_id="ZZZZZZZZ", nonce="n-7").access

    response = sync(_scan("n-7", room, badge_holder(event_a)))

    assert _results(response) == [("n-7", "denied", "invalid_badge", "invalid_badge", False, True)]
    assert response.json()["results"][0]["access_id"] == online.pk


def test_device_granted_where_the_server_would_refuse_is_a_conflict(sync, event_a, room):
    inside = [badge_holder(event_a) for _ in range(2)]
    late = badge_holder(event_a)

    response = sync(
        _scan("i1", room, inside[0], minutes_ago=30),
        _scan("i2", room, inside[1], minutes_ago=29),
        _scan("late", room, late, minutes_ago=28),
    )

    assert _results(response)[2] == ("late", "granted", None, "room_full", True, False)
    access = RoomAccess.objects.get(nonce="late")
    assert (access.status, access.offline, access.server_reason) == ("granted", True, "room_full")
    # The door opened: the person is inside, even beyond capacity, and the count says so.
    assert _occupancy(room) == 3
    assert rooms_disagreeing() == []


def test_device_denied_where_the_server_would_grant_is_a_conflict(sync, event_a, room):
    badge = badge_holder(event_a)

    response = sync(_scan("d", room, badge, status="denied", device_reason="not_allowed_room"))

    assert _results(response) == [("d", "denied", "not_allowed_room", None, True, False)]
    access = RoomAccess.objects.get()
    assert (access.status, access.denial_reason, access.server_reason, access.offline) == (
        "denied",
        "not_allowed_room",
        "",
        True,
    )
    assert _occupancy(room) == 0


def test_device_and_server_agreeing_is_no_conflict(sync, event_a, room):
    stranger = badge_holder(event_a, access_all_rooms=False)

    response = sync(
        _scan("ok", room, badge_holder(event_a), minutes_ago=3),
        _scan("no", room, stranger, minutes_ago=2, status="denied", device_reason="not_allowed_room"),
        _scan("bad", room, minutes_ago=1, status="denied", device_reason="invalid_badge", qr_code="MP1.GARBAGE"),
    )

    assert _results(response) == [
        ("ok", "granted", None, None, False, False),
        ("no", "denied", "not_allowed_room", "not_allowed_room", False, False),
        ("bad", "denied", "invalid_badge", "invalid_badge", False, False),
    ]


def test_device_granting_an_unknown_badge_is_recorded_granted_and_a_conflict(sync, room):
    response = sync(_scan("ghost", room, badge_id="ZZZZZZZZ"))

    # The door opened: recorded granted (no presence: nobody to place), the server's verdict kept.
    assert _results(response) == [("ghost", "granted", None, "invalid_badge", True, False)]
    assert _occupancy(room) == 0


def test_session_is_honoured(sync, event_a, room):
    atelier = SessionFactory(room=room, session_type="atelier")

    response = sync(_scan("s", room, badge_holder(event_a), session=str(atelier.pk)))

    assert _results(response) == [("s", "granted", None, "not_registered", True, False)]
    assert RoomAccess.objects.get().session == atelier


# --- refused batches: nothing applied ----------------------------------------------------------


def test_more_than_500_scans_are_refused_whole(sync, event_a, room):
    badge = badge_holder(event_a)

    response = sync(*[_scan(f"n{i}", room, badge) for i in range(501)])

    assert response.status_code == 400
    assert [(e["attr"], e["code"]) for e in response.json()["errors"]] == [("scans.non_field_errors", "max_length")]
    assert RoomAccess.objects.count() == 0


def test_500_scans_are_accepted(sync, event_a, room):
    Room.objects.filter(pk=room.pk).update(capacity=1000)
    badge = badge_holder(event_a)

    response = sync(*[_scan(f"n{i}", room, badge, direction="exit" if i % 2 else "entry") for i in range(500)])

    assert len(response.json()["results"]) == 500
    assert RoomAccess.objects.count() == 500


@pytest.mark.parametrize(
    ("broken", "errors"),
    [
        ({"nonce": None}, [("scans.1.nonce", "required")]),
        ({"nonce": ""}, [("scans.1.nonce", "blank")]),
        ({"nonce": "reset-x"}, [("scans.1.nonce", "reserved_nonce")]),
        ({"room": "nope"}, [("scans.1.room", "invalid")]),
        ({"room": "FOREIGN"}, [("scans.1.room", "does_not_exist")]),
        ({"session": "OTHER_ROOM_SESSION"}, [("scans.1.session", "session_not_in_room")]),
        ({"scanned_at": None}, [("scans.1.scanned_at", "required")]),
        ({"scanned_at": "FUTURE"}, [("scans.1.scanned_at", "scanned_in_future")]),
        ({"device_status": "maybe"}, [("scans.1.device_status", "invalid_choice")]),
        ({"device_status": "denied"}, [("scans.1.device_reason", "device_reason_required")]),
        ({"device_reason": "room_full"}, [("scans.1.device_reason", "device_reason_unexpected")]),
        ({"qr_code": None, "badge_id": None}, [("scans.1.non_field_errors", "badge_required")]),
        ({"badge_id": "ABCDEFGH"}, [("scans.1.non_field_errors", "badge_required")]),
        ({"direction": "sideways"}, [("scans.1.direction", "invalid_choice")]),
    ],
)
def test_one_malformed_scan_refuses_the_batch(sync, event_a, event_b, room, broken, errors):
    other_room_session = SessionFactory(room=RoomFactory(event=event_a))
    values = {
        "FOREIGN": str(RoomFactory(event=event_b).pk),
        "OTHER_ROOM_SESSION": str(other_room_session.pk),
        "FUTURE": (timezone.now() + timedelta(hours=1)).isoformat(),
    }
    good = _scan("good", room, badge_holder(event_a))
    bad = _scan("bad", room, badge_holder(event_a))
    for key, value in broken.items():
        if value is None:
            bad.pop(key, None)
        else:
            bad[key] = values.get(value, value)

    response = sync(good, bad, _scan("good-too", room, badge_holder(event_a)))

    assert response.status_code == 400
    assert response.json()["type"] == "validation_error"
    assert [(e["attr"], e["code"]) for e in response.json()["errors"]] == errors
    assert RoomAccess.objects.count() == 0
    assert _occupancy(room) == 0


@pytest.mark.parametrize(
    ("body", "errors"),
    [
        ({}, [("scans", "required")]),
        ({"scans": "all of them"}, [("scans.non_field_errors", "not_a_list")]),
        ({"scans": ["x"]}, [("scans.0.non_field_errors", "invalid")]),
    ],
)
def test_malformed_body(event_a, organisateur, body, errors):
    response = organisateur.client.post(URL, body)

    assert response.status_code == 400
    assert [(e["attr"], e["code"]) for e in response.json()["errors"]] == errors


def test_an_empty_batch_is_fine(sync):
    assert sync().json() == {"results": []}


# --- who may upload ----------------------------------------------------------------------------


def _staff(room, role=Role.CONTROLLEUR_DES_BADGES, *, from_minutes=60, to_minutes=-60):
    return RoomAssignmentFactory(room=room, role=role, start_time=_ago(from_minutes), end_time=_ago(to_minutes)).user


@pytest.mark.parametrize("role", [Role.CONTROLLEUR_DES_BADGES, Role.GESTIONNAIRE_DES_SALLES])
def test_staff_upload_scans_made_during_their_shift(client_for, sync, event_a, room, role):
    staff = _staff(room, role, from_minutes=90, to_minutes=45)  # the shift is over now: fine

    response = sync(_scan("s1", room, badge_holder(event_a), minutes_ago=60), as_client=client_for(staff, event_a))

    assert _results(response) == [("s1", "granted", None, None, False, False)]
    assert RoomAccess.objects.get().verified_by == staff


def test_a_scan_outside_the_shift_refuses_the_batch(client_for, sync, event_a, room):
    staff = _staff(room, from_minutes=90, to_minutes=45)
    client = client_for(staff, event_a)

    response = sync(
        _scan("during", room, badge_holder(event_a), minutes_ago=60),
        _scan("after", room, badge_holder(event_a), minutes_ago=30),
        as_client=client,
    )

    assert (response.status_code, error_codes(response)) == (403, ["not_assigned_to_room"])
    assert "after" in response.json()["errors"][0]["detail"]
    assert RoomAccess.objects.count() == 0


def test_a_scan_at_another_room_refuses_the_batch(client_for, sync, event_a, room):
    staff = _staff(room)
    elsewhere = RoomFactory(event=event_a)

    response = sync(_scan("x", elsewhere, badge_holder(event_a), minutes_ago=5), as_client=client_for(staff, event_a))

    assert (response.status_code, error_codes(response)) == (403, ["not_assigned_to_room"])
    assert RoomAccess.objects.count() == 0


def test_an_inactive_shift_does_not_count(client_for, sync, event_a, room):
    staff = _staff(room)
    staff.room_assignments.update(is_active=False)

    response = sync(_scan("x", room, badge_holder(event_a), minutes_ago=5), as_client=client_for(staff, event_a))

    assert (response.status_code, error_codes(response)) == (403, ["not_assigned_to_room"])


@pytest.mark.parametrize("role", [Role.PARTICIPANT, Role.EXPOSANT])
def test_badge_holders_may_not_upload(member, sync, event_a, room, role):
    client, _ = member(role, event_a)

    response = sync(_scan("x", room, badge_holder(event_a)), as_client=client)

    assert (response.status_code, error_codes(response)) == (403, ["insufficient_role"])
    assert RoomAccess.objects.count() == 0


def test_another_events_organiser_cannot_use_this_events_rooms(member, sync, event_a, event_b, room):
    client, _ = member(Role.ORGANISATEUR, event_b)

    response = sync(_scan("x", room, badge_holder(event_a)), as_client=client)

    assert response.status_code == 400
    assert [(e["attr"], e["code"]) for e in response.json()["errors"]] == [("scans.0.room", "does_not_exist")]


def test_requires_authentication(api_client, room):
    assert api_client.post(URL, {"scans": []}).status_code == 401
