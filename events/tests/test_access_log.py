"""The access log (/api/room-access/), occupancy reset (/api/rooms/{id}/reset_occupancy/) and the demo door logs."""

from datetime import timedelta

import pytest
from django.db import connection
from django.utils import timezone

from conftest import assert_same_queries, error_codes, run_together
from events.counters import rooms_disagreeing
from events.models import Participant, Role, Room, RoomAccess
from events.services.access import reset_room_occupancy, verify_room_access
from events.tests.factories import AssignmentFactory, EventFactory, badge_holder
from events.tests.factories_programme import RoomFactory
from events.tests.factories_staff import RoomAssignmentFactory

pytestmark = pytest.mark.django_db

ROLES = list(Role.values)
STAFF = (Role.GESTIONNAIRE_DES_SALLES, Role.CONTROLLEUR_DES_BADGES)


@pytest.fixture
def room(event_a):
    return RoomFactory(event=event_a, name="Salle Atlas", capacity=10)


@pytest.fixture
def other_room(event_a):
    return RoomFactory(event=event_a, name="Salle Djurdjura", capacity=10)


def _on_duty(room, role=Role.CONTROLLEUR_DES_BADGES, *, now=True):
    at = timezone.now()
    if now:
        start, end = at - timedelta(hours=1), at + timedelta(hours=1)
    else:
        start, end = at - timedelta(hours=5), at - timedelta(hours=3)
    return RoomAssignmentFactory(room=room, role=role, start_time=start, end_time=end).user


def _enter(room, badge, verifier, **kwargs):
    return verify_room_access(room=room, verifier=verifier, qr_code=badge.qr_code_data, **kwargs).access


def _occupancy(room):
    room.refresh_from_db()
    return room.current_participants


# --- reset_occupancy ---------------------------------------------------------------------------


def test_reset_empties_the_room_and_logs_one_exit_per_person(event_a, room, other_room, organisateur):
    inside = [badge_holder(event_a) for _ in range(3)]
    elsewhere = badge_holder(event_a)
    for badge in inside:
        _enter(room, badge, organisateur.user)
    _enter(other_room, elsewhere, organisateur.user)

    response = organisateur.client.post(f"/api/rooms/{room.pk}/reset_occupancy/")

    assert response.status_code == 200
    body = response.json()
    assert body == {
        "room": {
            "id": str(room.pk),
            "name": "Salle Atlas",
            "capacity": 10,
            "current_participants": 0,
            "occupancy_percentage": 0.0,
        },
        "removed": 3,
        "reset_at": body["reset_at"],
    }
    assert _occupancy(room) == 0
    assert _occupancy(other_room) == 1
    assert Participant.objects.filter(current_room=room).count() == 0
    exits = list(RoomAccess.objects.filter(room=room, direction="exit").order_by("participant_id"))
    assert [(a.participant_id, a.badge_input, a.status, a.verified_by_id) for a in exits] == [
        (b.pk, b.badge_id, "granted", organisateur.user.pk) for b in sorted(inside, key=lambda b: b.pk)
    ]
    prefixes = {a.nonce.rsplit("-", 1)[0] for a in exits}
    assert len(prefixes) == 1 and prefixes.pop().startswith("reset-")
    assert rooms_disagreeing() == []


def test_reset_of_an_empty_room_writes_nothing(event_a, room, organisateur):
    response = organisateur.client.post(f"/api/rooms/{room.pk}/reset_occupancy/")

    assert (response.status_code, response.json()["removed"]) == (200, 0)
    assert RoomAccess.objects.count() == 0


def test_after_a_reset_people_enter_again(event_a, room, organisateur):
    badge = badge_holder(event_a)
    _enter(room, badge, organisateur.user)
    reset_room_occupancy(room=room, actor=organisateur.user)

    again = _enter(room, badge, organisateur.user)

    assert (again.status, again.already_inside, _occupancy(room)) == ("granted", False, 1)


def test_reset_by_a_gestionnaire_on_duty(client_for, event_a, room):
    gestionnaire = _on_duty(room, Role.GESTIONNAIRE_DES_SALLES)
    _enter(room, badge_holder(event_a), gestionnaire)

    response = client_for(gestionnaire, event_a).post(f"/api/rooms/{room.pk}/reset_occupancy/")

    assert (response.status_code, response.json()["removed"]) == (200, 1)
    assert RoomAccess.objects.filter(direction="exit").get().verified_by == gestionnaire


