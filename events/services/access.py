"""The door: every decision at a room's door, and what surrounds it (emptying a room, uploading
offline scans, checking in at the entrance).

**The decision** (:func:`verify_room_access`: decide, log and count, in one short transaction) is
modelled on pretix's check-in redeem: cheap checks first, then the changes under row locks — the
holder's row (taken by the badge lookup itself: presence is read from it), then the room rows in
primary-key order, always in that order so concurrent scans cannot deadlock — with capacity checked on
the locked row, then the log row. It takes two values: the :class:`Scan` (the badge shown, by whom,
when, which way, for which session, with which nonce, and an offline device's own verdict) and the
:class:`~events.sql.access.Door` (the room, whether the caller is on duty there, the session running
in it). The rules are an ordered list (:data:`BADGE_RULES`, :data:`ENTRY_RULES`, then ``room_full``
under the lock): the first failing one is the reason (SPEC §6). The online path
(:func:`_decide_online`) grants only what passes every rule; the offline path
(:func:`_decide_offline`) records what the device did and keeps the server's verdict beside it.

Every decision is a RoomAccess row. Denials are answers, not errors. A retried scan (same
verifier, same ``nonce``) returns the first decision unchanged: the unique constraint on
(verified_by, nonce) refuses the retry's log row, its whole transaction rolls back and it
answers with the stored row — also when two such requests race.

Presence: ``Participant.current_room`` is the one room a holder is inside, and
``Room.current_participants`` counts those rows (changed in the same transaction by atomic
updates, rebuilt by ``manage.py recount``), so occupancy always equals the people inside.
The hot path of the API: its statements are events/sql/access.py; bench/ measures it (``make bench``)
against a bare Django view doing the same database work; keep the statement count low
(events/tests/test_access_decision.py).

**Occupancy reset** (:func:`reset_room_occupancy`): at the end of a session everybody still counted
inside leaves the room. Each person removed gets an ``exit`` RoomAccess row (granted, ``verified_by`` =
who reset), so the log explains every change of presence as scans do; the rows of one reset share the
nonce prefix ``reset-<reset id>-`` (unique per participant), which tells them apart from door scans
(statistics of scans leave them out).

**Offline upload** (:func:`sync_offline_scans`): the batch is validated whole before this is called;
the scans are then applied in ``scanned_at`` order (stable), each in its own short transaction (the
decision's). One transaction per scan keeps the room locks as short as a live scan's, so a 500-scan
upload never holds up the doors; a batch cut short (crash, timeout) leaves its applied prefix, and
sending it again is safe since every scan carries a nonce: the applied ones come back as replays.

**Entrance check-in** (:func:`check_badge`): verifies a badge without a room and, when asked, checks
the holder in (idempotent, under the participant's row lock).

Lock order, the same everywhere: participant rows, then room rows. The reset locks the room first but
takes participant rows only with ``SKIP LOCKED``, so it never waits for a participant while holding
the room: a participant whose row a scan holds at that moment stays inside, is still counted, and that
scan (which waits for the room) decides for them.
"""

import uuid
from dataclasses import dataclass, replace
from datetime import datetime

from django.db import IntegrityError, transaction
from django.db.models import F
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from events.badges import BadgeCheck, find_badge, judge_badge, judge_typed_badge, parse_badge, typed_badge_id
from events.models import Participant, Room, RoomAccess, Session, SessionAccess
from events.models.access import MESSAGES
from events.selectors.access import RESET_NONCE_PREFIX, running_session
from events.sql import access as sql
from events.sql.access import Door, Holder
from makeplus.errors import AppError

Reason = RoomAccess.Reason
GRANTED, DENIED = RoomAccess.Status.GRANTED, RoomAccess.Status.DENIED
ENTRY, EXIT = RoomAccess.Direction.ENTRY, RoomAccess.Direction.EXIT


@dataclass(frozen=True, kw_only=True)
class Scan:
    """A badge shown at a door."""

    room: Room
    verifier: object  # the user who scanned
    at: datetime  # when it was scanned
    qr_code: str | None = None
    badge_id: str | None = None  # typed by hand: the fallback when there is no QR code
    direction: str = ENTRY
    session: Session | None = None  # the session it is for (None: the one running at the door)
    nonce: str = ""  # the client's id of this scan: a retry with the same nonce is the same decision
    device_status: str | None = None  # offline uploads: what the device decided at the door
    device_reason: str = ""  # ...and why, when it denied

    @property
    def offline(self) -> bool:
        return self.device_status is not None

    @property
    def badge_input(self) -> str:
        return (self.badge_id or self.qr_code or "")[:255]


