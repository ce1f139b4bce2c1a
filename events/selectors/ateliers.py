"""Reads for atelier registrations and payments; each a fixed number of queries."""

from decimal import Decimal

from django.db.models import Count, DecimalField, Q, QuerySet, Sum, Value
from django.db.models.functions import Coalesce

from events.models import Event, Session, SessionAccess

_PAID = Q(status=SessionAccess.Status.PAID)
_TOTALS = {
    "registered": Count("pk", filter=Q(status=SessionAccess.Status.REGISTERED)),
    "paid": Count("pk", filter=_PAID),
    "cancelled": Count("pk", filter=Q(status=SessionAccess.Status.CANCELLED)),
    "revenue": Coalesce(
        Sum("amount", filter=_PAID),
        Value(Decimal("0.00")),
        output_field=DecimalField(max_digits=14, decimal_places=2),
    ),
}


def registrations_for_session(session: Session, *, status: str | None = None, search: str = "") -> QuerySet:
    """A session's accesses with who holds them and who recorded the payment, oldest first."""
    accesses = SessionAccess.objects.filter(session=session).select_related("participant__user", "recorded_by")
    if status:
        accesses = accesses.filter(status=status)
    if search:
        accesses = accesses.filter(
            Q(participant__user__first_name__icontains=search)
            | Q(participant__user__last_name__icontains=search)
            | Q(participant__user__email__icontains=search)
            | Q(participant__badge_id__icontains=search)
        )
    return accesses.order_by("created_at", "pk")


def registration_summary(session: Session) -> dict:
    """Counts by status, places left and revenue (sum of paid amounts) of one atelier: one query
    (plus one for the room when the session was loaded without it)."""
    totals = SessionAccess.objects.filter(session=session).aggregate(**_TOTALS)
    capacity = session.room.capacity
    taken = totals["registered"] + totals["paid"]
    return {**totals, "capacity": capacity, "places_left": max(capacity - taken, 0)}


def places_left(session: Session) -> int:
    taken = SessionAccess.objects.filter(
        session=session, status__in=(SessionAccess.Status.REGISTERED, SessionAccess.Status.PAID)
    ).count()
    return max(session.room.capacity - taken, 0)


def atelier_totals_for_event(event: Event) -> dict:
    """Registrations by status and revenue over every atelier of an event, in one query
    (for the event statistics)."""
    return SessionAccess.objects.filter(session__event=event).aggregate(**_TOTALS)
