"""Denormalised counters, each changed in the transaction that changes its source rows and rebuilt
from them by ``manage.py recount`` (which paths writing source rows in bulk must call):

* ``Event.total_*``: :func:`bump` (an atomic ``F()`` update, called from signals.py); :func:`recount_events`;
* ``Room.current_participants``: the door scan (events/services/scanning.py); :func:`recount_rooms`;
* ``RoomScanCount``: :func:`count_scan` (the door scan); :func:`recount_scan_counts`.
"""

from dataclasses import dataclass, field
from functools import cache

from django.apps import apps
from django.db import connection, transaction
from django.db.models import Count, F, IntegerField, OuterRef, Q, Subquery, Value
from django.db.models.functions import Coalesce, ExtractHour, TruncDate

from events.models import Event


@dataclass(frozen=True)
class Counter:
    field: str  # the Event column
    model: str  # the source rows ("app.Model", with an `event` foreign key)
    where: dict = field(default_factory=dict)  # which source rows count

    @property
    def source(self):
        return apps.get_model(self.model)

    def counts(self, instance) -> bool:
        return all(getattr(instance, name) == value for name, value in self.where.items())


COUNTERS = (
    Counter("total_rooms", "events.Room"),
    Counter("total_participants", "events.Participant", {"kind": "participant"}),
    Counter("total_exhibitors", "events.Participant", {"kind": "exposant"}),
)


def counters_for(model) -> list[Counter]:
    label = model._meta.label
    return [c for c in COUNTERS if c.model == label]


def bump(event_id, field_name: str, delta: int) -> None:
    Event.objects.filter(pk=event_id).update(**{field_name: F(field_name) + delta})


def _count(counter: Counter):
    rows = (
        counter.source.objects.filter(event=OuterRef("pk"), **counter.where)
        .order_by()
        .values("event")
        .annotate(n=Count("pk"))
        .values("n")
    )
    return Coalesce(Subquery(rows, output_field=IntegerField()), Value(0))


def recount_events(event_ids=None) -> int:
    """Rebuild every counter from its source rows in one UPDATE; returns the events touched."""
    events = Event.objects.all() if event_ids is None else Event.objects.filter(pk__in=list(event_ids))
    return events.update(**{c.field: _count(c) for c in COUNTERS})


def counters_disagreeing() -> list:
    """Events whose stored counters differ from their source rows (tests and `recount --check`)."""
    annotations = {f"real_{c.field}": _count(c) for c in COUNTERS}
    mismatch = Q()
    for c in COUNTERS:
        mismatch |= ~Q(**{c.field: F(f"real_{c.field}")})
    return list(Event.objects.annotate(**annotations).filter(mismatch).values_list("pk", flat=True))


def _present():
    rows = (
        apps.get_model("events.Participant")
        .objects.filter(current_room=OuterRef("pk"))
        .order_by()
        .values("current_room")
        .annotate(n=Count("pk"))
        .values("n")
    )
    return Coalesce(Subquery(rows, output_field=IntegerField()), Value(0))


def recount_rooms(event_ids=None) -> int:
    """Room.current_participants = the participants whose current_room it is (door scans keep it)."""
    rooms = apps.get_model("events.Room").objects.all()
    if event_ids is not None:
        rooms = rooms.filter(event_id__in=list(event_ids))
    return rooms.update(current_participants=_present())


def rooms_disagreeing() -> list:
    Room = apps.get_model("events.Room")
    return list(
        Room.objects.annotate(real=_present()).exclude(current_participants=F("real")).values_list("pk", flat=True)
    )


# --- door scans per room, Algiers day and hour, status and reason (RoomScanCount) -----------------


@cache  # built on first use, when the models and the database are ready
def _count_scan_statement() -> tuple:
    from events.models import RoomScanCount
    from events.selectors.access import ALGIERS

    qn, meta = connection.ops.quote_name, RoomScanCount._meta
    key = [qn(meta.get_field(name).column) for name in ("room", "day", "hour", "status", "denial_reason")]
    count, name = qn(meta.get_field("count").column), qn(meta.db_table)
    sql = (
        f"INSERT INTO {name} ({', '.join(key)}, {count}) VALUES (%s, %s, %s, %s, %s, 1) "
        f"ON CONFLICT ({', '.join(key)}) DO UPDATE SET {count} = {name}.{count} + 1"
    )
    return sql, meta.get_field("room"), ALGIERS


def count_scan(*, room_id, scanned_at, status: str, denial_reason: str) -> None:
    """One door decision more in its (room, Algiers day and hour, status, reason) counter: one upsert,
    in the caller's transaction (the door scan's), so the count commits or rolls back with the log row.
    The counter row is locked until then: concurrent scans of one door with the same outcome queue on it
    only for the end of their transaction."""
    sql, room, zone = _count_scan_statement()
    local = scanned_at.astimezone(zone)
    params = [
        room.get_db_prep_value(room_id, connection),
        connection.ops.adapt_datefield_value(local.date()),
        local.hour,
        status,
        denial_reason,
    ]
    with connection.cursor() as cursor:
        cursor.execute(sql, params)


def _scan_counts_from_log(event_ids=None) -> dict:
    """{(room, day, hour, status, reason): n} counted from the door log (occupancy resets left out)."""
    from events.models import RoomAccess
    from events.selectors.access import ALGIERS, door_scans

    log = RoomAccess.objects.all() if event_ids is None else RoomAccess.objects.filter(room__event_id__in=event_ids)
    rows = (
        door_scans(log)
        .annotate(day=TruncDate("scanned_at", tzinfo=ALGIERS), hour=ExtractHour("scanned_at", tzinfo=ALGIERS))
        .order_by()
        .values("room_id", "day", "hour", "status", "denial_reason")
        .annotate(n=Count("pk"))
    )
    return {(r["room_id"], r["day"], r["hour"], r["status"], r["denial_reason"]): r["n"] for r in rows}


def _scan_counts_stored(event_ids=None) -> dict:
    from events.models import RoomScanCount

    rows = RoomScanCount.objects.filter(count__gt=0)
    if event_ids is not None:
        rows = rows.filter(room__event_id__in=event_ids)
    fields = ("room_id", "day", "hour", "status", "denial_reason", "count")
    return {row[:-1]: row[-1] for row in rows.values_list(*fields)}


def recount_scan_counts(event_ids=None) -> int:
    """Rebuild the door-scan counters of these events (default all) from the log; returns the rows written.
    For paths that write or move log rows without the door scan (the scale seed, the benchmark). Run it
    while nobody scans these events' doors (like recount_rooms): a scan committed between the count and
    the rewrite would be lost until the next recount."""
    from events.models import RoomScanCount

    event_ids = None if event_ids is None else list(event_ids)
    counts = _scan_counts_from_log(event_ids)
    with transaction.atomic():
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
    """Rooms whose door-scan counters differ from their log (tests and `recount --check`)."""
    real, stored = _scan_counts_from_log(), _scan_counts_stored()
    return sorted({key[0] for key in real.keys() ^ stored.keys()} | {k[0] for k in real if stored.get(k) != real[k]})
