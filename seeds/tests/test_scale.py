from collections import Counter
from datetime import datetime, time
from io import StringIO

import pytest
from django.core.management import CommandError, call_command
from django.utils import timezone

from accounts.models import User
from events.badges import verify_badge
from events.counters import counters_disagreeing, rooms_disagreeing
from events.models import (
    Event,
    Participant,
    Role,
    Room,
    RoomAccess,
    RoomAssignment,
    Session,
    SessionAccess,
    UserEventAssignment,
)
from events.models.participants import BADGE_ALPHABET
from events.tests.factories import EventFactory
from seeds.common import ALGIERS

pytestmark = pytest.mark.django_db

NAME = "Charge Test"
DOMAIN = "charge-test.load.makeplus.dz"
SMALL = ["--participants", "200", "--rooms", "4", "--sessions", "10", "--access-logs", "2000", "--name", NAME]


@pytest.fixture(autouse=True)
def debug(settings):
    settings.DEBUG = True  # pytest-django turns it off; the command is for development databases


@pytest.fixture
def late_morning(monkeypatch):
    """The clock at 11:30 today in Algiers: yesterday's sessions are over, today's morning ones are on."""
    fixed = datetime.combine(timezone.localdate(timezone=ALGIERS), time(11, 30), tzinfo=ALGIERS)
    monkeypatch.setattr(timezone, "now", lambda: fixed)
    return fixed


def run(*args):
    out, err = StringIO(), StringIO()
    call_command("create_load_event", *args, stdout=out, stderr=err)
    return out.getvalue()


def counts(event):
    return {
        "accounts": User.objects.filter(email__endswith="@" + DOMAIN).count(),
        "roles": dict(Counter(UserEventAssignment.objects.filter(event=event).values_list("role", flat=True))),
        "participants": Participant.objects.filter(event=event, kind="participant").count(),
        "badges": Participant.objects.filter(event=event).count(),
        "rooms": Room.objects.filter(event=event).count(),
        "sessions": Session.objects.filter(event=event).count(),
        "shifts": RoomAssignment.objects.filter(room__event=event).count(),
        "access log": RoomAccess.objects.filter(room__event=event).count(),
        "counters": (event.total_participants, event.total_exhibitors, event.total_rooms),
    }


def test_load_event_has_exactly_the_numbers_asked(late_morning):
    output = run(*SMALL)

    event = Event.objects.get(name=NAME)
    assert counts(event) == {
        "accounts": 206,
        "roles": {"participant": 200, "controlleur_des_badges": 4, "gestionnaire_des_salles": 1, "organisateur": 1},
        "participants": 200,
        "badges": 200,
        "rooms": 4,
        "sessions": 10,
        "shifts": 5,
        "access log": 2000,
        "counters": (200, 0, 4),
    }
    assert counters_disagreeing() == []
    assert rooms_disagreeing() == []
    assert event.status == "active" and event.start_date <= late_morning <= event.end_date
    assert event.metadata["generated_by"] == "create_load_event"
    organisateur = User.objects.get(email=f"organisateur@{DOMAIN}")
    assert event.created_by == organisateur
    assert organisateur.check_password("makeplus2025")
    assert f"participant00001@{DOMAIN}" in output and "makeplus2025" in output


def test_load_event_badges_are_unique_and_verify(late_morning):
    run(*SMALL)

    event = Event.objects.get(name=NAME)
    holders = list(Participant.objects.filter(event=event))
    assert len({p.badge_id for p in holders}) == 200
    assert all(len(p.badge_id) == 8 and set(p.badge_id) <= set(BADGE_ALPHABET) for p in holders)
    for holder in holders:
        check = verify_badge(holder.qr_code_data, event=event)
        assert (check.ok, check.participant.pk) == (True, holder.pk)


def test_load_event_sessions_never_overlap_in_a_room_and_fit_the_event(late_morning):
    run(*SMALL)

    event = Event.objects.get(name=NAME)
    sessions = list(Session.objects.filter(event=event).order_by("room_id", "start_time"))
    assert len(sessions) == 10
    for before, after in zip(sessions, sessions[1:], strict=False):
        if before.room_id == after.room_id:
            assert before.end_time <= after.start_time
    assert all(event.start_date <= s.start_time < s.end_time <= event.end_date for s in sessions)
    assert {s.session_type for s in sessions} == {"conference", "atelier"}
    assert any(s.is_paid for s in sessions)
    live = [s for s in sessions if s.status == "live"]
    assert live and all(s.start_time <= late_morning < s.end_time for s in live)
    assert all(s.end_time <= late_morning for s in sessions if s.status == "completed")


