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
from functools import cache

from django.contrib.auth import get_user_model
from django.db import IntegrityError, connection, transaction
from django.db.models import F
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from rest_framework.exceptions import NotFound

from events.badges import INVALID_BADGE as _INVALID
from events.badges import BadgeCheck, judge_badge, judge_typed_badge, parse_badge, typed_badge_id
from events.counters import count_scan
from events.models import EventBadgeKey, Participant, Room, RoomAccess, Session, SessionAccess
from makeplus.errors import AppError
from makeplus.rows import Columns, Insert, column, db_value, fetch_one, table

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


UNREAD = object()  # running_now not given: the service reads the running session itself


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


def _atelier_reason(session: Session | None, access_status: str | None) -> str:
    """``access_status``: the holder's non-cancelled place in ``session`` (None: none)."""
    if session is None or session.session_type != Session.Type.ATELIER:
        return ""
    if session.is_paid and access_status != SessionAccess.Status.PAID:
        return Reason.PAYMENT_REQUIRED
    if access_status is None:
        return Reason.NOT_REGISTERED
    return ""


HOLDER_FIELDS = [
    "id", "user", "event", "kind", "badge_id", "badge_version", "is_checked_in", "access_all_rooms", "current_room"
]  # fmt: skip


class _HolderQuery:
    """The badge holder at the door in one statement, its row locked (presence is read and changed
    from it): the participant and its account, the public key of the event the QR code names, whether
    the badge opens this room, and the holder's place in the session. Written once (makeplus/rows.py):
    on the hot path the ORM took longer to write this than the database to answer it."""

    def __init__(self):
        User, through = get_user_model(), Participant.allowed_rooms.through
        # Only what the decision and its answer read: the others stay deferred (loaded if ever touched).
        self.participant = Columns(Participant, "p", HOLDER_FIELDS)
        self.user = Columns(User, "u", ["id", "first_name", "last_name", "photo"])
        p_id = f"p.{column(Participant, 'id')}"
        select = (
            f"SELECT {self.participant.sql}, {self.user.sql}, k.{column(EventBadgeKey, 'public_key')}, "
            f"EXISTS (SELECT 1 FROM {table(through)} ar WHERE ar.{column(through, 'participant')} = {p_id} "
            f"AND ar.{column(through, 'room')} = %s), "
            f"(SELECT sa.{column(SessionAccess, 'status')} FROM {table(SessionAccess)} sa "
            f"WHERE sa.{column(SessionAccess, 'session')} = %s AND sa.{column(SessionAccess, 'participant')} = {p_id} "
            f"AND sa.{column(SessionAccess, 'status')} <> %s) "
            f"FROM {table(Participant)} p "
            f"JOIN {table(User)} u ON u.{column(User, 'id')} = p.{column(Participant, 'user')} "
            f"LEFT JOIN {table(EventBadgeKey)} k "
            f"ON k.{column(EventBadgeKey, 'event')} = p.{column(Participant, 'event')} "
        )
        lock = " FOR UPDATE OF p" if connection.features.has_select_for_update_of else ""
        self.by_pk = f"{select}WHERE {p_id} = %s AND p.{column(Participant, 'event')} = %s{lock}"
        self.by_badge_id = f"{select}WHERE p.{column(Participant, 'badge_id')} = %s{lock}"

    def _fetch(self, sql, where, room, session):
        params = [
            db_value(Room, "id", room.pk),
            db_value(Session, "id", session.pk if session else None),
            SessionAccess.Status.CANCELLED,
            *where,
        ]
        row = fetch_one(sql, params)
        if row is None:
            return None, None, False, None
        participant = self.participant.read(row)
        participant._state.fields_cache["user"] = self.user.read(row, len(self.participant))
        public_key, allowed_here, access_status = row[len(self.participant) + len(self.user) :]
        return participant, public_key, bool(allowed_here), access_status

    def find(self, *, room: Room, session, qr_code, badge_id) -> tuple[BadgeCheck, bool, str | None]:
        """(verdict for ``room``'s event, the badge opens ``room``, the holder's place in ``session``)."""
        event = room.event
        if qr_code:
            payload = parse_badge(qr_code)
            if payload is None:
                return BadgeCheck(_INVALID), False, None
            participant, public_key, allowed, status = self._fetch(
                self.by_pk,
                [payload.participant_id, db_value(Participant, "event", payload.event_id)],
                room,
                session,
            )
            return judge_badge(payload, participant, public_key, event=event), allowed, status
        typed = typed_badge_id(badge_id)
        if typed is None:
            return BadgeCheck(_INVALID, method="badge_id"), False, None
        participant, _key, allowed, status = self._fetch(self.by_badge_id, [typed], room, session)
        return judge_typed_badge(participant, event=event), allowed, status


