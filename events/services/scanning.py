"""The door scan: decide, log and count, in one short transaction.

Modelled on pretix's check-in redeem: cheap checks first without locks (badge, room,
permission, session, atelier access), then the locks — the participant's row, then the
room rows in primary-key order, always in that order so concurrent scans cannot deadlock —
then re-check presence and capacity on the locked rows, write the log row and the counts.

Every decision is a RoomAccess row. Denials are answers, not errors. A retried scan (same
verifier, same ``nonce``) returns the first decision unchanged; two such requests racing
are settled by the unique constraint on (verified_by, nonce): the loser's whole transaction
rolls back and it answers with the winner's row.

Presence: ``Participant.current_room`` is the one room a holder is inside, and
``Room.current_participants`` counts those rows (changed with F() in the same transaction,
rebuilt by ``manage.py recount``), so occupancy always equals the people inside.
"""

from dataclasses import dataclass

from django.db import IntegrityError, transaction
from django.db.models import F
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

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
    # Retries are rare: probe the (verifier, nonce) index cheaply, load the stored decision only on a hit.
    pk = RoomAccess.objects.filter(verified_by=verifier, nonce=nonce).values_list("pk", flat=True).first()
    if pk is None:
        return None
    access = RoomAccess.objects.select_related("room__event", "session", "participant__user").get(pk=pk)
    return Decision(access=access, room=access.room, replayed=True)


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
    if nonce and (earlier := _replay(verifier=verifier, nonce=nonce)):
        return earlier
    at = scanned_at or timezone.now()
    try:
        with transaction.atomic():
            return _decide(
                room, verifier, qr_code, badge_id, direction, session, nonce, at, device_status, device_reason
            )
    except IntegrityError:
        # Lost the race against the same nonce: everything this attempt wrote is rolled back.
        if nonce and (earlier := _replay(verifier=verifier, nonce=nonce)):
            return earlier
        raise


def _decide(room, verifier, qr_code, badge_id, direction, session, nonce, at, device_status, device_reason):
    check = find_badge(event=room.event, qr_code=qr_code, badge_id=badge_id)
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


def _lock(participant: Participant, *room_ids) -> tuple[Participant, dict]:
    """Participant row first, then rooms by primary key: one order for every scan."""
    locked = (
        Participant.objects.select_for_update(of=("self",))
        .only("pk", "current_room_id", "is_checked_in", "checked_in_at")
        .get(pk=participant.pk)
    )
    ids = sorted({rid for rid in room_ids if rid is not None} | {locked.current_room_id} - {None})
    rooms = {r.pk: r for r in Room.objects.select_for_update(of=("self",)).filter(pk__in=ids).order_by("pk")}
    return locked, rooms


def _move(participant: Participant, room: Room, direction: str, at, *, force: bool = False):
    """Presence and capacity on the locked rows. Returns (reason, already_inside, room): the reason
    is ``room_full`` or ""; with ``force`` (an offline scan the device granted) the move happens
    anyway and ``room_full`` only reports that the server would have refused."""
    locked, rooms = _lock(participant, room.pk)
    here = rooms[room.pk]
    here.event = room.event  # same row, keep the loaded event
    updates = {}
    if direction == EXIT:
        if locked.current_room_id == here.pk:
            Room.objects.filter(pk=here.pk, current_participants__gt=0).update(
                current_participants=F("current_participants") - 1
            )
            here.current_participants = max(here.current_participants - 1, 0)
            updates["current_room"] = None
    else:
        if locked.current_room_id == here.pk:
            return "", True, here
        full = here.current_participants >= here.capacity
        if full and not force:
            return Reason.ROOM_FULL, False, here
        if locked.current_room_id is not None:
            Room.objects.filter(pk=locked.current_room_id, current_participants__gt=0).update(
                current_participants=F("current_participants") - 1
            )
        Room.objects.filter(pk=here.pk).update(current_participants=F("current_participants") + 1)
        here.current_participants += 1
        updates["current_room"] = here
        if not locked.is_checked_in:
            updates.update(is_checked_in=True, checked_in_at=at)
        Participant.objects.filter(pk=locked.pk).update(**updates)
        return (Reason.ROOM_FULL if full else ""), False, here
    if updates:
        Participant.objects.filter(pk=locked.pk).update(**updates)
    return "", False, here
