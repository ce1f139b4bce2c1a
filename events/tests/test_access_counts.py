"""The door-scan counters the statistics read (RoomScanCount): kept by the door scan, rebuilt by recount."""

from datetime import UTC, datetime, timedelta
from io import StringIO

import pytest
from django.core.management import CommandError, call_command
from django.utils import timezone

from events.calendar import event_day_bounds, event_today, event_zone
from events.counters import recount_scan_counts, scan_counts_disagreeing
from events.models import RoomAccess, RoomScanCount
from events.selectors.access import door_scans, scans_by_status
from events.services.access import verify_room_access
from events.tests.factories import badge_holder
from events.tests.factories_programme import RoomFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def room(event_a):
    return RoomFactory(event=event_a, name="Salle Atlas", capacity=5)


def _counts() -> list[tuple]:
    return sorted(
        (str(c.room_id), c.day.isoformat(), c.hour, c.status, c.denial_reason, c.count)
        for c in RoomScanCount.objects.all()
    )


def _now_key(room):
    local = timezone.now().astimezone(event_zone())
    return str(room.pk), local.date().isoformat(), local.hour


def _scan(client, room, **body):
    response = client.post(f"/api/rooms/{room.pk}/verify_access/", body)
    assert response.status_code == 200, response.content
    return response.json()


def test_each_door_decision_counts_once_under_its_outcome(organisateur, event_a, room):
    client = organisateur.client
    alice, bob = badge_holder(event_a), badge_holder(event_a, access_all_rooms=False)

    assert _scan(client, room, qr_code=alice.qr_code_data)["status"] == "granted"
    assert _scan(client, room, qr_code=alice.qr_code_data, direction="exit")["status"] == "granted"
    assert _scan(client, room, qr_code=bob.qr_code_data)["reason"] == "not_allowed_room"
    assert _scan(client, room, badge_id="ZZZZZZZZ")["reason"] == "invalid_badge"
    assert _scan(client, room, badge_id="ZZZZZZZZ")["reason"] == "invalid_badge"

    key = _now_key(room)
    assert _counts() == sorted(
        [
            (*key, "denied", "invalid_badge", 2),
            (*key, "denied", "not_allowed_room", 1),
            (*key, "granted", "", 2),
        ]
    )
    assert scan_counts_disagreeing() == []


def test_a_replayed_nonce_counts_once(organisateur, event_a, room):
    client = organisateur.client
    alice = badge_holder(event_a)

    first = _scan(client, room, qr_code=alice.qr_code_data, nonce="door-1")
    again = _scan(client, room, qr_code=alice.qr_code_data, nonce="door-1")

    assert again["access_id"] == first["access_id"]
    assert _counts() == [(*_now_key(room), "granted", "", 1)]


def test_the_statistics_show_scans_without_a_recount(organisateur, event_a, room):
    client = organisateur.client
    alice = badge_holder(event_a)
    _scan(client, room, qr_code=alice.qr_code_data)
    _scan(client, room, badge_id="ZZZZZZZZ")

    scans = client.get(f"/api/events/{event_a.pk}/statistics/").json()["scans_today"]

    assert (scans["date"], scans["granted"], scans["denied"]) == (event_today().isoformat(), 1, 1)
    assert scans["denied_by_reason"]["invalid_badge"] == 1


def test_the_statistics_equal_the_count_of_todays_log(organisateur, event_a, event_b, room):
    client = organisateur.client
    # What the statistics answered when they counted the log (scans_by_status of today's door scans).
    alice, bob, carol = badge_holder(event_a), badge_holder(event_a, access_all_rooms=False), badge_holder(event_a)
    _scan(client, room, qr_code=alice.qr_code_data)
    _scan(client, room, qr_code=alice.qr_code_data, direction="exit")
    _scan(client, room, qr_code=bob.qr_code_data)
    _scan(client, room, qr_code=badge_holder(event_b).qr_code_data)
    _scan(client, room, badge_id="ZZZZZZZZ")
    _scan(client, room, qr_code=carol.qr_code_data)
    yesterday = {
        "nonce": "offline-yesterday",
        "room": str(room.pk),
        "badge_id": "YYYYYYYY",
        "scanned_at": (timezone.now() - timedelta(days=1)).isoformat(),
        "device_status": "denied",
        "device_reason": "room_full",
    }
    assert client.post("/api/scans/sync/", {"scans": [yesterday]}).status_code == 200
    assert client.post(f"/api/rooms/{room.pk}/reset_occupancy/").status_code == 200  # carol's exit: no scan
    start, end = event_day_bounds()
    log = door_scans(RoomAccess.objects.filter(room__event=event_a, scanned_at__gte=start, scanned_at__lt=end))

    scans = client.get(f"/api/events/{event_a.pk}/statistics/").json()["scans_today"]

    assert scans == {"date": event_today().isoformat(), **scans_by_status(log)}
    reasons = {reason: 0 for reason in RoomAccess.Reason.values}
    reasons.update(not_allowed_room=1, wrong_event=1, invalid_badge=1)
    assert scans == {"date": event_today().isoformat(), "granted": 3, "denied": 3, "denied_by_reason": reasons}


