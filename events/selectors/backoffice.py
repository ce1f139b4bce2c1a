"""The back office's event dashboard (events/admin_dashboard.py): the API's statistics
(events.selectors.event_statistics, atelier_totals_for_event) plus what only the dashboard shows
(checked in, scans per hour), each a fixed number of queries whatever the event's size.
The numbers the API also gives are taken from the API's selectors, never recomputed."""

from decimal import Decimal

from django.db.models import Count, Q, Sum

from events.calendar import event_today
from events.models import Participant, RoomAccess, RoomScanCount, Session, SessionAccess
from events.selectors import event_statistics
from events.selectors.ateliers import atelier_totals_for_event

FULL_PERCENT = 100
NEARLY_FULL_PERCENT = 90
TOP_SESSIONS = 5


def checked_in_counts(event) -> dict:
    """Badge holders checked in at the entrance, by kind (one query)."""
    return Participant.objects.filter(event=event).aggregate(
        participants=Count("pk", filter=Q(is_checked_in=True, kind=Participant.Kind.PARTICIPANT)),
        exposants=Count("pk", filter=Q(is_checked_in=True, kind=Participant.Kind.EXPOSANT)),
    )


def scans_per_hour(event, day=None) -> list[dict]:
    """Today's door scans (the event's day) per hour, granted and denied, from the door-scan counters
    (RoomScanCount, the ones the API's ``scans_today`` sums): 24 rows, one query."""
    day = day or event_today(event)
    hours = [{"hour": hour, "granted": 0, "denied": 0} for hour in range(24)]
    rows = (
        RoomScanCount.objects.filter(room__event=event, day=day)
        .order_by()
        .values("hour", "status")
        .annotate(n=Sum("count"))
    )
    for row in rows:
        if row["status"] in (RoomAccess.Status.GRANTED, RoomAccess.Status.DENIED):
            hours[row["hour"]][row["status"]] += row["n"]
    return hours


def top_sessions(event, limit: int = TOP_SESSIONS) -> list[dict]:
    """The sessions with the most places taken (registered or paid), then the most questions: one query."""
    taken = Q(accesses__status__in=[SessionAccess.Status.REGISTERED, SessionAccess.Status.PAID])
    rows = (
        Session.objects.filter(event=event)
        .annotate(places=Count("accesses", filter=taken, distinct=True), asked=Count("questions", distinct=True))
        .filter(Q(places__gt=0) | Q(asked__gt=0))
        .order_by("-places", "-asked", "start_time", "title")
        .values("id", "title", "status", "places", "asked", "room__name", "room__capacity")[:limit]
    )
    return [
        {
            "id": str(row["id"]),
            "title": row["title"],
            "status": row["status"],
            "room": row["room__name"],
            "places": row["places"],
            "capacity": row["room__capacity"],
            "questions": row["asked"],
        }
        for row in rows
    ]


def event_dashboard(event) -> dict:
    """Everything the dashboard page shows, JSON-ready."""
    stats = event_statistics(event)
    ateliers = atelier_totals_for_event(event)
    checked_in = checked_in_counts(event)
    rooms = []
    for room in stats["rooms"]:
        percent = room["occupancy_percentage"]
        rooms.append(
            {
                **room,
                "id": str(room["id"]),
                "full": percent >= FULL_PERCENT,
                "nearly_full": NEARLY_FULL_PERCENT <= percent < FULL_PERCENT,
            }
        )
    scans = stats["scans_today"]
    return {
        "event": {**stats["event"], "id": str(stats["event"]["id"])},
        "checked_in": {
            "participants": checked_in["participants"],
            "expected_participants": stats["totals"]["participants"],
            "exposants": checked_in["exposants"],
            "expected_exposants": stats["totals"]["exhibitors"],
        },
        "rooms": rooms,
        "scans_today": {
            "date": scans["date"].isoformat(),
            "granted": scans["granted"],
            "denied": scans["denied"],
            "denied_by_reason": [
                {"reason": reason, "label": str(RoomAccess.Reason(reason).label), "count": count}
                for reason, count in scans["denied_by_reason"].items()
            ],
            "by_hour": scans_per_hour(event, scans["date"]),
        },
        "ateliers": {
            "registered": ateliers["registered"],
            "paid": ateliers["paid"],
            "cancelled": ateliers["cancelled"],
            "revenue": f"{Decimal(ateliers['revenue']):.2f}",
        },
        "top_sessions": top_sessions(event),
    }
