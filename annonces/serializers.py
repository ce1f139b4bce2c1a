from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from drf_spectacular.types import OpenApiTypes
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


# The mobile app's audience names (contract §3.7) → our roles; "all" is everyone (no target role).
APP_TARGETS = {
    "all": [],
    "participants": [Role.PARTICIPANT],
    "exposants": [Role.EXPOSANT],
    "gestionnaire": [Role.GESTIONNAIRE_DES_SALLES],
    "controller": [Role.CONTROLLEUR_DES_BADGES],
}
# Also understood when written (the app's labels, singulars, our role values).
APP_TARGET_SYNONYMS = {
    "gestionnaires": "gestionnaire",
    "controlleurs": "controller",
    "controllers": "controller",
    "participant": "participants",
    "exposant": "exposants",
    **{role: name for name, roles in APP_TARGETS.items() for role in roles},
}


def app_target(roles: list) -> str:
    """Our target roles as the app's single ``target``: "all" for everyone, else its name for each
    role, comma-separated when there are several (our API may target any subset)."""
    names = {tuple(value): name for name, value in APP_TARGETS.items()}
    if not roles:
        return "all"
    return ",".join(names.get((role,), role) for role in roles)


@extend_schema_field(OpenApiTypes.STR)
class AppTargetField(serializers.Field):
    """``target``: the mobile app's alias of ``target_roles`` (one audience name)."""

    default_error_messages = {"invalid_choice": _('"{input}" is not a valid choice.')}

    def to_internal_value(self, data):
        name = data.strip().lower() if isinstance(data, str) else None
        name = APP_TARGET_SYNONYMS.get(name, name)
        if name not in APP_TARGETS:
            self.fail("invalid_choice", input=str(data)[:50])
        return list(APP_TARGETS[name])

    def to_representation(self, value):
        return app_target(value or [])


class AnnonceAuthorSerializer(serializers.Serializer):
    """Who published an annonce, named like every person of the API (README "API conventions")."""

    id = serializers.IntegerField()
    full_name = serializers.CharField()


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
    # Aliases for the mobile app (contract §3.7): same values as content / target_roles / author_name.
    description = serializers.CharField(
        source="content",
        max_length=CONTENT_MAX_LENGTH,
        required=False,
        allow_blank=True,
        help_text=_("Alias of content (the mobile app)."),
    )
    target = AppTargetField(
        source="target_roles",
        required=False,
        help_text=_(
            "Alias of target_roles (the mobile app): all, participants, exposants, gestionnaire or controller."
        ),
    )
    creator_name = serializers.SerializerMethodField(help_text=_("Alias of author_name (the mobile app)."))
    state = serializers.SerializerMethodField(help_text=_("scheduled, published or expired, now."))
    is_read = serializers.SerializerMethodField(help_text=_("Whether you have read it."))
    author = serializers.SerializerMethodField(help_text=_("Who published it (null once its account is deleted)."))
    author_name = serializers.SerializerMethodField(
        help_text=_("Same as author.full_name (kept for existing clients).")
    )
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
            "description",
            "target_roles",
            "target",
            "is_pinned",
            "publish_at",
            "expires_at",
            "state",
            "is_read",
            "created_by",
            "author",
            "author_name",
            "creator_name",
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

    def validate(self, attrs):
        # The mobile app names the event in its body: it must be the caller's current event.
        event = self.initial_data.get("event") if hasattr(self.initial_data, "get") else None
        current = self.context.get("event")
        if event not in (None, "") and current is not None and str(event) != str(current.pk):
            raise serializers.ValidationError(
                {"event": [serializers.ErrorDetail(_("You are signed in to another event."), code="wrong_event")]}
            )
        return attrs

    def get_creator_name(self, annonce) -> str | None:
        # The mobile app reads it as an optional string: null (not "") when nobody is named.
        return self.get_author_name(annonce) or None

    @extend_schema_field(AnnonceAuthorSerializer(allow_null=True))
    def get_author(self, annonce) -> dict | None:
        author = annonce.created_by
        return None if author is None else {"id": author.pk, "full_name": self.get_author_name(annonce)}

    def get_author_name(self, annonce) -> str:
        # The name only: members don't get the organisateur's email through its annonces. Empty text is "".
        author = annonce.created_by
        return "" if author is None else f"{author.first_name} {author.last_name}".strip()

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
