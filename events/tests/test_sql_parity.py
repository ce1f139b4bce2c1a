"""events/sql/: each hand-written statement gives the answer of its ORM twin (the rule stated once, in
selectors.staff.on_duty_q and selectors.access.running_session), on the edge cases of the rules; and
the writes do what the ORM would."""

import re
import uuid
from datetime import timedelta

import pytest
from django.db.models import Model
from django.db.models.signals import post_save, pre_save
from django.forms.models import model_to_dict
from django.utils import timezone

from accounts.tests.factories import UserFactory
from events.badges import judge_badge, judge_typed_badge, parse_badge
from events.models import (
    Participant,
    Role,
    Room,
    RoomAccess,
    RoomScanCount,
    Session,
    SessionAccess,
    UserEventAssignment,
)
from events.services.participants import reissue_badge
from events.sql import access as sql
from events.sql.auth import active_assignment, active_assignment_orm
from events.tests.factories import AssignmentFactory, EventFactory, badge_holder
from events.tests.factories_programme import RoomFactory, SessionFactory
from events.tests.factories_staff import RoomAssignmentFactory

pytestmark = pytest.mark.django_db

Reason = RoomAccess.Reason


@pytest.fixture
def event():
    return EventFactory(name="TechSummit Algeria")


@pytest.fixture
def room(event):
    return RoomFactory(event=event, name="Salle Atlas", capacity=2)


@pytest.fixture
def shift(room):
    """A controller's shift at the room, [start, start + 4 h)."""
    return RoomAssignmentFactory(room=room)


# --- the door: room, caller on duty, running session ----------------------------------------------


def _doors(*, event, room_id, user, at):
    """(SQL answer, ORM answer), each as (room id, caller on duty, running session id) or None."""

    def summary(door):
        if door is None:
            return None
        assert door.room.event is event
        return door.room.pk, door.caller_on_duty, door.running and door.running.pk

    answers = [
        read(event=event, room_id=room_id, user=user, at=at) for read in (sql.door_for_scan, sql.door_for_scan_orm)
    ]
    return tuple(summary(door) for door in answers), answers


def _door(shift, at, *, user=None, room=None):
    (by_sql, by_orm), _ = _doors(
        event=shift.room.event, room_id=(room or shift.room).pk, user=user or shift.user, at=at
    )
    assert by_sql == by_orm
    return by_sql


def test_door_reads_the_room_as_the_orm_does(shift):
    (by_sql, by_orm), (door, twin) = _doors(
        event=shift.room.event, room_id=shift.room.pk, user=shift.user, at=shift.start_time
    )

    assert by_sql == by_orm == (shift.room.pk, True, None)
    assert model_to_dict(door.room) == model_to_dict(twin.room)
    assert door.room.get_deferred_fields() == set()  # every column of Room is read


@pytest.mark.parametrize(
    ("instant", "on_duty"),
    [
        ("start", True),  # shifts are [start, end)
        ("middle", True),
        ("last microsecond", True),
        ("end", False),
        ("before", False),
    ],
)
def test_on_duty_at_the_edges_of_the_shift(shift, instant, on_duty):
    at = {
        "start": shift.start_time,
        "middle": shift.start_time + timedelta(hours=2),
        "last microsecond": shift.end_time - timedelta(microseconds=1),
        "end": shift.end_time,
        "before": shift.start_time - timedelta(seconds=1),
    }[instant]

    assert _door(shift, at)[1] is on_duty


def test_no_longer_on_duty_once_the_role_is_deactivated(shift):
    UserEventAssignment.objects.filter(user=shift.user, event=shift.room.event).update(is_active=False)

    assert _door(shift, shift.start_time)[1] is False


def test_no_longer_on_duty_once_the_role_changed(shift):
    UserEventAssignment.objects.filter(user=shift.user, event=shift.room.event).update(
        role=Role.GESTIONNAIRE_DES_SALLES
    )

    assert _door(shift, shift.start_time)[1] is False


def test_not_on_duty_on_an_inactive_shift_or_at_another_room(shift):
    other_room = RoomFactory(event=shift.room.event)

    assert _door(shift, shift.start_time, room=other_room)[1] is False
    shift.is_active = False
    shift.save()
    assert _door(shift, shift.start_time)[1] is False


def test_another_user_is_not_on_duty(shift):
    assert _door(shift, shift.start_time, user=UserFactory())[1] is False


