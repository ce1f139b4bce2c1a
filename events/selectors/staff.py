"""Reads about staff shifts: who is on duty where, and when."""

from django.db.models import F, QuerySet
from django.utils import timezone

from events.models import RoomAssignment


def _on_duty_filter(at):
    # An active shift covering `at` whose role the user still actively holds in the room's event.
    return {
        "is_active": True,
        "start_time__lte": at,
        "end_time__gt": at,
        "user__event_assignments__event_id": F("room__event_id"),
        "user__event_assignments__is_active": True,
        "user__event_assignments__role": F("role"),
    }


def on_duty(*, user, room_id, at=None) -> bool:
    """Is ``user`` on duty at the room at instant ``at`` (default now)? One query.

    Shifts are [start, end): on duty at the start instant, no longer at the end instant.
    """
    return (
        RoomAssignment.objects.filter(user=user, room_id=room_id, **_on_duty_filter(at or timezone.now()))
        .order_by()
        .exists()
    )


def staff_on_duty(*, room, at=None) -> QuerySet[RoomAssignment]:
    return (
        RoomAssignment.objects.filter(room=room, **_on_duty_filter(at or timezone.now()))
        .select_related("user")
        .order_by("role", "end_time")
    )


def assignments_for_event(event) -> QuerySet[RoomAssignment]:
    return RoomAssignment.objects.filter(room__event=event).select_related("user", "room", "assigned_by")