@dataclass(frozen=True)
class Decision:
    access: RoomAccess
    room: Room  # with the occupancy after the decision
    replayed: bool = False  # the answer to an earlier request with the same nonce

    @property
    def message(self) -> str:
        access = self.access
        if access.status == DENIED:
            return str(MESSAGES[access.denial_reason])
        if access.direction == EXIT:
            return str(MESSAGES["exit"])
        return str(MESSAGES["already_inside" if access.already_inside else ""])


# --- the rules -----------------------------------------------------------------------------------


@dataclass(frozen=True)
class AtDoor:
    """What the rules read: the scan, its door, the badge's verdict for the door's event and its holder."""

    scan: Scan
    door: Door
    check: BadgeCheck
    holder: Holder | None

    @property
    def session(self) -> Session | None:
        return scan_session(self.scan, self.door)


def scan_session(scan: Scan, door: Door) -> Session | None:
    """The session a scan is for: the one it names, else, for an entry, the one running at the door."""
    if scan.session is not None or scan.direction != ENTRY:
        return scan.session
    return door.running


def badge_refused(case: AtDoor) -> str:
    """invalid_badge, revoked, wrong_event: events/badges.py judges the badge, in that order."""
    return case.check.reason or ""


def room_closed(case: AtDoor) -> str:
    return Reason.ROOM_CLOSED if not case.door.room.is_active else ""


def room_not_allowed(case: AtDoor) -> str:
    allowed = case.check.participant.may_enter(case.door.room, listed=case.holder.allowed_here)
    return "" if allowed else Reason.NOT_ALLOWED_ROOM


def _atelier(session: Session | None) -> bool:
    return session is not None and session.session_type == Session.Type.ATELIER


def atelier_unpaid(case: AtDoor) -> str:
    """A paid atelier, named or running, without a paid place."""
    session = case.session
    unpaid = _atelier(session) and session.is_paid and case.holder.place != SessionAccess.Status.PAID
    return Reason.PAYMENT_REQUIRED if unpaid else ""


def atelier_unregistered(case: AtDoor) -> str:
    """An atelier, named or running, without a place (a cancelled one gave it back)."""
    return Reason.NOT_REGISTERED if _atelier(case.session) and case.holder.place is None else ""


# SPEC §6, in order: the first rule that fails is the reason. The badge's rules judge every scan; the
# others judge entries only (leaving is never refused). The last rule, room_full, is decided under the
# room's lock (_move), after these cheap checks.
BADGE_RULES = (badge_refused,)
ENTRY_RULES = (room_closed, room_not_allowed, atelier_unpaid, atelier_unregistered)


def first_failing(case: AtDoor) -> str:
    """The reason of the first rule ``case`` fails before the locks ("" when it passes them all)."""
    rules = BADGE_RULES + ENTRY_RULES if case.scan.direction == ENTRY else BADGE_RULES
    for rule in rules:
        if reason := rule(case):
            return reason
    return ""


# --- the decision --------------------------------------------------------------------------------


def verify_room_access(
    *,
    room: Room,
    verifier,
    qr_code: str | None = None,
    badge_id: str | None = None,
    direction: str = ENTRY,
    session: Session | None = None,
    nonce: str = "",
    scanned_at=None,
    device_status: str | None = None,
    device_reason: str = "",
    door: Door | None = None,
) -> Decision:
    """Decide one scan at ``room`` and record it. ``session``: the one the scan is for (else the
    one running at the scan's time). Offline uploads give ``scanned_at`` and the device's own
    decision (``device_status``, ``device_reason`` when denied): it is what happened at the door, so
    it is what gets recorded; the server's own verdict goes to ``server_reason`` (a conflict when it
    differs). ``door``: ``room``'s door as the caller read it now, with the room (the door-scan view
    does, in one statement: events.sql.access.door_for_scan); else it is read here as needed."""
    if device_status == DENIED and not device_reason:
        raise AppError(_("Say why the device denied."), "device_reason_required")
    if session is not None and session.room_id != room.pk:
        raise AppError(_("This session does not take place in this room."), "session_not_in_room")
    scan = Scan(
        room=room,
        verifier=verifier,
        at=scanned_at or timezone.now(),
        qr_code=qr_code,
        badge_id=badge_id,
        direction=direction,
        session=session,
        nonce=nonce or "",
        device_status=device_status,
        device_reason=device_reason,
    )
    return decide(scan, door if door is not None and scanned_at is None else door_at(scan))