def test_load_event_door_log_is_consistent_with_presence_places_and_shifts(late_morning):
    run(*SMALL)

    event = Event.objects.get(name=NAME)
    rooms = {room.pk: room for room in Room.objects.filter(event=event)}
    shifts = {s.room_id: s for s in RoomAssignment.objects.filter(room__event=event, role="controlleur_des_badges")}
    places = {(a.participant_id, a.session_id): a.status for a in SessionAccess.objects.filter(session__event=event)}
    sessions = {s.pk: s for s in Session.objects.filter(event=event)}
    log = list(RoomAccess.objects.filter(room__event=event).order_by("scanned_at", "pk"))
    holders = {p.pk: p for p in Participant.objects.filter(event=event)}

    where, inside, first_entry = {}, Counter(), {}
    for row in log:
        assert event.start_date <= row.scanned_at <= late_morning
        assert time(9) <= timezone.localtime(row.scanned_at, ALGIERS).time() < time(18)
        assert row.received_at >= row.scanned_at
        shift = shifts[row.room_id]
        assert row.verified_by_id == shift.user_id and shift.start_time <= row.scanned_at < shift.end_time
        session = sessions.get(row.session_id)
        if row.status == "denied":
            assert row.direction == "entry"
            if row.denial_reason == "invalid_badge":
                assert row.participant_id is None
            elif row.denial_reason == "not_registered":
                assert session.session_type == "atelier" and not session.is_paid
                assert (row.participant_id, session.pk) not in places
            else:
                assert row.denial_reason == "payment_required"
                assert session.is_paid and places.get((row.participant_id, session.pk)) != "paid"
            continue
        assert row.participant_id in holders and row.badge_input in (
            holders[row.participant_id].qr_code_data,
            holders[row.participant_id].badge_id,
        )
        if row.direction == "entry":
            if session.session_type == "atelier":
                wanted = "paid" if session.is_paid else "registered"
                assert places[(row.participant_id, session.pk)] == wanted
            assert row.participant_id not in where  # inside nowhere else
            where[row.participant_id] = row.room_id
            inside[row.room_id] += 1
            assert inside[row.room_id] <= rooms[row.room_id].capacity
            first_entry.setdefault(row.participant_id, row.scanned_at)
        else:
            assert where.pop(row.participant_id) == row.room_id
            inside[row.room_id] -= 1

    assert {p.pk: p.current_room_id for p in holders.values() if p.current_room_id} == where
    assert where  # people are in the rooms of this morning's sessions
    assert {pk: room.current_participants for pk, room in rooms.items()} == {pk: inside[pk] for pk in rooms}
    assert {p.pk: p.checked_in_at for p in holders.values() if p.is_checked_in} == first_entry
    statuses = Counter((row.status, row.direction, row.denial_reason) for row in log)
    assert {key for key in statuses} == {
        ("granted", "entry", ""),
        ("granted", "exit", ""),
        ("denied", "entry", "invalid_badge"),
        ("denied", "entry", "not_registered"),
        ("denied", "entry", "payment_required"),
    }
    granted = statuses["granted", "entry", ""] + statuses["granted", "exit", ""]
    assert granted in (1859, 1860)  # 93 % (one less when an odd number of rows is left for the pairs)
    for (_, session), status in places.items():
        assert status in ("registered", "paid")
        assert status == "registered" or sessions[session].is_paid
    per_session = Counter(session for (_, session) in places)
    assert all(per_session[pk] <= sessions[pk].room.capacity for pk in per_session)


def test_running_it_again_with_replace_gives_the_same_counts(late_morning):
    run(*SMALL)
    first = Event.objects.get(name=NAME)
    before = counts(first)

    output = run(*SMALL, "--replace")

    assert not Event.objects.filter(pk=first.pk).exists()
    assert counts(Event.objects.get(name=NAME)) == before
    assert counters_disagreeing() == [] and rooms_disagreeing() == []
    assert "Replaced the earlier event" in output


