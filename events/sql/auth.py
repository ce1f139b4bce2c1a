"""The caller's active assignment in its token's event, with its user and event: one statement on every
authenticated request (events/authentication.py), beside its ORM twin."""

from functools import cache

from django.contrib.auth import get_user_model
from django.core.exceptions import ValidationError

from events.models import Event, UserEventAssignment
from makeplus.rows import Columns, db_value, fetch_one

# Authorization is read from the database on every request (SPEC §2): a deactivated assignment is no row.
ASSIGNMENT = """
SELECT {assignment}, {user}, {event}
  FROM events_usereventassignment a
  JOIN accounts_user u ON u.id = a.user_id
  JOIN events_event e ON e.id = a.event_id
 WHERE a.user_id = %(user)s AND a.event_id = %(event)s AND a.is_active
"""


@cache  # filled in on first use, when the models and the database are ready
def _assignment() -> tuple[str, Columns, Columns, Columns]:
    assignment, user, event = Columns(UserEventAssignment, "a"), Columns(get_user_model(), "u"), Columns(Event, "e")
    return ASSIGNMENT.format(assignment=assignment.sql, user=user.sql, event=event.sql), assignment, user, event


def active_assignment(user_id, event_id) -> UserEventAssignment | None:
    """The active assignment of user ``user_id`` in event ``event_id`` (claims of a token: None when
    malformed), its ``user`` and ``event`` loaded with it; None when there is none."""
    try:
        params = {
            "user": db_value(UserEventAssignment, "user", user_id),
            "event": db_value(UserEventAssignment, "event", Event._meta.pk.to_python(event_id)),
        }
    except (ValidationError, TypeError, ValueError):
        return None
    sql, assignment_columns, user_columns, event_columns = _assignment()
    row = fetch_one(sql, params)
    if row is None:
        return None
    assignment = assignment_columns.read(row)
    user = user_columns.read(row, len(assignment_columns))
    event = event_columns.read(row, len(assignment_columns) + len(user_columns))
    assignment._state.fields_cache.update(user=user, event=event)
    return assignment


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
