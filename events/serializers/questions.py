"""Shapes of the live Q&A.

Anonymity: the author (``author``) of an anonymous question is shown only to organisateurs
(context ``reveal_authors``); everyone else gets ``null`` and no other field leads to it
(``is_mine`` is about the caller only). A hidden question reaches a non-moderator only as a
blank tombstone in a ``since`` poll, so that the client drops it.
"""

from django.utils.translation import gettext_lazy as _
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from events.models import SessionQuestion
from events.models.questions import QUESTION_MAX_LENGTH
from makeplus.datetimes import DateTimeField


class QuestionAuthorSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    full_name = serializers.CharField(source="get_full_name")


class SessionQuestionSerializer(serializers.ModelSerializer):
    session = serializers.UUIDField(source="session_id", read_only=True)
    author = serializers.SerializerMethodField(help_text=_("Null for anonymous questions (except for organisateurs)."))
    is_mine = serializers.SerializerMethodField()
    has_upvoted = serializers.BooleanField(read_only=True, default=False)
    is_answered = serializers.BooleanField(read_only=True)
    answered_by = serializers.SerializerMethodField()

    class Meta:
        model = SessionQuestion
        fields = [
            "id",
            "session",
            "text",
            "is_anonymous",
            "author",
            "is_mine",
            "upvote_count",
            "has_upvoted",
            "is_hidden",
            "is_answered",
            "answer",
            "answered_by",
            "answered_at",
            "created_at",
            "updated_at",
        ]
        read_only_fields = fields

    def _viewer_id(self):
        request = self.context.get("request")
        return request.user.pk if request else None

    @extend_schema_field(QuestionAuthorSerializer(allow_null=True))
    def get_author(self, obj):
        if obj.is_anonymous and not self.context.get("reveal_authors"):
            return None
        return QuestionAuthorSerializer(obj.asked_by).data

    def get_is_mine(self, obj) -> bool:
        return obj.asked_by_id == self._viewer_id()

    @extend_schema_field(serializers.CharField(help_text=_("Who answered; empty while unanswered.")))
    def get_answered_by(self, obj):
        # Empty text is "", never null (README "API conventions").
        return obj.answered_by.get_full_name() if obj.answered_by_id else ""

    def to_representation(self, obj):
        data = super().to_representation(obj)
        if obj.is_hidden and not self.context.get("moderator"):
            # A tombstone: the id and the fact it is hidden, nothing of its content or author.
            data.update(text="", author=None, is_mine=False, answer="", answered_by="", upvote_count=0)
            data.update(has_upvoted=False, is_anonymous=False)
        return data


class SessionQuestionPageSerializer(serializers.Serializer):
    count = serializers.IntegerField()
    next = serializers.URLField(allow_null=True)
    previous = serializers.URLField(allow_null=True)
    results = SessionQuestionSerializer(many=True)


class QuestionAskSerializer(serializers.Serializer):
    text = serializers.CharField(max_length=QUESTION_MAX_LENGTH, trim_whitespace=True)
    is_anonymous = serializers.BooleanField(default=False)


class QuestionListQuerySerializer(serializers.Serializer):
    answered = serializers.BooleanField(
        required=False, allow_null=True, default=None, help_text=_("true: answered only; false: unanswered only.")
    )
    since = DateTimeField(
        required=False,
        allow_null=True,
        default=None,
        help_text=_(
            "Only questions changed at or after this time (new, answered, hidden, votes). "
            "Hidden ones come as blank tombstones (is_hidden true) for non-moderators."
        ),
    )


class QuestionAnswerSerializer(serializers.Serializer):
    answer = serializers.CharField(max_length=5000, trim_whitespace=True)


class QuestionVoteSerializer(serializers.Serializer):
    id = serializers.IntegerField(source="question_id")
    upvoted = serializers.BooleanField()
    upvote_count = serializers.IntegerField()


class TopQuestionSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    text = serializers.CharField()
    upvote_count = serializers.IntegerField()


class SessionQuestionStatsSerializer(serializers.Serializer):
    """One row of ``questions`` in the event statistics."""

    session_id = serializers.UUIDField()
    title = serializers.CharField()
    asked = serializers.IntegerField()
    answered = serializers.IntegerField()
    hidden = serializers.IntegerField()
    top_question = TopQuestionSerializer(allow_null=True, help_text=_("The most upvoted visible question."))
