"""The access log (/api/room-access/), occupancy reset (/api/rooms/{id}/reset_occupancy/) and the demo door logs."""

import threading
from datetime import timedelta

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from accounts.tests.factories import UserFactory
from conftest import error_codes
from events.counters import recount_rooms, rooms_disagreeing
from events.models import Participant, Role, Room, RoomAccess
from events.seed_access import INVALID_QR, ensure_access_logs, event_controller
from events.services.access import reset_room_occupancy
from events.services.participants import add_participant
from events.services.scanning import verify_room_access
from events.tests.factories import AssignmentFactory, EventFactory
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


@pytest.fixture
def organiser(event_a):
    return AssignmentFactory(event=event_a, role=Role.ORGANISATEUR).user


def _badge(event, **kwargs) -> Participant:
    return add_participant(event=event, actor=None, user=UserFactory(), **kwargs)


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


def test_reset_empties_the_room_and_logs_one_exit_per_person(client_for, event_a, room, other_room, organiser):
    inside = [_badge(event_a) for _ in range(3)]
    elsewhere = _badge(event_a)
    for badge in inside:
        _enter(room, badge, organiser)
    _enter(other_room, elsewhere, organiser)

    response = client_for(organiser, event_a).post(f"/api/rooms/{room.pk}/reset_occupancy/")

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
        (b.pk, b.badge_id, "granted", organiser.pk) for b in sorted(inside, key=lambda b: b.pk)
    ]
    prefixes = {a.nonce.rsplit("-", 1)[0] for a in exits}
    assert len(prefixes) == 1 and prefixes.pop().startswith("reset-")
    assert rooms_disagreeing() == []


def test_reset_of_an_empty_room_writes_nothing(client_for, event_a, room, organiser):
    response = client_for(organiser, event_a).post(f"/api/rooms/{room.pk}/reset_occupancy/")

    assert (response.status_code, response.json()["removed"]) == (200, 0)
    assert RoomAccess.objects.count() == 0


def test_after_a_reset_people_enter_again(event_a, room, organiser):
    badge = _badge(event_a)
    _enter(room, badge, organiser)
    reset_room_occupancy(room=room, actor=organiser)

    again = _enter(room, badge, organiser)

    assert (again.status, again.already_inside, _occupancy(room)) == ("granted", False, 1)


def test_reset_by_a_gestionnaire_on_duty(client_for, event_a, room):
    gestionnaire = _on_duty(room, Role.GESTIONNAIRE_DES_SALLES)
    _enter(room, _badge(event_a), gestionnaire)

    response = client_for(gestionnaire, event_a).post(f"/api/rooms/{room.pk}/reset_occupancy/")

    assert (response.status_code, response.json()["removed"]) == (200, 1)
    assert RoomAccess.objects.filter(direction="exit").get().verified_by == gestionnaire


def test_reset_refused_to_a_gestionnaire_off_duty_or_elsewhere(client_for, event_a, room, other_room):
    off_duty = _on_duty(room, Role.GESTIONNAIRE_DES_SALLES, now=False)
    elsewhere = _on_duty(other_room, Role.GESTIONNAIRE_DES_SALLES)
    _enter(room, _badge(event_a), elsewhere)

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
        "verified_by": {"id": verifier.pk, "name": verifier.get_full_name(), "email": verifier.email},
        "scanned_at": access.scanned_at.astimezone(timezone.get_current_timezone()).isoformat(),
        "received_at": access.received_at.astimezone(timezone.get_current_timezone()).isoformat(),
        "nonce": "n-1",
        "offline": False,
        "server_reason": None,
        "conflict": False,
        "occupancy_reset": False,
    }


def test_organiser_lists_every_room_of_its_event(client_for, event_a, event_b, room, other_room, organiser):
    badge = _badge(event_a)
    first = _enter(room, badge, organiser, nonce="n-1")
    unknown = verify_room_access(room=other_room, verifier=organiser, badge_id="ZZZZZZZZ").access
    foreign_room = RoomFactory(event=event_b)
    verify_room_access(room=foreign_room, verifier=organiser, badge_id="ZZZZZZZZ")

    response = client_for(organiser, event_a).get("/api/room-access/", {"ordering": "scanned_at"})

    assert response.status_code == 200
    body = response.json()
    assert body["count"] == 2
    assert body["results"][0] == _row(first, badge, room, organiser)
    assert (body["results"][1]["id"], body["results"][1]["participant"], body["results"][1]["badge_input"]) == (
        unknown.pk,
        None,
        "ZZZZZZZZ",
    )
    assert (body["results"][1]["status"], body["results"][1]["denial_reason"]) == ("denied", "invalid_badge")


