"""Reads of the live Q&A, scoped to one event (or one session of it) first."""

import hashlib

from django.db.models import Count, Exists, Max, OuterRef, QuerySet

from events.models import QuestionUpvote, Session, SessionQuestion, UserEventAssignment
from events.permissions import MODERATE
from events.selectors.staff import on_duty

# Most upvoted first, then the oldest (the question waiting longest), then a stable tie-break.
QUESTION_ORDER = ("-upvote_count", "created_at", "id")


def _with_viewer(questions: QuerySet[SessionQuestion], viewer) -> QuerySet[SessionQuestion]:
    """Author and answerer ride along; ``has_upvoted`` says whether ``viewer`` voted (one query a page)."""
    return questions.select_related("asked_by", "answered_by").annotate(
        has_upvoted=Exists(QuestionUpvote.objects.filter(question=OuterRef("pk"), user=viewer))
    )


def questions_for_event(event, *, viewer, include_hidden: bool) -> QuerySet[SessionQuestion]:
    questions = SessionQuestion.objects.filter(session__event=event).select_related("session")
    if not include_hidden:
        questions = questions.filter(is_hidden=False)
    return _with_viewer(questions, viewer).order_by(*QUESTION_ORDER)


def questions_for_session(
    session: Session, *, viewer, moderator: bool, answered: bool | None = None, since=None
) -> QuerySet[SessionQuestion]:
    """The questions of a session as ``viewer`` sees them.

    Hidden questions are left out for non-moderators, except with ``since``: polling clients
    must learn that a question they show was hidden (the serializer blanks it then).
    """
    questions = SessionQuestion.objects.filter(session=session)
    if since is not None:
        questions = questions.filter(updated_at__gte=since)
    elif not moderator:
        questions = questions.filter(is_hidden=False)
    if answered is not None:
        questions = questions.filter(answered_at__isnull=not answered)
    return _with_viewer(questions, viewer).order_by(*QUESTION_ORDER)


def may_moderate(assignment: UserEventAssignment, *, room_id) -> bool:
    """The moderation rule (events.permissions.MODERATE): organisateurs anywhere in their event,
    gestionnaires while on duty at the room (one query, only for them)."""
    return MODERATE.admits(assignment, on_duty=lambda: on_duty(user=assignment.user, room_id=room_id))


def questions_etag(questions: QuerySet[SessionQuestion], *, parts) -> str:
    """A validator for a question list: how many rows and the latest change (one aggregate
    query), plus what shapes the response for this caller (``parts``: user, moderation,
    query string). A deletion changes the count; every other change moves ``updated_at``."""
    state = questions.order_by().aggregate(n=Count("pk"), last=Max("updated_at"))
    raw = "|".join(str(p) for p in (*parts, state["n"], state["last"] and state["last"].isoformat()))
    return '"' + hashlib.sha256(raw.encode()).hexdigest()[:32] + '"'
