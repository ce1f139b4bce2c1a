"""Reads about door scans: the session running at a door, the access log as the caller may see it,
and scan statistics computed with a fixed number of aggregate queries.

Who sees which log rows (``/api/room-access/``):

* organisateurs: every row of every room of their event;
* gestionnaires and controllers: the rows of the rooms where they hold an active shift
  (any shift of this event, past, present or future: a door team shares its door's log,
  e.g. at a hand-over), plus every row they recorded themselves anywhere in the event.

"Today" and the hours of the statistics are the event's (events/calendar.py), whatever the server's
time zone.
Occupancy resets (events/services/access.py) write exit rows marked by a nonce starting with
``reset-``; they are not door scans and statistics of scans leave them out.
"""

from datetime import date

from django.db.models import Count, F, Q, QuerySet, Sum, Window
from django.db.models.functions import ExtractHour, RowNumber
from django.utils import timezone

from events.calendar import event_day_bounds, event_zone
from events.models import Role, Room, RoomAccess, RoomAssignment, Session
from events.selectors.staff import on_duty_q

RESET_NONCE_PREFIX = "reset-"
LAST_SCANS = 10
REASONS = tuple(RoomAccess.Reason.values)
GRANTED, DENIED = RoomAccess.Status.GRANTED, RoomAccess.Status.DENIED


def running_session(room: Room, at) -> Session | None:
    """The session taking place in ``room`` at instant ``at``: not cancelled, ``start <= at < end`` (at its
    end instant the next one runs). Sessions never overlap in a room; the earliest wins if data says
    otherwise. The door scan reads the same rule in its own statement (events/sql/access.py, parity-tested)."""
    return (
        Session.objects.filter(room=room, start_time__lte=at, end_time__gt=at)
        .exclude(status=Session.Status.CANCELLED)
        .order_by("start_time")
        .first()
    )


def door_scans(queryset: QuerySet[RoomAccess]) -> QuerySet[RoomAccess]:
    """Only the decisions taken at a door (online or offline), not the exits of an occupancy reset."""
    return queryset.exclude(nonce__startswith=RESET_NONCE_PREFIX)


def duty_room_id(*, user, event, at=None):
    """The room of ``event`` where ``user`` is on duty at ``at`` (default now), else None: the door of a
    scan that names no room (the mobile app's ``participants/scan/``). A user's active shifts never
    overlap, so there is one at most. One query."""
    shifts = RoomAssignment.objects.filter(on_duty_q(at or timezone.now()), user=user, room__event=event)
    return shifts.order_by("start_time").values_list("room_id", flat=True).first()


def scans_by_verifier(*, event, user, day: date | None = None) -> QuerySet[RoomAccess]:
    """The door scans ``user`` made in ``event`` on ``day`` (default today, at the event), wherever
    it was on duty: its own figures (the mobile app's ``my-room/statistics/``)."""
    start, end = event_day_bounds(event, day)
    rows = RoomAccess.objects.filter(room__event=event, verified_by=user, scanned_at__gte=start, scanned_at__lt=end)
    return door_scans(rows)


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


# --- statistics ---------------------------------------------------------------------------------


def stats_rooms(*, event, user, role: str, day: date | None = None) -> QuerySet[Room]:
    """Rooms whose scan statistics the caller sees: every room of the event for organisateurs;
    for staff, the rooms of their active shifts overlapping the day (default today) at the event."""
    rooms = Room.objects.filter(event=event).order_by("name", "pk")
    if role != Role.ORGANISATEUR:
        start, end = event_day_bounds(event, day)
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


def room_scan_stats(rooms: list[Room], *, event, user, day: date | None = None) -> list[dict]:
    """Per room of ``event``, the day's door scans (default today, at the event): granted, denied, denied
    by reason, by hour (24 rows), the caller's own share (``mine``), current occupancy and the day's last
    scans (RoomAccess rows with holder and verifier, by anyone at the room, newest first). Three queries,
    whatever the number of rooms or scans."""
    start, end = event_day_bounds(event, day)
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
            day_scans.annotate(hour=ExtractHour("scanned_at", tzinfo=event_zone(event)))
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
            stats[access.room_id]["last_scans"].append(access)
    return [{"room": occupancy(room), **stats[room.pk]} for room in rooms]
