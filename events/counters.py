"""Denormalised event counters.

``Event.total_*`` change only through :func:`bump` (an atomic ``F()`` update in the
transaction that changes the source row, called from signals.py) and are rebuilt
from the source rows by :func:`recount_events` (``manage.py recount``), which bulk
paths must call since they bypass signals.
"""

from django.db.models import Count, F, IntegerField, OuterRef, Q, Subquery, Value
from django.db.models.functions import Coalesce

from events.models import Event, Role, UserEventAssignment

# Until badges exist (Programme issue), members are counted from active assignments.
ROLE_COUNTERS = {Role.PARTICIPANT: "total_participants", Role.EXPOSANT: "total_exhibitors"}


def bump(event_id, field: str, delta: int) -> None:
    Event.objects.filter(pk=event_id).update(**{field: F(field) + delta})


def assignment_counter(assignment: UserEventAssignment) -> str | None:
    """The counter an assignment feeds in its current state, if any."""
    return ROLE_COUNTERS.get(assignment.role) if assignment.is_active else None


def _count(role: str):
    rows = (
        UserEventAssignment.objects.filter(event=OuterRef("pk"), role=role, is_active=True)
        .order_by()
        .values("event")
        .annotate(n=Count("pk"))
        .values("n")
    )
    return Coalesce(Subquery(rows, output_field=IntegerField()), Value(0))


def recount_events(event_ids=None) -> int:
    """Rebuild every counter from its source rows in one UPDATE; returns the events touched."""
    events = Event.objects.all() if event_ids is None else Event.objects.filter(pk__in=list(event_ids))
    return events.update(**{field: _count(role) for role, field in ROLE_COUNTERS.items()})


def counters_disagreeing() -> list:
    """Events whose stored counters differ from their source rows (used by tests and `recount --check`)."""
    annotations = {f"real_{field}": _count(role) for role, field in ROLE_COUNTERS.items()}
    mismatch = Q()
    for field in ROLE_COUNTERS.values():
        mismatch |= ~Q(**{field: F(f"real_{field}")})
    return list(Event.objects.annotate(**annotations).filter(mismatch).values_list("pk", flat=True))
