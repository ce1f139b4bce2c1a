"""The demo door logs the seeds write (seeds/access.py): realistic, idempotent, consistent with occupancy."""

import pytest

from events.counters import recount_rooms, rooms_disagreeing
from events.models import Participant, Room, RoomAccess
from seeds.access import INVALID_QR, ensure_access_logs, event_controller

pytestmark = pytest.mark.django_db


def test_seeded_door_logs_are_realistic_and_idempotent():
    from seeds.demo import DEMO_EVENT, INNOFEST, STARTUPWEEK, seed_event

    for spec in (DEMO_EVENT, INNOFEST, STARTUPWEEK):
        seed_event(spec)
    from seeds.demo import find_event

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

    from seeds.common import ALGIERS, algiers_today
    from seeds.demo import DEMO_EVENT, find_event, seed_event

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
