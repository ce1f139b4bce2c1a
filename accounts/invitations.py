"""Invitations: an account added by an organisateur (participant, exposant, staff) has no password;
its owner gets a one-time 6-digit code (for the app) and a link (for the web) to choose one.

The code follows accounts/codes.py (hashed, constant-time, 5 wrong attempts, single use) and lives
``INVITATION_DAYS``. The link carries a signed reference to the invitation row and a fragment of its
code hash: it dies with the code (used, resent, expired, locked) and cannot be forged without SECRET_KEY.
"""

from django.conf import settings
from django.core import signing
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts import codes
from accounts.models import AccountCode, User
from makeplus.errors import AppError
from makeplus.mail import mail_language, send_mail_on_commit

Purpose = AccountCode.Purpose
_LINK_SALT = "accounts.invitation-link"


def needs_invitation(user: User) -> bool:
    return user.is_active and not user.has_usable_password()


def _pending(user: User) -> AccountCode | None:
    now = timezone.now()
    return (
        AccountCode.objects.filter(
            purpose=Purpose.INVITATION,
            email=user.email,
            used_at__isnull=True,
            expires_at__gt=now,
            attempts__lt=settings.ACCOUNT_CODE_MAX_ATTEMPTS,
        )
        .order_by("-created_at", "-pk")
        .first()
    )


def link_token(row: AccountCode) -> str:
    return signing.dumps({"i": row.pk, "h": row.code_hash[:16]}, salt=_LINK_SALT, compress=True)


def invitation_link(row: AccountCode) -> str:
    return f"{settings.PUBLIC_BASE_URL}/account/invitation/{link_token(row)}/"


def _send(*, user: User, event, resend: bool, check_limits: bool) -> AccountCode:
    draw = codes.draw_code(
        purpose=Purpose.INVITATION,
        email=user.email,
        user=user,
        resend=resend,
        event=event,
        check_limits=check_limits,
    )
    row = draw.row
    event = event if event is not None else row.event
    send_mail_on_commit(
        to=user.email,
        template="invitation",
        context={
            "code": draw.code,
            "first_name": user.first_name,
            "link": invitation_link(row),
            "expires_at": timezone.localtime(row.expires_at),
        },
        language=mail_language(user=user, event=event),
        event=event,
    )
    return row


def invite_if_needed(*, user: User, event=None, invited_by: User | None = None) -> bool:
    """Send an invitation when the account has no usable password and no invitation is pending
    (adding the person to a second event, or importing the list again, sends nothing new).
    Returns whether a message goes out (after the caller's transaction commits). No query at all
    for an account with a password."""
    if not needs_invitation(user):
        return False
    with transaction.atomic():
        if _pending(user) is not None:
            return False
        _send(user=user, event=event, resend=False, check_limits=False)
        return True


@transaction.atomic
def resend_invitation(*, user: User, event=None, actor: User | None = None) -> AccountCode:
    """A new code and link for an account still without a password (the previous ones die). At most
    one send a minute and the hourly limit of accounts/codes.py (429 ``resend_too_early``)."""
    if not needs_invitation(user):
        raise AppError(_("This person has already chosen a password."), "invitation_not_needed")
    return _send(user=user, event=event, resend=True, check_limits=True)


def _set_password(row: AccountCode, password: str) -> User:
    from django.contrib.auth.hashers import make_password

    user = User.objects.select_for_update().filter(pk=row.user_id, email=row.email).first()
    if user is None or not needs_invitation(user):
        # A password was set meanwhile (sign-up, reset): the invitation is spent.
        raise AppError(_("The code is incorrect or no longer valid."), "invalid_code")
    codes.set_password_hash(user=user, password_hash=make_password(password))
    if row.event_id is not None:
        from events.services.membership import accept_event  # events builds on accounts

        accept_event(user=user, event_id=row.event_id)  # using the invitation accepts its event
    return user


def accept_invitation(*, email: str, code: str, password: str) -> User:
    """Choose the password with the emailed code (the app). The password is validated first, so a
    refused password does not spend an attempt. Not one transaction: see codes.verify_signup."""
    codes.validate_new_password(password, email=email)
    row = codes.check_code(purpose=Purpose.INVITATION, email=email, code=code)
    with transaction.atomic():
        return _set_password(row, password)


# --- the web link ---------------------------------------------------------------------------------


def row_for_link(token: str) -> AccountCode | None:
    """The live invitation a link opens, or None (bad signature, spent, expired, superseded)."""
    try:
        data = signing.loads(token, salt=_LINK_SALT, max_age=settings.INVITATION_DAYS * 86400)
    except signing.BadSignature:
        return None
    if not isinstance(data, dict):
        return None
    row = AccountCode.objects.select_related("user", "event").filter(pk=data.get("i")).first()
    if (
        row is None
        or row.purpose != Purpose.INVITATION
        or row.used_at is not None
        or row.expires_at <= timezone.now()
        or row.attempts >= settings.ACCOUNT_CODE_MAX_ATTEMPTS
        or row.code_hash[:16] != data.get("h")
        or row.user is None
        or not needs_invitation(row.user)
    ):
        return None
    return row


@transaction.atomic
def accept_invitation_link(*, token: str, password: str, share_contact_with_exposants: bool = False) -> User:
    """The web page of the link: the password, and the contact-sharing answer asked there (opt-in)."""
    row = row_for_link(token)
    if row is not None:
        row = AccountCode.objects.select_for_update().filter(pk=row.pk, used_at__isnull=True).first()
    if row is None:
        raise AppError(_("This link is no longer valid."), "invalid_link")
    row.used_at = timezone.now()
    row.save(update_fields=["used_at"])
    user = _set_password(row, password)
    if share_contact_with_exposants:
        user.share_contact_with_exposants = True
        user.save(update_fields=["share_contact_with_exposants"])
    return user