def door_at(scan: Scan) -> Door:
    """The door as ``scan`` found it: the session running then is read only for an entry naming none."""
    running = running_session(scan.room, scan.at) if scan.session is None and scan.direction == ENTRY else None
    return Door(room=scan.room, running=running)


def decide(scan: Scan, door: Door) -> Decision:
    """Decide ``scan`` at ``door`` and record it (see the module docstring)."""
    # No probe for the nonce first: retries are rare, and the unique constraint on (verified_by, nonce)
    # refuses the log row of a retry anyway. Then the whole attempt rolls back, and the stored
    # decision is the answer (below): the same outcome as a probe, without a statement on every scan.
    try:
        with transaction.atomic():
            case = _at_door(scan, door)
            outcome = _decide_offline(case) if scan.offline else _decide_online(case)
            return Decision(access=_log(case, outcome), room=door.room)
    except IntegrityError:
        # A retry, or lost the race against the same nonce: everything this attempt wrote is rolled back.
        if scan.nonce and (earlier := _replay(verifier=scan.verifier, nonce=scan.nonce)):
            return earlier
        if not Room.objects.filter(pk=door.room.pk).exists():
            # The room was deleted while this scan ran (its log row failed the foreign key at commit).
            raise AppError(_("Not found."), "not_found") from None
        raise


def _at_door(scan: Scan, door: Door) -> AtDoor:
    """The badge's verdict for the door's event and its holder, whose row comes locked (see _move)."""
    room, session = door.room, scan_session(scan, door)
    if scan.qr_code:
        payload = parse_badge(scan.qr_code)
        if payload is None:
            return AtDoor(scan, door, BadgeCheck(Reason.INVALID_BADGE), None)
        holder = sql.holder_at_door(
            room=room, session=session, participant_id=payload.participant_id, event_id=payload.event_id
        )
        participant, public_key = (holder.participant, holder.public_key) if holder else (None, None)
        return AtDoor(scan, door, judge_badge(payload, participant, public_key, event=room.event), holder)
    typed = typed_badge_id(scan.badge_id)
    if typed is None:
        return AtDoor(scan, door, BadgeCheck(Reason.INVALID_BADGE, method="badge_id"), None)
    holder = sql.holder_at_door(room=room, session=session, badge_id=typed)
    return AtDoor(scan, door, judge_typed_badge(holder and holder.participant, event=room.event), holder)


@dataclass(frozen=True)
class _Outcome:
    reason: str = ""  # recorded: "" when granted, else why it was denied
    server_reason: str = ""  # offline: what the server decided, or would have
    already_inside: bool = False
    # The occupancy change written with the log row (events.sql.access.record): "take" a free seat (none
    # free: the decision becomes room_full), "force" one, "leave" one; and where the holder is then.
    seat: str | None = None
    presence: sql.Presence | None = None


def _decide_online(case: AtDoor) -> _Outcome:
    """Granted only when every rule passes: a scan failing a cheap rule never reaches the locks."""
    reason = first_failing(case)
    return _Outcome(reason=reason) if reason else _move(case, force=False)


def _decide_offline(case: AtDoor) -> _Outcome:
    """What the device did at the door is what happened: recorded as it was, the server's verdict beside it."""
    verdict = first_failing(case)
    if case.scan.device_status == DENIED:  # the door stayed shut
        return _Outcome(reason=case.scan.device_reason, server_reason=verdict)
    if not case.check.ok:  # the door opened for a badge the server cannot place: granted, no presence
        return _Outcome(server_reason=verdict)
    moved = _move(case, force=True)  # the door opened: presence follows
    return replace(moved, server_reason=verdict or moved.server_reason)


