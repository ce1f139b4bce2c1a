from functools import cache

from django.contrib.auth import get_user_model
from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _
from drf_spectacular.contrib.rest_framework_simplejwt import SimpleJWTScheme
from rest_framework.exceptions import AuthenticationFailed
from rest_framework_simplejwt.authentication import JWTAuthentication
from rest_framework_simplejwt.settings import api_settings as jwt_settings
from rest_framework_simplejwt.utils import get_md5_hash_password

from events.models import Event, UserEventAssignment
from makeplus.rows import Columns, column, db_value, fetch_one, table

EVENT_CLAIM = "event_id"
ROLE_CLAIM = "role"


class EventJWTAuthentication(JWTAuthentication):
    """JWT authentication that also loads the caller's assignment for the token's event.

    The role in the token is a convenience for clients; what counts is the active
    assignment read here, on every request, in the same query as the user. A missing
    or deactivated assignment leaves ``request.event_assignment`` empty and the event
    permissions refuse (events/permissions.py).
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
            assignment = _active_assignment(token.get(jwt_settings.USER_ID_CLAIM), event_id)
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


class _AssignmentQuery:
    """The caller's active assignment with its user and event: one statement on every request, written
    once (makeplus/rows.py) — the ORM took longer to write it than the database to answer it."""

    def __init__(self):
        User = get_user_model()
        self.assignment = Columns(UserEventAssignment, "a")
        self.user = Columns(User, "u")
        self.event = Columns(Event, "e")
        a = UserEventAssignment
        self.sql = (
            f"SELECT {self.assignment.sql}, {self.user.sql}, {self.event.sql} "
            f"FROM {table(a)} a "
            f"JOIN {table(User)} u ON u.{column(User, 'id')} = a.{column(a, 'user')} "
            f"JOIN {table(Event)} e ON e.{column(Event, 'id')} = a.{column(a, 'event')} "
            f"WHERE a.{column(a, 'user')} = %s AND a.{column(a, 'event')} = %s AND a.{column(a, 'is_active')} = %s"
        )

    def fetch(self, user_id, event_id) -> UserEventAssignment | None:
        try:
            params = [
                db_value(UserEventAssignment, "user", user_id),
                db_value(UserEventAssignment, "event", Event._meta.pk.to_python(event_id)),
                True,
            ]
        except (ValidationError, TypeError, ValueError):
            return None
        row = fetch_one(self.sql, params)
        if row is None:
            return None
        assignment = self.assignment.read(row)
        user = self.user.read(row, len(self.assignment))
        event = self.event.read(row, len(self.assignment) + len(self.user))
        assignment._state.fields_cache.update(user=user, event=event)
        return assignment


@cache  # built on first use, when the models and the database are ready
def _assignment_query() -> _AssignmentQuery:
    return _AssignmentQuery()


def _active_assignment(user_id, event_id) -> UserEventAssignment | None:
    return _assignment_query().fetch(user_id, event_id)


class EventJWTScheme(SimpleJWTScheme):
    """OpenAPI: the same bearer scheme as simplejwt's."""

    target_class = "events.authentication.EventJWTAuthentication"
