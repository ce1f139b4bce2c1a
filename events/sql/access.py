"""The door scan's statements (events/services/access.py), each read beside its ORM twin.

Reads, one statement each per scan:

* :data:`DOOR` (:func:`door_for_scan`, twin :func:`door_for_scan_orm`): the room of the scan in the
  caller's event, whether the caller is on duty there (``selectors.staff.on_duty_q``) and the session
  running in it (``selectors.access.running_session``);
* :data:`HOLDER` (:func:`holder_at_door`, twin :func:`holder_at_door_orm`): the badge holder with its
  account, its event's public key, whether its badge opens the room and its place in the session. The
  holder's row comes locked (PostgreSQL): presence is read and changed from it.

Writes, in the scan's transaction, in one statement on PostgreSQL (:func:`record`: a data-modifying
WITH; SQLite runs its parts one by one): the occupancy (:data:`TAKE_SEAT`, :data:`FORCE_SEAT`,
:data:`LEAVE_SEAT`: check and count at once, the UPDATE taking the room's row lock itself; PostgreSQL
re-checks the condition on the latest row after waiting for it; RETURNING saves reading the count back),
the holder's presence (:data:`PLACE`, :data:`CHECK_IN`, only when the seat was taken), the log row
(:data:`INSERT_ACCESS`: RoomAccess has no save() override and no save signals, so a plain INSERT is what
saving it would do; events/tests/test_sql_parity.py asserts both) and the door-scan counter
(events.counters.COUNT_SCAN's upsert). A granted entry is thus six round trips with BEGIN and COMMIT
(events/tests/test_access_decision.py counts them on the wire).
"""

from dataclasses import dataclass
from functools import cache

from django.contrib.auth import get_user_model
from django.core.exceptions import ValidationError
from django.db import connection
from django.db.models import CharField, Exists, OuterRef, Subquery, Value
from django.utils import timezone

from events.counters import SCAN_COUNT_CONFLICT, count_scan, scan_count_key
from events.models import EventBadgeKey, Participant, Room, RoomAccess, Session, SessionAccess
from events.selectors import member_accepted
from events.selectors.access import running_session
from events.selectors.staff import on_duty
from makeplus.rows import Columns, db_value, fetch_one

# --- the door ------------------------------------------------------------------------------------

DOOR = """
SELECT {room},
       EXISTS (SELECT 1
                 FROM events_roomassignment ra
                 JOIN events_usereventassignment a
                   ON a.user_id = ra.user_id AND a.event_id = r.event_id AND a.role = ra.role AND a.is_active
                WHERE ra.room_id = r.id AND ra.user_id = %(user)s AND ra.is_active
                  AND ra.start_time <= %(at)s AND ra.end_time > %(at)s) AS caller_on_duty,
       {session}
  FROM events_room r
  LEFT JOIN events_session s ON s.id = (
        SELECT s2.id
          FROM events_session s2
         WHERE s2.room_id = r.id AND s2.status <> 'cancelled'
           AND s2.start_time <= %(at)s AND s2.end_time > %(at)s
         ORDER BY s2.start_time
         LIMIT 1)
 WHERE r.id = %(room)s AND r.event_id = %(event)s
"""
# The session's long texts and metadata stay deferred: the scan reads its type, price and title.
SESSION_FIELDS = ["id", "event", "room", "title", "session_type", "is_paid", "status", "start_time", "end_time"]


@dataclass(frozen=True)
class Door:
    """The door of a scan: the room (with its event); whether the caller is on duty at it (None: not
    read — an organisateur's record, or an upload checked against the shifts beforehand); the session
    running in it at the scan's time (None: none, or not read: the scan names its session, or leaves)."""

    room: Room
    caller_on_duty: bool | None = None
    running: Session | None = None


@cache  # filled in on first use, when the models and the database are ready
def _door() -> tuple[str, Columns, Columns]:
    room, session = Columns(Room, "r"), Columns(Session, "s", SESSION_FIELDS)
    return DOOR.format(room=room.sql, session=session.sql), room, session


def door_for_scan(*, event, room_id, user, at=None) -> Door | None:
    """The door ``room_id`` of ``event`` (None: not one of its rooms) for a scan by ``user`` at ``at``
    (default now): whether ``user`` is on duty there, the session running in it."""
    try:
        room_pk = Room._meta.pk.to_python(room_id)
    except ValidationError:
        return None
    at = at or timezone.now()
    sql, room_columns, session_columns = _door()
    params = {
        "room": db_value(Room, "id", room_pk),
        "event": db_value(Room, "event", event.pk),
        "user": user.pk,
        "at": db_value(Session, "start_time", at),
    }
    row = fetch_one(sql, params)
    if row is None:
        return None
    room = room_columns.read(row)
    room.event = event
    running = session_columns.read(row, len(room_columns) + 1)
    if running is not None:
        running.room = room
    return Door(room=room, caller_on_duty=bool(row[len(room_columns)]), running=running)


