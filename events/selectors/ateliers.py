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
            Q(participant__first_name__icontains=search)  # registration data (SPEC "Privacy")
            | Q(participant__last_name__icontains=search)
            | Q(participant__user__email__icontains=search)
            | Q(participant__badge_id__icontains=search)
        )
    return accesses.order_by("created_at", "pk")


def registration_summary(session: Session) -> dict:
    """Counts by status, places left and revenue (sum of paid amounts) of one atelier: one query
    (plus one for the room when the session was loaded without it)."""
    totals = SessionAccess.objects.filter(session=session).aggregate(**_TOTALS)
    taken = totals["registered"] + totals["paid"]
    return {**totals, "capacity": session.room.capacity, "places_left": places_left(session, taken)}


# --- places: the one statement of "places taken / left in an atelier" ---------------------------


def places_taken(session: Session) -> int:
    """Accesses holding a place (SessionAccess.PLACE_STATUSES): one query."""
    return SessionAccess.objects.filter(session=session, status__in=SessionAccess.PLACE_STATUSES).count()


def places_taken_annotation() -> Count:
    """``places_taken`` for a queryset of sessions (sessions_for_event annotates a whole page with it)."""
    return Count("accesses", filter=Q(accesses__status__in=SessionAccess.PLACE_STATUSES))


def places_left(session: Session, taken: int | None = None) -> int:
    """The room's capacity minus the places taken (``taken`` when already counted), never below 0."""
    if taken is None:
        taken = places_taken(session)
    return max(session.room.capacity - taken, 0)


def atelier_totals_for_event(event: Event) -> dict:
    """Registrations by status and revenue over every atelier of an event, in one query
    (for the event statistics)."""
    return SessionAccess.objects.filter(session__event=event).aggregate(**_TOTALS)
