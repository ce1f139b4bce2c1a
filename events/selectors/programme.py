"""Reads for rooms and sessions, scoped to one event first."""

from django.db.models import Count, DecimalField, OuterRef, Q, QuerySet, Subquery, Sum, UUIDField, Value
from django.db.models.functions import Coalesce
from django.utils import timezone

from events.calendar import day_bounds, event_zone
from events.models import Event, Participant, Room, RoomAssignment, Session, SessionAccess, UserEventAssignment
from events.selectors.ateliers import places_taken_annotation
from events.selectors.staff import role_held_q


def rooms_for_event(event: Event) -> QuerySet[Room]:
    # The event rides along: the door scan needs it (badge key) without another query.
    return Room.objects.filter(event=event).select_related("event")


def sessions_for_event(event: Event, *, viewer=None) -> QuerySet[Session]:
    """Sessions with their room, the places taken (``places_taken``) and, for ``viewer``,
    the status of its own atelier access (``my_access_status``) — one query for a whole page."""
    sessions = (
        Session.objects.filter(event=event).select_related("room").annotate(places_taken=places_taken_annotation())
    )
    if viewer is not None and viewer.is_authenticated:
        mine = SessionAccess.objects.filter(
            session=OuterRef("pk"), participant__user=viewer, participant__event=event
        ).values("status")[:1]
        sessions = sessions.annotate(my_access_status=Subquery(mine))
    return sessions


def participants_allowed_in(room: Room) -> QuerySet[Participant]:
    """Badge holders who may enter ``room`` (room permission only; ateliers add payment rules)."""
    return (
        Participant.objects.filter(event_id=room.event_id)
        .filter(Q(access_all_rooms=True) | Q(allowed_rooms=room))
        .select_related("user")
        .distinct()
    )


# --- what a badge holder paid for (the mobile app's "paid items") ----------------------------------


def paid_places(participant_ids) -> QuerySet[SessionAccess]:
    """The paid atelier places of these badge holders, with their session, in programme order: one query."""
    return (
        SessionAccess.objects.filter(participant_id__in=list(participant_ids), status=SessionAccess.Status.PAID)
        .select_related("session")
        .order_by("participant_id", "session__start_time", "pk")
    )


def paid_totals(participant_ids) -> dict:
    """``{participant id: (paid places, total amount)}`` for these badge holders (absent: none): one query."""
    ids = list(participant_ids)
    if not ids:
        return {}
    rows = (
        SessionAccess.objects.filter(participant_id__in=ids, status=SessionAccess.Status.PAID)
        .order_by()
        .values("participant_id")
        .annotate(
            n=Count("pk"),
            total=Coalesce(Sum("amount"), Value(0), output_field=DecimalField(max_digits=14, decimal_places=2)),
        )
    )
    return {row["participant_id"]: (row["n"], row["total"]) for row in rows}


# --- the room a staff member manages ---------------------------------------------------------------


def with_managed_room(assignments: QuerySet[UserEventAssignment], at=None) -> QuerySet[UserEventAssignment]:
    """Annotate each role with the room its holder works at: the shift on duty at ``at`` (default now),
    else the next shift starting later that day at the event, else none (``managed_room_id``,
    ``managed_room_name``). Shifts are those that put the holder on duty while they last (active,
    role still held: :func:`events.selectors.staff.role_held_q`); they never overlap, so the first one
    ending after ``at`` and starting before the day ends is the current one if any, else the next.
    Two subqueries in the list's one query."""
    at = at or timezone.now()
    zone = event_zone()  # every event's days are counted there for now (events/calendar.py)
    _start, day_end = day_bounds(timezone.localdate(at, timezone=zone), zone)
    shifts = RoomAssignment.objects.filter(
        role_held_q(),
        user=OuterRef("user_id"),
        room__event=OuterRef("event_id"),
        role=OuterRef("role"),
        is_active=True,
        end_time__gt=at,
        start_time__lt=day_end,
    ).order_by("start_time")
    return assignments.annotate(
        managed_room_id=Subquery(shifts.values("room_id")[:1], output_field=UUIDField()),
        managed_room_name=Subquery(shifts.values("room__name")[:1]),
    )
