"""Reads of badge holders, always scoped to one event."""

from django.db.models import Prefetch, QuerySet

from events.models import Participant, Room
from events.selectors import member_accepted


def participants_for_event(event) -> QuerySet[Participant]:
    """The event's badge holders with their user and allowed room ids (a fixed number of queries)."""
    return (
        Participant.objects.filter(event=event)
        .select_related("user")
        .annotate(holder_accepted=member_accepted())
        .prefetch_related(Prefetch("allowed_rooms", queryset=Room.objects.only("id", "event_id", "name")))
    )


def badge_of(*, user, event) -> Participant | None:
    """The user's own badge in the event, if it holds one."""
    if not user.is_authenticated:
        return None
    return (
        Participant.objects.filter(user=user, event=event)
        .select_related("user", "event")
        .annotate(holder_accepted=member_accepted())
        .prefetch_related(Prefetch("allowed_rooms", queryset=Room.objects.only("id", "event_id", "name")))
        .first()
    )


def badges_for_print(queryset) -> QuerySet[Participant]:
    """Rows of the admin's badge sheet: holder and event in the same query."""
    return (
        queryset.select_related("user", "event")
        .annotate(holder_accepted=member_accepted())
        .order_by("event__name", "last_name", "first_name", "pk")
    )