def test_reset_refused_to_a_gestionnaire_off_duty_or_elsewhere(client_for, event_a, room, other_room):
    off_duty = _on_duty(room, Role.GESTIONNAIRE_DES_SALLES, now=False)
    elsewhere = _on_duty(other_room, Role.GESTIONNAIRE_DES_SALLES)
    _enter(room, badge_holder(event_a), elsewhere)

    responses = [client_for(u, event_a).post(f"/api/rooms/{room.pk}/reset_occupancy/") for u in (off_duty, elsewhere)]

    assert [(r.status_code, error_codes(r)) for r in responses] == [(403, ["not_assigned_to_room"])] * 2
    assert _occupancy(room) == 1


@pytest.mark.parametrize("role", ROLES)
def test_reset_role_matrix(member, event_a, room, role):
    client, _ = member(role, event_a)

    response = client.post(f"/api/rooms/{room.pk}/reset_occupancy/")

    if role == Role.ORGANISATEUR:
        assert response.status_code == 200
    elif role == Role.GESTIONNAIRE_DES_SALLES:
        assert (response.status_code, error_codes(response)) == (403, ["not_assigned_to_room"])
    else:  # a controller on duty may not either: resetting is the room manager's
        assert (response.status_code, error_codes(response)) == (403, ["insufficient_role"])


def test_reset_refused_to_a_controller_on_duty(client_for, event_a, room):
    controller = _on_duty(room)

    response = client_for(controller, event_a).post(f"/api/rooms/{room.pk}/reset_occupancy/")

    assert (response.status_code, error_codes(response)) == (403, ["insufficient_role"])


def test_reset_of_another_events_room_is_404(member, event_b, room):
    client, _ = member(Role.ORGANISATEUR, event_b)

    response = client.post(f"/api/rooms/{room.pk}/reset_occupancy/")

    assert (response.status_code, error_codes(response)) == (404, ["not_found"])


def test_reset_requires_authentication(api_client, room):
    assert api_client.post(f"/api/rooms/{room.pk}/reset_occupancy/").status_code == 401


# --- the log: who sees what --------------------------------------------------------------------


def _row(access, badge, room, verifier):
    return {
        "id": access.pk,
        "participant": {
            "id": badge.pk,
            "full_name": badge.user.get_full_name(),
            "name": badge.user.get_full_name(),
            "badge_id": badge.badge_id,
            "kind": "participant",
        },
        "badge_input": "",
        "room": {"id": str(room.pk), "name": room.name},
        "session": None,
        "direction": "entry",
        "status": "granted",
        "denial_reason": None,
        "already_inside": False,
        "verified_by": {
            "id": verifier.pk,
            "full_name": verifier.get_full_name(),
            "name": verifier.get_full_name(),
            "email": verifier.email,
        },
        "scanned_at": access.scanned_at.astimezone(timezone.get_current_timezone()).isoformat(),
        "received_at": access.received_at.astimezone(timezone.get_current_timezone()).isoformat(),
        "nonce": "n-1",
        "offline": False,
        "server_reason": None,
        "conflict": False,
        "occupancy_reset": False,
    }


def test_organiser_lists_every_room_of_its_event(event_a, event_b, room, other_room, organisateur):
    badge = badge_holder(event_a)
    first = _enter(room, badge, organisateur.user, nonce="n-1")
    unknown = verify_room_access(room=other_room, verifier=organisateur.user, badge_id="ZZZZZZZZ").access
    foreign_room = RoomFactory(event=event_b)
    verify_room_access(room=foreign_room, verifier=organisateur.user, badge_id="ZZZZZZZZ")

    response = organisateur.client.get("/api/room-access/", {"ordering": "scanned_at"})

    assert response.status_code == 200
    body = response.json()
    assert body["count"] == 2
    assert body["results"][0] == _row(first, badge, room, organisateur.user)
    assert (body["results"][1]["id"], body["results"][1]["participant"], body["results"][1]["badge_input"]) == (
        unknown.pk,
        None,
        "ZZZZZZZZ",
    )
    assert (body["results"][1]["status"], body["results"][1]["denial_reason"]) == ("denied", "invalid_badge")


