"""Writes of the live Q&A (SessionQuestion, QuestionUpvote).

Who may do what (the views check roles and duty; these functions check the rules):

- ask: a badge holder of the session's event, while the session is scheduled or live
  (``session_closed`` otherwise); for a paid atelier only with a ``paid`` access
  (``payment_required``).
- upvote: the same people, on a question of another user (``own_question``); a toggle.
- answer, hide, unhide, toggle answered: organisateurs, or the gestionnaire on duty at the session's room.
- delete: the author, while the question is unanswered (``already_answered``).

Every change moves ``updated_at`` so that ``?since=`` polling sees it.
"""

from dataclasses import dataclass

from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from events.counters import bump
from events.models import Participant, QuestionUpvote, Session, SessionAccess, SessionQuestion
from makeplus.errors import AppError

OPEN_STATUSES = (Session.Status.SCHEDULED, Session.Status.LIVE)


@dataclass(frozen=True)
class Vote:
    question_id: int
    upvoted: bool  # the caller's vote after the toggle
    upvote_count: int


def check_may_participate(*, session: Session, user) -> Participant:
    """The caller's badge in the session's event, if it may ask or vote on this session now."""
    badge = Participant.objects.filter(user=user, event_id=session.event_id).first()
    if badge is None:
        raise AppError(_("You need a badge of this event to take part in the Q&A."), "no_badge")
    if session.status not in OPEN_STATUSES:
        raise AppError(_("Questions are closed for this session."), "session_closed")
    if session.is_paid:
        paid = SessionAccess.objects.filter(
            session=session, participant=badge, status=SessionAccess.Status.PAID
        ).exists()
        if not paid:
            raise AppError(_("This atelier is reserved to participants who paid."), "payment_required")
    return badge


def ask_question(*, session: Session, user, text: str, is_anonymous: bool = False) -> SessionQuestion:
    text = (text or "").strip()
    if not text:
        raise AppError(_("The question cannot be empty."), "blank")
    if len(text) > SessionQuestion._meta.get_field("text").max_length:
        raise AppError(_("The question is too long."), "max_length")
    check_may_participate(session=session, user=user)
    return SessionQuestion.objects.create(session=session, asked_by=user, text=text, is_anonymous=is_anonymous)


def toggle_upvote(*, question: SessionQuestion, user) -> Vote:
    """Add the caller's vote, or take it back if it had one. The vote row and the counter
    (``UPVOTES`` in events/counters.py) change in one transaction (F() updates: exact under concurrency)."""
    if question.asked_by_id == user.pk:
        raise AppError(_("You cannot upvote your own question."), "own_question")
    check_may_participate(session=question.session, user=user)
    with transaction.atomic():
        # A vote taken back: its row's post_delete lowers the count (events/signals.py), as for a cascade.
        removed, _detail = QuestionUpvote.objects.filter(question=question, user=user).delete()
        if removed:
            return Vote(question.pk, False, _count(question))
        try:
            with transaction.atomic():
                QuestionUpvote.objects.create(question=question, user=user)
        except IntegrityError:
            # The same user voted in a concurrent request that committed first: already counted.
            return Vote(question.pk, True, _count(question))
        bump(SessionQuestion.objects.filter(pk=question.pk), "upvote_count", 1, updated_at=timezone.now())
        return Vote(question.pk, True, _count(question))


def _count(question: SessionQuestion) -> int:
    return SessionQuestion.objects.filter(pk=question.pk).values_list("upvote_count", flat=True).get()


def answer_question(*, question: SessionQuestion, actor, answer: str) -> SessionQuestion:
    """Set (or correct) the answer. Allowed whatever the session's status: answers may come later."""
    answer = (answer or "").strip()
    if not answer:
        raise AppError(_("The answer cannot be empty."), "blank")
    now = timezone.now()
    _update(question, answer=answer, answered_by=actor, answered_at=now, updated_at=now)
    question.answer, question.answered_by, question.answered_at, question.updated_at = answer, actor, now, now
    return question


def toggle_question_answered(*, question: SessionQuestion, actor) -> SessionQuestion:
    """Mark a question answered (aloud: no written answer), or, when it is answered, unanswered again
    (its answer, who and when are cleared). Under the question's row lock: two moderators clicking
    at once toggle twice, never lose a change."""
    with transaction.atomic():
        locked = SessionQuestion.objects.select_for_update(of=("self",)).filter(pk=question.pk).first()
        if locked is None:  # its author deleted it meanwhile
            raise AppError(_("Not found."), "not_found")
        now = timezone.now()
        if locked.answered_at is None:
            values = {"answered_by": actor, "answered_at": now, "updated_at": now}
        else:
            values = {"answer": "", "answered_by": None, "answered_at": None, "updated_at": now}
        SessionQuestion.objects.filter(pk=question.pk).update(**values)
    for name, value in values.items():
        setattr(question, name, value)
    return question


def set_question_hidden(*, question: SessionQuestion, actor, hidden: bool) -> SessionQuestion:
    """Hide or show again; repeating it changes nothing (``updated_at`` stays)."""
    if question.is_hidden != hidden:
        now = timezone.now()
        _update(question, is_hidden=hidden, updated_at=now)
        question.is_hidden, question.updated_at = hidden, now
    return question


def _update(question: SessionQuestion, **values) -> None:
    # One UPDATE; a question its author deleted meanwhile is a 404, not a crash.
    if not SessionQuestion.objects.filter(pk=question.pk).update(**values):
        raise AppError(_("Not found."), "not_found")


def delete_question(*, question: SessionQuestion, actor) -> None:
    if question.asked_by_id != actor.pk:
        raise AppError(_("Only the author can delete this question."), "not_owner")
    with transaction.atomic():
        # Locked re-check: an answer written meanwhile keeps the question.
        locked = SessionQuestion.objects.select_for_update().get(pk=question.pk)
        if locked.answered_at is not None:
            raise AppError(_("An answered question cannot be deleted."), "already_answered")
        locked.delete()
