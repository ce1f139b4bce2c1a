from datetime import datetime, timedelta

import pytest
from django.db import IntegrityError, connection, transaction
from django.test.utils import CaptureQueriesContext

from conftest import assert_same_queries, error_codes, run_together
from events.models import Role, RoomAssignment, UserEventAssignment
from events.selectors.staff import on_duty
from events.services.staff import assign_staff
from events.tests.factories import AssignmentFactory
from events.tests.factories_programme import RoomFactory, SessionFactory
from events.tests.factories_staff import RoomAssignmentFactory
from makeplus.errors import AppError

pytestmark = pytest.mark.django_db

ROLES = list(Role.values)


def _iso(dt):
    return dt.isoformat()


@pytest.fixture
def room(event_a):
    return RoomFactory(event=event_a, name="Salle Atlas")


def _controller(event):
    return AssignmentFactory(event=event, role=Role.CONTROLLEUR_DES_BADGES).user


# --- the on-duty helper ------------------------------------------------------------------------


def test_on_duty_from_start_inclusive_to_end_exclusive(room):
    shift = RoomAssignmentFactory(room=room)
    user, start, end = shift.user, shift.start_time, shift.end_time

    assert on_duty(user=user, room_id=room.pk, at=start) is True
    assert on_duty(user=user, room_id=room.pk, at=start + timedelta(hours=2)) is True
    assert on_duty(user=user, room_id=room.pk, at=end - timedelta(microseconds=1)) is True
    assert on_duty(user=user, room_id=room.pk, at=end) is False
    assert on_duty(user=user, room_id=room.pk, at=start - timedelta(seconds=1)) is False
    assert on_duty(user=user, room_id=RoomFactory(event=room.event).pk, at=start) is False


def test_not_on_duty_with_an_inactive_shift_or_a_lost_role(room):
    shift = RoomAssignmentFactory(room=room)
    at = shift.start_time + timedelta(minutes=5)

    RoomAssignment.objects.filter(pk=shift.pk).update(is_active=False)
    inactive = on_duty(user=shift.user, room_id=room.pk, at=at)
    RoomAssignment.objects.filter(pk=shift.pk).update(is_active=True)
    UserEventAssignment.objects.filter(user=shift.user).update(is_active=False)
    role_deactivated = on_duty(user=shift.user, room_id=room.pk, at=at)
    UserEventAssignment.objects.filter(user=shift.user).update(is_active=True, role=Role.PARTICIPANT)
    role_changed = on_duty(user=shift.user, room_id=room.pk, at=at)

    assert (inactive, role_deactivated, role_changed) == (False, False, False)


def test_on_duty_is_one_query(room):
    shift = RoomAssignmentFactory(room=room)

    with CaptureQueriesContext(connection) as queries:
        assert on_duty(user=shift.user, room_id=room.pk, at=shift.start_time) is True

    assert len(queries) == 1


# --- creating shifts: the rules ----------------------------------------------------------------


def _post(client, room, user, start, end, role="controlleur_des_badges", **extra):
    return client.post(
        "/api/room-assignments/",
        {
            "room": str(room.pk),
            "user": user.pk,
            "role": role,
            "start_time": _iso(start),
            "end_time": _iso(end),
            **extra,
        },
    )


def test_organisateur_assigns_a_shift(organisateur, event_a, room):
    client, me = organisateur
    controller = _controller(event_a)
    start = event_a.start_date + timedelta(hours=1)

    response = _post(client, room, controller, start, start + timedelta(hours=3), notes="Porte nord")

    assert response.status_code == 201
    body = response.json()
    assert (body["user"], body["room"], body["role"], body["notes"], body["assigned_by"]["email"]) == (
        controller.pk,
        str(room.pk),
        "controlleur_des_badges",
        "Porte nord",
        me.email,
    )
    assert body["room_detail"]["name"] == "Salle Atlas"


def test_overlaps_are_refused_touching_edges_and_inactive_shifts_are_not(organisateur, event_a, room):
    client, _ = organisateur
    controller = _controller(event_a)
    start = event_a.start_date + timedelta(hours=1)
    other_room = RoomFactory(event=event_a)
    assert _post(client, room, controller, start, start + timedelta(hours=2)).status_code == 201

    same_room = _post(client, room, controller, start + timedelta(hours=1), start + timedelta(hours=3))
    other = _post(client, other_room, controller, start + timedelta(minutes=30), start + timedelta(hours=1))
    touching = _post(client, other_room, controller, start + timedelta(hours=2), start + timedelta(hours=4))
    inactive = _post(
        client, other_room, controller, start - timedelta(minutes=30), start + timedelta(minutes=30), is_active=False
    )

    assert (same_room.status_code, error_codes(same_room)) == (409, ["overlapping_assignment"])
    assert (other.status_code, error_codes(other)) == (409, ["overlapping_assignment"])
    assert touching.status_code == 201
    assert inactive.status_code == 201
    assert RoomAssignment.objects.filter(user=controller).count() == 3


