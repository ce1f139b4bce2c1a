from events.models.access import RoomAccess, RoomScanCount
from events.models.eposters import EPoster
from events.models.event import Event, Role, UserEventAssignment
from events.models.participants import EventBadgeKey, Participant
from events.models.programme import Room, Session, SessionAccess
from events.models.questions import QuestionUpvote, SessionQuestion
from events.models.staff import RoomAssignment

__all__ = [
    "EPoster",
    "Event",
    "EventBadgeKey",
    "Participant",
    "QuestionUpvote",
    "Role",
    "RoomAccess",
    "RoomAssignment",
    "RoomScanCount",
    "Room",
    "Session",
    "SessionAccess",
    "SessionQuestion",
    "UserEventAssignment",
]
