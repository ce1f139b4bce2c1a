"""Writes on accounts: registration, login, logout, profile and password changes."""

import contextlib
from datetime import timedelta

from django.conf import settings
from django.contrib.auth import authenticate
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from rest_framework_simplejwt.exceptions import TokenError
from rest_framework_simplejwt.settings import api_settings as jwt_settings
from rest_framework_simplejwt.token_blacklist.models import BlacklistedToken, OutstandingToken
from rest_framework_simplejwt.tokens import RefreshToken
from rest_framework_simplejwt.utils import get_md5_hash_password

from accounts.login_gate import login_slot
from accounts.models import LoginSession, User, normalize_email
from accounts.tokens import selection_token
from events.authentication import EVENT_CLAIM, ROLE_CLAIM, SESSION_CLAIM
from events.selectors import active_assignment, event_summaries_for_user, event_summary, events_for_user
from events.services.membership import accept_event, profile_changed
from makeplus.errors import AppError


def issue_tokens(*, user: User, event_id=None, role: str | None = None, session_id=None) -> dict:
    """A new token pair; with an event, both tokens carry it and the role (a hint: the server re-checks).
    With a login session (the mobile app's sign-in), both carry it and the access token lives
    MOBILE_ACCESS_HOURS instead of JWT_ACCESS_MINUTES: authentication refuses it once the session is revoked."""
    refresh = RefreshToken.for_user(user)
    if event_id is not None:
        refresh[EVENT_CLAIM] = str(event_id)
        refresh[ROLE_CLAIM] = role
    if session_id is not None:
        refresh[SESSION_CLAIM] = str(session_id)
    access = refresh.access_token
    if session_id is not None:
        access.set_exp(lifetime=timedelta(hours=settings.MOBILE_ACCESS_HOURS))
    return {"access": str(access), "refresh": str(refresh)}


# --- mobile-auth: the mobile app's login sessions ----------------------------------------------------


def open_login_session(*, user: User) -> LoginSession:
    return LoginSession.objects.create(user=user)


def login_session_is_open(*, user: User, session_id) -> bool:
    try:
        return LoginSession.objects.filter(pk=session_id, user=user, revoked_at__isnull=True).exists()
    except (ValidationError, ValueError, TypeError):
        return False


def end_login_session(*, user: User, session_id) -> None:
    """Logout of one mobile sign-in: every token carrying it (access and refresh) stops working."""
    with contextlib.suppress(ValidationError, ValueError, TypeError):
        LoginSession.objects.filter(pk=session_id, user=user, revoked_at__isnull=True).update(revoked_at=timezone.now())


def end_login_sessions(*, user: User) -> int:
    """Every mobile sign-in of the user ends (password change or reset, account deletion)."""
    return LoginSession.objects.filter(user=user, revoked_at__isnull=True).update(revoked_at=timezone.now())


@transaction.atomic
def app_login(*, user: User) -> dict:
    """The mobile app's login (POST /api/auth/token/): a new login session; with one active event (or none)
    tokens carrying it, with several a short-lived selection token (``temp_token``) that only select-event
    accepts, and no tokens. ``events`` are Event rows annotated with the user's role (``my_role``)."""
    session = open_login_session(user=user)
    events = list(events_for_user(user).order_by("start_date", "name"))
    # An event someone else put the user in is opened only by the user's choice (selecting accepts it).
    if len(events) > 1 or (events and events[0].my_accepted_at is None):
        return {
            "events": events,
            "event": None,
            "role": None,
            "tokens": None,
            "temp_token": selection_token(user=user, session_id=session.pk),
        }
    event = events[0] if events else None
    role = event.my_role if event else None
    tokens = issue_tokens(user=user, event_id=event and event.pk, role=role, session_id=session.pk)
    return {"events": events, "event": event, "role": role, "tokens": tokens, "temp_token": None}


# --- end mobile-auth ---------------------------------------------------------------------------------


def login_session(*, user: User) -> dict:
    """Tokens plus the user's events. One active event is selected at once; with several,
    the client must call select-event (the tokens carry no event until then)."""
    events = event_summaries_for_user(user)
    # An event someone else put the user in is opened only by the user's choice (selecting accepts it).
    current = events[0] if len(events) == 1 and events[0]["accepted"] else None
    tokens = issue_tokens(user=user, event_id=current and current["id"], role=current and current["role"])
    return {
        **tokens,
        "events": events,
        "current_event": current,
        "requires_event_selection": bool(events) and not current,
    }


def select_event(*, user: User, event_id, session_id=None) -> dict:
    """Tokens for one of the user's active events. ``session_id``: the mobile login session they continue
    (from the selection token or the caller's tokens), kept in the new tokens."""
    assignment = active_assignment(user=user, event_id=event_id)
    if assignment is None:
        # Same answer for "no such event" and "not yours": existence is not revealed.
        raise AppError(_("Event not found among your events."), "event_not_found")
    accept_event(user=user, event_id=assignment.event_id)  # selecting is accepting (SPEC "Privacy")
    tokens = issue_tokens(user=user, event_id=assignment.event_id, role=assignment.role, session_id=session_id)
    return {
        **tokens,
        "current_event": event_summary(assignment.event, assignment.role),
        "role": assignment.role,
        "assignment": assignment,
    }


