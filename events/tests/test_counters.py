from datetime import UTC, date, datetime
from io import StringIO

import pytest
from django.core.management import CommandError, call_command
from django.db import connection
from django.utils import timezone

from accounts.tests.factories import UserFactory
from conftest import run_together
from events.counters import (
    COUNTERS,
    bump,
    count_scan,
    counters_disagreeing,
    recount_upvotes,
    scan_counts_disagreeing,
    upvotes_disagreeing,
)
from events.models import Event, Participant, Room, RoomAccess, RoomScanCount, SessionQuestion
from events.tests.factories import EventFactory, badge_holder
from events.tests.factories_participants import ParticipantFactory  # bare rows: the signals are under test
from events.tests.factories_programme import RoomFactory
from events.tests.factories_questions import QuestionUpvoteFactory, SessionQuestionFactory

pytestmark = pytest.mark.django_db


def _totals(event):
    event.refresh_from_db()
    return event.total_participants, event.total_exhibitors, event.total_rooms


def test_counters_follow_badges_and_rooms_through_every_change():
    event = EventFactory()
    other = EventFactory()
    p1, p2 = ParticipantFactory(event=event), ParticipantFactory(event=event)
    exposant = ParticipantFactory(event=event, kind="exposant")
    room = RoomFactory(event=event)
    RoomFactory(event=other)
    assert _totals(event) == (2, 1, 1)

    p2.kind = "exposant"
    p2.save()
    assert _totals(event) == (1, 2, 1)
    exposant.delete()
    assert _totals(event) == (1, 1, 1)
    p1.user.delete()  # cascades to the badge
    assert _totals(event) == (0, 1, 1)
    room.delete()
    assert _totals(event) == (0, 1, 0)
    assert _totals(other) == (0, 0, 1)
    assert counters_disagreeing() == []


def test_saving_a_deferred_instance_keeps_counters_exact():
    event = EventFactory()
    badge = ParticipantFactory(event=event)

    deferred = Participant.objects.only("id", "event_id").get(pk=badge.pk)
    deferred.kind = "exposant"
    deferred.save(update_fields=["kind"])

    assert _totals(event) == (0, 1, 0)
    Participant.objects.only("id").get(pk=badge.pk).delete()
    assert _totals(event) == (0, 0, 0)
    assert counters_disagreeing() == []


def test_recount_rebuilds_after_bulk_writes():
    event = EventFactory()
    Participant.objects.bulk_create([Participant(event=event, user=u) for u in UserFactory.create_batch(4)])
    Room.objects.bulk_create([Room(event=event, name=f"Salle {i}", capacity=10) for i in range(3)])
    assert counters_disagreeing() == [event.pk]

    out = StringIO()
    call_command("recount", stdout=out)

    assert _totals(event) == (4, 0, 3)
    assert counters_disagreeing() == []
    assert "Event.total_participants: 1 event(s) had drifted" in out.getvalue()
    assert "Event.total_rooms: 1 event(s) had drifted" in out.getvalue()
    assert "Event.total_exhibitors: 0 event(s) had drifted" in out.getvalue()


def test_recount_check_fails_on_drift_and_passes_after():
    event = EventFactory()
    ParticipantFactory(event=event, kind="exposant")
    Event.objects.filter(pk=event.pk).update(total_exhibitors=7)

    with pytest.raises(CommandError, match=f"Event.total_exhibitors: 1 event\\(s\\) \\({event.pk}\\)"):
        call_command("recount", "--check", stdout=StringIO())
    call_command("recount", stdout=StringIO())
    call_command("recount", "--check", stdout=StringIO())
    assert _totals(event) == (0, 1, 0)


@pytest.mark.skipif(connection.vendor != "postgresql", reason="row locks need PostgreSQL (SQLite locks the file)")
@pytest.mark.django_db(transaction=True)
def test_concurrent_badges_and_rooms_keep_counters_exact():
    event = EventFactory()
    users = UserFactory.create_batch(20)

    def add(i, user):
        Participant.objects.create(event=event, user=user, kind="exposant" if i % 4 == 0 else "participant")
        Room.objects.create(event=event, name=f"Salle {i}", capacity=50)

    _, errors = run_together([lambda i=i, u=u: add(i, u) for i, u in enumerate(users)])

    assert errors == []
    assert _totals(event) == (15, 5, 20)
    assert counters_disagreeing() == []


# --- every registered counter: --check names it when it drifts, recount rebuilds it ---------------


def _drift_event_total(field):
    def drift():
        event = EventFactory()
        RoomFactory(event=event)
        ParticipantFactory(event=event)
        ParticipantFactory(event=event, kind="exposant")
        Event.objects.filter(pk=event.pk).update(**{field: 7})
        return event.pk, lambda: Event.objects.values_list(field, flat=True).get(pk=event.pk)

    return drift


def _drift_room_occupancy():
    room = RoomFactory()
    badge = ParticipantFactory(event=room.event)
    Participant.objects.filter(pk=badge.pk).update(current_room=room)  # moved in without the door scan
    return room.pk, lambda: Room.objects.values_list("current_participants", flat=True).get(pk=room.pk)