def test_two_people_may_share_a_room_at_once(organisateur, event_a, room):
    client, _ = organisateur
    start = event_a.start_date + timedelta(hours=1)

    first = _post(client, room, _controller(event_a), start, start + timedelta(hours=2))
    second = _post(client, room, _controller(event_a), start, start + timedelta(hours=2))

    assert (first.status_code, second.status_code) == (201, 201)


@pytest.mark.parametrize(
    ("case", "code", "status"),
    [
        ("role_mismatch", "role_mismatch", 400),
        ("participant", "role_mismatch", 400),
        ("before_event", "outside_event_dates", 400),
        ("after_event", "outside_event_dates", 400),
        ("backwards", "end_before_start", 400),
    ],
)
def test_shift_rules(organisateur, event_a, room, case, code, status):
    client, _ = organisateur
    controller = _controller(event_a)
    start = event_a.start_date + timedelta(hours=1)
    end = start + timedelta(hours=2)
    role = "controlleur_des_badges"
    user = controller
    if case == "role_mismatch":
        role = "gestionnaire_des_salles"
    elif case == "participant":
        user = AssignmentFactory(event=event_a, role=Role.PARTICIPANT).user
    elif case == "before_event":
        start = event_a.start_date - timedelta(hours=1)
    elif case == "after_event":
        end = event_a.end_date + timedelta(minutes=1)
    elif case == "backwards":
        start, end = end, start

    response = _post(client, room, user, start, end, role=role)

    assert (response.status_code, error_codes(response)) == (status, [code])
    assert RoomAssignment.objects.count() == 0


@pytest.mark.parametrize(
    ("payload", "errors"),
    [
        ({"role": "participant"}, [("role", "invalid_choice")]),
        ({"start_time": "bientôt"}, [("start_time", "invalid")]),
        ({"room": "not-a-uuid"}, [("room", "invalid")]),
    ],
)
def test_shift_bad_input(organisateur, event_a, room, payload, errors):
    client, _ = organisateur
    controller = _controller(event_a)
    start = event_a.start_date + timedelta(hours=1)
    data = {
        "room": str(room.pk),
        "user": controller.pk,
        "role": "controlleur_des_badges",
        "start_time": _iso(start),
        "end_time": _iso(start + timedelta(hours=1)),
        **payload,
    }

    response = client.post("/api/room-assignments/", data)

    assert response.status_code == 400
    assert [(e["attr"], e["code"]) for e in response.json()["errors"]][:1] == errors


def test_other_events_room_or_user_is_refused(organisateur, event_a, event_b, room):
    client, _ = organisateur
    start = event_a.start_date + timedelta(hours=1)
    foreign_room = RoomFactory(event=event_b)

    wrong_room = _post(client, foreign_room, _controller(event_a), start, start + timedelta(hours=1))
    wrong_user = _post(client, room, _controller(event_b), start, start + timedelta(hours=1))

    assert [(e["attr"], e["code"]) for e in wrong_room.json()["errors"]] == [("room", "does_not_exist")]
    assert [(e["attr"], e["code"]) for e in wrong_user.json()["errors"]] == [("user", "does_not_exist")]


def test_update_keeps_the_rules(organisateur, event_a, room):
    client, _ = organisateur
    first = RoomAssignmentFactory(room=room)
    second = RoomAssignmentFactory(
        room=room, user=first.user, start_time=first.end_time, end_time=first.end_time + timedelta(hours=1)
    )

    moved = client.patch(
        f"/api/room-assignments/{second.pk}/", {"start_time": _iso(first.end_time - timedelta(hours=1))}
    )
    notes = client.patch(f"/api/room-assignments/{second.pk}/", {"notes": "Relève"})
    deleted = client.delete(f"/api/room-assignments/{first.pk}/")

    assert (moved.status_code, error_codes(moved)) == (409, ["overlapping_assignment"])
    assert (notes.status_code, notes.json()["notes"]) == (200, "Relève")
    assert deleted.status_code == 204


