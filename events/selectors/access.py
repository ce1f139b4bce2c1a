"""Reads about door scans: the access log as the caller may see it, staff duty windows, and
scan statistics computed with a fixed number of aggregate queries.

Who sees which log rows (``/api/room-access/``):

* organisateurs: every row of every room of their event;
* gestionnaires and controllers: the rows of the rooms where they hold an active shift
  (any shift of this event, past, present or future: a door team shares its door's log,
  e.g. at a hand-over), plus every row they recorded themselves anywhere in the event.

"Today" is the calendar day in Africa/Algiers (SPEC §16), whatever the server's time zone.
Occupancy resets (events/services/access.py) write exit rows marked by a nonce starting with
``reset-``; they are not door scans and statistics of scans leave them out.
"""

from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from functools import cache
from zoneinfo import ZoneInfo

from django.core.exceptions import ValidationError
from django.db.models import Count, F, Q, QuerySet, Sum, Window
from django.db.models.functions import ExtractHour, RowNumber
from django.utils import timezone

from events.models import Role, Room, RoomAccess, RoomAssignment
from makeplus.rows import Columns, column, db_value, fetch_one, table

ALGIERS = ZoneInfo("Africa/Algiers")
RESET_NONCE_PREFIX = "reset-"
LAST_SCANS = 10
REASONS = tuple(RoomAccess.Reason.values)
GRANTED, DENIED = RoomAccess.Status.GRANTED, RoomAccess.Status.DENIED


def algiers_today() -> date:
    return timezone.localdate(timezone=ALGIERS)


def day_bounds(day: date | None = None) -> tuple[datetime, datetime]:
    """[00:00, next 00:00) of ``day`` (default today) in Algiers time."""
    day = day or algiers_today()
    return (
        datetime.combine(day, time.min, tzinfo=ALGIERS),
        datetime.combine(day + timedelta(days=1), time.min, tzinfo=ALGIERS),
    )


def door_scans(queryset: QuerySet[RoomAccess]) -> QuerySet[RoomAccess]:
    """Only the decisions taken at a door (online or offline), not the exits of an occupancy reset."""
    return queryset.exclude(nonce__startswith=RESET_NONCE_PREFIX)


def _shift_rooms(*, user, event, start=None, end=None) -> QuerySet[RoomAssignment]:
    shifts = RoomAssignment.objects.filter(user=user, room__event=event, is_active=True)
    if start is not None:
        shifts = shifts.filter(start_time__lt=end, end_time__gt=start)
    return shifts.order_by().values("room_id")


def room_accesses_for(*, event, user, role: str) -> QuerySet[RoomAccess]:
    """The access log rows the caller may read (see the module docstring), ready for a list:
    participant, user, room, session and verifier come in the same query."""
    rows = RoomAccess.objects.filter(room__event=event).select_related(
        "participant__user", "room", "session", "verified_by"
    )
    if role != Role.ORGANISATEUR:
        rows = rows.filter(Q(room__in=_shift_rooms(user=user, event=event)) | Q(verified_by=user))
    return rows


@dataclass(frozen=True)
class Shift:
    room_id: object
    start: datetime
    end: datetime


def duty_shifts(*, user, room_ids) -> list[Shift]:
    """The user's active shifts at these rooms whose role it still actively holds in the room's
    event (the same rule as ``selectors.staff.on_duty``), in one query: a batch of offline scans
    is checked against them without a query per scan."""
    rows = (
        RoomAssignment.objects.filter(
            user=user,
            room_id__in=list(room_ids),
            is_active=True,
            user__event_assignments__event_id=F("room__event_id"),
            user__event_assignments__is_active=True,
            user__event_assignments__role=F("role"),
        )
        .order_by()
        .values_list("room_id", "start_time", "end_time")
    )
    return [Shift(*row) for row in rows]


def covered(shifts: list[Shift], *, room_id, at) -> bool:
    """Is there a shift at ``room_id`` covering instant ``at`` ([start, end), like on_duty)?"""
    return any(s.room_id == room_id and s.start <= at < s.end for s in shifts)


