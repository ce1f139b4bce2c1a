from django.utils.translation import gettext_lazy as _
from drf_spectacular.contrib.rest_framework_simplejwt import SimpleJWTScheme
from rest_framework.exceptions import AuthenticationFailed
from rest_framework_simplejwt.authentication import JWTAuthentication
from rest_framework_simplejwt.settings import api_settings as jwt_settings
from rest_framework_simplejwt.utils import get_md5_hash_password

from events.sql.auth import active_assignment

EVENT_CLAIM = "event_id"
ROLE_CLAIM = "role"


class EventJWTAuthentication(JWTAuthentication):
    """JWT authentication that also loads the caller's assignment for the token's event.

    The role in the token is a convenience for clients; what counts is the active assignment read
    here, on every request, in the same statement as the user (events/sql/auth.py). A missing or
    deactivated assignment leaves ``request.event_assignment`` empty and the event permissions
    refuse (events/permissions.py).
    """

    def authenticate(self, request):
        header = self.get_header(request)
        if header is None:
            return None
        raw_token = self.get_raw_token(header)
        if raw_token is None:
            return None
        token = self.get_validated_token(raw_token)
        event_id = token.get(EVENT_CLAIM)
        assignment = None
        if event_id:
            assignment = active_assignment(token.get(jwt_settings.USER_ID_CLAIM), event_id)
        user = self._checked(assignment.user, token) if assignment is not None else self.get_user(token)
        request.token_event_id = event_id
        request.event_assignment = assignment
        return user, token

    def _checked(self, user, token):
        # Same checks as JWTAuthentication.get_user, on the user loaded with the assignment.
        if not user.is_active:
            raise AuthenticationFailed(_("User is inactive"), code="user_inactive")
        if token.get(jwt_settings.REVOKE_TOKEN_CLAIM) != get_md5_hash_password(user.password):
            raise AuthenticationFailed(_("The user's password has been changed."), code="password_changed")
        return user


class EventJWTScheme(SimpleJWTScheme):
    """OpenAPI: the same bearer scheme as simplejwt's."""

    target_class = "events.authentication.EventJWTAuthentication"