def test_running_session_at_the_edges(shift):
    first = SessionFactory(room=shift.room)
    second = SessionFactory(room=shift.room, start_time=first.end_time, end_time=first.end_time + timedelta(hours=1))

    assert _door(shift, first.start_time)[2] == first.pk
    assert _door(shift, first.end_time - timedelta(microseconds=1))[2] == first.pk
    assert _door(shift, first.end_time)[2] == second.pk  # at its end instant the next one runs
    assert _door(shift, second.end_time)[2] is None
    assert _door(shift, first.start_time - timedelta(seconds=1))[2] is None


def test_a_cancelled_session_is_not_running(shift):
    session = SessionFactory(room=shift.room, status=Session.Status.CANCELLED)

    assert _door(shift, session.start_time)[2] is None


def test_a_session_of_another_room_is_not_running_here(shift):
    session = SessionFactory(room=RoomFactory(event=shift.room.event))

    assert _door(shift, session.start_time)[2] is None


def test_the_running_session_reads_what_the_scan_needs(shift):
    session = SessionFactory(room=shift.room, session_type="atelier", is_paid=True, price=1500)

    (_, _), (door, twin) = _doors(event=shift.room.event, room_id=shift.room.pk, user=shift.user, at=session.start_time)

    fields = ["id", "event", "room", "title", "session_type", "is_paid", "status", "start_time", "end_time"]
    assert model_to_dict(door.running, fields=fields) == model_to_dict(twin.running, fields=fields)
    assert door.running.room is door.room


@pytest.mark.parametrize("room_id", ["another event's", "unknown", "malformed"])
def test_no_door_outside_the_event(shift, room_id):
    room_id = {
        "another event's": RoomFactory().pk,
        "unknown": uuid.uuid4(),
        "malformed": "salle-atlas",
    }[room_id]

    assert _door(shift, shift.start_time, room=Room(pk=room_id)) is None


# --- the badge holder ----------------------------------------------------------------------------


def _holders(room, session=None, **where):
    """(SQL answer, ORM answer), each as (participant id, badge version, key, allowed here, place) or None."""

    def summary(holder):
        if holder is None:
            return None
        p = holder.participant
        return p.pk, p.badge_version, bytes(holder.public_key), holder.allowed_here, holder.place

    answers = [read(room=room, session=session, **where) for read in (sql.holder_at_door, sql.holder_at_door_orm)]
    return tuple(summary(holder) for holder in answers), answers


def _by_qr(room, qr_code, session=None):
    payload = parse_badge(qr_code)
    (by_sql, by_orm), answers = _holders(
        room, session, participant_id=payload.participant_id, event_id=payload.event_id
    )
    assert by_sql == by_orm
    return by_sql, answers, payload


def test_holder_reads_what_the_decision_and_its_answer_read(event, room):
    holder = badge_holder(event, first_name="Amina", last_name="Benali")

    found, answers, _ = _by_qr(room, holder.qr_code_data)

    door, twin = answers
    assert found[:2] == (holder.pk, 1) and found[3:] == (False, None)  # access_all_rooms: no listed room
    fields = sql.HOLDER_FIELDS
    assert model_to_dict(door.participant, fields=fields) == model_to_dict(twin.participant, fields=fields)
    assert door.participant.user.get_full_name() == twin.participant.user.get_full_name() == "Amina Benali"


def test_unknown_badge_holder_is_nobody(event, room):
    holder = badge_holder(event)
    payload = parse_badge(holder.qr_code_data)

    (by_sql, by_orm), _ = _holders(room, participant_id=payload.participant_id + 1000, event_id=payload.event_id)
    assert by_sql == by_orm is None
    (by_sql, by_orm), _ = _holders(room, participant_id=holder.pk, event_id=uuid.uuid4())  # not the event it names
    assert by_sql == by_orm is None
    (by_sql, by_orm), _ = _holders(room, badge_id="ABCDEFGH")
    assert by_sql == by_orm is None


def test_revoked_badge_holder_is_found_and_judged_revoked(event, room):
    holder = badge_holder(event)
    old_code = holder.qr_code_data
    reissue_badge(participant=holder, actor=None)

    participant = Participant.objects.get(pk=holder.pk)
    found, answers, payload = _by_qr(room, old_code)

    assert found[:2] == (holder.pk, participant.badge_version) == (holder.pk, 2)
    verdicts = {judge_badge(payload, h.participant, h.public_key, event=event).reason for h in answers}
    assert verdicts == {Reason.REVOKED}


def test_typed_badge_id_of_another_events_holder_is_found_and_judged_wrong_event(room):
    other = badge_holder(EventFactory())

    (by_sql, by_orm), answers = _holders(room, badge_id=other.badge_id)

    assert by_sql == by_orm and by_sql[0] == other.pk
    assert {judge_typed_badge(h.participant, event=room.event).reason for h in answers} == {Reason.WRONG_EVENT}