def _drift_scan_counts():
    room = RoomFactory()
    RoomAccess.objects.create(room=room, status="granted", scanned_at=timezone.now())  # logged without the scan
    return room.pk, lambda: sum(RoomScanCount.objects.filter(room=room).values_list("count", flat=True))


def _drift_upvotes():
    question = SessionQuestionFactory()
    QuestionUpvoteFactory(question=question)  # a vote row without toggle_upvote
    return question.pk, lambda: SessionQuestion.objects.values_list("upvote_count", flat=True).get(pk=question.pk)


DRIFTS = {
    "Event.total_rooms": _drift_event_total("total_rooms"),
    "Event.total_participants": _drift_event_total("total_participants"),
    "Event.total_exhibitors": _drift_event_total("total_exhibitors"),
    "Room.current_participants": _drift_room_occupancy,
    "RoomScanCount.count": _drift_scan_counts,
    "SessionQuestion.upvote_count": _drift_upvotes,
}


def test_every_registered_counter_has_a_drift_test():
    assert sorted(counter.name for counter in COUNTERS) == sorted(DRIFTS)


@pytest.mark.parametrize("name", DRIFTS)
def test_recount_check_names_the_drifted_counter_and_recount_rebuilds_it(name):
    counter = next(counter for counter in COUNTERS if counter.name == name)
    pk, value = DRIFTS[name]()

    with pytest.raises(CommandError) as refused:
        call_command("recount", "--check", stdout=StringIO())
    out = StringIO()
    call_command("recount", stdout=out)

    assert str(refused.value).splitlines()[1:] == [f"{name}: 1 {counter.unit} ({pk})"]
    assert f"{name}: 1 {counter.unit} had drifted, recounted." in out.getvalue()
    assert value() == 1
    assert counter.drifted() == []
    call_command("recount", "--check", stdout=StringIO())


def test_recount_check_lists_every_counter_when_all_agree():
    out = StringIO()
    call_command("recount", "--check", stdout=out)

    assert all(counter.name in out.getvalue() for counter in COUNTERS)


def test_an_upvote_recount_moves_the_questions_it_corrects_for_polling():
    question, untouched = SessionQuestionFactory(), SessionQuestionFactory()
    QuestionUpvoteFactory(question=question)
    before = SessionQuestion.objects.get(pk=untouched.pk).updated_at

    assert recount_upvotes() == 1

    assert SessionQuestion.objects.get(pk=question.pk).updated_at > question.updated_at
    assert SessionQuestion.objects.get(pk=untouched.pk).updated_at == before


def test_a_recount_of_some_events_leaves_the_others():
    question, other = SessionQuestionFactory(), SessionQuestionFactory()
    for target in (question, other):
        QuestionUpvoteFactory(question=target)

    assert recount_upvotes([question.session.event_id]) == 1

    assert upvotes_disagreeing() == [other.pk]


def test_only_a_registered_counter_is_bumped():
    event = EventFactory()

    with pytest.raises(ValueError, match="Event.name is not a registered counter"):
        bump(Event.objects.filter(pk=event.pk), "name", 1)
    assert bump(Event.objects.filter(pk=event.pk), "total_rooms", 2) == 1
    assert _totals(event) == (0, 0, 2)


def test_count_scan_and_the_recount_from_the_log_agree_at_midnight_at_the_event():
    room = RoomFactory()
    last_second = datetime(2026, 3, 10, 22, 59, 59, tzinfo=UTC)  # 23:59:59 in Algiers (UTC+1)
    midnight = datetime(2026, 3, 10, 23, 0, tzinfo=UTC)  # 00:00 the next day there
    scans = [(last_second, "granted", ""), (midnight, "granted", ""), (midnight, "denied", "room_full")]
    for at, status, reason in [*scans, scans[1]]:
        RoomAccess.objects.create(room=room, status=status, denial_reason=reason, scanned_at=at)
        count_scan(room_id=room.pk, scanned_at=at, status=status, denial_reason=reason)

    stored = sorted(RoomScanCount.objects.values_list("day", "hour", "status", "denial_reason", "count"))

    assert stored == [
        (date(2026, 3, 10), 23, "granted", "", 1),
        (date(2026, 3, 11), 0, "denied", "room_full", 1),
        (date(2026, 3, 11), 0, "granted", "", 2),
    ]
    assert scan_counts_disagreeing() == []


def test_deleting_a_voters_account_takes_its_votes_out_of_the_counts():
    from events.services.questions import toggle_upvote

    question = SessionQuestionFactory(session__status="live")
    voters = [badge_holder(question.session.event).user for _ in range(3)]
    for voter in voters:
        toggle_upvote(question=question, user=voter)
    before = SessionQuestion.objects.get(pk=question.pk).updated_at

    voters[0].delete()  # cascades to the vote row

    question.refresh_from_db()
    assert (question.upvote_count, question.updated_at > before) == (2, True)
    assert upvotes_disagreeing() == []
