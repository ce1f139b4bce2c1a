from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from annonces.models import CONTENT_MAX_LENGTH, TITLE_MAX_LENGTH, Annonce
from annonces.selectors import read_statistics
from events.models import Role
from makeplus.datetimes import DateTimeField, plausible_datetime


class AnnonceListSerializer(serializers.ListSerializer):
    """Computes the organisateur's read statistics for the whole page at once (two queries)."""

    def to_representation(self, data):
        annonces = list(data.all() if hasattr(data, "all") else data)
        if self.context.get("role") == Role.ORGANISATEUR:
            self.context["read_statistics"] = read_statistics(annonces, event=self.context["event"])
        return super().to_representation(annonces)


class AnnonceSerializer(serializers.ModelSerializer):
    title = serializers.CharField(max_length=TITLE_MAX_LENGTH)
    content = serializers.CharField(max_length=CONTENT_MAX_LENGTH, required=False, allow_blank=True)
    target_roles = serializers.ListField(
        child=serializers.ChoiceField(choices=Role.choices),
        required=False,
        help_text=_("Roles that see this annonce; an empty list means everyone."),
    )
    publish_at = DateTimeField(
        required=False,
        allow_null=True,
        validators=[plausible_datetime],
        help_text=_("Omitted or null: now. In the future: scheduled until then."),
    )
    expires_at = DateTimeField(
        required=False,
        allow_null=True,
        validators=[plausible_datetime],
        help_text=_("After publish_at; null: never expires."),
    )
    state = serializers.SerializerMethodField(help_text=_("scheduled, published or expired, now."))
    is_read = serializers.SerializerMethodField(help_text=_("Whether you have read it."))
    author_name = serializers.SerializerMethodField()
    read_count = serializers.SerializerMethodField(
        help_text=_("Organisateurs: how many of the targeted members have read it (null for others).")
    )
    target_count = serializers.SerializerMethodField(
        help_text=_("Organisateurs: how many members it targets (null for others).")
    )

    class Meta:
        model = Annonce
        list_serializer_class = AnnonceListSerializer
        fields = [
            "id",
            "event",
            "title",
            "content",
            "target_roles",
            "is_pinned",
            "publish_at",
            "expires_at",
            "state",
            "is_read",
            "created_by",
            "author_name",
            "read_count",
            "target_count",
            "created_at",
            "updated_at",
        ]
        read_only_fields = ["id", "event", "created_by", "created_at", "updated_at"]

    @extend_schema_field(serializers.ChoiceField(choices=Annonce.State.choices))
    def get_state(self, annonce) -> str:
        state = getattr(annonce, "state", None)
        return state if state is not None else annonce.state_at(timezone.now())

    def get_is_read(self, annonce) -> bool:
        is_read = getattr(annonce, "is_read", None)
        if is_read is None:  # a row fresh from a write, without the feed's annotations
            user = self.context["request"].user
            is_read = annonce.reads.filter(user=user).exists()
        return is_read

    def get_author_name(self, annonce) -> str | None:
        # The name only: members don't get the organisateur's email through its annonces.
        author = annonce.created_by
        return None if author is None else (f"{author.first_name} {author.last_name}".strip() or None)

    def _statistics(self, annonce):
        if self.context.get("role") != Role.ORGANISATEUR:
            return None
        statistics = self.context.setdefault("read_statistics", {})
        if annonce.pk not in statistics:  # a single annonce (retrieve, create, update)
            statistics.update(read_statistics([annonce], event=self.context["event"]))
        return statistics[annonce.pk]

    def get_read_count(self, annonce) -> int | None:
        statistics = self._statistics(annonce)
        return None if statistics is None else statistics.read_count

    def get_target_count(self, annonce) -> int | None:
        statistics = self._statistics(annonce)
        return None if statistics is None else statistics.target_count


class ReadReceiptSerializer(serializers.Serializer):
    annonce = serializers.UUIDField(source="annonce_id")
    read_at = serializers.DateTimeField()
    unread_count = serializers.IntegerField(help_text=_("Your unread annonces after this one was read."))


class ReadAllSerializer(serializers.Serializer):
    marked = serializers.IntegerField(help_text=_("How many annonces were marked read now."))
    unread_count = serializers.IntegerField()


class UnreadCountSerializer(serializers.Serializer):
    unread_count = serializers.IntegerField()
