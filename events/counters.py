"""Every denormalised counter, registered once in :data:`COUNTERS`: what it counts, how to rebuild it
for some events, how to list the drifted ones. ``manage.py recount`` rebuilds them all and
``recount --check`` names each one that disagrees with its source rows.

A counter changes only in the transaction that writes its source rows, never read-modify-write:

* a count of rows (:class:`RowCount`) with :func:`bump`, an atomic ``F()`` update;
* the door-scan counts (``RoomScanCount``) with :func:`count_scan`, one upsert.

Paths writing source rows in bulk (``bulk_create``, ``update()``, raw SQL) bypass those and call the
recount of what they touched (``recount_events``, ``recount_rooms``, ``recount_scan_counts``...).

A recount is safe while the event runs (doors scanning, votes, registrations): it rebuilds a counter
under the lock its writers take, and counts its source rows after taking it. A writer that committed
before is counted; one in progress waits for the recount's commit and then applies its own ``+1``/``-1``
on top of it; nothing is lost or counted twice. Rows are locked one at a time (the door scan may hold
two rooms), so a recount never deadlocks with a scan.
"""

from dataclasses import dataclass

from django.apps import apps
from django.db import connection, transaction
from django.db.models import Count, F, IntegerField, OuterRef, Q, QuerySet, Subquery, Value
from django.db.models.functions import Coalesce, ExtractHour, TruncDate
from django.utils import timezone

from events.calendar import event_zone
from events.models import Participant, Room, RoomAccess, RoomScanCount
from makeplus.rows import db_value


@dataclass(frozen=True)
class RowCount:
    """``model.field`` is the number of ``source`` rows whose foreign key ``link`` points at the row
    and that match ``where``."""

    model: str  # "app.Model" holding the counter
    field: str
    source: str  # "app.Model" of the counted rows
    link: str  # the counted rows' foreign key to ``model``
    kept_by: str  # where the F() updates are
    unit: str  # what `recount --check` lists when it drifts
    where: tuple = ()  # (field, value) pairs the counted rows match
    event: str = "pk"  # ``model``'s path to its event's id (to recount some events only)
    touch: tuple = ()  # timestamps a recount moves on the rows it corrects (clients poll them)

    @property
    def name(self) -> str:
        return f"{self.model.split('.')[1]}.{self.field}"

    @property
    def counts(self) -> str:
        rule = ", ".join(f"{name}={value}" for name, value in self.where)
        return f"{self.source} rows by {self.link}" + (f" with {rule}" if rule else "")

    def feeds(self, row) -> bool:
        """Whether a ``source`` instance counts here (by ``where``; the signals of the event totals)."""
        return all(getattr(row, name) == value for name, value in self.where)

    def real(self) -> Coalesce:
        """The counter as its source rows say, for each row of ``model`` (a correlated subquery)."""
        counted = (
            apps.get_model(self.source)
            .objects.filter(**{self.link: OuterRef("pk")}, **dict(self.where))
            .order_by()
            .values(self.link)
            .annotate(n=Count("pk"))
            .values("n")
        )
        return Coalesce(Subquery(counted, output_field=IntegerField()), Value(0))

    def recount(self, event_ids=None) -> int:
        return _recount([self], event_ids)

    def drifted(self) -> list:
        return _drifted([self])


class ScanCounts:
    """``RoomScanCount``: door decisions per room, day and hour at the event, status and reason."""

    name = "RoomScanCount.count"
    counts = "events.RoomAccess rows (door decisions, occupancy resets left out) by room, day, hour, status, reason"
    kept_by = "count_scan, called by the door scan (events/services/access.py)"
    unit = "room(s) door-scan counts"

    def recount(self, event_ids=None) -> int:
        if event_ids is None:
            # Only the events whose counts drifted: the rebuild holds the scans' upserts while it runs.
            rooms = scan_counts_disagreeing()
            event_ids = Room.objects.filter(pk__in=rooms).values_list("event_id", flat=True).distinct()
            return sum(recount_scan_counts([event_id]) for event_id in event_ids)
        return recount_scan_counts(event_ids)

    def drifted(self) -> list:
        return scan_counts_disagreeing()


# --- the registry -------------------------------------------------------------------------------