@pytest.mark.parametrize("role", STAFF)
def test_staff_see_the_rooms_of_their_shifts_and_their_scans(client_for, event_a, room, other_room, organisateur, role):
    third = RoomFactory(event=event_a, name="Salle Hoggar")
    staff = _on_duty(room, role)
    # An earlier shift at another room of the event, and a scan of theirs at a third one.
    RoomAssignmentFactory(
        room=other_room,
        user=staff,
        role=role,
        start_time=timezone.now() - timedelta(hours=6),
        end_time=timezone.now() - timedelta(hours=5),
    )
    at_room = _enter(room, badge_holder(event_a), organisateur.user)
    at_other = _enter(other_room, badge_holder(event_a), organisateur.user)
    mine_elsewhere = _enter(third, badge_holder(event_a), staff)
    _enter(third, badge_holder(event_a), organisateur.user)  # not theirs: hidden

    response = client_for(staff, event_a).get("/api/room-access/", {"ordering": "id"})

    assert [r["id"] for r in response.json()["results"]] == [at_room.pk, at_other.pk, mine_elsewhere.pk]


def test_staff_with_an_inactive_shift_see_nothing_there(client_for, event_a, room, organisateur):
    staff = _on_duty(room)
    staff.room_assignments.update(is_active=False)
    _enter(room, badge_holder(event_a), organisateur.user)

    assert client_for(staff, event_a).get("/api/room-access/").json()["count"] == 0


@pytest.mark.parametrize("role", [Role.PARTICIPANT, Role.EXPOSANT])
def test_badge_holders_may_not_read_the_log(member, event_a, role):
    client, _ = member(role, event_a)

    for path in ("/api/room-access/", "/api/room-access/1/"):
        response = client.get(path)
        assert (response.status_code, error_codes(response)) == (403, ["insufficient_role"])


def test_detail_of_own_event_and_404_elsewhere(event_a, event_b, room, organisateur):
    mine = _enter(room, badge_holder(event_a), organisateur.user)
    foreign = verify_room_access(
        room=RoomFactory(event=event_b), verifier=organisateur.user, badge_id="ZZZZZZZZ"
    ).access
    client = organisateur.client

    assert client.get(f"/api/room-access/{mine.pk}/").json()["id"] == mine.pk
    assert client.get(f"/api/room-access/{foreign.pk}/").status_code == 404


def test_detail_of_a_room_without_shift_is_404_for_staff(client_for, event_a, room, other_room, organisateur):
    staff = _on_duty(room)
    hidden = _enter(other_room, badge_holder(event_a), organisateur.user)

    assert client_for(staff, event_a).get(f"/api/room-access/{hidden.pk}/").status_code == 404


def test_reset_exits_are_marked(event_a, room, organisateur):
    _enter(room, badge_holder(event_a), organisateur.user)
    reset_room_occupancy(room=room, actor=organisateur.user)

    rows = organisateur.client.get("/api/room-access/", {"ordering": "id"}).json()["results"]

    assert [(r["direction"], r["occupancy_reset"]) for r in rows] == [("entry", False), ("exit", True)]


# --- filters, ordering, pagination -------------------------------------------------------------


@pytest.fixture
def log(event_a, room, other_room, organisateur):
    """Five rows: two granted entries at room (9:00, 9:30), a denial at room, an exit and a denial at other_room."""
    controller = _on_duty(other_room)
    alice, bob = badge_holder(event_a), badge_holder(event_a, access_all_rooms=False)
    base = timezone.now().replace(microsecond=0) - timedelta(hours=3)
    rows = {
        "alice_in": _enter(room, alice, organisateur.user, scanned_at=base),
        "bob_denied": _enter(room, bob, organisateur.user, scanned_at=base + timedelta(minutes=10)),
        "alice_moves": _enter(other_room, alice, controller, scanned_at=base + timedelta(minutes=20)),
        "alice_out": _enter(other_room, alice, controller, direction="exit", scanned_at=base + timedelta(minutes=30)),
        "unknown": verify_room_access(
            room=other_room, verifier=controller, badge_id="ZZZZZZZZ", scanned_at=base + timedelta(minutes=40)
        ).access,
    }
    return {"rows": rows, "base": base, "alice": alice, "bob": bob, "controller": controller}


