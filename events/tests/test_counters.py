from io import StringIO

import pytest
from django.core.management import CommandError, call_command
from django.db import connection

from accounts.tests.factories import UserFactory
from conftest import run_together
from events.counters import counters_disagreeing
from events.models import Event, Participant, Room
from events.tests.factories import EventFactory
from events.tests.factories_programme import RoomFactory

pytestmark = pytest.mark.django_db


def _totals(event):
    event.refresh_from_db()
    return event.total_participants, event.total_exhibitors, event.total_rooms


def _badge(event, kind="participant"):
    return Participant.objects.create(event=event, user=UserFactory(), kind=kind)


def test_counters_follow_badges_and_rooms_through_every_change():
    event = EventFactory()
    other = EventFactory()
    p1, p2 = _badge(event), _badge(event)
    exposant = _badge(event, "exposant")
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
    badge = _badge(event)

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
    assert "1 had drifted" in out.getvalue()


def test_recount_check_fails_on_drift_and_passes_after():
    event = EventFactory()
    _badge(event, "exposant")
    Event.objects.filter(pk=event.pk).update(total_exhibitors=7)

    with pytest.raises(CommandError, match="1 event"):
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