@transaction.atomic
def refresh_tokens(*, refresh: str) -> dict:
    """Rotate a refresh token: the old one is blacklisted (under a row lock, so a token
    refreshes exactly once even when two requests race) and the new pair is built from
    the database: the event is kept only while the assignment is active, with its current role."""
    # AppError, not AuthenticationFailed: DRF would turn the latter into a 403 on an
    # endpoint without authenticators.
    invalid = AppError(_("Token is invalid or expired"), "token_not_valid")
    try:
        token = RefreshToken(refresh)
    except TokenError:
        raise invalid from None
    outstanding = (
        OutstandingToken.objects.select_for_update(of=("self",))
        .filter(jti=token[jwt_settings.JTI_CLAIM])
        .order_by()  # its default ordering joins the nullable user, which FOR UPDATE refuses
        .first()
    )
    if outstanding is None or BlacklistedToken.objects.filter(token=outstanding).exists():
        raise invalid
    user = User.objects.filter(pk=token.get(jwt_settings.USER_ID_CLAIM)).first()
    if (
        user is None
        or not user.is_active
        or token.get(jwt_settings.REVOKE_TOKEN_CLAIM) != get_md5_hash_password(user.password)
    ):
        raise invalid
    # A mobile sign-in's tokens keep its session while it is open (rotation keeps "sid").
    session_id = token.get(SESSION_CLAIM)
    if session_id and not login_session_is_open(user=user, session_id=session_id):
        raise invalid
    BlacklistedToken.objects.create(token=outstanding)
    assignment = active_assignment(user=user, event_id=token[EVENT_CLAIM]) if token.get(EVENT_CLAIM) else None
    if assignment is None:
        return issue_tokens(user=user, session_id=session_id)
    return issue_tokens(user=user, event_id=assignment.event_id, role=assignment.role, session_id=session_id)


def account_for_email(email: str, first_name: str = "", last_name: str = "") -> User:
    """The account using this email, or a new one without a usable password (it gets an invitation).
    An existing account keeps its own name; callers reveal nothing of it (SPEC "Privacy")."""
    email = normalize_email(email)
    user = User.objects.filter(email=email).first()
    if user is not None:
        return user
    try:
        with transaction.atomic():
            return User.objects.create_user(email, password=None, first_name=first_name, last_name=last_name)
    except IntegrityError:  # created meanwhile by another request
        return User.objects.get(email=email)


def register_user(*, email: str, password: str, first_name: str = "", last_name: str = "", phone: str = "") -> User:
    # part accounts: an account an organisateur created (no usable password) is claimed through its
    # mailbox, never handed to whoever knows the address: a sign-up code is sent (committed before
    # the refusal), and signup/verify/ sets this password. An account with a password stays email_taken.
    prepared = User.objects.filter(email=normalize_email(email), is_active=True).first()
    if prepared is not None and not prepared.has_usable_password():
        from accounts.codes import request_signup

        request_signup(email=email, password=password, first_name=first_name, last_name=last_name)
        raise AppError(
            _("An account was prepared for this email: enter the 6-digit code sent to it to choose your password."),
            "verification_required",
        )
    try:
        with transaction.atomic():
            return User.objects.create_user(
                email=email, password=password, first_name=first_name, last_name=last_name, phone=phone
            )
    except IntegrityError:
        # Lost a race with another registration of the same address.
        raise AppError(_("An account with this email already exists."), "email_taken") from None


def authenticate_user(*, request, email: str, password: str) -> User:
    with login_slot():  # a bounded number of password checks at once (accounts/login_gate.py)
        user = authenticate(request, email=normalize_email(email), password=password)
    if user is None:
        raise AppError(_("Incorrect email or password."), "invalid_credentials")
    return user


def logout_user(*, user: User, refresh: str | None = None, session_id=None) -> None:
    """Ends a login: the refresh token given is blacklisted, and the mobile login session it carries (or
    ``session_id``, the caller's when the app logs out without a body) is revoked with all its tokens."""
    if refresh is not None:
        try:
            token = RefreshToken(refresh)
        except TokenError:
            raise AppError(_("Invalid or expired refresh token."), "token_not_valid") from None
        if str(token.get("user_id")) != str(user.pk):
            raise AppError(_("This refresh token belongs to another account."), "token_not_owned")
        token.blacklist()
        session_id = token.get(SESSION_CLAIM) or session_id
    if session_id:
        end_login_session(user=user, session_id=session_id)


def revoke_refresh_tokens(*, user: User) -> int:
    """Blacklist every refresh token of the user that is not blacklisted yet, and end its mobile sign-ins."""
    end_login_sessions(user=user)
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
            profile_changed(user=user)  # the events it accepted show its profile
    except IntegrityError:
        raise AppError(_("An account with this email already exists."), "email_taken") from None
    return user