def _log(case: AtDoor, outcome: _Outcome) -> RoomAccess:
    scan = case.scan
    holder_entry = case.check.ok and scan.direction == ENTRY  # the log names the running session then only
    access = RoomAccess(
        participant=case.check.participant if case.check.ok else None,
        badge_input=scan.badge_input,
        room=case.door.room,
        session=case.session if holder_entry else scan.session,
        direction=scan.direction,
        status=DENIED if outcome.reason else GRANTED,
        denial_reason=outcome.reason,
        already_inside=outcome.already_inside,
        verified_by=scan.verifier,
        scanned_at=scan.at,
        nonce=scan.nonce,
        offline=scan.offline,
        server_reason=outcome.server_reason,
    )
    after = sql.record(access, seat=outcome.seat, presence=outcome.presence)
    if outcome.seat:  # the door's occupancy after the decision (read back when the seat did not change)
        case.door.room.current_participants = after[0] if after else _occupancy(case.door.room.pk)
    return access


def _replay(*, verifier, nonce: str) -> Decision | None:
    """The decision stored for this verifier's nonce, if any."""
    access = (
        RoomAccess.objects.select_related("room__event", "session", "participant__user")
        .filter(verified_by=verifier, nonce=nonce)
        .order_by()
        .first()
    )
    return None if access is None else Decision(access=access, room=access.room, replayed=True)


# --- presence and capacity -----------------------------------------------------------------------


def _occupancy(room_pk) -> int:
    occupancy = Room.objects.filter(pk=room_pk).values_list("current_participants", flat=True).first()
    if occupancy is None:  # deleted while this scan ran
        raise AppError(_("Not found."), "not_found")
    return occupancy


def _lock_rooms(*room_ids) -> dict:
    """Rooms by primary key: one order for every scan (after the holder's row). FOR NO KEY UPDATE, the
    lock the occupancy UPDATE takes anyway: a plain FOR UPDATE would also block the foreign-key checks
    other scans run at COMMIT on their log and counter rows (KEY SHARE on the room) while they hold a
    counter row this scan wants — a deadlock (events/tests/test_concurrency_mixed.py found it)."""
    rooms = Room.objects.select_for_update(of=("self",), no_key=True).filter(pk__in=sorted(room_ids)).order_by("pk")
    return {r.pk: r for r in rooms}


def _move(case: AtDoor, *, force: bool) -> _Outcome:
    """Presence and capacity, the last rule (room_full). The holder's row is locked by the badge lookup:
    its presence cannot change under us. Then the rooms, always after the holder and in primary-key
    order, so that concurrent scans cannot deadlock: a change at one room is one conditional UPDATE
    (lock, check and count at once), written with the log row (_log); a move from another room locks
    both rooms first.

    With ``force`` (an offline scan the device granted) the move happens anyway and ``room_full`` only
    goes to ``server_reason``, what the server would have decided."""
    participant, room, at = case.check.participant, case.door.room, case.scan.at
    current = participant.current_room_id
    if case.scan.direction == EXIT:
        return _Outcome(seat="leave", presence=sql.Presence(None)) if current == room.pk else _Outcome()
    if current == room.pk:
        return _Outcome(already_inside=True)
    # The first entry checks the holder in.
    presence = sql.Presence(room.pk, checked_in_at=None if participant.is_checked_in else at)
    if current is None:
        return _Outcome(seat="force" if force else "take", presence=presence)
    rooms = _lock_rooms(room.pk, current)
    if room.pk not in rooms:  # deleted while this scan waited for its lock
        raise AppError(_("Not found."), "not_found")
    here = rooms[room.pk]
    full = here.current_participants >= here.capacity
    if full and not force:
        room.current_participants = here.current_participants
        return _Outcome(reason=Reason.ROOM_FULL)
    Room.objects.filter(pk=current, current_participants__gt=0).update(
        current_participants=F("current_participants") - 1
    )
    Room.objects.filter(pk=here.pk).update(current_participants=F("current_participants") + 1)
    room.current_participants = here.current_participants + 1
    return _Outcome(server_reason=Reason.ROOM_FULL if full else "", presence=presence)


# --- around the door -----------------------------------------------------------------------------


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
            direction=scan.get("direction", ENTRY),
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
