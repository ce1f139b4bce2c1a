"""Live Q&A of a session: questions from the audience, their upvotes, answers and moderation.

``SessionQuestion.upvote_count`` is a denormalised counter of its QuestionUpvote rows: it is
changed only with ``F()`` updates in the transaction that inserts or deletes a vote row
(events/services/questions.py), never read-modify-write. ``updated_at`` moves on every change
a polling client must see (new, answered, hidden/unhidden, votes): ``?since=`` reads it.
"""

from django.conf import settings
from django.db import models
from django.db.models.functions import Length
from django.db.models.lookups import GreaterThanOrEqual, LessThanOrEqual
from django.utils.translation import gettext_lazy as _

QUESTION_MAX_LENGTH = 1000


class SessionQuestion(models.Model):
    session = models.ForeignKey(
        "events.Session", on_delete=models.CASCADE, related_name="questions", verbose_name=_("session")
    )
    asked_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="session_questions", verbose_name=_("asked by")
    )
    text = models.CharField(_("question"), max_length=QUESTION_MAX_LENGTH)
    is_anonymous = models.BooleanField(_("anonymous"), default=False)
    is_hidden = models.BooleanField(_("hidden"), default=False, help_text=_("Hidden by a moderator."))
    answer = models.TextField(_("answer"), blank=True)
    answered_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("answered by"),
    )
    answered_at = models.DateTimeField(_("answered at"), null=True, blank=True)
    upvote_count = models.PositiveIntegerField(_("upvotes"), default=0, editable=False)
    created_at = models.DateTimeField(_("asked at"), auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True, verbose_name=_("updated at"))

    class Meta:
        verbose_name = _("session question")
        verbose_name_plural = _("session questions")
        ordering = ["-upvote_count", "created_at", "id"]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(GreaterThanOrEqual(Length("text"), 1))
                & models.Q(LessThanOrEqual(Length("text"), QUESTION_MAX_LENGTH)),
                name="question_text_length",
            ),
            models.CheckConstraint(condition=models.Q(upvote_count__gte=0), name="question_upvotes_not_negative"),
        ]
        indexes = [
            models.Index(fields=["session", "-upvote_count", "created_at"], name="question_session_rank_idx"),
            models.Index(fields=["session", "updated_at"], name="question_session_changed_idx"),
        ]

    def __str__(self):
        return self.text[:60]

    @property
    def is_answered(self) -> bool:
        return self.answered_at is not None

    @property
    def room_id(self):
        """For the on-duty rules (events.permissions.MODERATE): the question is moderated at its session's room."""
        return self.session.room_id


class QuestionUpvote(models.Model):
    question = models.ForeignKey(
        SessionQuestion, on_delete=models.CASCADE, related_name="upvotes", verbose_name=_("question")
    )
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+", verbose_name=_("user")
    )
    created_at = models.DateTimeField(auto_now_add=True, verbose_name=_("created at"))

    class Meta:
        verbose_name = _("question upvote")
        verbose_name_plural = _("question upvotes")
        constraints = [models.UniqueConstraint(fields=["question", "user"], name="question_upvote_once_per_user")]

    def __str__(self):
        return f"{self.user_id} → {self.question_id}"
