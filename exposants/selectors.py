"""Reads of exposant profiles, leads and visit statistics, always scoped to one event.

Statistics are aggregate queries: a fixed number of them whatever the number of scans
(five for one exposant, seven for an organisateur's overview with the ranking). Days and
hours are counted in the event's time zone (events/calendar.py: Africa/Algiers), so a visit
at 23:30 and one at 00:30 fall on two different days even though both are the same UTC date.
"""

from datetime import date, datetime, timedelta, tzinfo

from django.db.models import Count, Exists, OuterRef, Q, QuerySet, Subquery
from django.db.models.functions import Coalesce, ExtractHour, TruncDate
from django.utils import timezone

from events.calendar import day_bounds, event_today, event_zone
from events.models import Event, Role, UserEventAssignment
from exposants.models import Exposant, ExposantScan

# --- profiles -----------------------------------------------------------------------------


def _holds_exposant_role():
    return Exists(
        UserEventAssignment.objects.filter(
            event_id=OuterRef("event_id"), user_id=OuterRef("user_id"), role=Role.EXPOSANT, is_active=True
        )
    )


def exposants_for_event(event: Event, *, include_inactive: bool = False) -> QuerySet[Exposant]:
    """The event's exposant directory, annotated with ``is_active`` (the user still holds an active
    exposant role). Former exposants' profiles are kept with their leads, but only organisateurs
    (``include_inactive``) see them."""
    queryset = Exposant.objects.filter(event=event).annotate(is_active=_holds_exposant_role())
    return queryset if include_inactive else queryset.filter(is_active=True)


def exposant_of(*, user, event: Event) -> Exposant | None:
    return Exposant.objects.filter(event=event, user=user).select_related("event").first()


# --- leads --------------------------------------------------------------------------------


def _visit_number():
    """Which visit of this visitor to this stand a scan is (1 = first), in time order."""
    earlier = (
        ExposantScan.objects.filter(exposant_id=OuterRef("exposant_id"), participant_id=OuterRef("participant_id"))
        .filter(Q(scanned_at__lt=OuterRef("scanned_at")) | Q(scanned_at=OuterRef("scanned_at"), pk__lte=OuterRef("pk")))
        .order_by()
        .values("exposant_id")
        .annotate(n=Count("pk"))
        .values("n")
    )
    return Coalesce(Subquery(earlier), 0)


def scans_for_exposant(exposant: Exposant) -> QuerySet[ExposantScan]:
    """An exposant's own leads with their visitor (one query whatever their number)."""
    return (
        ExposantScan.objects.filter(exposant=exposant)
        .select_related("participant__user")
        .annotate(visit_number=_visit_number())
    )


def scans_on_day(queryset: QuerySet[ExposantScan], day: date, tz: tzinfo) -> QuerySet[ExposantScan]:
    start, end = day_bounds(day, tz)
    return queryset.filter(scanned_at__gte=start, scanned_at__lt=end)


# --- statistics ---------------------------------------------------------------------------


def _repeat_visit():
    """True for a scan that is not its visitor's only visit to that stand (an earlier row exists)."""
    return Exists(
        ExposantScan.objects.filter(
            exposant_id=OuterRef("exposant_id"), participant_id=OuterRef("participant_id"), pk__lt=OuterRef("pk")
        )
    )


def _returning_visitors():
    return Count("participant", distinct=True, filter=Q(_repeat_visit()))


def _figures(today_start: datetime, today_end: datetime, prefix: str = "") -> dict:
    """Aggregates of visits; ``prefix`` reaches the scans from another model (e.g. "scans__")."""
    today = Q(**{f"{prefix}scanned_at__gte": today_start, f"{prefix}scanned_at__lt": today_end})
    visitor = f"{prefix}participant"
    return {
        "total_visits": Count(f"{prefix}pk"),
        "unique_visitors": Count(visitor, distinct=True),
        "today_visits": Count(f"{prefix}pk", filter=today),
        "today_unique_visitors": Count(visitor, distinct=True, filter=today),
    }


