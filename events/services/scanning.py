"""The door scan: decide, log and count, in one short transaction.

Modelled on pretix's check-in redeem: cheap checks first (badge, room, permission, session,
atelier access), then the changes under row locks — the holder's row (taken by the badge lookup
itself: presence is read from it), then the room rows in primary-key order, always in that order
so concurrent scans cannot deadlock — with capacity checked on the locked row, then the log row.

Every decision is a RoomAccess row. Denials are answers, not errors. A retried scan (same
verifier, same ``nonce``) returns the first decision unchanged: the unique constraint on
(verified_by, nonce) refuses the retry's log row, its whole transaction rolls back and it
answers with the stored row — also when two such requests race.

Presence: ``Participant.current_room`` is the one room a holder is inside, and
``Room.current_participants`` counts those rows (changed in the same transaction by atomic
updates, rebuilt by ``manage.py recount``), so occupancy always equals the people inside.

The hot path of the API: bench/ measures it (``make bench``) against a bare Django view doing
the same database work; keep the statement count low (events/tests/test_scanning.py).
"""

from dataclasses import dataclass

from django.db import IntegrityError, connection, transaction
from django.db.models import F
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from rest_framework.exceptions import NotFound

from events.badges import find_badge
from events.models import Participant, Room, RoomAccess, Session, SessionAccess
from makeplus.errors import AppError

Reason = RoomAccess.Reason
GRANTED, DENIED = RoomAccess.Status.GRANTED, RoomAccess.Status.DENIED
ENTRY, EXIT = RoomAccess.Direction.ENTRY, RoomAccess.Direction.EXIT

MESSAGES = {
    "": _("Access granted."),
    "already_inside": _("Already inside this room."),
    "exit": _("Exit recorded."),
    Reason.INVALID_BADGE: _("Unknown or unreadable badge."),
    Reason.REVOKED: _("This badge was replaced by a newer one."),
    Reason.WRONG_EVENT: _("This badge belongs to another event."),
    Reason.ROOM_CLOSED: _("This room is closed."),
    Reason.NOT_ALLOWED_ROOM: _("This badge does not give access to this room."),
    Reason.PAYMENT_REQUIRED: _("This paid atelier has not been paid for."),
    Reason.NOT_REGISTERED: _("Not registered for this atelier."),
    Reason.ROOM_FULL: _("The room is full."),
}


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


def running_session(room: Room, at) -> Session | None:
    """The non-cancelled session taking place in the room at ``at``."""
    return (
        Session.objects.filter(room=room, start_time__lte=at, end_time__gt=at)
        .exclude(status=Session.Status.CANCELLED)
        .order_by("start_time")
        .first()
    )


def _atelier_reason(session: Session | None, participant: Participant) -> str:
    if session is None or session.session_type != Session.Type.ATELIER:
        return ""
    status = (
        SessionAccess.objects.filter(session=session, participant=participant)
        .exclude(status=SessionAccess.Status.CANCELLED)
        .values_list("status", flat=True)
        .first()
    )
    if session.is_paid and status != SessionAccess.Status.PAID:
        return Reason.PAYMENT_REQUIRED
    if status is None:
        return Reason.NOT_REGISTERED
    return ""


def _replay(*, verifier, nonce: str) -> Decision | None:
    """The decision stored for this verifier's nonce, if any."""
    access = (
        RoomAccess.objects.select_related("room__event", "session", "participant__user")
        .filter(verified_by=verifier, nonce=nonce)
        .order_by()
        .first()
    )
    return None if access is None else Decision(access=access, room=access.room, replayed=True)


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
) -> Decision:
    """Decide one scan at ``room`` and record it. ``session``: the one the scan is for (else the
    one running now). Offline uploads give ``scanned_at`` and the device's own decision
    (``device_status``, ``device_reason`` when denied): it is what happened at the door, so it
    is what gets recorded; the server's own verdict goes to ``server_reason`` (a conflict
    when it differs)."""
    if device_status == DENIED and not device_reason:
        raise AppError(_("Say why the device denied."), "device_reason_required")
    if session is not None and session.room_id != room.pk:
        raise AppError(_("This session does not take place in this room."), "session_not_in_room")
    # No probe for the nonce first: retries are rare, and the unique constraint on (verified_by, nonce)
    # refuses the log row of a retry anyway. Then the whole attempt rolls back, and the stored
    # decision is the answer (below): the same outcome as a probe, without a statement on every scan.
    at = scanned_at or timezone.now()
    try:
        with transaction.atomic():
            return _decide(
                room, verifier, qr_code, badge_id, direction, session, nonce, at, device_status, device_reason
            )
    except IntegrityError:
        # A retry, or lost the race against the same nonce: everything this attempt wrote is rolled back.
        if nonce and (earlier := _replay(verifier=verifier, nonce=nonce)):
            return earlier
        if not Room.objects.filter(pk=room.pk).exists():
            # The room was deleted while this scan ran (its log row failed the foreign key at commit).
            raise NotFound() from None
        raise


