"""Bodies of the code routes: sign-up, password reset, invitations (accounts/views_codes.py)."""

from django.core.exceptions import ValidationError as DjangoValidationError
from django.core.validators import RegexValidator
from django.utils.translation import gettext_lazy as _
from rest_framework import serializers

from accounts import codes
from accounts.models import normalize_email
from accounts.serializers import TokensSerializer

code_field_validator = RegexValidator(r"^[0-9]{6}$", _("The code is the 6 digits received by email."), code="invalid")


def _password_errors(password: str, **candidate) -> list:
    try:
        codes.validate_new_password(password, **candidate)
    except DjangoValidationError as exc:
        return [serializers.ErrorDetail(str(e.message % (e.params or {})), code=e.code) for e in exc.error_list]
    return []


class EmailSerializer(serializers.Serializer):
    email = serializers.EmailField(max_length=254)

    def validate_email(self, value):
        return normalize_email(value)


class SignupRequestSerializer(EmailSerializer):
    first_name = serializers.CharField(max_length=150, required=False, allow_blank=True, default="")
    last_name = serializers.CharField(max_length=150, required=False, allow_blank=True, default="")
    password = serializers.CharField(write_only=True, max_length=128, style={"input_type": "password"})

    def validate(self, attrs):
        errors = _password_errors(
            attrs["password"], email=attrs["email"], first_name=attrs["first_name"], last_name=attrs["last_name"]
        )
        if errors:
            raise serializers.ValidationError({"password": errors})
        return attrs


class PasswordResetRequestSerializer(EmailSerializer):
    new_password = serializers.CharField(write_only=True, max_length=128, style={"input_type": "password"})

    def validate(self, attrs):
        errors = _password_errors(attrs["new_password"], email=attrs["email"])
        if errors:
            raise serializers.ValidationError({"new_password": errors})
        return attrs


class VerifySerializer(EmailSerializer):
    code = serializers.CharField(max_length=6, validators=[code_field_validator])


class InvitationAcceptSerializer(VerifySerializer):
    password = serializers.CharField(write_only=True, max_length=128, style={"input_type": "password"})

    def validate(self, attrs):
        errors = _password_errors(attrs["password"], email=attrs["email"])
        if errors:
            raise serializers.ValidationError({"password": errors})
        return attrs


class ResendInvitationSerializer(serializers.Serializer):
    user_id = serializers.IntegerField(required=False, min_value=1, max_value=2**63 - 1)
    email = serializers.EmailField(required=False, max_length=254)

    def validate(self, attrs):
        if not attrs.get("user_id") and not attrs.get("email"):
            raise serializers.ValidationError(_("Give the person's user_id or email."), code="user_or_email_required")
        if attrs.get("email"):
            attrs["email"] = normalize_email(attrs["email"])
        return attrs


class SuccessSerializer(serializers.Serializer):
    success = serializers.BooleanField()
    message = serializers.CharField()


class SignupVerifyResponseSerializer(SuccessSerializer, TokensSerializer):
    pass


class InvitationSentSerializer(SuccessSerializer):
    expires_at = serializers.DateTimeField()


class _TooEarlyErrorSerializer(serializers.Serializer):
    code = serializers.ChoiceField(choices=[(c, c) for c in ("throttled", "resend_too_early", "too_many_codes")])
    detail = serializers.CharField()
    attr = serializers.CharField(allow_null=True)


class TooEarlyResponseSerializer(serializers.Serializer):
    """429: a send refused for now (per address, or the client's rate); retry after ``wait_seconds``."""

    type = serializers.ChoiceField(choices=[("client_error", "client_error")])
    errors = _TooEarlyErrorSerializer(many=True)
    message = serializers.CharField()
    detail = serializers.CharField()
    error = serializers.CharField()
    wait_seconds = serializers.IntegerField(min_value=1)