@pytest.mark.parametrize(
    ("params", "expected"),
    [
        ({}, ["unknown", "alice_out", "alice_moves", "bob_denied", "alice_in"]),
        ({"room": "ROOM"}, ["bob_denied", "alice_in"]),
        ({"participant": "ALICE"}, ["alice_out", "alice_moves", "alice_in"]),
        ({"status": "denied"}, ["unknown", "bob_denied"]),
        ({"denial_reason": "not_allowed_room"}, ["bob_denied"]),
        ({"verified_by": "CONTROLLER"}, ["unknown", "alice_out", "alice_moves"]),
        ({"direction": "exit"}, ["alice_out"]),
        ({"offline": "false"}, ["unknown", "alice_out", "alice_moves", "bob_denied", "alice_in"]),
        ({"from": "+10", "to": "+30"}, ["alice_moves", "bob_denied"]),
        ({"ordering": "scanned_at"}, ["alice_in", "bob_denied", "alice_moves", "alice_out", "unknown"]),
        ({"search": "ZZZZ"}, ["unknown"]),
    ],
)
def test_filters_and_ordering(event_a, room, organisateur, log, params, expected):
    values = {"ROOM": str(room.pk), "ALICE": log["alice"].pk, "CONTROLLER": log["controller"].pk}
    query = {}
    for key, value in params.items():
        if value.startswith("+"):
            value = (log["base"] + timedelta(minutes=int(value[1:]))).isoformat()
        query[key] = values.get(value, value)

    response = organisateur.client.get("/api/room-access/", query)

    assert response.status_code == 200
    ids = {access.pk: name for name, access in log["rows"].items()}
    assert [ids[r["id"]] for r in response.json()["results"]] == expected


@pytest.mark.parametrize(
    ("params", "attr", "code"),
    [
        ({"status": "maybe"}, "status", "invalid_choice"),
        ({"denial_reason": "too_tall"}, "denial_reason", "invalid_choice"),
        ({"room": "not-a-uuid"}, "room", "invalid"),
        ({"from": "yesterday"}, "from", "invalid"),
        ({"offline": "perhaps"}, "offline", "invalid"),
    ],
)
def test_bad_filters_are_400(event_a, organisateur, params, attr, code):
    response = organisateur.client.get("/api/room-access/", params)

    assert response.status_code == 400
    assert [(e["attr"], e["code"]) for e in response.json()["errors"]] == [(attr, code)]


def test_pagination(event_a, room, organisateur):
    for _ in range(3):
        verify_room_access(room=room, verifier=organisateur.user, badge_id="ZZZZZZZZ")

    body = organisateur.client.get("/api/room-access/", {"page_size": 2}).json()

    assert (body["count"], len(body["results"]), body["next"] is not None) == (3, 2, True)


@pytest.mark.parametrize("role", [Role.ORGANISATEUR, Role.CONTROLLEUR_DES_BADGES])
def test_list_query_count_does_not_grow(client_for, event_a, room, organisateur, role):
    viewer = organisateur.user if role == Role.ORGANISATEUR else _on_duty(room)
    client = client_for(viewer, event_a)
    session_room = room

    def add(n):
        for _ in range(n):
            _enter(session_room, badge_holder(event_a), organisateur.user)

    def add_rows():
        Room.objects.filter(pk=room.pk).update(capacity=100)
        add(49)

    add(1)
    one, fifty = assert_same_queries(  # assignment + user, count, page (with participant, room, session, verifier)
        lambda: client.get("/api/room-access/", {"page_size": 100}).json(), add_rows, expected=3
    )

    assert (one["count"], len(fifty["results"])) == (1, 50)


# --- manual records ----------------------------------------------------------------------------


def test_organiser_records_a_manual_entry(event_a, room, organisateur):
    badge = badge_holder(event_a)
    client = organisateur.client

    created = client.post("/api/room-access/", {"room": str(room.pk), "badge_id": badge.badge_id, "nonce": "desk-1"})
    replay = client.post("/api/room-access/", {"room": str(room.pk), "badge_id": badge.badge_id, "nonce": "desk-1"})

    assert created.status_code == 201
    body = created.json()
    access = RoomAccess.objects.get()
    assert (body["id"], body["status"], body["participant"]["id"], body["verified_by"]["id"]) == (
        access.pk,
        "granted",
        badge.pk,
        organisateur.user.pk,
    )
    assert (replay.status_code, replay.json()) == (200, body)
    assert _occupancy(room) == 1


