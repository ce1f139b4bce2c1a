"""Shapes of badge holders and badges."""

from django.utils.translation import gettext_lazy as _
from rest_framework import serializers

from accounts.models import User
from events.models import Participant, Role
from events.scoping import EventRelatedField
from events.selectors import members_of_event

_KIND_HELP = _("participant, or exposant (exhibitors hold badges too). The holder's role in the event follows.")


class ParticipantUserSerializer(serializers.Serializer):
    """The holder as the event sees it (read from the Participant): its registration data until it
    accepts the event, then its profile (SPEC "Privacy"; ``Participant.shown_name``)."""

    id = serializers.IntegerField(source="user_id", read_only=True)
    email = serializers.EmailField(source="user.email", read_only=True)
    full_name = serializers.CharField(source="shown_name", read_only=True)
    phone = serializers.CharField(source="shown_phone", read_only=True)


class ParticipantSerializer(serializers.ModelSerializer):
    """A badge holder. ``qr_code_data`` is shown only to the event's organisateurs and to the holder."""

    user = ParticipantUserSerializer(source="*", read_only=True)
    accepted = serializers.BooleanField(
        source="holder_accepted",
        read_only=True,
        help_text=_("Whether the holder accepted the event; until then only its registration data is shown."),
    )
    allowed_rooms = serializers.PrimaryKeyRelatedField(
        many=True,
        read_only=True,
        help_text=_(
            "Rooms this badge opens when access_all_rooms is false (empty = no room). "
            "Ignored when access_all_rooms is true."
        ),
    )
    qr_code_data = serializers.CharField(
        read_only=True, allow_null=True, help_text=_("Signed QR payload; null unless the caller organises or holds it.")
    )

    class Meta:
        model = Participant
        fields = [
            "id",
            "user",
            "accepted",
            "event",
            "kind",
            "badge_id",
            "badge_version",
            "is_checked_in",
            "checked_in_at",
            "access_all_rooms",
            "allowed_rooms",
            "qr_code_data",
            "created_at",
            "updated_at",
        ]
        read_only_fields = fields

    def to_representation(self, instance):
        data = super().to_representation(instance)
        if not self._may_see_code(instance):
            data["qr_code_data"] = None
        return data

    def _may_see_code(self, instance) -> bool:
        request = self.context.get("request")
        if request is None:
            return False
        assignment = getattr(request, "event_assignment", None)
        is_organiser = (
            assignment is not None and assignment.role == Role.ORGANISATEUR and assignment.event_id == instance.event_id
        )
        return is_organiser or instance.user_id == request.user.pk


class ParticipantCreateSerializer(serializers.Serializer):
    """Either ``user_id`` (a user who already has a role in this event) or ``email``
    (an existing account, or a new one created without a password)."""

    # Only the event's own members are reachable by id: no probing of other accounts.
    user_id = EventRelatedField(
        members_of_event,
        model=User,
        required=False,
        help_text=_("A user who already has a role in this event (e.g. added through user-assignments)."),
    )
    email = serializers.EmailField(
        required=False, max_length=254, help_text=_("Email of the holder; a new account if unknown.")
    )
    first_name = serializers.CharField(required=False, allow_blank=True, max_length=150, default="")
    last_name = serializers.CharField(required=False, allow_blank=True, max_length=150, default="")
    phone = serializers.CharField(required=False, allow_blank=True, max_length=30, default="")
    kind = serializers.ChoiceField(
        choices=Participant.Kind.choices, default=Participant.Kind.PARTICIPANT, help_text=_KIND_HELP
    )
    access_all_rooms = serializers.BooleanField(default=True)
    allowed_rooms = serializers.ListField(child=serializers.UUIDField(), required=False, default=list)

    def validate(self, attrs):
        if ("user_id" in attrs) == ("email" in attrs):
            raise serializers.ValidationError(
                _("Give either user_id or email, not both."), code="user_or_email_required"
            )
        return attrs


class ParticipantUpdateSerializer(serializers.Serializer):
    kind = serializers.ChoiceField(choices=Participant.Kind.choices, required=False, help_text=_KIND_HELP)
    access_all_rooms = serializers.BooleanField(required=False)
    allowed_rooms = serializers.ListField(child=serializers.UUIDField(), required=False)

    CHECK_IN_FIELDS = ("is_checked_in", "checked_in_at")

    def validate(self, attrs):
        sent = [name for name in self.CHECK_IN_FIELDS if name in self.initial_data]
        if sent:
            raise serializers.ValidationError(
                {
                    name: serializers.ErrorDetail(_("Check-in is recorded by scanning the badge."), code="read_only")
                    for name in sent
                }
            )
        return attrs


class BadgeSerializer(serializers.Serializer):
    """A badge as the holder (or an organisateur) gets it: what to show and what to encode in the QR."""

    participant_id = serializers.IntegerField(source="pk")
    badge_id = serializers.CharField()
    badge_version = serializers.IntegerField()
    qr_code_data = serializers.CharField(help_text=_("Signed payload to put in the QR code."))
    kind = serializers.ChoiceField(choices=Participant.Kind.choices)
    full_name = serializers.SerializerMethodField(help_text=_("The holder's name (its email when it has none)."))
    holder_name = serializers.SerializerMethodField(help_text=_("Same as full_name (kept for existing clients)."))
    event_id = serializers.UUIDField()
    event_name = serializers.CharField(source="event.name")

    def get_full_name(self, obj) -> str:
        return obj.shown_name() or obj.user.email

    def get_holder_name(self, obj) -> str:
        return self.get_full_name(obj)


class QrGenerateSerializer(serializers.Serializer):
    participant_id = serializers.IntegerField(min_value=1, max_value=2**63 - 1)


class BadgeKeySerializer(serializers.Serializer):
    event_id = serializers.UUIDField()
    algorithm = serializers.CharField(help_text=_("Always Ed25519."))
    key_id = serializers.CharField(help_text=_("Fingerprint of the public key (16 hex characters)."))
    public_key = serializers.CharField(help_text=_("The raw 32-byte public key, base64."))
    public_key_pem = serializers.CharField(help_text=_("The same key as PEM (SubjectPublicKeyInfo)."))
    payload_format = serializers.CharField(help_text=_("How to decode and verify a badge's QR payload."))
