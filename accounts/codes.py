"""One-time 6-digit codes sent by email: sign-up, password reset and invitations.

Security choices (see also the README):

* A code is drawn with ``secrets`` and stored only as an HMAC keyed with SECRET_KEY (a database
  leak alone does not give the codes away); codes are compared in constant time.
* A code lives ``ACCOUNT_CODE_MINUTES`` (invitations: ``INVITATION_DAYS``), is used once, and is dead
  after ``ACCOUNT_CODE_MAX_ATTEMPTS`` wrong attempts. A resend draws a new code on the same row and
  keeps its wrong attempts, so resending never buys more guesses.
* Sends to one address for one purpose are at least ``ACCOUNT_CODE_RESEND_SECONDS`` apart, a code is
  resent at most ``ACCOUNT_CODE_MAX_RESENDS`` times and at most ``ACCOUNT_CODE_MAX_PER_HOUR`` codes are
  drawn per hour (429 with ``wait_seconds``).
* Requests answer the same whether or not the address has an account: a row is written (and counted
  in the limits above) in every case; only the mail differs (a code, or "you already have an account").
  A code for an address without an account can never be verified.
* The password chosen at request time is validated then, and kept only hashed (``make_password``)
  until the code is verified. After a reset every refresh token is blacklisted, and the new password
  hash revokes every access token (SIMPLE_JWT CHECK_REVOKE_TOKEN).
* An account created by an organisateur (no usable password) can be claimed by sign-up: the code
  proves the mailbox. An account with a password is never taken over this way.
"""

import hashlib
import math
import secrets
from dataclasses import dataclass
from datetime import timedelta

from django.conf import settings
from django.contrib.auth import password_validation
from django.contrib.auth.hashers import make_password
from django.contrib.auth.tokens import default_token_generator
from django.core.cache import cache
from django.db import transaction
from django.utils import timezone
from django.utils.crypto import constant_time_compare, salted_hmac
from django.utils.encoding import force_bytes
from django.utils.http import urlsafe_base64_encode
from django.utils.translation import gettext as _

from accounts.models import AccountCode, User, normalize_email
from makeplus.errors import AppError
from makeplus.mail import mail_language, send_mail_on_commit

Purpose = AccountCode.Purpose

CODE_DIGITS = 6


class TooEarly(AppError):
    """A send refused for now: ``wait_seconds`` until the next one is allowed (429)."""

    def __init__(self, message, code: str, *, wait_seconds: int):
        super().__init__(message, code)
        self.wait_seconds = max(1, int(wait_seconds))


def new_code() -> str:
    return f"{secrets.randbelow(10**CODE_DIGITS):0{CODE_DIGITS}d}"


def code_hash(*, purpose: str, email: str, code: str) -> str:
    return salted_hmac("accounts.codes", f"{purpose}:{email}:{code}", algorithm="sha256").hexdigest()


def code_matches(row: AccountCode, code: str) -> bool:
    return constant_time_compare(code_hash(purpose=row.purpose, email=row.email, code=code), row.code_hash)


def lifetime(purpose: str) -> timedelta:
    if purpose == Purpose.INVITATION:
        return timedelta(days=settings.INVITATION_DAYS)
    return timedelta(minutes=settings.ACCOUNT_CODE_MINUTES)


def validate_new_password(password: str, *, user: User | None = None, email: str = "", **names) -> None:
    """Django's password validators (settings.AUTH_PASSWORD_VALIDATORS); raises Django's ValidationError.
    Without ``user``, a candidate made of the given email and names (never the stored account: whether
    the password resembles an existing account's data must not reveal that the account exists)."""
    candidate = user or User(email=normalize_email(email), **names)
    password_validation.validate_password(password, candidate)


# --- drawing and sending --------------------------------------------------------------------------


def _wait_error(seconds: float) -> TooEarly:
    seconds = math.ceil(seconds)
    return TooEarly(
        _("Please wait %(seconds)s seconds before asking for a new code.") % {"seconds": seconds},
        "resend_too_early",
        wait_seconds=seconds,
    )