def door_for_scan_orm(*, event, room_id, user, at=None) -> Door | None:
    """The ORM twin of :func:`door_for_scan` (three queries)."""
    at = at or timezone.now()
    try:
        room = Room.objects.filter(event=event, pk=room_id).first()
    except ValidationError:
        return None
    if room is None:
        return None
    room.event = event
    return Door(room=room, caller_on_duty=on_duty(user=user, room_id=room.pk, at=at), running=running_session(room, at))


# --- the badge holder ----------------------------------------------------------------------------

HOLDER = """
SELECT {participant}, {user}, k.public_key,
       EXISTS (SELECT 1
                 FROM events_participant_allowed_rooms ar
                WHERE ar.participant_id = p.id AND ar.room_id = %(room)s) AS allowed_here,
       EXISTS (SELECT 1
                 FROM events_usereventassignment a
                WHERE a.event_id = p.event_id AND a.user_id = p.user_id
                  AND a.accepted_at IS NOT NULL) AS holder_accepted,
       (SELECT sa.status
          FROM events_sessionaccess sa
         WHERE sa.session_id = %(session)s AND sa.participant_id = p.id AND sa.status <> 'cancelled') AS place
  FROM events_participant p
  JOIN accounts_user u ON u.id = p.user_id
  LEFT JOIN events_eventbadgekey k ON k.event_id = p.event_id
 WHERE {holder}
"""
BY_QR_CODE = "p.id = %(participant)s AND p.event_id = %(event)s"  # the holder and event a QR code names
BY_BADGE_ID = "p.badge_id = %(badge_id)s"  # a typed badge id, any event (the verdict says wrong_event)
LOCK = " FOR UPDATE OF p"  # PostgreSQL; SQLite has no row locks (one writer at a time)

# Only what the decision and its answer read: the others stay deferred (loaded if ever touched).
HOLDER_FIELDS = [
    "id", "user", "event", "kind", "badge_id", "badge_version", "is_checked_in", "access_all_rooms", "current_room",
    "first_name", "last_name", "badge_revoked_at",
]  # fmt: skip
USER_FIELDS = ["id", "first_name", "last_name", "photo"]


@dataclass(frozen=True)
class Holder:
    """A badge holder at a door."""

    participant: Participant  # with its ``user``; its row locked until the scan's transaction ends
    public_key: bytes | None  # of the holder's event (None: nothing was ever signed for it)
    allowed_here: bool  # the room is among the badge's allowed rooms
    place: str | None  # its SessionAccess status in the session, unless cancelled (None: no place)


@cache  # filled in on first use, when the models and the database are ready
def _holder() -> tuple[dict, Columns, Columns]:
    participant, user = Columns(Participant, "p", HOLDER_FIELDS), Columns(get_user_model(), "u", USER_FIELDS)
    lock = LOCK if connection.features.has_select_for_update_of else ""
    statements = {
        key: HOLDER.format(participant=participant.sql, user=user.sql, holder=where).rstrip() + lock
        for key, where in (("qr", BY_QR_CODE), ("id", BY_BADGE_ID))
    }
    return statements, participant, user


def holder_at_door(*, room, session, participant_id=None, event_id=None, badge_id=None) -> Holder | None:
    """The holder a QR code names (``participant_id`` in ``event_id``), or the holder of the typed
    ``badge_id``, at ``room``'s door, with its place in ``session`` (None: no session); None: nobody."""
    statements, participant_columns, user_columns = _holder()
    params = {"room": db_value(Room, "id", room.pk), "session": db_value(Session, "id", session and session.pk)}
    if badge_id is None:
        sql = statements["qr"]
        params.update(participant=participant_id, event=db_value(Participant, "event", event_id))
    else:
        sql, params["badge_id"] = statements["id"], badge_id
    row = fetch_one(sql, params)
    if row is None:
        return None
    participant = participant_columns.read(row)
    participant._state.fields_cache["user"] = user_columns.read(row, len(participant_columns))
    public_key, allowed_here, accepted, place = row[len(participant_columns) + len(user_columns) :]
    participant.holder_accepted = bool(accepted)  # what the answer may show (Participant.shown_photo)
    return Holder(participant, public_key, bool(allowed_here), place)