@cache  # built on first use, when the models and the database are ready
def _holder_query() -> _HolderQuery:
    return _HolderQuery()


def _holder_at_door(**kwargs) -> tuple[BadgeCheck, bool, str | None]:
    return _holder_query().find(**kwargs)


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
    running_now=UNREAD,
) -> Decision:
    """Decide one scan at ``room`` and record it. ``session``: the one the scan is for (else the
    one running at the scan's time). Offline uploads give ``scanned_at`` and the device's own
    decision (``device_status``, ``device_reason`` when denied): it is what happened at the door, so
    it is what gets recorded; the server's own verdict goes to ``server_reason`` (a conflict when it
    differs). ``running_now``: the session running in the room now (or None), when the caller has
    already read it with the room (the door-scan view does, in the same statement)."""
    if device_status == DENIED and not device_reason:
        raise AppError(_("Say why the device denied."), "device_reason_required")
    if session is not None and session.room_id != room.pk:
        raise AppError(_("This session does not take place in this room."), "session_not_in_room")
    # No probe for the nonce first: retries are rare, and the unique constraint on (verified_by, nonce)
    # refuses the log row of a retry anyway. Then the whole attempt rolls back, and the stored
    # decision is the answer (below): the same outcome as a probe, without a statement on every scan.
    at = scanned_at or timezone.now()
    running = None
    if session is None and direction == ENTRY:
        running = running_now if running_now is not UNREAD and scanned_at is None else running_session(room, at)
    try:
        with transaction.atomic():
            return _decide(
                room, verifier, qr_code, badge_id, direction, session, running, nonce, at, device_status, device_reason
            )
    except IntegrityError:
        # A retry, or lost the race against the same nonce: everything this attempt wrote is rolled back.
        if nonce and (earlier := _replay(verifier=verifier, nonce=nonce)):
            return earlier
        if not Room.objects.filter(pk=room.pk).exists():
            # The room was deleted while this scan ran (its log row failed the foreign key at commit).
            raise NotFound() from None
        raise


def _decide(room, verifier, qr_code, badge_id, direction, session, running, nonce, at, device_status, device_reason):
    # The holder's row comes locked: presence is read and changed from it (see _move).
    check, allowed_here, access_status = _holder_at_door(
        room=room, session=session or running, qr_code=qr_code, badge_id=badge_id
    )
    participant = check.participant if check.ok else None
    reason = "" if check.ok else check.reason
    if participant is not None and direction == ENTRY:
        session = session or running  # the log names the running session for a holder's entry only
        if not room.is_active:
            reason = Reason.ROOM_CLOSED
        elif not participant.may_enter(room, listed=allowed_here):
            reason = Reason.NOT_ALLOWED_ROOM
        else:
            reason = _atelier_reason(session, access_status)

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
    access = RoomAccess(
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
    _statements().insert_access(access)
    count_scan(room_id=room.pk, scanned_at=at, status=access.status, denial_reason=access.denial_reason)
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
    """Rooms by primary key: one order for every scan (after the holder's row). FOR NO KEY UPDATE, the
    lock the occupancy UPDATE takes anyway: a plain FOR UPDATE would also block the foreign-key checks
    other scans run at COMMIT on their log and counter rows (KEY SHARE on the room) while they hold a
    counter row this scan wants — a deadlock (events/tests/test_concurrency_mixed.py found it)."""
    rooms = Room.objects.select_for_update(of=("self",), no_key=True).filter(pk__in=sorted(room_ids)).order_by("pk")
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
    checks_in = room is not None and not participant.is_checked_in
    sql = _statements().check_in if checks_in else _statements().place
    params = [db_value(Participant, "current_room", room.pk if room else None)]
    if checks_in:
        params += [True, db_value(Participant, "checked_in_at", at)]
    with connection.cursor() as cursor:
        cursor.execute(sql, [*params, participant.pk])


class _Statements:
    """The door scan's writes, written once (makeplus/rows.py) — see _HolderQuery for why. RoomAccess has
    no save() override and no save signals (events/tests/test_scanning.py asserts it): a plain INSERT
    is what saving it would do."""

    def __init__(self):
        self.insert_access = Insert(RoomAccess)
        where = f" WHERE {column(Participant, 'id')} = %s"
        update = f"UPDATE {table(Participant)} SET {column(Participant, 'current_room')} = %s"
        self.place = update + where
        self.check_in = (
            f"{update}, {column(Participant, 'is_checked_in')} = %s, {column(Participant, 'checked_in_at')} = %s{where}"
        )


@cache  # built on first use, when the models and the database are ready
def _statements() -> _Statements:
    return _Statements()
