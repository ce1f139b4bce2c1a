"""Shapes of the atelier actions of /api/sessions/{id}/ (register, unregister, payments, registrations)."""

from django.utils.translation import gettext_lazy as _
from drf_standardized_errors.openapi_serializers import ClientErrorEnum
from rest_framework import serializers

from events.models import Participant, SessionAccess
from events.models.participants import normalize_badge_id
from events.selectors.participants import participants_for_event


class AtelierAccessSerializer(serializers.ModelSerializer):
    """The caller's place in an atelier, as register/unregister leave it."""

    session = serializers.UUIDField(source="session_id", read_only=True)
    payment_required = serializers.SerializerMethodField(
        help_text=_("True while a paid atelier's place is held but not paid yet (the door refuses entry).")
    )
    price = serializers.DecimalField(
        source="session.price", max_digits=10, decimal_places=2, read_only=True, help_text=_("Price in DZD.")
    )
    payment_method = serializers.ChoiceField(
        choices=SessionAccess.Method.choices, allow_blank=True, read_only=True, help_text=_("Empty until paid.")
    )
    places_left = serializers.IntegerField(read_only=True, help_text=_("Places still free in the atelier."))

    class Meta:
        model = SessionAccess
        fields = [
            "session",
            "status",
            "payment_required",
            "price",
            "amount",
            "payment_method",
            "paid_at",
            "places_left",
            "created_at",
            "updated_at",
        ]
        read_only_fields = fields

    def get_payment_required(self, access) -> bool:
        return access.session.is_paid and access.status == SessionAccess.Status.REGISTERED


class AtelierPaymentSerializer(serializers.Serializer):
    """Who paid (their participant id or badge id), how much and how."""

    participant_id = serializers.IntegerField(
        required=False, help_text=_("The participant (badge holder) id; or give badge_id.")
    )
    badge_id = serializers.CharField(
        required=False, max_length=32, help_text=_("The badge id as printed or typed; or give participant_id.")
    )
    amount = serializers.DecimalField(
        max_digits=10,
        decimal_places=2,
        required=False,
        allow_null=True,
        help_text=_("Amount received in DZD; the atelier's price when omitted. Must be greater than zero."),
    )
    method = serializers.ChoiceField(choices=SessionAccess.Method.choices, help_text=_("How it was paid."))
    receipt_number = serializers.CharField(
        required=False, allow_blank=True, max_length=50, default="", help_text=_("The receipt handed over, if any.")
    )

    def validate(self, attrs):
        given = [name for name in ("participant_id", "badge_id") if attrs.get(name) not in (None, "")]
        if len(given) != 1:
            raise serializers.ValidationError(_("Give either participant_id or badge_id."), code="participant_required")
        # The holder rides along (the answer shows it); its rooms are not needed here.
        badges = participants_for_event(self.context["event"]).prefetch_related(None)
        if given[0] == "participant_id":
            participant = badges.filter(pk=attrs["participant_id"]).first()
        else:
            participant = badges.filter(badge_id=normalize_badge_id(attrs["badge_id"])).first()
        if participant is None:
            raise serializers.ValidationError(
                {given[0]: _("No badge holder of this event has this id.")}, code="does_not_exist"
            )
        attrs["participant"] = participant
        return attrs


class AtelierRegistrantSerializer(serializers.ModelSerializer):
    # The badge's registration data: the profile's once the holder accepted (SPEC "Privacy").
    first_name = serializers.CharField(read_only=True)
    last_name = serializers.CharField(read_only=True)
    email = serializers.EmailField(source="user.email", read_only=True)

    class Meta:
        model = Participant
        fields = ["id", "badge_id", "kind", "first_name", "last_name", "email"]
        read_only_fields = fields


class AtelierRecorderSerializer(serializers.Serializer):
    id = serializers.IntegerField(read_only=True)
    email = serializers.EmailField(read_only=True)
    full_name = serializers.CharField(source="get_full_name", read_only=True)


class AtelierRegistrationSerializer(serializers.ModelSerializer):
    """One registration of an atelier, as organisateurs see it."""

    participant = AtelierRegistrantSerializer(read_only=True)
    payment_method = serializers.ChoiceField(
        choices=SessionAccess.Method.choices, allow_blank=True, read_only=True, help_text=_("Empty until paid.")
    )
    recorded_by = AtelierRecorderSerializer(read_only=True, allow_null=True, help_text=_("Who recorded the payment."))

    class Meta:
        model = SessionAccess
        fields = [
            "id",
            "participant",
            "status",
            "amount",
            "payment_method",
            "paid_at",
            "receipt_number",
            "recorded_by",
            "created_at",
            "updated_at",
        ]
        read_only_fields = fields


class AtelierRegistrationSummarySerializer(serializers.Serializer):
    registered = serializers.IntegerField(
        help_text=_("Places held with status registered (confirmed if free, awaiting payment if paid).")
    )
    paid = serializers.IntegerField(help_text=_("Places paid."))
    cancelled = serializers.IntegerField(help_text=_("Registrations given back."))
    capacity = serializers.IntegerField(help_text=_("The room's capacity."))
    places_left = serializers.IntegerField(help_text=_("capacity - registered - paid, never below 0."))
    revenue = serializers.DecimalField(max_digits=14, decimal_places=2, help_text=_("Sum of the paid amounts, in DZD."))


class AtelierRegistrationPageSerializer(serializers.Serializer):
    """A page of registrations, plus the totals of the whole atelier (not only of this page or filter)."""

    count = serializers.IntegerField(help_text=_("Registrations matching the filters."))
    next = serializers.URLField(allow_null=True)
    previous = serializers.URLField(allow_null=True)
    results = AtelierRegistrationSerializer(many=True)
    summary = AtelierRegistrationSummarySerializer()


class AtelierConflictSerializer(serializers.Serializer):
    code = serializers.CharField(help_text=_("Stable machine code; see the operation's description."))
    detail = serializers.CharField()
    attr = serializers.CharField(allow_null=True)


class AtelierConflictResponseSerializer(serializers.Serializer):
    """409: the atelier's state refuses the request (full, closed, already paid, not registered)."""

    type = serializers.ChoiceField(choices=ClientErrorEnum.choices)
    errors = AtelierConflictSerializer(many=True)
