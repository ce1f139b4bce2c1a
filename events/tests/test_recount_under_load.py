"""`manage.py recount` while doors scan (events/counters.py): nothing lost, nothing invented, no room over
capacity. Before recounts took the writers' locks, a recount between a scan's count and its commit
overwrote the scan's +1 and a full room then let one more person in."""

import io
import random

import pytest
from django.core.management import call_command
from django.db import OperationalError, connection
from django.db.models import Count, Sum

from conftest import run_together
from events.models import Participant, Room, RoomAccess, RoomScanCount
from events.roles import Role
from events.selectors.access import door_scans
from events.services.access import verify_room_access
from events.tests.factories import AssignmentFactory, badge_holder
from events.tests.factories_programme import RoomFactory

pytestmark = [
    pytest.mark.django_db(transaction=True),
    pytest.mark.skipif(connection.vendor != "postgresql", reason="concurrent writers need PostgreSQL"),
]

DOORS, SCANS_PER_DOOR, RECOUNTS = 6, 25, 4


def test_recounts_during_scanning_keep_every_counter_exact(event_a):
    rooms = [RoomFactory(event=event_a, name=f"Salle {n}", capacity=4) for n in range(3)]
    badges = [badge_holder(event_a).qr_code_data for _ in range(24)]
    verifier = AssignmentFactory(event=event_a, role=Role.ORGANISATEUR).user

    def door(seed):
        def scan_many():
            rng = random.Random(seed)
            for _ in range(SCANS_PER_DOOR):
                direction = rng.choice(["entry", "entry", "exit"])
                try:
                    verify_room_access(
                        room=rng.choice(rooms), verifier=verifier, qr_code=rng.choice(badges), direction=direction
                    )
                except OperationalError as error:
                    # A wait the database gave up on (lock_timeout): the API answers 503 busy and the door app
                    # retries; the scan's transaction rolled back whole, so the counters must still agree.
                    assert getattr(error.__cause__, "sqlstate", None) == "55P03", error

        return scan_many

    def recounter():
        for _ in range(RECOUNTS):
            call_command("recount", stdout=io.StringIO())

    _, errors = run_together([door(seed) for seed in range(DOORS)] + [recounter])

    assert errors == []
    call_command("recount", "--check", stdout=io.StringIO())  # raises CommandError on any drift
    inside = dict(
        Participant.objects.filter(current_room__isnull=False).values_list("current_room").annotate(n=Count("pk"))
    )
    for room in Room.objects.filter(pk__in=[r.pk for r in rooms]):
        assert room.current_participants == inside.get(room.pk, 0) <= room.capacity
    logged = door_scans(RoomAccess.objects.filter(room__event=event_a)).count()
    assert RoomScanCount.objects.aggregate(n=Sum("count"))["n"] == logged > 0