def holder_at_door_orm(*, room, session, participant_id=None, event_id=None, badge_id=None) -> Holder | None:
    """The ORM twin of :func:`holder_at_door`."""
    place = Value(None, output_field=CharField())
    if session is not None:
        places = SessionAccess.objects.filter(session=session, participant=OuterRef("pk"))
        place = Subquery(places.exclude(status=SessionAccess.Status.CANCELLED).values("status")[:1])
    holders = (
        Participant.objects.select_for_update(of=("self",))
        .select_related("user")
        .annotate(
            badge_public_key=Subquery(EventBadgeKey.objects.filter(event=OuterRef("event")).values("public_key")),
            allowed_here=Exists(
                Participant.allowed_rooms.through.objects.filter(participant=OuterRef("pk"), room=room)
            ),
            holder_accepted=member_accepted(),
            place=place,
        )
    )
    where = {"pk": participant_id, "event_id": event_id} if badge_id is None else {"badge_id": badge_id}
    participant = holders.filter(**where).first()
    if participant is None:
        return None
    return Holder(participant, participant.badge_public_key, participant.allowed_here, participant.place)


# --- writes --------------------------------------------------------------------------------------

# Occupancy, (occupancy, capacity) after the change; no row: no free seat, nobody counted inside, no room.
TAKE_SEAT = """
UPDATE events_room SET current_participants = current_participants + 1
 WHERE id = %(room_id)s AND current_participants < capacity
RETURNING current_participants, capacity
"""
FORCE_SEAT = """
UPDATE events_room SET current_participants = current_participants + 1
 WHERE id = %(room_id)s
RETURNING current_participants, capacity
"""  # an offline scan the device granted: the door opened, full or not
LEAVE_SEAT = """
UPDATE events_room SET current_participants = current_participants - 1
 WHERE id = %(room_id)s AND current_participants > 0
RETURNING current_participants, capacity
"""
SEATS = {"take": TAKE_SEAT, "force": FORCE_SEAT, "leave": LEAVE_SEAT}


def take_seat(room_id, *, force: bool = False) -> tuple[int, int] | None:
    """One more inside ``room_id`` while a seat is free (``force``: in any case)."""
    return fetch_one(FORCE_SEAT if force else TAKE_SEAT, {"room_id": db_value(Room, "id", room_id)})


def leave_seat(room_id) -> tuple[int, int] | None:
    """One fewer inside ``room_id``, never below zero."""
    return fetch_one(LEAVE_SEAT, {"room_id": db_value(Room, "id", room_id)})


PLACE = """
UPDATE events_participant SET current_room_id = %(to_room)s
 WHERE id = %(participant_id)s
"""
CHECK_IN = """
UPDATE events_participant SET current_room_id = %(to_room)s, is_checked_in = TRUE, checked_in_at = %(checked_in_at)s
 WHERE id = %(participant_id)s
"""


def place(participant_id, room_id, *, checked_in_at=None) -> None:
    """The holder is now inside ``room_id`` (None: outside); with ``checked_in_at``, checked in then."""
    params = {"to_room": db_value(Participant, "current_room", room_id), "participant_id": participant_id}
    if checked_in_at is not None:
        params["checked_in_at"] = db_value(Participant, "checked_in_at", checked_in_at)
    with connection.cursor() as cursor:
        cursor.execute(PLACE if checked_in_at is None else CHECK_IN, params)


# The log row. Its status, reason and server reason are parameters, or, in the door scan's single write
# statement (:func:`record`), expressions of whether the seat was taken.
INSERT_ACCESS = """
INSERT INTO events_roomaccess
       (participant_id, badge_input, room_id, session_id, direction, status, denial_reason, already_inside,
        verified_by_id, scanned_at, received_at, nonce, offline, server_reason)
VALUES (%(participant_id)s, %(badge_input)s, %(room_id)s, %(session_id)s, %(direction)s, {status},
        {denial_reason}, %(already_inside)s, %(verified_by_id)s, %(scanned_at)s, %(received_at)s, %(nonce)s,
        %(offline)s, {server_reason})
RETURNING id, status, denial_reason, server_reason
"""
AS_GIVEN = {"status": "%(status)s", "denial_reason": "%(denial_reason)s", "server_reason": "%(server_reason)s"}
ACCESS_FIELDS = [
    "participant", "badge_input", "room", "session", "direction", "status", "denial_reason", "already_inside",
    "verified_by", "scanned_at", "received_at", "nonce", "offline", "server_reason",
]  # fmt: skip


@cache
def _access_fields() -> list:
    return [RoomAccess._meta.get_field(name) for name in ACCESS_FIELDS]


def _access_params(access: RoomAccess) -> dict:
    access.received_at = timezone.now()  # auto_now_add
    return {
        field.attname: field.get_db_prep_save(getattr(access, field.attname), connection) for field in _access_fields()
    }


def _inserted(access: RoomAccess, row) -> RoomAccess:
    access.pk, access.status, access.denial_reason, access.server_reason = row
    access._state.adding, access._state.db = False, connection.alias
    return access


def insert_access(access: RoomAccess) -> RoomAccess:
    """Write a new log row as ``access.save()`` would (``received_at`` stamped now, values prepared by
    their fields), in one statement; sets its primary key."""
    return _inserted(access, fetch_one(INSERT_ACCESS.format(**AS_GIVEN), _access_params(access)))