def visit_figures(scans: QuerySet[ExposantScan], *, today: date, tz: tzinfo) -> dict:
    """Totals of a set of scans: visits, unique visitors, today's visits and unique visitors, and
    returning visitors (visitors who came back to a stand at least once). One query."""
    start, end = day_bounds(today, tz)
    return scans.order_by().aggregate(
        **_figures(start, end),
        returning_visitors=_returning_visitors(),
    )


def visits_by_hour(scans: QuerySet[ExposantScan], *, day: date, tz: tzinfo) -> list[dict]:
    """The 24 hours of ``day`` (local time), each with its visits and unique visitors. One query."""
    rows = {
        row["hour"]: row
        for row in scans_on_day(scans, day, tz)
        .order_by()
        .annotate(hour=ExtractHour("scanned_at", tzinfo=tz))
        .values("hour")
        .annotate(visits=Count("pk"), unique_visitors=Count("participant", distinct=True))
    }
    return [
        {
            "hour": hour,
            "visits": rows.get(hour, {}).get("visits", 0),
            "unique_visitors": rows.get(hour, {}).get("unique_visitors", 0),
        }
        for hour in range(24)
    ]


def visits_by_day(scans: QuerySet[ExposantScan], *, event: Event, tz: tzinfo) -> list[dict]:
    """Every day of the event (local dates), plus any other day with visits, oldest first. One query."""
    rows = {
        row["day"]: row
        for row in scans.order_by()
        .annotate(day=TruncDate("scanned_at", tzinfo=tz))
        .values("day")
        .annotate(visits=Count("pk"), unique_visitors=Count("participant", distinct=True))
    }
    first = timezone.localdate(event.start_date, timezone=tz)
    last = timezone.localdate(event.end_date, timezone=tz)
    days = {first + timedelta(days=n) for n in range((last - first).days + 1)} | set(rows)
    return [
        {
            "date": day,
            "visits": rows.get(day, {}).get("visits", 0),
            "unique_visitors": rows.get(day, {}).get("unique_visitors", 0),
        }
        for day in sorted(days)
    ]


def exposant_statistics(exposant: Exposant, *, today: date | None = None) -> dict:
    """One exposant's figures (its own screen, or an organisateur looking at it). Four queries."""
    event = exposant.event
    tz = event_zone(event)
    today = today or event_today(event)
    scans = ExposantScan.objects.filter(exposant=exposant)
    return {
        "exposant": exposant,
        "date": today,
        **visit_figures(scans, today=today, tz=tz),
        "by_hour_today": visits_by_hour(scans, day=today, tz=tz),
        "by_day": visits_by_day(scans, event=event, tz=tz),
    }


def exposant_ranking(event: Event, *, today: date | None = None) -> list[Exposant]:
    """The event's exposants (current and former) with their figures, most visited first. Two
    queries: the profiles, and the scans grouped by exposant."""
    tz = event_zone(event)
    today = today or event_today(event)
    start, end = day_bounds(today, tz)
    figures = {
        row["exposant_id"]: row
        for row in ExposantScan.objects.filter(exposant__event=event)
        .order_by()
        .values("exposant_id")
        .annotate(**_figures(start, end), returning_visitors=_returning_visitors())
    }
    names = ("total_visits", "unique_visitors", "today_visits", "today_unique_visitors", "returning_visitors")
    exposants = list(exposants_for_event(event, include_inactive=True).order_by("company_name", "pk"))
    for exposant in exposants:
        row = figures.get(exposant.pk, {})
        for name in names:
            setattr(exposant, name, row.get(name, 0))
    exposants.sort(key=lambda e: (-e.unique_visitors, -e.total_visits, e.company_name.lower(), e.pk))
    for rank, exposant in enumerate(exposants, start=1):
        exposant.rank = rank
    return exposants


def event_exposant_statistics(event: Event, *, today: date | None = None) -> dict:
    """An organisateur's overview: the event's figures over every stand, and the ranking."""
    tz = event_zone(event)
    today = today or event_today(event)
    scans = ExposantScan.objects.filter(exposant__event=event)
    return {
        "exposant": None,
        "date": today,
        **visit_figures(scans, today=today, tz=tz),
        "by_hour_today": visits_by_hour(scans, day=today, tz=tz),
        "by_day": visits_by_day(scans, event=event, tz=tz),
        "ranking": exposant_ranking(event, today=today),
    }