def _check_send_limits(*, purpose: str, email: str, now, new_row: bool) -> None:
    """Interval between two sends to this address, and codes drawn in the last hour."""
    rows = AccountCode.objects.filter(purpose=purpose, email=email)
    last_sent = rows.order_by("-sent_at").values_list("sent_at", flat=True).first()
    if last_sent is not None:
        wait = (last_sent + timedelta(seconds=settings.ACCOUNT_CODE_RESEND_SECONDS) - now).total_seconds()
        if wait > 0:
            raise _wait_error(wait)
    if new_row:
        hour_ago = now - timedelta(hours=1)
        recent = list(rows.filter(created_at__gt=hour_ago).order_by("created_at").values_list("created_at", flat=True))
        if len(recent) >= settings.ACCOUNT_CODE_MAX_PER_HOUR:
            wait = (recent[-settings.ACCOUNT_CODE_MAX_PER_HOUR] - hour_ago).total_seconds()
            raise TooEarly(
                _("Too many codes were requested for this address. Try again in %(minutes)s minutes.")
                % {"minutes": max(1, math.ceil(wait / 60))},
                "too_many_codes",
                wait_seconds=math.ceil(wait),
            )


def _live_row(*, purpose: str, email: str, now, for_update: bool = False) -> AccountCode | None:
    """The pending code of this address (the newest one: a new request supersedes the others)."""
    rows = AccountCode.objects.filter(purpose=purpose, email=email, used_at__isnull=True)
    if for_update:
        rows = rows.select_for_update()
    row = rows.order_by("-created_at", "-pk").first()
    if row is None or row.expires_at <= now or row.attempts >= settings.ACCOUNT_CODE_MAX_ATTEMPTS:
        return None
    return row


def _lock_address(*, purpose: str, email: str) -> None:
    """Serialise the sends to one address (two racing requests cannot both pass the limits): lock the
    account row when there is one, and the address's code rows."""
    list(User.objects.select_for_update().filter(email=email).values_list("pk"))
    list(AccountCode.objects.select_for_update().filter(purpose=purpose, email=email).values_list("pk"))


@dataclass
class Draw:
    row: AccountCode
    code: str


def draw_code(
    *,
    purpose: str,
    email: str,
    user: User | None,
    resend: bool,
    event=None,
    password_hash: str = "",
    data: dict | None = None,
    check_limits: bool = True,
) -> Draw:
    """A new code for the address: on the pending row for a resend (while it lives and has resends
    left), else on a new row superseding the pending ones. Call inside a transaction."""
    now = timezone.now()
    if check_limits:
        _lock_address(purpose=purpose, email=email)
    row = _live_row(purpose=purpose, email=email, now=now) if resend else None
    if row is not None and row.resends >= settings.ACCOUNT_CODE_MAX_RESENDS:
        row = None  # no resend left: a new code, within the hourly limit
    if check_limits:
        _check_send_limits(purpose=purpose, email=email, now=now, new_row=row is None)
    code = new_code()
    expires_at = now + lifetime(purpose)
    if row is None:
        AccountCode.objects.filter(purpose=purpose, email=email, used_at__isnull=True, expires_at__gt=now).update(
            expires_at=now
        )
        row = AccountCode(purpose=purpose, email=email, attempts=0, resends=0)
    else:
        row.resends += 1
    row.user = user
    if event is not None:
        row.event = event
    row.code_hash = code_hash(purpose=purpose, email=email, code=code)
    row.password_hash = password_hash
    row.data = data or {}
    row.sent_at, row.expires_at = now, expires_at
    row.save()
    return Draw(row=row, code=code)


def _first_name(user: User | None, data: dict) -> str:
    return (user.first_name if user is not None else "") or data.get("first_name", "")


# --- verifying ------------------------------------------------------------------------------------


def _invalid_code() -> AppError:
    return AppError(_("The code is incorrect or no longer valid."), "invalid_code")