# --- who sees what -----------------------------------------------------------------------------


@pytest.mark.parametrize("role", ROLES)
def test_role_matrix(member, event_a, room, role):
    client, me = member(role, event_a)
    others = RoomAssignmentFactory(room=room)
    mine = RoomAssignmentFactory(room=room, user=me, role=role) if role in Role.values[1:3] else None

    listing = client.get("/api/room-assignments/")
    detail = client.get(f"/api/room-assignments/{others.pk}/")
    created = client.post("/api/room-assignments/", {})

    if role == Role.ORGANISATEUR:
        assert (listing.status_code, listing.json()["count"], detail.status_code) == (200, 1, 200)
        assert created.status_code == 400
    elif mine is not None:
        assert [a["id"] for a in listing.json()["results"]] == [mine.pk]
        assert detail.status_code == 404
        assert (created.status_code, error_codes(created)) == (403, ["insufficient_role"])
    else:
        assert (listing.status_code, error_codes(listing)) == (403, ["insufficient_role"])
        assert detail.status_code == 403
        assert created.status_code == 403


def test_another_events_shift_is_404(organisateur, event_b):
    client, _ = organisateur
    foreign = RoomAssignmentFactory(room=RoomFactory(event=event_b))

    assert client.get(f"/api/room-assignments/{foreign.pk}/").status_code == 404
    assert client.patch(f"/api/room-assignments/{foreign.pk}/", {"notes": "x"}).status_code == 404
    assert client.delete(f"/api/room-assignments/{foreign.pk}/").status_code == 404


def test_filters(organisateur, event_a, room):
    client, me = organisateur
    shift = RoomAssignmentFactory(room=room)
    later = RoomAssignmentFactory(
        room=RoomFactory(event=event_a),
        role=Role.GESTIONNAIRE_DES_SALLES,
        start_time=shift.end_time,
        end_time=shift.end_time + timedelta(hours=2),
    )
    at = (shift.start_time + timedelta(minutes=10)).isoformat().replace("+00:00", "Z")

    active = client.get("/api/room-assignments/", {"active_at": at}).json()["results"]
    by_role = client.get("/api/room-assignments/", {"role": "gestionnaire_des_salles"}).json()["results"]
    by_room = client.get("/api/room-assignments/", {"room": str(room.pk)}).json()["results"]
    mine = client.get("/api/room-assignments/", {"mine": "true"}).json()["results"]
    bad = client.get("/api/room-assignments/", {"active_at": "midi"})

    assert [a["id"] for a in active] == [shift.pk]
    assert [a["id"] for a in by_role] == [later.pk]
    assert [a["id"] for a in by_room] == [shift.pk]
    assert mine == []
    assert (bad.status_code, bad.json()["errors"][0]["attr"]) == (400, "active_at")


def test_filters_by_another_events_room_or_user_answer_like_unknown_ones(organisateur, event_a, event_b, room):
    # Found by the isolation matrix: B's room or user was a valid choice (200, empty) while an unknown
    # one was a 400, so the filter told which ids exist in other events.
    client, _ = organisateur
    foreign = RoomAssignmentFactory(room=RoomFactory(event=event_b))
    unknown_user = foreign.user.pk + 1000

    by_room = client.get("/api/room-assignments/", {"room": str(foreign.room_id)})
    by_user = client.get("/api/room-assignments/", {"user": foreign.user_id})
    by_unknown_user = client.get("/api/room-assignments/", {"user": unknown_user})

    assert (by_room.status_code, error_codes(by_room)) == (400, ["invalid_choice"])
    assert (by_user.status_code, error_codes(by_user)) == (400, ["invalid_choice"])
    assert (by_unknown_user.status_code, error_codes(by_unknown_user)) == (400, ["invalid_choice"])


def test_staff_read_their_own_schedule(client_for, event_a, room):
    shift = RoomAssignmentFactory(room=room)
    RoomAssignmentFactory(room=room)

    response = client_for(shift.user, event_a).get("/api/room-assignments/?mine=true")

    assert [a["id"] for a in response.json()["results"]] == [shift.pk]


def test_list_query_count_is_the_same_for_1_and_40_rows(organisateur, event_a):
    client, _ = organisateur
    rooms = RoomFactory.create_batch(40, event=event_a)
    RoomAssignmentFactory(room=rooms[0])

    def add_rows():
        for r in rooms[1:]:
            RoomAssignmentFactory(room=r)

    one, many = assert_same_queries(
        lambda: client.get("/api/room-assignments/?page_size=100").json()["count"], add_rows
    )

    assert (one, many) == (1, 40)


