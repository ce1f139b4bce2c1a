import threading
from io import StringIO

import pytest
from django.core.management import CommandError, call_command
from django.db import connection

from accounts.tests.factories import UserFactory
from events import services
from events.counters import counters_disagreeing
from events.models import Event, Role, UserEventAssignment
from events.tests.factories import AssignmentFactory, EventFactory
from makeplus.errors import AppError

pytestmark = pytest.mark.django_db


def _totals(event):
    event.refresh_from_db()
    return event.total_participants, event.total_exhibitors


def test_counters_follow_assignments_through_every_change():
    event = EventFactory()
    organiser = AssignmentFactory(event=event, role=Role.ORGANISATEUR).user
    p1, p2 = AssignmentFactory.create_batch(2, event=event, role=Role.PARTICIPANT)
    exposant = AssignmentFactory(event=event, role=Role.EXPOSANT)
    assert _totals(event) == (2, 1)

    services.update_assignment(assignment=p1, actor=organiser, is_active=False)
    assert _totals(event) == (1, 1)
    services.update_assignment(assignment=p2, actor=organiser, role=Role.EXPOSANT)
    assert _totals(event) == (0, 2)
    services.update_assignment(assignment=p1, actor=organiser, is_active=True)
    assert _totals(event) == (1, 2)
    services.remove_assignment(assignment=exposant, actor=organiser)
    assert _totals(event) == (1, 1)
    p1.user.delete()
    assert _totals(event) == (0, 1)
    assert counters_disagreeing() == []


def test_saving_a_deferred_instance_keeps_counters_exact():
    event = EventFactory()
    assignment = AssignmentFactory(event=event, role=Role.PARTICIPANT)

    deferred = UserEventAssignment.objects.only("id", "event_id").get(pk=assignment.pk)
    deferred.is_active = False
    deferred.save(update_fields=["is_active"])

    assert _totals(event) == (0, 0)
    assert counters_disagreeing() == []


def test_recount_rebuilds_after_bulk_writes():
    event = EventFactory()
    users = UserFactory.create_batch(4)
    UserEventAssignment.objects.bulk_create(
        [UserEventAssignment(event=event, user=u, role=Role.PARTICIPANT) for u in users]
    )  # bulk_create bypasses signals
    assert counters_disagreeing() == [event.pk]

    out = StringIO()
    call_command("recount", stdout=out)

    assert _totals(event) == (4, 0)
    assert counters_disagreeing() == []
    assert "1 had drifted" in out.getvalue()


def test_recount_check_fails_on_drift_and_passes_after():
    event = EventFactory()
    AssignmentFactory(event=event, role=Role.EXPOSANT)
    Event.objects.filter(pk=event.pk).update(total_exhibitors=7)

    with pytest.raises(CommandError, match="1 event"):
        call_command("recount", "--check", stdout=StringIO())
    call_command("recount", stdout=StringIO())
    call_command("recount", "--check", stdout=StringIO())
    assert _totals(event) == (0, 1)


@pytest.mark.skipif(connection.vendor != "postgresql", reason="row locks need PostgreSQL (SQLite locks the file)")
@pytest.mark.django_db(transaction=True)
def test_concurrent_assignments_keep_counters_exact():
    event = EventFactory()
    organiser = UserFactory()
    users = UserFactory.create_batch(20)
    errors = []

    def add(user):
        try:
            services.assign_user(event=event, user=user, role=Role.PARTICIPANT, assigned_by=organiser)
        except Exception as exc:  # collected and asserted below
            errors.append(exc)
        finally:
            connection.close()

    threads = [threading.Thread(target=add, args=(u,)) for u in users]
    for t in threads:
        t.start()
    for t in threads:
        t.join()

    assert errors == []
    assert _totals(event) == (20, 0)
    assert counters_disagreeing() == []


@pytest.mark.skipif(connection.vendor != "postgresql", reason="row locks need PostgreSQL (SQLite locks the file)")
@pytest.mark.django_db(transaction=True)
def test_two_organisateurs_demoting_each_other_at_once_leave_one():
    event = EventFactory()
    first, second = AssignmentFactory.create_batch(2, event=event, role=Role.ORGANISATEUR)
    barrier = threading.Barrier(2)
    outcomes = []

    def demote(assignment):
        try:
            barrier.wait()
            services.update_assignment(assignment=assignment, actor=assignment.user, role=Role.PARTICIPANT)
            outcomes.append("ok")
        except AppError as exc:
            outcomes.append(exc.get_codes())
        finally:
            connection.close()

    threads = [threading.Thread(target=demote, args=(a,)) for a in (first, second)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()

    assert sorted(map(str, outcomes)) == ["last_organisateur", "ok"]
    assert UserEventAssignment.objects.filter(event=event, role=Role.ORGANISATEUR, is_active=True).count() == 1
    assert _totals(event) == (1, 0)
