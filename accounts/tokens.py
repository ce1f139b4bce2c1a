"""The mobile app's event-selection token (``temp_token`` of a multi-event login).

Not a JWT: a value signed with Django's signing (own salt) holding the user, a hash of its password hash and
the login session opened at login. Valid ``MOBILE_SELECTION_TOKEN_SECONDS`` (10 minutes by default) and only
where ``events.authentication.SelectionTokenAuthentication`` is listed — select-event. Everywhere else the JWT
authentication fails to decode it: 401. A password change invalidates it, and so does the end of its session.
"""

from django.conf import settings
from django.core import signing
from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _
from rest_framework_simplejwt.utils import get_md5_hash_password

from accounts.models import LoginSession, User
from makeplus.errors import AppError

SELECTION_SALT = "makeplus.accounts.selection-token"


def selection_token(*, user: User, session_id) -> str:
    return signing.dumps(
        {"u": user.pk, "h": get_md5_hash_password(user.password), "s": str(session_id)}, salt=SELECTION_SALT
    )


def read_selection_token(raw: str) -> tuple[User, str] | None:
    """The user and login session of a selection token; None when ``raw`` is not one (e.g. a JWT).
    Raises AppError when it is one but expired, of a changed password or of an ended session."""
    try:
        claims = signing.loads(raw, salt=SELECTION_SALT, max_age=settings.MOBILE_SELECTION_TOKEN_SECONDS)
    except signing.SignatureExpired:
        raise AppError(_("Token is invalid or expired"), "token_not_valid") from None
    except signing.BadSignature:
        return None
    invalid = AppError(_("Token is invalid or expired"), "token_not_valid")
    if not isinstance(claims, dict) or not isinstance(claims.get("u"), int):
        raise invalid
    user = User.objects.filter(pk=claims["u"]).first()
    if user is None or not user.is_active or claims.get("h") != get_md5_hash_password(user.password):
        raise invalid
    try:
        open_session = LoginSession.objects.filter(pk=claims.get("s"), user=user, revoked_at__isnull=True).exists()
    except (ValidationError, ValueError, TypeError):  # a malformed id in a value we signed: never expected
        open_session = False
    if not open_session:
        raise AppError(_("This session has ended: sign in again."), "session_revoked")
    return user, claims["s"]