def check_code(*, purpose: str, email: str, code: str) -> AccountCode:
    """The pending row this code opens, locked, marked used. A wrong code counts an attempt, which
    is committed even though the caller's request fails (hence the inner transaction here and the
    error raised after it)."""
    email = normalize_email(email)
    now = timezone.now()
    error = None
    with transaction.atomic():
        row = (
            AccountCode.objects.select_for_update()
            .filter(purpose=purpose, email=email, used_at__isnull=True)
            .order_by("-created_at", "-pk")
            .first()
        )
        if row is None:
            error = _invalid_code()
        elif row.attempts >= settings.ACCOUNT_CODE_MAX_ATTEMPTS:
            error = _too_many_attempts()
        elif row.expires_at <= now:
            error = AppError(_("The code has expired: ask for a new one."), "code_expired")
        elif not code_matches(row, code):
            row.attempts += 1
            row.save(update_fields=["attempts"])
            error = _too_many_attempts() if row.attempts >= settings.ACCOUNT_CODE_MAX_ATTEMPTS else _invalid_code()
        elif row.data.get("noop"):
            error = _invalid_code()  # a row standing for an address whose code was never sent
        else:
            row.used_at = now
            row.save(update_fields=["used_at"])
    if error is not None:
        raise error
    return row


def _too_many_attempts() -> AppError:
    return AppError(_("Too many wrong codes: ask for a new code."), "code_locked")


def _claimable(user: User | None) -> bool:
    """An account added by an organisateur (or an import) that nobody has claimed yet."""
    return user is not None and user.is_active and not user.has_usable_password()


# --- sign-up --------------------------------------------------------------------------------------


def _language(user: User | None, requested: str | None) -> str:
    """The user's own language, else the one the request asked for (Accept-Language), else French."""
    if user is not None and user.language:
        return mail_language(user=user)
    codes = {code for code, _name in settings.LANGUAGES}
    return requested if requested in codes else mail_language(user=user)


@transaction.atomic
def request_signup(
    *,
    email: str,
    password: str,
    first_name: str = "",
    last_name: str = "",
    resend: bool = False,
    language: str | None = None,
):
    """Send a sign-up code (or, when the address already has an account with a password, a notice
    saying so). The answer is the same in every case."""
    email = normalize_email(email)
    validate_new_password(password, email=email, first_name=first_name, last_name=last_name)
    user = User.objects.filter(email=email).first()
    exists = user is not None and not _claimable(user)
    data = {"first_name": first_name, "last_name": last_name}
    draw = draw_code(
        purpose=Purpose.SIGNUP,
        email=email,
        user=user,
        resend=resend,
        password_hash="" if exists else make_password(password),
        data={"noop": True} if exists else data,
    )
    language = _language(user, language)
    if exists:
        send_mail_on_commit(
            to=email,
            template="account_exists",
            context={"first_name": user.first_name, "reset_url": f"{settings.PUBLIC_BASE_URL}/account/password-reset/"},
            language=language,
        )
    else:
        send_mail_on_commit(
            to=email,
            template="signup_code",
            context={
                "code": draw.code,
                "first_name": _first_name(user, data),
                "minutes": settings.ACCOUNT_CODE_MINUTES,
            },
            language=language,
        )


def verify_signup(*, email: str, code: str) -> User:
    """Create the account (or claim the one an organisateur created) with the password chosen at request.
    Not one transaction: a wrong code's attempt must be committed (check_code) while the request fails."""
    row = check_code(purpose=Purpose.SIGNUP, email=email, code=code)
    with transaction.atomic():
        return _create_or_claim(row)


