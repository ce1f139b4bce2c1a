"""Reads for rooms and sessions, scoped to one event first."""

from django.db.models import OuterRef, Q, QuerySet, Subquery

from events.models import Event, Participant, Room, Session, SessionAccess
from events.selectors.ateliers import places_taken_annotation


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
