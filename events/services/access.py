"""Writes around the door scan: emptying a room, uploading offline scans, checking in at the entrance.

Every decision at a door still goes through the one decision service,
:func:`events.services.scanning.verify_room_access`; this module adds what surrounds it.

* **Occupancy reset** (:func:`reset_room_occupancy`): at the end of a session everybody still
  counted inside leaves the room. Each person removed gets an ``exit`` RoomAccess row
  (granted, ``verified_by`` = who reset), so the log explains every change of presence as
  scans do; the rows of one reset share the nonce prefix ``reset-<reset id>-`` (unique per
  participant), which tells them apart from door scans (statistics of scans leave them out).
* **Offline upload** (:func:`sync_offline_scans`): the batch is validated whole before this is
  called; the scans are then applied in ``scanned_at`` order (stable), each in its own short
  transaction (the decision service's). One transaction per scan keeps the room locks as
  short as a live scan's, so a 500-scan upload never holds up the doors; a batch cut short
  (crash, timeout) leaves its applied prefix, and sending it again is safe since every
  scan carries a nonce: the applied ones come back as replays.
* **Entrance check-in** (:func:`check_badge`): verifies a badge without a room and, when asked,
  checks the holder in (idempotent, under the participant's row lock).

Lock order, the same as the door scan's: participant rows, then room rows. The reset locks
the room first but takes participant rows only with ``SKIP LOCKED``, so it never waits for a
participant while holding the room: a participant whose row a scan holds at that moment
stays inside, is still counted, and that scan (which waits for the room) decides for them.
"""

import uuid
from dataclasses import dataclass

from django.db import transaction
from django.utils import timezone

from events.badges import BadgeCheck, find_badge
from events.models import Participant, Room, RoomAccess
from events.selectors.access import RESET_NONCE_PREFIX
from events.services.scanning import Decision, verify_room_access


@dataclass(frozen=True)
class OccupancyReset:
    room: Room  # locked and updated: current_participants is the new occupancy
    removed: int  # participants taken out of the room (one exit row each)
    reset_at: object


def reset_room_occupancy(*, room: Room, actor, at=None) -> OccupancyReset:
    """Empty ``room``: nobody is inside any more, occupancy 0, one exit row per person removed."""
    at = at or timezone.now()
    with transaction.atomic():
        locked = Room.objects.select_for_update(of=("self",)).get(pk=room.pk)
        inside = list(
            Participant.objects.select_for_update(of=("self",), skip_locked=True)
            .filter(current_room=locked)
            .only("pk", "badge_id")
            .order_by("pk")
        )
        if inside:
            Participant.objects.filter(pk__in=[p.pk for p in inside]).update(current_room=None)
            reset_id = uuid.uuid4().hex
            RoomAccess.objects.bulk_create(
                RoomAccess(
                    participant=p,
                    badge_input=p.badge_id,
                    room=locked,
                    direction=RoomAccess.Direction.EXIT,
                    status=RoomAccess.Status.GRANTED,
                    verified_by=actor,
                    scanned_at=at,
                    nonce=f"{RESET_NONCE_PREFIX}{reset_id}-{p.pk}",
                )
                for p in inside
            )
        # Under the room lock nobody enters or leaves: what remains is exactly who is still inside
        # (nobody, unless a concurrent scan held someone's row; that scan then moves them itself).
        remaining = Participant.objects.filter(current_room=locked).count()
        Room.objects.filter(pk=locked.pk).update(current_participants=remaining)
        locked.current_participants = remaining
    return OccupancyReset(room=locked, removed=len(inside), reset_at=at)


def sync_offline_scans(*, verifier, scans: list[dict]) -> list[Decision]:
    """Apply validated offline scans (each with ``room``, ``nonce``, ``scanned_at``,
    ``device_status`` and the badge) in ``scanned_at`` order; the decisions come back in the
    order given. A repeated nonce (in this batch or an earlier one) is a replay."""
    results: list[Decision | None] = [None] * len(scans)
    for index in sorted(range(len(scans)), key=lambda i: scans[i]["scanned_at"]):
        scan = scans[index]
        results[index] = verify_room_access(
            room=scan["room"],
            verifier=verifier,
            qr_code=scan.get("qr_code") or None,
            badge_id=scan.get("badge_id") or None,
            direction=scan.get("direction", RoomAccess.Direction.ENTRY),
            session=scan.get("session"),
            nonce=scan["nonce"],
            scanned_at=scan["scanned_at"],
            device_status=scan["device_status"],
            device_reason=scan.get("device_reason") or "",
        )
    return results


@dataclass(frozen=True)
class EntranceCheck:
    check: BadgeCheck
    participant: Participant | None  # set for a valid badge, and for a revoked one of this event
    checked_in_now: bool = False

    @property
    def valid(self) -> bool:
        return self.check.ok


def check_in_participant(*, participant: Participant, at=None) -> tuple[Participant, bool]:
    """Check the holder in to the event if not yet; returns (participant, checked in by this call)."""
    with transaction.atomic():
        locked = (
            Participant.objects.select_for_update(of=("self",))
            .only("pk", "is_checked_in", "checked_in_at")
            .get(pk=participant.pk)
        )
        now = not locked.is_checked_in
        if now:
            locked.checked_in_at = at or timezone.now()
            Participant.objects.filter(pk=locked.pk).update(is_checked_in=True, checked_in_at=locked.checked_in_at)
    participant.is_checked_in, participant.checked_in_at = True, locked.checked_in_at
    return participant, now


def check_badge(*, event, qr_code: str | None = None, badge_id: str | None = None, check_in: bool = False):
    """The entrance desk: who holds this badge, is it valid for ``event``, checked in? With
    ``check_in`` a valid badge's holder is checked in (a second time changes nothing)."""
    check = find_badge(event=event, qr_code=qr_code, badge_id=badge_id)
    participant = (
        check.participant if check.participant is not None and check.participant.event_id == event.pk else None
    )
    if check.ok and check_in:
        participant, now = check_in_participant(participant=participant)
        return EntranceCheck(check, participant, checked_in_now=now)
    return EntranceCheck(check, participant)
