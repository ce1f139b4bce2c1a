"""Reads for events and assignments, always starting from what the caller may see."""

from django.db.models import Case, CharField, Count, Exists, F, OuterRef, Q, QuerySet, Subquery, Value, When
from django.db.models.functions import Concat

from events.calendar import event_today
from events.models import Event, Role, Room, RoomScanCount, Session, SessionQuestion, UserEventAssignment


def events_for_user(user) -> QuerySet[Event]:
    """The events where the user holds an active role, annotated with that role (``my_role``)."""
    if not user.is_authenticated:
        return Event.objects.none()
    return Event.objects.filter(assignments__user=user, assignments__is_active=True).annotate(
        my_role=F("assignments__role"), my_accepted_at=F("assignments__accepted_at")
    )


def active_assignment(*, user, event_id) -> UserEventAssignment | None:
    return (
        UserEventAssignment.objects.select_related("event").filter(user=user, event_id=event_id, is_active=True).first()
    )


def event_summary(event: Event, role: str, accepted: bool = True) -> dict:
    """``accepted``: false for an event someone else put the user in and the user has not opened yet
    (selecting it accepts it; ``POST /api/auth/my-events/{id}/leave/`` leaves it)."""
    return {
        "id": event.id,
        "name": event.name,
        "role": role,
        "status": event.status,
        "start_date": event.start_date,
        "end_date": event.end_date,
        "location": event.location,
        "logo_url": event.logo_url,
        "accepted": accepted,
    }


def event_summaries_for_user(user) -> list[dict]:
    """What login and my-events show: each active event with the user's role in it."""
    return [
        event_summary(event, event.my_role, event.my_accepted_at is not None)
        for event in events_for_user(user).order_by("start_date", "name")
    ]


def assignments_for_event(event) -> QuerySet[UserEventAssignment]:
    return (
        UserEventAssignment.objects.filter(event=event)
        .select_related("user", "assigned_by")
        .annotate(searchable_name=searchable_name(Q(accepted_at__isnull=False)))
    )


def searchable_name(accepted: Q) -> Case:
    """The member's name for ``?search=``, only once it accepted the event: before, searching a name
    must not tell whether the account behind an email bears it (SPEC "Privacy")."""
    return Case(
        When(accepted, then=Concat("user__first_name", Value(" "), "user__last_name")),
        default=Value(""),
        output_field=CharField(),
    )


def member_accepted(*, event_ref: str = "event_id", user_ref: str = "user_id") -> Exists:
    """Annotation: the row's user accepted the row's event (``member_accepted``, read by
    events/serializers: ``hide_unaccepted_name``); the refs name the event and user from the row."""
    return Exists(UserEventAssignment.accepting(event_id=OuterRef(event_ref), user_id=OuterRef(user_ref)))


def members_by_role(event) -> dict[str, int]:
    counts = {
        row["role"]: row["n"]
        for row in UserEventAssignment.objects.filter(event=event, is_active=True)
        .order_by()
        .values("role")
        .annotate(n=Count("pk"))
    }
    return {role: counts.get(role, 0) for role in Role.values}


def event_statistics(event) -> dict:
    """Organisateur statistics: a fixed number of aggregate queries whatever the event's size."""
    assignments = UserEventAssignment.objects.filter(event=event).aggregate(
        active=Count("pk", filter=Q(is_active=True)), inactive=Count("pk", filter=Q(is_active=False))
    )
    # Q&A per session that has questions (one query): asked, answered, hidden, the top voted visible one.
    top = SessionQuestion.objects.filter(session=OuterRef("pk"), is_hidden=False).order_by(
        "-upvote_count", "created_at", "id"
    )
    questions = [
        {
            "session_id": row["id"],
            "title": row["title"],
            "asked": row["asked"],
            "answered": row["answered"],
            "hidden": row["hidden"],
            "top_question": None
            if row["top_id"] is None
            else {"id": row["top_id"], "text": row["top_text"], "upvote_count": row["top_votes"]},
        }
        for row in Session.objects.filter(event=event)
        .annotate(
            asked=Count("questions"),
            answered=Count("questions", filter=Q(questions__answered_at__isnull=False)),
            hidden=Count("questions", filter=Q(questions__is_hidden=True)),
            top_id=Subquery(top.values("id")[:1]),
            top_text=Subquery(top.values("text")[:1]),
            top_votes=Subquery(top.values("upvote_count")[:1]),
        )
        .filter(asked__gt=0)
        .order_by("-asked", "start_time", "title")
        .values("id", "title", "asked", "answered", "hidden", "top_id", "top_text", "top_votes")
    ]
    return {
        "event": {"id": event.id, "name": event.name, "status": event.status},
        "totals": {
            "participants": event.total_participants,
            "exhibitors": event.total_exhibitors,
            "rooms": event.total_rooms,
        },
        "members": {
            "by_role": members_by_role(event),
            "active": assignments["active"],
            "inactive": assignments["inactive"],
        },
        "files": {"programme": bool(event.programme_file), "guide": bool(event.guide_file)},
        **_door_statistics(event),
        "questions": questions,
    }


def _door_statistics(event) -> dict:
    """Live occupancy per room and today's door scans (the event's day) by status and reason: two queries,
    the second on the door-scan counters (RoomScanCount), not the log — its cost does not grow with it."""
    from events.selectors.access import occupancy, scan_totals

    today = event_today(event)
    counts = RoomScanCount.objects.filter(room__event=event, day=today)
    return {
        "rooms": [occupancy(room) for room in Room.objects.filter(event=event).order_by("name", "pk")],
        "scans_today": {"date": today, **scan_totals(counts)},
    }


def dashboard_for(assignment: UserEventAssignment) -> dict:
    """The dashboard of the caller's role in its current event (later issues add their parts)."""
    event = assignment.event
    data = {
        "role": assignment.role,
        "event": {
            "id": event.id,
            "name": event.name,
            "status": event.status,
            "start_date": event.start_date,
            "end_date": event.end_date,
            "total_participants": event.total_participants,
            "total_exhibitors": event.total_exhibitors,
            "total_rooms": event.total_rooms,
        },
    }
    if assignment.role == Role.ORGANISATEUR:
        data["members_by_role"] = members_by_role(event)
    return data


def members_of_event(event):
    """The users holding a role in the event, active or not (a user holds one role per event):
    who may be named by id in a request about the event. No event: nobody."""
    from accounts.models import User

    if event is None:
        return User.objects.none()
    return User.objects.filter(event_assignments__event=event)