def test_an_offline_scan_counts_on_the_day_and_hour_it_happened(organisateur, event_a, room):
    alice = badge_holder(event_a)
    yesterday = (timezone.now() - timedelta(days=1)).replace(microsecond=0)
    scan = {
        "nonce": "offline-1",
        "room": str(room.pk),
        "qr_code": alice.qr_code_data,
        "scanned_at": yesterday.isoformat(),
        "device_status": "granted",
    }

    response = organisateur.client.post("/api/scans/sync/", {"scans": [scan]})

    assert response.status_code == 200, response.content
    local = yesterday.astimezone(event_zone())
    assert _counts() == [(str(room.pk), local.date().isoformat(), local.hour, "granted", "", 1)]


def test_an_algiers_day_starts_at_23_00_utc(event_a, room, organisateur):
    # Africa/Algiers is UTC+1 all year: 23:30 UTC is 00:30 the next day there.
    alice = badge_holder(event_a)
    day = timezone.now().astimezone(UTC).date() - timedelta(days=2)
    at = datetime(day.year, day.month, day.day, 23, 30, tzinfo=UTC)

    verify_room_access(room=room, verifier=organisateur.user, qr_code=alice.qr_code_data, scanned_at=at)

    assert _counts() == [(str(room.pk), (day + timedelta(days=1)).isoformat(), 0, "granted", "", 1)]


def test_occupancy_reset_exits_are_not_door_scans(organisateur, event_a, room):
    client = organisateur.client
    for badge in (badge_holder(event_a), badge_holder(event_a)):
        _scan(client, room, qr_code=badge.qr_code_data)

    response = client.post(f"/api/rooms/{room.pk}/reset_occupancy/")

    assert response.status_code == 200, response.content
    assert RoomAccess.objects.filter(direction="exit").count() == 2
    assert _counts() == [(*_now_key(room), "granted", "", 2)]
    assert scan_counts_disagreeing() == []


def test_recount_rebuilds_what_bulk_writes_skipped_and_check_reports_it(organisateur, event_a, event_b, room):
    alice = badge_holder(event_a)
    _scan(organisateur.client, room, qr_code=alice.qr_code_data)
    other = RoomFactory(event=event_b)
    RoomAccess.objects.bulk_create(
        [
            RoomAccess(room=other, status="denied", denial_reason="room_full", scanned_at=timezone.now())
            for _ in range(3)
        ]
    )
    RoomScanCount.objects.filter(room=room).update(count=7)

    assert scan_counts_disagreeing() == sorted([room.pk, other.pk])
    with pytest.raises(CommandError, match="2 room\\(s\\) door-scan counts"):
        call_command("recount", "--check", stdout=StringIO())

    out = StringIO()
    call_command("recount", stdout=out)

    assert "RoomScanCount.count: 2 room(s) door-scan counts had drifted" in out.getvalue()
    assert scan_counts_disagreeing() == []
    assert _counts() == sorted([(*_now_key(room), "granted", "", 1), (*_now_key(other), "denied", "room_full", 3)])
    call_command("recount", "--check", stdout=StringIO())


def test_recount_of_some_events_leaves_the_others(event_a, event_b, room):
    other = RoomFactory(event=event_b)
    for target in (room, other):
        RoomAccess.objects.create(room=target, status="granted", scanned_at=timezone.now())

    written = recount_scan_counts([event_a.pk])

    assert written == 1
    assert _counts() == [(*_now_key(room), "granted", "", 1)]
    assert scan_counts_disagreeing() == [other.pk]