_TOTAL = {"model": "events.Event", "link": "event", "kept_by": "events/signals.py", "unit": "event(s)"}
_BADGES = {"source": "events.Participant", **_TOTAL}
EVENT_TOTALS = (
    RowCount(field="total_rooms", source="events.Room", **_TOTAL),
    RowCount(field="total_participants", where=(("kind", Participant.Kind.PARTICIPANT),), **_BADGES),
    RowCount(field="total_exhibitors", where=(("kind", Participant.Kind.EXPOSANT),), **_BADGES),
)
ROOM_OCCUPANCY = RowCount(
    model="events.Room",
    field="current_participants",
    source="events.Participant",
    link="current_room",
    kept_by="the door scan and the occupancy reset (events/services/access.py)",
    unit="room(s)",
    event="event_id",
)
UPVOTES = RowCount(
    model="events.SessionQuestion",
    field="upvote_count",
    source="events.QuestionUpvote",
    link="question",
    kept_by="toggle_upvote (events/services/questions.py)",
    unit="question(s)",
    event="session__event_id",
    touch=("updated_at",),  # ?since= polling sees a corrected count
)
SCAN_COUNTS = ScanCounts()

COUNTERS = (*EVENT_TOTALS, ROOM_OCCUPANCY, SCAN_COUNTS, UPVOTES)

_BUMPED = {(counter.model.lower(), counter.field) for counter in COUNTERS if isinstance(counter, RowCount)}


def bump(rows: QuerySet, field: str, delta: int, **also) -> int:
    """The one way to change a counted row: ``field += delta`` on ``rows`` in one atomic UPDATE (with
    ``also``, other columns of the same UPDATE), in the caller's transaction. Returns the rows changed."""
    if (rows.model._meta.label_lower, field) not in _BUMPED:
        raise ValueError(f"{rows.model._meta.label}.{field} is not a registered counter (events/counters.py).")
    return rows.update(**{field: F(field) + delta}, **also)


# --- counts of rows -----------------------------------------------------------------------------


def _scope(counters, event_ids) -> QuerySet:
    rows = apps.get_model(counters[0].model).objects.all()
    return rows if event_ids is None else rows.filter(**{f"{counters[0].event}__in": list(event_ids)})


def _disagreeing(counters, rows: QuerySet) -> QuerySet:
    """``rows`` where one of ``counters`` (all of one model) differs from its source rows."""
    mismatch = Q()
    for counter in counters:
        mismatch |= ~Q(**{counter.field: F(f"real_{counter.field}")})
    return rows.annotate(**{f"real_{counter.field}": counter.real() for counter in counters}).filter(mismatch)


def _recount(counters, event_ids=None) -> int:
    """Rebuild ``counters`` (all of one model) from their source rows where they drifted; returns the rows
    corrected. Each drifted row is fixed in its own transaction, under its row lock (module docstring)."""
    model = apps.get_model(counters[0].model)
    touched = {name: timezone.now() for counter in counters for name in counter.touch}
    drifted = list(_disagreeing(counters, _scope(counters, event_ids)).order_by("pk").values_list("pk", flat=True))
    corrected = 0
    for pk in drifted:
        with transaction.atomic():
            row = model.objects.filter(pk=pk)
            if not row.select_for_update().values_list("pk").exists():  # the lock; the row may be gone
                continue
            # A new statement, so a new snapshot: every change committed before the lock is counted.
            still_wrong = row.filter(pk__in=_disagreeing(counters, row).values("pk"))
            corrected += still_wrong.update(**{counter.field: counter.real() for counter in counters}, **touched)
    return corrected


def _drifted(counters) -> list:
    return list(_disagreeing(counters, _scope(counters, None)).order_by("pk").values_list("pk", flat=True))


def recount_events(event_ids=None) -> int:
    """Rebuild the event totals of these events (default all); returns the events corrected."""
    return _recount(EVENT_TOTALS, event_ids)


def counters_disagreeing() -> list:
    """Events whose totals differ from their source rows."""
    return _drifted(EVENT_TOTALS)


def recount_rooms(event_ids=None) -> int:
    """Room.current_participants = the participants whose current_room it is; returns the rooms corrected."""
    return ROOM_OCCUPANCY.recount(event_ids)


def rooms_disagreeing() -> list:
    return ROOM_OCCUPANCY.drifted()


def recount_upvotes(event_ids=None) -> int:
    return UPVOTES.recount(event_ids)


def upvotes_disagreeing() -> list:
    return UPVOTES.drifted()


# --- door scans per room, day and hour at the event, status and reason (RoomScanCount) -----------