@pytest.mark.parametrize("role", STAFF)
def test_staff_see_the_rooms_of_their_shifts_and_their_scans(client_for, event_a, room, other_room, organiser, role):
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
    at_room = _enter(room, _badge(event_a), organiser)
    at_other = _enter(other_room, _badge(event_a), organiser)
    mine_elsewhere = _enter(third, _badge(event_a), staff)
    _enter(third, _badge(event_a), organiser)  # not theirs: hidden

    response = client_for(staff, event_a).get("/api/room-access/", {"ordering": "id"})

    assert [r["id"] for r in response.json()["results"]] == [at_room.pk, at_other.pk, mine_elsewhere.pk]


def test_staff_with_an_inactive_shift_see_nothing_there(client_for, event_a, room, organiser):
    staff = _on_duty(room)
    staff.room_assignments.update(is_active=False)
    _enter(room, _badge(event_a), organiser)

    assert client_for(staff, event_a).get("/api/room-access/").json()["count"] == 0


@pytest.mark.parametrize("role", [Role.PARTICIPANT, Role.EXPOSANT])
def test_badge_holders_may_not_read_the_log(member, event_a, role):
    client, _ = member(role, event_a)

    for path in ("/api/room-access/", "/api/room-access/1/"):
        response = client.get(path)
        assert (response.status_code, error_codes(response)) == (403, ["insufficient_role"])


def test_detail_of_own_event_and_404_elsewhere(client_for, event_a, event_b, room, organiser):
    mine = _enter(room, _badge(event_a), organiser)
    foreign = verify_room_access(room=RoomFactory(event=event_b), verifier=organiser, badge_id="ZZZZZZZZ").access
    client = client_for(organiser, event_a)

    assert client.get(f"/api/room-access/{mine.pk}/").json()["id"] == mine.pk
    assert client.get(f"/api/room-access/{foreign.pk}/").status_code == 404


def test_detail_of_a_room_without_shift_is_404_for_staff(client_for, event_a, room, other_room, organiser):
    staff = _on_duty(room)
    hidden = _enter(other_room, _badge(event_a), organiser)

    assert client_for(staff, event_a).get(f"/api/room-access/{hidden.pk}/").status_code == 404


def test_reset_exits_are_marked(client_for, event_a, room, organiser):
    _enter(room, _badge(event_a), organiser)
    reset_room_occupancy(room=room, actor=organiser)

    rows = client_for(organiser, event_a).get("/api/room-access/", {"ordering": "id"}).json()["results"]

    assert [(r["direction"], r["occupancy_reset"]) for r in rows] == [("entry", False), ("exit", True)]


# --- filters, ordering, pagination -------------------------------------------------------------