def _create_or_claim(row: AccountCode) -> User:
    user = User.objects.select_for_update().filter(email=row.email).first()
    names = {key: row.data.get(key, "") for key in ("first_name", "last_name")}
    if user is None:
        user = User(email=row.email, **names)
    elif not _claimable(user):
        # Someone set a password meanwhile (another sign-up, an invitation): never take it over.
        raise AppError(_("An account with this email already exists."), "email_taken")
    else:
        for key, value in names.items():
            if not getattr(user, key) and value:
                setattr(user, key, value)  # an organisateur's spelling of the name is kept
    user.password = row.password_hash
    user.save()
    close_codes_after_password_change(user=user)
    return user


def close_codes_after_password_change(*, user: User) -> None:
    """A password was just set: every pending code of the address (sign-up, invitation, reset) is dead."""
    AccountCode.objects.filter(email=user.email, used_at__isnull=True).update(used_at=timezone.now())


# --- password reset -------------------------------------------------------------------------------


@transaction.atomic
def request_password_reset(*, email: str, new_password: str, resend: bool = False, language: str | None = None) -> None:
    """Send a reset code to an account with this address; the same answer when there is none."""
    email = normalize_email(email)
    validate_new_password(new_password, email=email)
    user = User.objects.filter(email=email, is_active=True).first()
    draw = draw_code(
        purpose=Purpose.PASSWORD_RESET,
        email=email,
        user=user,
        resend=resend,
        password_hash=make_password(new_password) if user is not None else "",
        data={} if user is not None else {"noop": True},
    )
    if user is not None:
        send_mail_on_commit(
            to=email,
            template="password_reset_code",
            context={"code": draw.code, "first_name": user.first_name, "minutes": settings.ACCOUNT_CODE_MINUTES},
            language=_language(user, language),
        )


def verify_password_reset(*, email: str, code: str) -> User:
    """Set the password chosen at request (not one transaction: see verify_signup)."""
    row = check_code(purpose=Purpose.PASSWORD_RESET, email=email, code=code)
    with transaction.atomic():
        user = User.objects.select_for_update().filter(pk=row.user_id, email=row.email, is_active=True).first()
        if user is None or not row.password_hash:
            raise _invalid_code()
        set_password_hash(user=user, password_hash=row.password_hash)
        return user


def set_password_hash(*, user: User, password_hash: str) -> None:
    """Store a new password (already hashed) and cut every session of the account."""
    from accounts.services import revoke_refresh_tokens

    user.password = password_hash
    user.save(update_fields=["password"])
    revoke_refresh_tokens(user=user)
    close_codes_after_password_change(user=user)


# --- the web reset link ---------------------------------------------------------------------------


def _reset_link_allowed(email: str) -> None:
    """At most ``PASSWORD_RESET_LINKS_PER_HOUR`` links per address per hour (whether or not it has an
    account), counted in the cache (shared between processes with Redis)."""
    key = "accounts:reset-link:" + hashlib.sha256(email.encode()).hexdigest()
    cache.add(key, 0, timeout=3600)
    try:
        count = cache.incr(key)
    except ValueError:  # expired between add and incr
        cache.set(key, 1, timeout=3600)
        count = 1
    if count > settings.PASSWORD_RESET_LINKS_PER_HOUR:
        raise TooEarly(
            _("Too many links were requested for this address. Try again later."), "too_many_codes", wait_seconds=3600
        )


@transaction.atomic
def send_password_reset_link(*, email: str, language: str | None = None) -> None:
    """Email a link to the web page choosing a new password (Django's token: it dies when the password
    changes, so it is used once, and after PASSWORD_RESET_TIMEOUT). Nothing when there is no account."""
    email = normalize_email(email)
    _reset_link_allowed(email)
    user = User.objects.filter(email=email, is_active=True).first()
    if user is None:
        return
    uid = urlsafe_base64_encode(force_bytes(user.pk))
    token = default_token_generator.make_token(user)
    send_mail_on_commit(
        to=email,
        template="password_reset_link",
        context={
            "first_name": user.first_name,
            "link": f"{settings.PUBLIC_BASE_URL}/account/reset/{uid}/{token}/",
            "minutes": settings.PASSWORD_RESET_TIMEOUT // 60,
        },
        language=_language(user, language),
    )
