from events.models.event import Event, Role, UserEventAssignment
from events.models.participants import EventBadgeKey, Participant
from events.models.programme import Room, Session, SessionAccess

__all__ = [
    "Event",
    "EventBadgeKey",
    "Participant",
    "Role",
    "Room",
    "Session",
    "SessionAccess",
    "UserEventAssignment",
]