def test_allowed_rooms_are_read_for_the_door(event, room):
    other_room = RoomFactory(event=event)
    holder = badge_holder(event, access_all_rooms=False, allowed_rooms=[room])

    assert _by_qr(room, holder.qr_code_data)[0][3] is True
    assert _by_qr(other_room, holder.qr_code_data)[0][3] is False


@pytest.mark.parametrize(
    ("status", "place"),
    [("registered", "registered"), ("paid", "paid"), ("cancelled", None), (None, None)],
)
def test_the_place_in_the_session(event, room, status, place):
    holder = badge_holder(event)
    atelier = SessionFactory(room=room, session_type="atelier")
    other = SessionFactory(room=room, session_type="atelier", start_time=atelier.end_time)
    SessionAccess.objects.create(participant=holder, session=other, status="registered")
    if status is not None:
        paid = {"amount": 1500, "paid_at": timezone.now()} if status == "paid" else {}
        SessionAccess.objects.create(participant=holder, session=atelier, status=status, **paid)

    assert _by_qr(room, holder.qr_code_data, session=atelier)[0][4] == place
    assert _by_qr(room, holder.qr_code_data)[0][4] is None  # no session: no place


# --- the caller's assignment (every authenticated request) ---------------------------------------


def _assignments(user_id, event_id):
    by_sql, by_orm = active_assignment(user_id, event_id), active_assignment_orm(user_id, event_id)
    if by_sql is None or by_orm is None:
        assert by_sql is by_orm is None
        return None
    assert model_to_dict(by_sql) == model_to_dict(by_orm)
    assert model_to_dict(by_sql.user) == model_to_dict(by_orm.user)
    assert model_to_dict(by_sql.event) == model_to_dict(by_orm.event)
    return by_sql


def test_active_assignment_with_its_user_and_event(django_assert_num_queries):
    assignment = AssignmentFactory(role=Role.CONTROLLEUR_DES_BADGES)

    with django_assert_num_queries(1):
        found = active_assignment(assignment.user_id, str(assignment.event_id))
        assert (found.role, found.user.email, found.event.name) == (
            Role.CONTROLLEUR_DES_BADGES,
            assignment.user.email,
            assignment.event.name,
        )
    assert _assignments(assignment.user_id, str(assignment.event_id)).pk == assignment.pk


def test_no_assignment_when_deactivated_of_another_event_or_malformed():
    assignment = AssignmentFactory()
    elsewhere = AssignmentFactory(user=assignment.user)

    assert _assignments(assignment.user_id, str(EventFactory().pk)) is None
    assert _assignments(assignment.user_id, "not-a-uuid") is None
    assert _assignments("not-a-user", str(assignment.event_id)) is None
    UserEventAssignment.objects.filter(pk=assignment.pk).update(is_active=False)
    assert _assignments(assignment.user_id, str(assignment.event_id)) is None
    assert _assignments(assignment.user_id, str(elsewhere.event_id)).pk == elsewhere.pk


# --- writes --------------------------------------------------------------------------------------


def test_seats_are_taken_while_free_and_left_never_below_zero(room):
    assert sql.take_seat(room.pk) == (1, 2)
    assert sql.take_seat(room.pk) == (2, 2)
    assert sql.take_seat(room.pk) is None  # full
    assert sql.take_seat(room.pk, force=True) == (3, 2)  # an offline scan the device granted
    for left in (2, 1, 0):
        assert sql.leave_seat(room.pk) == (left, 2)
    assert sql.leave_seat(room.pk) is None
    assert sql.take_seat(uuid.uuid4()) is None  # no such room
    room.refresh_from_db()
    assert room.current_participants == 0


def test_place_and_check_in(event, room):
    holder = badge_holder(event)
    at = timezone.now() - timedelta(minutes=3)

    sql.place(holder.pk, room.pk, checked_in_at=at)
    holder.refresh_from_db()
    assert (holder.current_room_id, holder.is_checked_in, holder.checked_in_at) == (room.pk, True, at)
    sql.place(holder.pk, None)
    holder.refresh_from_db()
    assert (holder.current_room_id, holder.is_checked_in, holder.checked_in_at) == (None, True, at)


