"""Reads about staff shifts: who is on duty where, and when.

"On duty" is stated once, here (:func:`on_duty_q`): an active shift covering the instant — shifts
are [start, end): on duty at the start instant, no longer at the end instant — whose role the user
still actively holds in the room's event (a deactivated or changed role ends every shift at once).
The door scan reads the same rule in its own statement (events/sql/access.py, parity-tested).
"""

from dataclasses import dataclass
from datetime import datetime

from django.db.models import F, Q, QuerySet
from django.utils import timezone

from events.models import RoomAssignment
from events.selectors import member_accepted, searchable_name


def role_held_q() -> Q:
    """RoomAssignment rows whose role the user still actively holds in the room's event."""
    return Q(
        user__event_assignments__event_id=F("room__event_id"),
        user__event_assignments__is_active=True,
        user__event_assignments__role=F("role"),
    )


def on_duty_q(at) -> Q:
    """RoomAssignment rows on duty at instant ``at``, as one filter: ``RoomAssignment.objects.filter(on_duty_q(at))``
    (in a single ``filter()`` call, so that the role clause reads one assignment row)."""
    return Q(is_active=True, start_time__lte=at, end_time__gt=at) & role_held_q()


def on_duty(*, user, room_id, at=None) -> bool:
    """Is ``user`` on duty at the room at instant ``at`` (default now)? One query."""
    return (
        RoomAssignment.objects.filter(on_duty_q(at or timezone.now()), user=user, room_id=room_id).order_by().exists()
    )


def staff_on_duty(*, room, at=None) -> QuerySet[RoomAssignment]:
    return (
        RoomAssignment.objects.filter(on_duty_q(at or timezone.now()), room=room)
        .select_related("user")
        .annotate(member_accepted=member_accepted(event_ref="room__event_id"))
        .order_by("role", "end_time")
    )


@dataclass(frozen=True)
class Shift:
    room_id: object
    start: datetime
    end: datetime


def duty_shifts(*, user, room_ids) -> list[Shift]:
    """The user's shifts at these rooms that put it on duty while they last (:func:`on_duty_q` but the
    time: active, role still held), in one query: a batch of offline scans is checked against them
    without a query per scan (:func:`covered`)."""
    rows = (
        RoomAssignment.objects.filter(role_held_q(), user=user, room_id__in=list(room_ids), is_active=True)
        .order_by()
        .values_list("room_id", "start_time", "end_time")
    )
    return [Shift(*row) for row in rows]


def covered(shifts: list[Shift], *, room_id, at) -> bool:
    """Is there a shift at ``room_id`` covering instant ``at`` ([start, end), as :func:`on_duty_q`)?"""
    return any(s.room_id == room_id and s.start <= at < s.end for s in shifts)


def assignments_for_event(event) -> QuerySet[RoomAssignment]:
    return (
        RoomAssignment.objects.filter(room__event=event)
        .select_related("user", "room", "assigned_by")
        .annotate(member_accepted=member_accepted(event_ref="room__event_id"))
        .annotate(searchable_name=searchable_name(Q(member_accepted=True)))
    )