# --- the decision's writes, in one statement -----------------------------------------------------


@dataclass(frozen=True)
class Presence:
    """Where the holder is after the scan: inside ``room_id`` (None: outside); ``checked_in_at``: checked
    in to the event then (the first entry)."""

    room_id: object
    checked_in_at: object = None


SEAT_TAKEN = "EXISTS (SELECT 1 FROM seat)"
# "take": the seat decides — granted as planned, else denied room_full, and nobody moves.
TAKEN_OR_FULL = {
    **AS_GIVEN,
    "status": f"CASE WHEN {SEAT_TAKEN} THEN %(status)s ELSE 'denied' END",
    "denial_reason": f"CASE WHEN {SEAT_TAKEN} THEN %(denial_reason)s ELSE 'room_full' END",
}
# "force" (an offline scan the device granted): the seat is taken anyway; the server would have refused
# a room it left above capacity.
FORCED = {
    **AS_GIVEN,
    "server_reason": "CASE WHEN %(server_reason)s = '' AND EXISTS "
    "(SELECT 1 FROM seat WHERE current_participants > capacity) THEN 'room_full' ELSE %(server_reason)s END",
}
COUNTED = f"""
INSERT INTO events_roomscancount (room_id, day, hour, status, denial_reason, count)
VALUES (%(room_id)s, %(day)s, %(hour)s, (SELECT status FROM logged), (SELECT denial_reason FROM logged), 1)
{SCAN_COUNT_CONFLICT}"""


@cache
def _record_statement(seat: str | None, moves: str | None) -> str:
    """PostgreSQL: occupancy, presence, log row and door-scan counter in one statement (data-modifying
    WITH: one snapshot, the rows changed in this order — room, holder (already locked), log, counter — the
    order of every scan, so no deadlock); the log row's answer and the seat's new occupancy come back."""
    parts = []
    if seat:
        parts.append(f"seat AS ({SEATS[seat].strip()})")
    if moves:
        condition = f" AND {SEAT_TAKEN}" if seat == "take" else ""
        parts.append(f"moved AS ({(CHECK_IN if moves == 'check_in' else PLACE).strip()}{condition})")
    expressions = {"take": TAKEN_OR_FULL, "force": FORCED}.get(seat, AS_GIVEN)
    parts.append(f"logged AS ({INSERT_ACCESS.format(**expressions).strip()})")
    parts.append(f"counted AS ({COUNTED.strip()})")
    seat_columns = "seat.current_participants, seat.capacity" if seat else "NULL, NULL"
    join = " LEFT JOIN seat ON TRUE" if seat else ""
    return f"WITH {', '.join(parts)}\nSELECT logged.*, {seat_columns} FROM logged{join}"


def record(access: RoomAccess, *, seat: str | None = None, presence: Presence | None = None):
    """Write the decision ``access`` (a new log row, as :func:`insert_access`), with its door-scan counter
    (events.counters.count_scan) and, for a holder who moves, the room's occupancy (``seat``: "take" a
    free seat — none free makes the decision a room_full denial and nobody moves —, "force" one, or
    "leave") and the holder's ``presence``. Returns the seat's (occupancy, capacity) after the change
    (None: no seat change, or none made); ``access`` gets its primary key and final status.

    One statement on PostgreSQL; SQLite (no data-modifying WITH) runs the same steps one by one."""
    params = _access_params(access)
    params.update(scan_count_key(room_id=access.room_id, scanned_at=access.scanned_at))
    if presence is not None:
        params["to_room"] = db_value(Participant, "current_room", presence.room_id)
        params["checked_in_at"] = db_value(Participant, "checked_in_at", presence.checked_in_at)
    moves = None if presence is None else ("check_in" if presence.checked_in_at is not None else "place")
    if connection.vendor == "postgresql":
        row = fetch_one(_record_statement(seat, moves), params)
        _inserted(access, row[:4])
        return None if row[4] is None else row[4:]
    after = fetch_one(SEATS[seat], params) if seat else None
    if seat == "take" and after is None:
        params.update(status=RoomAccess.Status.DENIED, denial_reason=RoomAccess.Reason.ROOM_FULL)
    elif moves:
        with connection.cursor() as cursor:
            cursor.execute(CHECK_IN if moves == "check_in" else PLACE, params)
    if seat == "force" and not params["server_reason"] and after[0] > after[1]:
        params["server_reason"] = RoomAccess.Reason.ROOM_FULL
    _inserted(access, fetch_one(INSERT_ACCESS.format(**AS_GIVEN), params))
    count_scan(room_id=access.room_id, scanned_at=access.scanned_at, status=access.status,
               denial_reason=access.denial_reason)  # fmt: skip
    return after