def test_insert_writes_what_save_writes(room):
    verifier = UserFactory()
    at = timezone.now() - timedelta(minutes=5)

    def access(nonce):
        return RoomAccess(
            room=room,
            direction="entry",
            status="denied",
            denial_reason="invalid_badge",
            badge_input="ABCDEFGH",
            verified_by=verifier,
            scanned_at=at,
            nonce=nonce,
        )

    inserted = sql.insert_access(access("n-1"))
    saved = access("n-2")
    saved.save()

    assert inserted.pk is not None and inserted._state.adding is False
    ignored = {"id", "nonce", "received_at"}
    stored, reference = (
        model_to_dict(RoomAccess.objects.get(pk=pk), exclude=ignored) for pk in (inserted.pk, saved.pk)
    )
    assert stored == reference
    # auto_now_add filled in, as save() does
    assert RoomAccess.objects.get(pk=inserted.pk).received_at == inserted.received_at
    assert inserted.received_at >= at


def test_the_log_insert_names_every_column():
    columns = re.search(r"\((.*?)\)", sql.INSERT_ACCESS, re.S).group(1)

    assert {name.strip() for name in columns.split(",")} == {
        field.column for field in RoomAccess._meta.concrete_fields if not field.primary_key
    }


def test_room_access_has_nothing_an_insert_would_skip():
    # The door scan writes its log row with a plain INSERT (no save(), no signals): nothing may depend on them.
    assert RoomAccess.save is Model.save
    assert not pre_save.has_listeners(RoomAccess)
    assert not post_save.has_listeners(RoomAccess)


# --- the decision's writes in one statement (record) ---------------------------------------------


def _decision(room, holder, status="granted", reason="", *, direction="entry", server_reason=""):
    return RoomAccess(
        room=room,
        participant=holder,
        direction=direction,
        status=status,
        denial_reason=reason,
        badge_input=holder.badge_id,
        verified_by=UserFactory(),
        scanned_at=timezone.now() - timedelta(minutes=1),
        server_reason=server_reason,
    )


def _state(room, *holders):
    room.refresh_from_db()
    for holder in holders:
        holder.refresh_from_db()
    counts = sorted(RoomScanCount.objects.filter(room=room).values_list("status", "denial_reason", "count"))
    return room.current_participants, [h.current_room_id for h in holders], counts


def test_record_takes_a_free_seat_with_the_log_row_and_its_counter(event, room):
    first, second, third = (badge_holder(event) for _ in range(3))
    entered_at = timezone.now() - timedelta(minutes=1)

    after = sql.record(_decision(room, first), seat="take", presence=sql.Presence(room.pk, checked_in_at=entered_at))
    sql.record(_decision(room, second), seat="take", presence=sql.Presence(room.pk))
    full = _decision(room, third)
    refused = sql.record(full, seat="take", presence=sql.Presence(room.pk))

    assert after == (1, 2) and refused is None
    # The room (capacity 2) was full: the decision became a room_full denial and nobody moved.
    assert (full.pk is not None, full.status, full.denial_reason) == (True, "denied", "room_full")
    assert RoomAccess.objects.get(pk=full.pk).denial_reason == "room_full"
    assert _state(room, first, second, third) == (
        2,
        [room.pk, room.pk, None],
        [("denied", "room_full", 1), ("granted", "", 2)],
    )
    first.refresh_from_db()
    assert (first.is_checked_in, first.checked_in_at) == (True, entered_at)


def test_record_forces_a_seat_and_says_the_server_would_have_refused(event, room):
    holders = [badge_holder(event) for _ in range(3)]
    decisions = [_decision(room, h) for h in holders]

    seats = [sql.record(d, seat="force", presence=sql.Presence(room.pk)) for d in decisions]

    assert seats == [(1, 2), (2, 2), (3, 2)]
    assert [(d.status, d.server_reason) for d in decisions] == [
        ("granted", ""),
        ("granted", ""),
        ("granted", "room_full"),
    ]
    assert _state(room, *holders)[:2] == (3, [room.pk] * 3)


def test_record_leaves_a_seat_never_below_zero(event, room):
    holder = badge_holder(event)
    sql.record(_decision(room, holder), seat="take", presence=sql.Presence(room.pk))

    left = sql.record(_decision(room, holder, direction="exit"), seat="leave", presence=sql.Presence(None))
    again = sql.record(_decision(room, holder, direction="exit"), seat="leave", presence=sql.Presence(None))

    assert (left, again) == ((0, 2), None)
    assert _state(room, holder) == (0, [None], [("granted", "", 3)])


def test_record_without_a_move_writes_the_log_row_and_counter_only(event, room):
    holder = badge_holder(event)
    denied = _decision(room, holder, "denied", "not_allowed_room")

    assert sql.record(denied) is None
    assert (denied.status, denied.denial_reason) == ("denied", "not_allowed_room")
    assert _state(room, holder) == (0, [None], [("denied", "not_allowed_room", 1)])
