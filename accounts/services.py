"""Writes on accounts: registration, login, logout, profile and password changes."""

from django.contrib.auth import authenticate
from django.db import IntegrityError, transaction
from django.utils.translation import gettext as _
from rest_framework import status
from rest_framework_simplejwt.exceptions import TokenError
from rest_framework_simplejwt.token_blacklist.models import BlacklistedToken, OutstandingToken
from rest_framework_simplejwt.tokens import RefreshToken

from accounts.models import User, normalize_email
from makeplus.errors import AppError


def issue_tokens(*, user: User) -> dict:
    refresh = RefreshToken.for_user(user)
    return {"access": str(refresh.access_token), "refresh": str(refresh)}


def register_user(*, email: str, password: str, first_name: str = "", last_name: str = "", phone: str = "") -> User:
    try:
        with transaction.atomic():
            return User.objects.create_user(
                email=email, password=password, first_name=first_name, last_name=last_name, phone=phone
            )
    except IntegrityError:
        # Lost a race with another registration of the same address.
        raise AppError(_("An account with this email already exists."), "email_taken") from None


def authenticate_user(*, request, email: str, password: str) -> User:
    user = authenticate(request, email=normalize_email(email), password=password)
    if user is None:
        raise AppError(
            _("Incorrect email or password."), "invalid_credentials", status_code=status.HTTP_401_UNAUTHORIZED
        )
    return user


def logout_user(*, user: User, refresh: str) -> None:
    try:
        token = RefreshToken(refresh)
    except TokenError:
        raise AppError(_("Invalid or expired refresh token."), "token_not_valid") from None
    if str(token.get("user_id")) != str(user.pk):
        raise AppError(_("This refresh token belongs to another account."), "token_not_owned")
    token.blacklist()


def revoke_refresh_tokens(*, user: User) -> int:
    """Blacklist every refresh token of the user that is not blacklisted yet."""
    pending = OutstandingToken.objects.filter(user=user, blacklistedtoken__isnull=True)
    created = BlacklistedToken.objects.bulk_create(
        [BlacklistedToken(token=token) for token in pending], ignore_conflicts=True
    )
    return len(created)


@transaction.atomic
def change_password(*, user: User, old_password: str, new_password: str) -> dict:
    if not user.check_password(old_password):
        raise AppError(_("The current password is incorrect."), "wrong_password")
    user.set_password(new_password)
    user.save(update_fields=["password"])
    revoke_refresh_tokens(user=user)
    # The caller keeps working on this device with fresh tokens; every other session is cut.
    return issue_tokens(user=user)


@transaction.atomic
def update_profile(*, user: User, current_password: str | None = None, **fields) -> User:
    new_email = fields.get("email")
    if new_email is not None and normalize_email(new_email) != user.email:
        if not current_password:
            raise AppError(_("Your current password is required to change your email."), "password_required")
        if not user.check_password(current_password):
            raise AppError(_("The current password is incorrect."), "wrong_password")
        if User.objects.filter(email=normalize_email(new_email)).exclude(pk=user.pk).exists():
            raise AppError(_("An account with this email already exists."), "email_taken")
    for name, value in fields.items():
        setattr(user, name, value)
    try:
        with transaction.atomic():
            user.save()
    except IntegrityError:
        raise AppError(_("An account with this email already exists."), "email_taken") from None
    return user