# --- statistics ---------------------------------------------------------------------------------


def stats_rooms(*, event, user, role: str, day: date | None = None) -> QuerySet[Room]:
    """Rooms whose scan statistics the caller sees: every room of the event for organisateurs;
    for staff, the rooms of their active shifts overlapping the day (Algiers)."""
    rooms = Room.objects.filter(event=event).order_by("name", "pk")
    if role != Role.ORGANISATEUR:
        start, end = day_bounds(day)
        rooms = rooms.filter(pk__in=_shift_rooms(user=user, event=event, start=start, end=end))
    return rooms


def occupancy(room: Room) -> dict:
    return {
        "id": room.pk,
        "name": room.name,
        "capacity": room.capacity,
        "current_participants": room.current_participants,
        "occupancy_percentage": room.occupancy_percentage,
        "is_active": room.is_active,
    }


def _empty_counts() -> dict:
    return {"granted": 0, "denied": 0, "denied_by_reason": dict.fromkeys(REASONS, 0)}


def _add(counts: dict, status: str, reason: str, n: int) -> None:
    counts[status] += n
    if status == DENIED and reason in counts["denied_by_reason"]:
        counts["denied_by_reason"][reason] += n


def scans_by_status(queryset: QuerySet[RoomAccess]) -> dict:
    """``{granted, denied, denied_by_reason: {reason: n for every reason}}``: one query."""
    counts = _empty_counts()
    for row in queryset.order_by().values("status", "denial_reason").annotate(n=Count("pk")):
        _add(counts, row["status"], row["denial_reason"], row["n"])
    return counts


def scan_totals(counts: QuerySet) -> dict:
    """The same as :func:`scans_by_status`, summed from door-scan counters (RoomScanCount): one query."""
    totals = _empty_counts()
    for row in counts.order_by().values("status", "denial_reason").annotate(n=Sum("count")):
        _add(totals, row["status"], row["denial_reason"], row["n"])
    return totals


def _scan_row(access: RoomAccess) -> dict:
    participant, verifier = access.participant, access.verified_by
    return {
        "id": access.pk,
        "participant": None
        if participant is None
        else {
            "id": participant.pk,
            "name": participant.user.get_full_name(),
            "badge_id": participant.badge_id,
            "kind": participant.kind,
        },
        "badge_input": "" if participant is not None else access.badge_input,
        "direction": access.direction,
        "status": access.status,
        "reason": access.denial_reason or None,
        "offline": access.offline,
        "scanned_at": access.scanned_at,
        "verified_by": None if verifier is None else {"id": verifier.pk, "name": verifier.get_full_name()},
    }


def room_scan_stats(rooms: list[Room], *, user, day: date | None = None) -> list[dict]:
    """Per room, the day's door scans (Algiers day): granted, denied, denied by reason, by hour
    (24 rows), the caller's own share (``mine``), current occupancy and the day's last scans
    (by anyone at the room, newest first). Three queries, whatever the number of rooms or scans."""
    start, end = day_bounds(day)
    ids = [room.pk for room in rooms]
    day_scans = door_scans(RoomAccess.objects.filter(room_id__in=ids, scanned_at__gte=start, scanned_at__lt=end))
    stats = {
        room.pk: {
            **_empty_counts(),
            "mine": {"granted": 0, "denied": 0},
            "by_hour": [{"hour": hour, "granted": 0, "denied": 0} for hour in range(24)],
            "last_scans": [],
        }
        for room in rooms
    }
    if ids:
        mine = Count("pk", filter=Q(verified_by=user))
        for row in day_scans.order_by().values("room_id", "status", "denial_reason").annotate(n=Count("pk"), mine=mine):
            _add(stats[row["room_id"]], row["status"], row["denial_reason"], row["n"])
            stats[row["room_id"]]["mine"][row["status"]] += row["mine"]
        by_hour = (
            day_scans.annotate(hour=ExtractHour("scanned_at", tzinfo=ALGIERS))
            .order_by()
            .values("room_id", "hour", "status")
            .annotate(n=Count("pk"))
        )
        for row in by_hour:
            stats[row["room_id"]]["by_hour"][row["hour"]][row["status"]] += row["n"]
        ranked = day_scans.annotate(
            rank=Window(RowNumber(), partition_by=[F("room_id")], order_by=[F("scanned_at").desc(), F("pk").desc()])
        )
        last = (
            ranked.filter(rank__lte=LAST_SCANS)
            .select_related("participant__user", "verified_by")
            .order_by("room_id", "-scanned_at", "-pk")
        )
        for access in last:
            stats[access.room_id]["last_scans"].append(_scan_row(access))
    return [{"room": occupancy(room), **stats[room.pk]} for room in rooms]


