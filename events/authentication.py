from django.utils.translation import gettext_lazy as _
from drf_spectacular.contrib.rest_framework_simplejwt import SimpleJWTScheme
from drf_spectacular.extensions import OpenApiAuthenticationExtension
from rest_framework.authentication import BaseAuthentication, get_authorization_header
from rest_framework.exceptions import AuthenticationFailed
from rest_framework_simplejwt.authentication import JWTAuthentication
from rest_framework_simplejwt.exceptions import InvalidToken
from rest_framework_simplejwt.settings import api_settings as jwt_settings
from rest_framework_simplejwt.utils import get_md5_hash_password

from events.sql.auth import caller
from makeplus.errors import AppError
from makeplus.hot_path import verified_token

EVENT_CLAIM = "event_id"
ROLE_CLAIM = "role"
# The mobile app's login session (accounts.LoginSession): tokens carrying it are refused once it is revoked.
SESSION_CLAIM = "sid"


class EventJWTAuthentication(JWTAuthentication):
    """JWT authentication that also loads the caller's assignment for the token's event.

    The role in the token is a convenience for clients; what counts is the active assignment read
    here, on every request, in the same statement as the user (events/sql/auth.py). A missing or
    deactivated assignment leaves ``request.event_assignment`` empty and the event permissions
    refuse (events/permissions.py). A token of the mobile app's login names its session (``sid``):
    the same statement tells whether it was revoked (logout, password change), and then it is refused.
    """

    def authenticate(self, request):
        header = self.get_header(request)
        if header is None:
            return None
        raw_token = self.get_raw_token(header)
        if raw_token is None:
            return None
        token = self.get_validated_token(raw_token)
        event_id, session_id = token.get(EVENT_CLAIM), token.get(SESSION_CLAIM)
        if jwt_settings.USER_ID_CLAIM not in token:
            raise InvalidToken(_("Token contained no recognizable user identification"))
        # One statement: the user, its assignment in the token's event, its login session (events/sql/auth.py).
        found = caller(token[jwt_settings.USER_ID_CLAIM], event_id, session_id)
        if found is None:
            raise AuthenticationFailed(_("Token is invalid or expired"), code="token_not_valid")
        user = self._checked(found.user, token)
        if session_id and not found.session_open:
            raise AuthenticationFailed(_("This session has ended: sign in again."), code="session_revoked")
        request.token_event_id = event_id
        request.event_assignment = found.assignment
        request.login_session_id = session_id
        return user, token

    def get_validated_token(self, raw_token):
        # Signature and claims checked once per token and process, expiry on every use (makeplus/hot_path.py).
        return verified_token(raw_token, super().get_validated_token)

    def _checked(self, user, token):
        # Same checks as JWTAuthentication.get_user, on the user loaded with the assignment.
        if not user.is_active:
            raise AuthenticationFailed(_("User is inactive"), code="user_inactive")
        if token.get(jwt_settings.REVOKE_TOKEN_CLAIM) != get_md5_hash_password(user.password):
            raise AuthenticationFailed(_("The user's password has been changed."), code="password_changed")
        return user


class SelectionTokenAuthentication(BaseAuthentication):
    """The mobile app's ``Authorization: Bearer <temp_token>`` (accounts/tokens.py), listed on select-event only.
    A bearer value that is not a selection token (a JWT) is left to the next class; an expired one, or one of
    a changed password or an ended session, is refused (401). ``request.auth`` is then the login session id."""

    def authenticate(self, request):
        from accounts.tokens import read_selection_token

        parts = get_authorization_header(request).split()
        if len(parts) != 2 or parts[0].lower() != b"bearer":
            return None
        try:
            found = read_selection_token(parts[1].decode("ascii"))
        except UnicodeDecodeError:
            return None
        except AppError as error:
            raise AuthenticationFailed(error.message, code=error.code) from None
        if found is None:
            return None
        user, session_id = found
        request.selection_token = True
        request.token_event_id, request.event_assignment, request.login_session_id = None, None, session_id
        return user, session_id

    def authenticate_header(self, request):
        return 'Bearer realm="api"'


class EventJWTScheme(SimpleJWTScheme):
    """OpenAPI: the same bearer scheme as simplejwt's."""

    target_class = "events.authentication.EventJWTAuthentication"


class SelectionTokenScheme(OpenApiAuthenticationExtension):
    """OpenAPI: the mobile app's selection token, a bearer value accepted by select-event only."""

    target_class = "events.authentication.SelectionTokenAuthentication"
    name = "selectionToken"

    def get_security_definition(self, auto_schema):
        return {
            "type": "http",
            "scheme": "bearer",
            "description": "The `temp_token` of a multi-event `/api/auth/token/` (mobile app): valid 10 minutes, "
            "at select-event only.",
        }