def test_an_existing_event_of_that_name_is_refused_without_replace(late_morning):
    run(*SMALL)
    before = counts(Event.objects.get(name=NAME))

    with pytest.raises(CommandError, match="--replace"):
        run(*SMALL)

    assert Event.objects.filter(name=NAME).count() == 1
    assert counts(Event.objects.get(name=NAME)) == before


def test_an_event_not_made_by_the_command_is_never_replaced():
    real = EventFactory(name=NAME)

    with pytest.raises(CommandError, match="not made by create_load_event"):
        run(*SMALL, "--replace")

    assert Event.objects.get(name=NAME) == real
    assert not User.objects.filter(email__endswith="@" + DOMAIN).exists()


def test_replace_leaves_other_events_and_their_counters_alone(late_morning):
    run("--participants", "20", "--rooms", "2", "--sessions", "2", "--access-logs", "100", "--name", "Autre Charge")
    other = Event.objects.get(name="Autre Charge")
    run(*SMALL)

    run(*SMALL, "--replace")

    assert counts(other)["participants"] == 20
    assert RoomAccess.objects.filter(room__event=other).count() == 100
    assert counters_disagreeing() == [] and rooms_disagreeing() == []


def test_refused_when_debug_is_off_unless_forced(settings, late_morning):
    settings.DEBUG = False

    with pytest.raises(CommandError, match="--force"):
        run(*SMALL)
    assert not Event.objects.filter(name=NAME).exists()

    run(*SMALL, "--force")
    assert Event.objects.filter(name=NAME).exists()


@pytest.mark.parametrize(
    "args, message",
    [
        (["--rooms", "0"], "at least one room"),
        (["--participants", "-1"], "negative"),
        (["--rooms", "1", "--sessions", "200"], "at most 162 sessions"),
    ],
)
def test_impossible_numbers_are_refused(args, message):
    with pytest.raises(CommandError, match=message):
        run("--name", NAME, *args)
    assert not Event.objects.exists()


def test_at_night_nobody_is_inside_and_the_log_stops_at_closing(monkeypatch):
    night = datetime.combine(timezone.localdate(timezone=ALGIERS), time(4), tzinfo=ALGIERS)
    monkeypatch.setattr(timezone, "now", lambda: night)

    run(*SMALL)

    event = Event.objects.get(name=NAME)
    assert RoomAccess.objects.filter(room__event=event).count() == 2000
    assert not Participant.objects.filter(event=event, current_room__isnull=False).exists()
    assert not RoomAccess.objects.filter(room__event=event, scanned_at__gt=night).exists()
    assert set(Session.objects.filter(event=event, start_time__lt=night).values_list("status", flat=True)) == {
        "completed"
    }
    assert counters_disagreeing() == [] and rooms_disagreeing() == []


def test_staff_roles_match_their_shifts(late_morning):
    run(*SMALL)

    event = Event.objects.get(name=NAME)
    for shift in RoomAssignment.objects.filter(room__event=event).select_related("user"):
        role = UserEventAssignment.objects.get(event=event, user=shift.user).role
        assert role == shift.role and role in (Role.CONTROLLEUR_DES_BADGES, Role.GESTIONNAIRE_DES_SALLES)
        assert (shift.start_time, shift.end_time) == (event.start_date, event.end_date)
    assert RoomAssignment.objects.filter(room__event=event, role="controlleur_des_badges").count() == 4
    assert set(
        RoomAssignment.objects.filter(room__event=event, role="controlleur_des_badges").values_list("room", flat=True)
    ) == set(Room.objects.filter(event=event).values_list("pk", flat=True))


def test_a_name_giving_another_load_events_accounts_is_refused(late_morning):
    run(*SMALL)  # "Charge Test": accounts @charge-test.load.makeplus.dz
    before = counts(Event.objects.get(name=NAME))

    with pytest.raises(CommandError, match="exist"):
        run(*SMALL[:-1], "charge-test")
    with pytest.raises(CommandError, match="hold roles in Charge Test"):
        run(*SMALL[:-1], "charge-test", "--replace")

    assert counts(Event.objects.get(name=NAME)) == before
    assert not Event.objects.filter(name="charge-test").exists()