def _decide(room, verifier, qr_code, badge_id, direction, session, nonce, at, device_status, device_reason):
    # The holder's row comes locked: presence is read and changed from it (see _move).
    check = find_badge(event=room.event, qr_code=qr_code, badge_id=badge_id, for_update=True)
    participant = check.participant if check.ok else None
    reason = "" if check.ok else check.reason
    if participant is not None and direction == ENTRY:
        if session is None:
            session = running_session(room, at)
        if not room.is_active:
            reason = Reason.ROOM_CLOSED
        elif not participant.may_enter(room):
            reason = Reason.NOT_ALLOWED_ROOM
        else:
            reason = _atelier_reason(session, participant)

    offline = device_status is not None
    server_reason = ""
    already_inside = False
    if device_status == DENIED:
        # The door stayed shut: log the device's denial; the server's view is kept for the record.
        server_reason, reason = reason, device_reason
    elif device_status == GRANTED and participant is None:
        # The door opened for a badge the server cannot place: granted as it happened, no presence.
        server_reason, reason = reason, ""
    elif participant is not None and (not reason or device_status == GRANTED):
        # Online: only a clean pre-check reaches the locks. Offline-granted: the door opened,
        # so presence follows, and what the server would have said goes to server_reason.
        forced = device_status == GRANTED
        server_reason = reason if forced else ""
        full, already_inside, room = _move(participant, room, direction, at, force=forced)
        if forced:
            server_reason, reason = server_reason or full, ""
        else:
            reason = full
    access = RoomAccess.objects.create(
        participant=participant,
        badge_input=(badge_id or qr_code or "")[:255],
        room=room,
        session=session,
        direction=direction,
        status=DENIED if reason else GRANTED,
        denial_reason=reason,
        already_inside=already_inside,
        verified_by=verifier,
        scanned_at=at,
        nonce=nonce or "",
        offline=offline,
        server_reason=server_reason,
    )
    return Decision(access=access, room=room)


def _add_to_room(room_pk, delta: int, *, only_if_free: bool = False) -> tuple[int, int] | None:
    """Add ``delta`` to a room's occupancy in one statement — the UPDATE takes the row lock itself,
    and PostgreSQL re-checks the condition on the latest row after waiting for it — never below
    zero, and with ``only_if_free`` only while a seat is free. Returns (occupancy, capacity) after
    the change, or None when no row changed (no free seat, nobody counted inside, no such room).
    Raw SQL: the ORM's update() cannot say RETURNING, and reading the count back is one more
    statement on the hot path."""
    qn, meta = connection.ops.quote_name, Room._meta
    count, capacity = (qn(meta.get_field(name).column) for name in ("current_participants", "capacity"))
    condition = f" AND {count} < {capacity}" if only_if_free else (f" AND {count} > 0" if delta < 0 else "")
    with connection.cursor() as cursor:
        cursor.execute(
            f"UPDATE {qn(meta.db_table)} SET {count} = {count} + %s WHERE {qn(meta.pk.column)} = %s{condition} "
            f"RETURNING {count}, {capacity}",
            [delta, meta.pk.get_db_prep_value(room_pk, connection)],
        )
        return cursor.fetchone()


def _occupancy(room_pk) -> int:
    occupancy = Room.objects.filter(pk=room_pk).values_list("current_participants", flat=True).first()
    if occupancy is None:  # deleted while this scan ran
        raise NotFound()
    return occupancy


def _lock_rooms(*room_ids) -> dict:
    """Rooms by primary key: one order for every scan (after the holder's row)."""
    rooms = Room.objects.select_for_update(of=("self",)).filter(pk__in=sorted(room_ids)).order_by("pk")
    return {r.pk: r for r in rooms}


def _move(participant: Participant, room: Room, direction: str, at, *, force: bool = False):
    """Presence and capacity. ``participant`` is the holder's row, locked by the badge lookup: its
    presence cannot change under us. Then the rooms, always after the holder and in primary-key
    order, so that concurrent scans cannot deadlock: a change at one room is one conditional UPDATE
    (lock, check and count at once); a move from another room locks both rooms first.

    Returns (reason, already_inside, room) with the room's occupancy after the decision: the reason
    is ``room_full`` or ""; with ``force`` (an offline scan the device granted) the move happens
    anyway and ``room_full`` only reports that the server would have refused."""
    current = participant.current_room_id
    if direction == EXIT:
        if current == room.pk:
            after = _add_to_room(room.pk, -1)
            room.current_participants = after[0] if after else _occupancy(room.pk)
            _place(participant, None, at)
        return "", False, room
    if current == room.pk:
        return "", True, room
    if current is None:
        after = _add_to_room(room.pk, +1, only_if_free=not force)
        if after is None:
            room.current_participants = _occupancy(room.pk)
            return Reason.ROOM_FULL, False, room
        room.current_participants, capacity = after
        full = room.current_participants > capacity  # only when forced: it took a seat that was not free
    else:
        rooms = _lock_rooms(room.pk, current)
        if room.pk not in rooms:  # deleted while this scan waited for its lock
            raise NotFound()
        here = rooms[room.pk]
        full = here.current_participants >= here.capacity
        if full and not force:
            room.current_participants = here.current_participants
            return Reason.ROOM_FULL, False, room
        Room.objects.filter(pk=current, current_participants__gt=0).update(
            current_participants=F("current_participants") - 1
        )
        Room.objects.filter(pk=here.pk).update(current_participants=F("current_participants") + 1)
        room.current_participants = here.current_participants + 1
    _place(participant, room, at)
    return (Reason.ROOM_FULL if full else ""), False, room


def _place(participant: Participant, room: Room | None, at) -> None:
    """The holder is now inside ``room`` (None: outside); the first entry checks the holder in."""
    updates = {"current_room": room}
    if room is not None and not participant.is_checked_in:
        updates.update(is_checked_in=True, checked_in_at=at)
    Participant.objects.filter(pk=participant.pk).update(**updates)
