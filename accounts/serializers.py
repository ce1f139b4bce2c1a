from django.contrib.auth import password_validation
from django.contrib.auth.hashers import UNUSABLE_PASSWORD_PREFIX
from django.core.exceptions import ValidationError as DjangoValidationError
from django.utils.translation import gettext_lazy as _
from rest_framework import serializers

from accounts.models import User, normalize_email
from events.models import Event, Role


def _validate_password(password: str, user: User) -> None:
    try:
        password_validation.validate_password(password, user)
    except DjangoValidationError as exc:
        raise serializers.ValidationError(
            [serializers.ErrorDetail(str(e.message % (e.params or {})), code=e.code) for e in exc.error_list]
        ) from None


class UserSerializer(serializers.ModelSerializer):
    full_name = serializers.CharField(source="get_full_name", read_only=True)

    class Meta:
        model = User
        fields = [
            "id",
            "email",
            "first_name",
            "last_name",
            "full_name",
            "phone",
            "company",
            "photo",
            "share_contact_with_exposants",
            "date_joined",
        ]
        read_only_fields = fields


class RegisterSerializer(serializers.Serializer):
    email = serializers.EmailField(max_length=254)
    password = serializers.CharField(write_only=True, max_length=128, style={"input_type": "password"})
    # Empty allowed: the documented default "" must be a valid value (issue 21: a client sending defaults failed).
    first_name = serializers.CharField(max_length=150, required=False, default="", allow_blank=True)
    last_name = serializers.CharField(max_length=150, required=False, default="", allow_blank=True)
    phone = serializers.CharField(max_length=30, required=False, default="", allow_blank=True)

    def validate_email(self, value):
        value = normalize_email(value)
        # part accounts: an account without a usable password is claimable (accounts.services.register_user)
        if User.objects.filter(email=value).exclude(password__startswith=UNUSABLE_PASSWORD_PREFIX).exists():
            raise serializers.ValidationError(_("An account with this email already exists."), code="email_taken")
        return value

    def validate(self, attrs):
        candidate = User(email=attrs["email"], first_name=attrs["first_name"], last_name=attrs["last_name"])
        try:
            _validate_password(attrs["password"], candidate)
        except serializers.ValidationError as exc:
            raise serializers.ValidationError({"password": exc.detail}) from None
        return attrs


class LoginSerializer(serializers.Serializer):
    email = serializers.EmailField(max_length=254)
    password = serializers.CharField(write_only=True, max_length=128, style={"input_type": "password"})


class TokensSerializer(serializers.Serializer):
    access = serializers.CharField()
    refresh = serializers.CharField()


class EventSummarySerializer(serializers.Serializer):
    id = serializers.UUIDField()
    name = serializers.CharField()
    role = serializers.ChoiceField(choices=Role.choices)
    status = serializers.ChoiceField(choices=Event.Status.choices)
    start_date = serializers.DateTimeField()
    end_date = serializers.DateTimeField()
    location = serializers.CharField()
    logo_url = serializers.CharField()
    accepted = serializers.BooleanField(
        help_text=_(
            "False for an event someone else put you in that you have not opened yet: selecting it accepts "
            "it (the event then sees your profile), POST my-events/{id}/leave/ leaves it."
        )
    )


class AuthResponseSerializer(TokensSerializer):
    user = UserSerializer()
    events = EventSummarySerializer(many=True, help_text=_("The user's active events with its role in each."))
    current_event = EventSummarySerializer(
        allow_null=True, help_text=_("The event the tokens carry; null until one is selected.")
    )
    requires_event_selection = serializers.BooleanField(
        help_text=_("True when the user has several events: call select-event before event endpoints.")
    )


class RefreshSerializer(serializers.Serializer):
    refresh = serializers.CharField()


class SelectEventSerializer(serializers.Serializer):
    event_id = serializers.UUIDField()


class SelectEventResponseSerializer(TokensSerializer):
    current_event = EventSummarySerializer()
    role = serializers.ChoiceField(choices=Role.choices)


class LogoutSerializer(serializers.Serializer):
    # Optional for the mobile app's tokens, which carry their login session (accounts.views.LogoutView).
    refresh = serializers.CharField(required=False)


class ChangePasswordSerializer(serializers.Serializer):
    old_password = serializers.CharField(write_only=True, max_length=128)
    new_password = serializers.CharField(write_only=True, max_length=128)

    def validate_new_password(self, value):
        _validate_password(value, self.context["request"].user)
        return value


class ProfileSerializer(serializers.ModelSerializer):
    current_password = serializers.CharField(
        write_only=True,
        required=False,
        max_length=128,
        help_text=_("Required when changing the email."),
    )
    full_name = serializers.CharField(source="get_full_name", read_only=True)

    class Meta:
        model = User
        fields = [
            "id",
            "email",
            "first_name",
            "last_name",
            "full_name",
            "phone",
            "company",
            "photo",
            "share_contact_with_exposants",
            "date_joined",
            "current_password",
        ]
        read_only_fields = ["id", "date_joined"]
        # Uniqueness is checked by the service (case-insensitively, with its own code).
        extra_kwargs = {"email": {"validators": []}}