class _DoorQuery:
    """The door of a scan in one statement: the room (in the caller's event), whether the caller is on
    duty there now, and the session running in it now. Written once (makeplus/rows.py): the door scan's
    hot path, where the ORM took longer to write these three reads than the database to answer them."""

    def __init__(self):
        from events.models import Session

        # The session's long texts and metadata stay deferred: the scan reads its type, price and title.
        session_fields = ["id", "event", "room", "title", "session_type", "is_paid", "status", "start_time", "end_time"]
        self.room, self.session = Columns(Room, "r"), Columns(Session, "s", session_fields)
        r_id, ra, s2 = f"r.{column(Room, 'id')}", RoomAssignment, Session
        self.sql = (
            f"SELECT {self.room.sql}, "
            f"EXISTS (SELECT 1 FROM {table(ra)} ra WHERE ra.{column(ra, 'room')} = {r_id} "
            f"AND ra.{column(ra, 'user')} = %s AND ra.{column(ra, 'role')} = %s AND ra.{column(ra, 'is_active')} = %s "
            f"AND ra.{column(ra, 'start_time')} <= %s AND ra.{column(ra, 'end_time')} > %s), "
            f"{self.session.sql} "
            f"FROM {table(Room)} r "
            f"LEFT JOIN {table(Session)} s ON s.{column(Session, 'id')} = ("
            f"SELECT s2.{column(s2, 'id')} FROM {table(s2)} s2 WHERE s2.{column(s2, 'room')} = {r_id} "
            f"AND s2.{column(s2, 'start_time')} <= %s AND s2.{column(s2, 'end_time')} > %s "
            f"AND s2.{column(s2, 'status')} <> %s ORDER BY s2.{column(s2, 'start_time')} LIMIT 1) "
            f"WHERE {r_id} = %s AND r.{column(Room, 'event')} = %s"
        )

    def fetch(self, *, event, room_id, user, role, at) -> Room | None:
        from events.models import Session

        try:
            room_pk = db_value(Room, "id", Room._meta.pk.to_python(room_id))
        except ValidationError:
            return None
        now = db_value(RoomAssignment, "start_time", at)
        duty, running = [user.pk, role, True, now, now], [now, now, Session.Status.CANCELLED]
        params = [*duty, *running, room_pk, db_value(Room, "id", event.pk)]
        row = fetch_one(self.sql, params)
        if row is None:
            return None
        room = self.room.read(row)
        room.event = event
        room.caller_on_duty = bool(row[len(self.room)])
        room.running_now = self.session.read(row, len(self.room) + 1)
        if room.running_now is not None:
            room.running_now.room = room
        return room


@cache  # built on first use, when the models and the database are ready
def _door_query() -> _DoorQuery:
    return _DoorQuery()


def door_for_scan(*, event, room_id, user, role, at=None) -> Room | None:
    """The room ``room_id`` of ``event`` (None: not one of its rooms) for a scan by ``user`` holding
    ``role``, with ``caller_on_duty`` (an active shift of that role covering ``at``, default now: the
    same rule as selectors.staff.on_duty, the caller's role in the event being active) and
    ``running_now`` (the non-cancelled session taking place in it at ``at``, or None)."""
    return _door_query().fetch(event=event, room_id=room_id, user=user, role=role, at=at or timezone.now())