def test_manual_record_at_a_past_time_is_decided_then(event_a, room, organisateur):
    at = timezone.now().replace(microsecond=0) - timedelta(minutes=30)

    response = organisateur.client.post(
        "/api/room-access/", {"room": str(room.pk), "badge_id": "ZZZZZZZZ", "scanned_at": at.isoformat()}
    )

    assert (response.status_code, response.json()["denial_reason"]) == (201, "invalid_badge")
    assert RoomAccess.objects.get().scanned_at == at


@pytest.mark.parametrize("role", [r for r in ROLES if r != Role.ORGANISATEUR])
def test_only_organisers_record_manually(member, event_a, room, role):
    client, user = member(role, event_a)
    if role in STAFF:
        RoomAssignmentFactory(room=room, user=user, role=role)

    response = client.post("/api/room-access/", {"room": str(room.pk), "badge_id": "ZZZZZZZZ"})

    assert (response.status_code, error_codes(response)) == (403, ["insufficient_role"])
    assert RoomAccess.objects.count() == 0


@pytest.mark.parametrize(
    ("body", "errors"),
    [
        ({"badge_id": "ZZZZZZZZ"}, [("room", "required")]),
        ({"room": "FOREIGN", "badge_id": "ZZZZZZZZ"}, [("room", "does_not_exist")]),
        ({"room": "ROOM"}, [("non_field_errors", "badge_required")]),
        ({"room": "ROOM", "badge_id": "ZZZZZZZZ", "nonce": "reset-1"}, [("nonce", "reserved_nonce")]),
        ({"room": "ROOM", "badge_id": "ZZZZZZZZ", "scanned_at": "FUTURE"}, [("scanned_at", "scanned_in_future")]),
        ({"room": "ROOM", "badge_id": "ZZZZZZZZ", "direction": "up"}, [("direction", "invalid_choice")]),
    ],
)
def test_manual_record_bad_input(event_a, event_b, room, organisateur, body, errors):
    values = {
        "ROOM": str(room.pk),
        "FOREIGN": str(RoomFactory(event=event_b).pk),
        "FUTURE": (timezone.now() + timedelta(hours=1)).isoformat(),
    }

    response = organisateur.client.post("/api/room-access/", {k: values.get(v, v) for k, v in body.items()})

    assert response.status_code == 400
    assert [(e["attr"], e["code"]) for e in response.json()["errors"]] == errors
    assert RoomAccess.objects.count() == 0


def test_session_of_another_room_is_refused(event_a, room, other_room, organisateur):
    from events.tests.factories_programme import SessionFactory

    session = SessionFactory(room=other_room)

    response = organisateur.client.post(
        "/api/room-access/", {"room": str(room.pk), "badge_id": "ZZZZZZZZ", "session": str(session.pk)}
    )

    assert (response.status_code, error_codes(response)) == (400, ["session_not_in_room"])


def test_the_log_is_not_editable(event_a, room, organisateur):
    access = _enter(room, badge_holder(event_a), organisateur.user)
    client = organisateur.client

    assert client.patch(f"/api/room-access/{access.pk}/", {"status": "denied"}).status_code == 405
    assert client.put(f"/api/room-access/{access.pk}/", {"status": "denied"}).status_code == 405
    assert client.delete(f"/api/room-access/{access.pk}/").status_code == 405


# --- concurrency (PostgreSQL, real threads and connections) -------------------------------------

pg_only = pytest.mark.skipif(connection.vendor != "postgresql", reason="row locks need PostgreSQL")


@pg_only
@pytest.mark.django_db(transaction=True)
@pytest.mark.parametrize("attempt", range(3))
def test_reset_during_scans_keeps_occupancy_exact(attempt):
    event = EventFactory()
    room, other = RoomFactory(event=event, capacity=100), RoomFactory(event=event, capacity=100)
    verifier = AssignmentFactory(event=event, role=Role.ORGANISATEUR).user
    inside = [badge_holder(event) for _ in range(20)]
    for badge in inside:
        _enter(room, badge, verifier)
    newcomers = [badge_holder(event) for _ in range(10)]
    jobs = [lambda b=b: _enter(room, b, verifier) for b in newcomers]
    jobs += [lambda b=b: _enter(other, b, verifier) for b in inside[:10]]
    jobs += [lambda: reset_room_occupancy(room=room, actor=verifier)] * 2

    _, errors = run_together(jobs)

    assert errors == []
    assert rooms_disagreeing() == []
    assert _occupancy(other) == 10
    assert _occupancy(room) == Participant.objects.filter(current_room=room).count() <= 10