# One door decision more in its counter row: created at 1, or incremented in place. Its ORM twin is the
# recount from the log (_scan_counts_from_log); events/tests/test_counters.py checks that they agree. The door
# scan runs the same upsert inside its single write statement (events/sql/access.py: record).
SCAN_COUNT_CONFLICT = """
ON CONFLICT (room_id, day, hour, status, denial_reason)
DO UPDATE SET count = events_roomscancount.count + 1
"""
COUNT_SCAN = f"""
INSERT INTO events_roomscancount (room_id, day, hour, status, denial_reason, count)
VALUES (%(room_id)s, %(day)s, %(hour)s, %(status)s, %(denial_reason)s, 1)
{SCAN_COUNT_CONFLICT}"""


def scan_count_key(*, room_id, scanned_at) -> dict:
    """The counter row of a decision at ``room_id`` at ``scanned_at``: the room, and the day and hour at
    the event (the zone of every event: events/calendar.py), as query parameters."""
    local = scanned_at.astimezone(event_zone())
    return {
        "room_id": db_value(RoomScanCount, "room", room_id),
        "day": connection.ops.adapt_datefield_value(local.date()),
        "hour": local.hour,
    }


def count_scan(*, room_id, scanned_at, status: str, denial_reason: str) -> None:
    """One door decision more in its (room, day and hour at the event, status, reason) counter: one
    upsert, in the caller's transaction (the door scan's), so the count commits or rolls back with the
    log row. The counter row is locked until then: concurrent scans of one door with the same outcome
    queue on it only for the end of their transaction."""
    params = scan_count_key(room_id=room_id, scanned_at=scanned_at)
    params.update(status=status, denial_reason=denial_reason)
    with connection.cursor() as cursor:
        cursor.execute(COUNT_SCAN, params)


def _scan_counts_from_log(event_ids=None) -> dict:
    """{(room, day, hour, status, reason): n} counted from the door log (occupancy resets left out)."""
    from events.selectors.access import door_scans

    zone = event_zone()
    log = RoomAccess.objects.all() if event_ids is None else RoomAccess.objects.filter(room__event_id__in=event_ids)
    rows = (
        door_scans(log)
        .annotate(day=TruncDate("scanned_at", tzinfo=zone), hour=ExtractHour("scanned_at", tzinfo=zone))
        .order_by()
        .values("room_id", "day", "hour", "status", "denial_reason")
        .annotate(n=Count("pk"))
    )
    return {(r["room_id"], r["day"], r["hour"], r["status"], r["denial_reason"]): r["n"] for r in rows}


def _scan_counts_stored(event_ids=None) -> dict:
    rows = RoomScanCount.objects.filter(count__gt=0)
    if event_ids is not None:
        rows = rows.filter(room__event_id__in=event_ids)
    fields = ("room_id", "day", "hour", "status", "denial_reason", "count")
    return {row[:-1]: row[-1] for row in rows.values_list(*fields)}


def recount_scan_counts(event_ids=None) -> int:
    """Rebuild the door-scan counters of these events (default all) from the log; returns the rows written.
    For paths that write or move log rows without the door scan (the scale seed, the benchmark)."""
    event_ids = None if event_ids is None else list(event_ids)
    with transaction.atomic():
        if connection.vendor == "postgresql":
            # Door scans upsert counter rows that may not exist yet, so no row lock covers them: the table
            # lock holds their upserts (not reads) until this commits; the log is read after taking it.
            # SQLite runs one writer at a time anyway.
            with connection.cursor() as cursor:
                cursor.execute("LOCK TABLE events_roomscancount IN EXCLUSIVE MODE")
        counts = _scan_counts_from_log(event_ids)
        stale = RoomScanCount.objects.all()
        if event_ids is not None:
            stale = stale.filter(room__event_id__in=event_ids)
        stale.delete()
        RoomScanCount.objects.bulk_create(
            (
                RoomScanCount(room_id=room, day=day, hour=hour, status=status, denial_reason=reason, count=n)
                for (room, day, hour, status, reason), n in counts.items()
            ),
            batch_size=2000,
        )
    return len(counts)


def scan_counts_disagreeing() -> list:
    """Rooms whose door-scan counters differ from their log."""
    real, stored = _scan_counts_from_log(), _scan_counts_stored()
    return sorted({key[0] for key in real.keys() ^ stored.keys()} | {k[0] for k in real if stored.get(k) != real[k]})