# --- current staff and gestionnaire powers -------------------------------------------------------


def test_current_staff(member, client_for, event_a, room):
    from django.utils import timezone

    now = timezone.now()
    on = RoomAssignmentFactory(room=room, start_time=now - timedelta(hours=1), end_time=now + timedelta(hours=1))
    RoomAssignmentFactory(room=room, start_time=now + timedelta(hours=2), end_time=now + timedelta(hours=3))
    organiser, _ = member(Role.ORGANISATEUR, event_a)
    participant, _ = member(Role.PARTICIPANT, event_a)

    response = organiser.get(f"/api/rooms/{room.pk}/current-staff/")
    by_staff = client_for(on.user, event_a).get(f"/api/rooms/{room.pk}/current-staff/")

    assert response.status_code == 200
    assert response.json()["count"] == 1
    on_duty = response.json()["results"]
    assert [(s["user"]["id"], s["role"]) for s in on_duty] == [(on.user_id, "controlleur_des_badges")]
    assert datetime.fromisoformat(on_duty[0]["end_time"]) == on.end_time
    assert by_staff.status_code == 200
    assert participant.get(f"/api/rooms/{room.pk}/current-staff/").status_code == 403


def test_gestionnaire_marks_live_only_where_on_duty(client_for, event_a, room):
    from django.utils import timezone

    now = timezone.now()
    session = SessionFactory(room=room)
    elsewhere = SessionFactory(room=RoomFactory(event=event_a))
    shift = RoomAssignmentFactory(
        room=room,
        role=Role.GESTIONNAIRE_DES_SALLES,
        start_time=now - timedelta(hours=1),
        end_time=now + timedelta(hours=1),
    )
    client = client_for(shift.user, event_a)

    here = client.post(f"/api/sessions/{session.pk}/mark_live/")
    there = client.post(f"/api/sessions/{elsewhere.pk}/mark_live/")
    participants_here = client.get(f"/api/rooms/{room.pk}/participants/")
    RoomAssignment.objects.filter(pk=shift.pk).update(end_time=now - timedelta(minutes=1))
    off_duty = client.post(f"/api/sessions/{session.pk}/mark_completed/")

    assert (here.status_code, here.json()["status"]) == (200, "live")
    assert (there.status_code, error_codes(there)) == (403, ["not_assigned_to_room"])
    assert participants_here.status_code == 200
    assert (off_duty.status_code, error_codes(off_duty)) == (403, ["not_assigned_to_room"])


def test_controller_cannot_mark_sessions(client_for, event_a, room):
    from django.utils import timezone

    now = timezone.now()
    session = SessionFactory(room=room)
    shift = RoomAssignmentFactory(room=room, start_time=now - timedelta(hours=1), end_time=now + timedelta(hours=1))

    response = client_for(shift.user, event_a).post(f"/api/sessions/{session.pk}/mark_live/")

    assert (response.status_code, error_codes(response)) == (403, ["insufficient_role"])


# --- concurrency (PostgreSQL) ------------------------------------------------------------------


@pytest.mark.skipif(connection.vendor != "postgresql", reason="row locks and exclusion constraints need PostgreSQL")
@pytest.mark.django_db(transaction=True)
def test_concurrent_overlapping_shifts_leave_one(event_a):
    rooms = RoomFactory.create_batch(8, event=event_a)
    controller = _controller(event_a)
    start = event_a.start_date + timedelta(hours=1)

    def create(room):
        assign_staff(
            room=room,
            user=controller,
            role=Role.CONTROLLEUR_DES_BADGES,
            start_time=start,
            end_time=start + timedelta(hours=2),
            assigned_by=None,
        )
        return "ok"

    results, errors = run_together([lambda r=r: create(r) for r in rooms])
    outcomes = [r for r in results if r] + [e.get_codes() for e in errors if isinstance(e, AppError)]

    assert len(errors) == 7
    assert sorted(outcomes) == ["ok"] + ["overlapping_assignment"] * 7
    assert RoomAssignment.objects.filter(user=controller).count() == 1


@pytest.mark.skipif(connection.vendor != "postgresql", reason="the exclusion constraint exists on PostgreSQL only")
def test_the_database_refuses_overlapping_active_shifts(room):
    shift = RoomAssignmentFactory(room=room)

    with pytest.raises(IntegrityError), transaction.atomic():
        RoomAssignmentFactory(room=RoomFactory(event=room.event), user=shift.user)
