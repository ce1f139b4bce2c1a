"""The caller of an authenticated request: its user, its active assignment in the token's event (with that
event) and whether the token's login session is still open — one statement on every authenticated request
(events/authentication.py), beside its ORM twin."""

from functools import cache
from typing import NamedTuple

from django.contrib.auth import get_user_model
from django.core.exceptions import ValidationError

from accounts.models import LoginSession
from events.models import Event, UserEventAssignment
from makeplus.rows import Columns, db_value, fetch_one

# Authorization is read from the database on every request (SPEC §2): a deactivated assignment is no row, a
# revoked login session (accounts.LoginSession: the mobile app's sign-ins) reads as not open. Starting from the
# user, a token without event or session costs the same one statement.
CALLER = """
SELECT {user}, {assignment}, {event},
       CASE WHEN s.id IS NOT NULL AND s.revoked_at IS NULL THEN 1 ELSE 0 END
  FROM accounts_user u
  LEFT JOIN events_usereventassignment a ON a.user_id = u.id AND a.event_id = %(event)s AND a.is_active
  LEFT JOIN events_event e ON e.id = a.event_id
  LEFT JOIN accounts_loginsession s ON s.id = %(session)s AND s.user_id = u.id
 WHERE u.id = %(user)s
"""


class Caller(NamedTuple):
    user: object
    assignment: UserEventAssignment | None  # with its user and event loaded
    session_open: bool  # the login session named exists, is the user's and is not revoked


@cache  # filled in on first use, when the models and the database are ready
def _caller() -> tuple[str, Columns, Columns, Columns]:
    user, assignment, event = Columns(get_user_model(), "u"), Columns(UserEventAssignment, "a"), Columns(Event, "e")
    return CALLER.format(user=user.sql, assignment=assignment.sql, event=event.sql), user, assignment, event


def _optional(model, field: str, pk_model, value):
    """An optional claim (event, session) as a query parameter: None, matching no row, when absent or malformed."""
    if not value:
        return None
    try:
        return db_value(model, field, pk_model._meta.pk.to_python(value))
    except (ValidationError, TypeError, ValueError):
        return None


def caller(user_id, event_id=None, session_id=None) -> Caller | None:
    """User ``user_id`` (claims of a token), its active assignment in ``event_id`` and whether login session
    ``session_id`` is open; None when there is no such user or its id is malformed. A malformed event or
    session claim counts as no assignment / a closed session."""
    try:
        user = db_value(UserEventAssignment, "user", user_id)
    except (ValidationError, TypeError, ValueError):
        return None
    params = {
        "user": user,
        "event": _optional(UserEventAssignment, "event", Event, event_id),
        "session": _optional(LoginSession, "id", LoginSession, session_id),
    }
    sql, user_columns, assignment_columns, event_columns = _caller()
    row = fetch_one(sql, params)
    if row is None:
        return None
    user = user_columns.read(row)
    start = len(user_columns)
    assignment = assignment_columns.read(row, start)
    if assignment is not None:
        event = event_columns.read(row, start + len(assignment_columns))
        assignment._state.fields_cache.update(user=user, event=event)
    return Caller(user, assignment, bool(row[-1]))


def caller_orm(user_id, event_id=None, session_id=None) -> Caller | None:
    """The ORM twin of :func:`caller` (mobile/tests/test_contract_auth.py runs both on the edge cases)."""
    try:
        user = get_user_model().objects.filter(pk=user_id).first()
    except (ValidationError, TypeError, ValueError):
        return None
    if user is None:
        return None
    try:
        assignment = active_assignment_orm(user_id, event_id) if event_id else None
    except (ValidationError, TypeError, ValueError):
        assignment = None
    try:
        session_open = (
            bool(session_id) and LoginSession.objects.filter(pk=session_id, user=user, revoked_at__isnull=True).exists()
        )
    except (ValidationError, TypeError, ValueError):
        session_open = False
    return Caller(user, assignment, session_open)


def active_assignment(user_id, event_id) -> UserEventAssignment | None:
    """The active assignment of user ``user_id`` in event ``event_id`` (claims of a token: None when
    malformed), its ``user`` and ``event`` loaded with it; None when there is none."""
    found = caller(user_id, event_id)
    return None if found is None else found.assignment


def active_assignment_orm(user_id, event_id) -> UserEventAssignment | None:
    """The ORM twin of :func:`active_assignment` (events/tests/test_sql_parity.py)."""
    try:
        return (
            UserEventAssignment.objects.select_related("user", "event")
            .filter(user_id=user_id, event_id=event_id, is_active=True)
            .first()
        )
    except (ValidationError, TypeError, ValueError):
        return None