@pytest.fixture
def log(event_a, room, other_room, organiser):
    """Five rows: two granted entries at room (9:00, 9:30), a denial at room, an exit and a denial at other_room."""
    controller = _on_duty(other_room)
    alice, bob = _badge(event_a), _badge(event_a, access_all_rooms=False)
    base = timezone.now().replace(microsecond=0) - timedelta(hours=3)
    rows = {
        "alice_in": _enter(room, alice, organiser, scanned_at=base),
        "bob_denied": _enter(room, bob, organiser, scanned_at=base + timedelta(minutes=10)),
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
def test_filters_and_ordering(client_for, event_a, room, organiser, log, params, expected):
    values = {"ROOM": str(room.pk), "ALICE": log["alice"].pk, "CONTROLLER": log["controller"].pk}
    query = {}
    for key, value in params.items():
        if value.startswith("+"):
            value = (log["base"] + timedelta(minutes=int(value[1:]))).isoformat()
        query[key] = values.get(value, value)

    response = client_for(organiser, event_a).get("/api/room-access/", query)

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
def test_bad_filters_are_400(client_for, event_a, organiser, params, attr, code):
    response = client_for(organiser, event_a).get("/api/room-access/", params)

    assert response.status_code == 400
    assert [(e["attr"], e["code"]) for e in response.json()["errors"]] == [(attr, code)]


def test_pagination(client_for, event_a, room, organiser):
    for _ in range(3):
        verify_room_access(room=room, verifier=organiser, badge_id="ZZZZZZZZ")

    body = client_for(organiser, event_a).get("/api/room-access/", {"page_size": 2}).json()

    assert (body["count"], len(body["results"]), body["next"] is not None) == (3, 2, True)


@pytest.mark.parametrize("role", [Role.ORGANISATEUR, Role.CONTROLLEUR_DES_BADGES])
def test_list_query_count_does_not_grow(client_for, event_a, room, organiser, role):
    viewer = organiser if role == Role.ORGANISATEUR else _on_duty(room)
    client = client_for(viewer, event_a)
    session_room = room

    def add(n):
        for _ in range(n):
            _enter(session_room, _badge(event_a), organiser)

    add(1)
    with CaptureQueriesContext(connection) as one:
        assert client.get("/api/room-access/", {"page_size": 100}).json()["count"] == 1
    Room.objects.filter(pk=room.pk).update(capacity=100)
    add(49)
    with CaptureQueriesContext(connection) as fifty:
        assert len(client.get("/api/room-access/", {"page_size": 100}).json()["results"]) == 50

    assert len(one) == len(fifty) == 3  # assignment + user, count, page (with participant, room, session, verifier)


# --- manual records ----------------------------------------------------------------------------


def test_organiser_records_a_manual_entry(client_for, event_a, room, organiser):
    badge = _badge(event_a)
    client = client_for(organiser, event_a)

    created = client.post("/api/room-access/", {"room": str(room.pk), "badge_id": badge.badge_id, "nonce": "desk-1"})
    replay = client.post("/api/room-access/", {"room": str(room.pk), "badge_id": badge.badge_id, "nonce": "desk-1"})

    assert created.status_code == 201
    body = created.json()
    access = RoomAccess.objects.get()
    assert (body["id"], body["status"], body["participant"]["id"], body["verified_by"]["id"]) == (
        access.pk,
        "granted",
        badge.pk,
        organiser.pk,
    )
    assert (replay.status_code, replay.json()) == (200, body)
    assert _occupancy(room) == 1


def test_manual_record_at_a_past_time_is_decided_then(client_for, event_a, room, organiser):
    at = timezone.now().replace(microsecond=0) - timedelta(minutes=30)

    response = client_for(organiser, event_a).post(
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
def test_manual_record_bad_input(client_for, event_a, event_b, room, organiser, body, errors):
    values = {
        "ROOM": str(room.pk),
        "FOREIGN": str(RoomFactory(event=event_b).pk),
        "FUTURE": (timezone.now() + timedelta(hours=1)).isoformat(),
    }

    response = client_for(organiser, event_a).post("/api/room-access/", {k: values.get(v, v) for k, v in body.items()})

    assert response.status_code == 400
    assert [(e["attr"], e["code"]) for e in response.json()["errors"]] == errors
    assert RoomAccess.objects.count() == 0


def test_session_of_another_room_is_refused(client_for, event_a, room, other_room, organiser):
    from events.tests.factories_programme import SessionFactory

    session = SessionFactory(room=other_room)

    response = client_for(organiser, event_a).post(
        "/api/room-access/", {"room": str(room.pk), "badge_id": "ZZZZZZZZ", "session": str(session.pk)}
    )

    assert (response.status_code, error_codes(response)) == (400, ["session_not_in_room"])


def test_the_log_is_not_editable(client_for, event_a, room, organiser):
    access = _enter(room, _badge(event_a), organiser)
    client = client_for(organiser, event_a)

    assert client.patch(f"/api/room-access/{access.pk}/", {"status": "denied"}).status_code == 405
    assert client.put(f"/api/room-access/{access.pk}/", {"status": "denied"}).status_code == 405
    assert client.delete(f"/api/room-access/{access.pk}/").status_code == 405


# --- the demo door logs ------------------------------------------------------------------------


def test_seeded_door_logs_are_realistic_and_idempotent():
    from events.seed import DEMO_EVENT, INNOFEST, STARTUPWEEK, seed_event

    for spec in (DEMO_EVENT, INNOFEST, STARTUPWEEK):
        seed_event(spec)
    from events.seed import find_event

    demo, past, upcoming = (find_event(s.name) for s in (DEMO_EVENT, INNOFEST, STARTUPWEEK))

    # seed_event already wrote the door logs (through ensure_access_logs): running it again adds none.
    seeded = {e.name: RoomAccess.objects.filter(room__event=e).count() for e in (demo, past, upcoming)}
    again = {e.name: ensure_access_logs(e) for e in (demo, past, upcoming)}

    assert seeded[upcoming.name] == 0
    assert seeded[past.name] > 0 and seeded[demo.name] > 0
    assert set(again.values()) == {0}
    assert RoomAccess.objects.count() == seeded[past.name] + seeded[demo.name]
    past_rows = RoomAccess.objects.filter(room__event=past)
    assert set(past_rows.values_list("verified_by", flat=True)) == {event_controller(past).pk}
    assert past_rows.filter(denial_reason="invalid_badge", badge_input=INVALID_QR).count() == 1
    assert set(past_rows.filter(status="denied").values_list("denial_reason", flat=True)) == {
        "invalid_badge",
        "not_registered",
        "payment_required",
    }
    assert Participant.objects.filter(event=past, current_room__isnull=False).count() == 0  # everyone left
    assert Participant.objects.filter(event=past, is_checked_in=True).count() == 4
    assert rooms_disagreeing() == []


def test_seeded_running_event_at_half_past_three():
    from datetime import datetime, time

    from django.db.models import Count

    from events.seed import ALGIERS, DEMO_EVENT, algiers_today, find_event, seed_event

    seed_event(DEMO_EVENT)
    demo = find_event(DEMO_EVENT.name)
    now = datetime.combine(algiers_today(), time(15, 30), tzinfo=ALGIERS)
    # Start from the seeded world without its door logs (seed_event wrote them as of the real now).
    RoomAccess.objects.filter(room__event=demo).delete()
    Participant.objects.filter(event=demo).update(current_room=None, is_checked_in=False, checked_in_at=None)
    recount_rooms([demo.pk])

    added = ensure_access_logs(demo, now=now)

    rows = RoomAccess.objects.filter(room__event=demo)
    grouped = rows.order_by().values_list("status", "denial_reason").annotate(n=Count("pk"))
    by_outcome = {(status, reason): n for status, reason, n in grouped}
    # Yesterday: 2 exposants and 2 participants in and out of the hall (8). Today: the exposants in
    # the hall (2); the conference: a fake badge, 2 entries, 2 exits; each atelier refuses both.
    assert by_outcome == {
        ("granted", ""): 14,
        ("denied", "invalid_badge"): 1,
        ("denied", "not_registered"): 2,
        ("denied", "payment_required"): 2,
    }
    assert added == 19
    assert {r.name: r.current_participants for r in Room.objects.filter(event=demo)} == {
        "Hall": 2,
        "Salle Atelier": 0,
        "Salle Conférence": 0,
        "Salle Principale": 0,
    }
    assert set(rows.values_list("verified_by__email", flat=True)) == {"controlleur@makeplus.dz"}
    assert not rows.filter(scanned_at__gt=now).exists()
    assert not rows.filter(offline=True).exists()


# --- concurrency (PostgreSQL, real threads and connections) -------------------------------------

pg_only = pytest.mark.skipif(connection.vendor != "postgresql", reason="row locks need PostgreSQL")


@pg_only
@pytest.mark.django_db(transaction=True)
@pytest.mark.parametrize("attempt", range(3))
def test_reset_during_scans_keeps_occupancy_exact(attempt):
    event = EventFactory()
    room, other = RoomFactory(event=event, capacity=100), RoomFactory(event=event, capacity=100)
    verifier = AssignmentFactory(event=event, role=Role.ORGANISATEUR).user
    inside = [_badge(event) for _ in range(20)]
    for badge in inside:
        _enter(room, badge, verifier)
    newcomers = [_badge(event) for _ in range(10)]
    jobs = [lambda b=b: _enter(room, b, verifier) for b in newcomers]
    jobs += [lambda b=b: _enter(other, b, verifier) for b in inside[:10]]
    jobs += [lambda: reset_room_occupancy(room=room, actor=verifier)] * 2
    barrier = threading.Barrier(len(jobs))
    errors = []

    def run(job):
        try:
            barrier.wait()
            job()
        except Exception as exc:  # collected and asserted
            errors.append(exc)
        finally:
            connection.close()

    threads = [threading.Thread(target=run, args=(job,)) for job in jobs]
    for t in threads:
        t.start()
    for t in threads:
        t.join()

    assert errors == []
    assert rooms_disagreeing() == []
    assert _occupancy(other) == 10
    assert _occupancy(room) == Participant.objects.filter(current_room=room).count() <= 10
