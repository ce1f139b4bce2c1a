"""Denormalised event counters.

``Event.total_*`` change only through :func:`bump` (an atomic ``F()`` update in the
transaction that changes the source row, called from signals.py) and are rebuilt from
the source rows by :func:`recount_events` (``manage.py recount``), which bulk paths must
call since they bypass signals.
"""

from dataclasses import dataclass, field

from django.apps import apps
from django.db.models import Count, F, IntegerField, OuterRef, Q, Subquery, Value
from django.db.models.functions import Coalesce

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
