"""Role permission classes, evaluated against the caller's current event.

The current event comes from the token; the role from the active assignment read on
every request (events/authentication.py). Querysets are scoped to that event in the
selectors, so another event's object is a 404 before any of these run on it.
"""

from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from rest_framework import exceptions
from rest_framework.permissions import SAFE_METHODS, BasePermission

from events.models import Role, UserEventAssignment


class EventNotSelected(exceptions.PermissionDenied):
    default_code = "event_not_selected"


class EventAccessRevoked(exceptions.PermissionDenied):
    default_code = "event_access_revoked"


class InsufficientRole(exceptions.PermissionDenied):
    default_code = "insufficient_role"


def current_assignment(request) -> UserEventAssignment:
    """The caller's active assignment in its current event, or a 403 saying why there is none."""
    assignment = getattr(request, "event_assignment", None)
    if assignment is not None:
        return assignment
    if not getattr(request, "token_event_id", None):
        raise EventNotSelected(_("Select an event first (POST /api/auth/select-event/)."))
    raise EventAccessRevoked(_("You no longer have access to this event."))


class IsEventMember(BasePermission):
    """Any active role in the current event."""

    roles: tuple[str, ...] = ()

    def has_permission(self, request, view):
        if not (request.user and request.user.is_authenticated):
            return False
        assignment = current_assignment(request)
        if self.roles and assignment.role not in self.roles:
            raise InsufficientRole(
                _("This action is reserved to: %(roles)s.")
                % {"roles": ", ".join(str(Role(r).label) for r in self.roles)}
            )
        return True


class IsOrganizer(IsEventMember):
    roles = (Role.ORGANISATEUR,)


class IsGestionnaireSalle(IsEventMember):
    roles = (Role.GESTIONNAIRE_DES_SALLES,)


class IsController(IsEventMember):
    roles = (Role.CONTROLLEUR_DES_BADGES,)


class IsParticipant(IsEventMember):
    roles = (Role.PARTICIPANT,)


class IsExposant(IsEventMember):
    roles = (Role.EXPOSANT,)


class IsOrganizerOrReadOnly(IsEventMember):
    """Event members read; organisateurs write."""

    def has_permission(self, request, view):
        if not super().has_permission(request, view):
            return False
        if request.method not in SAFE_METHODS and request.event_assignment.role != Role.ORGANISATEUR:
            raise InsufficientRole(_("This action is reserved to: %(roles)s.") % {"roles": Role.ORGANISATEUR.label})
        return True


class NotAssignedToRoom(exceptions.PermissionDenied):
    default_code = "not_assigned_to_room"


class IsOrganizerOrOnDuty(IsEventMember):
    """Organisateurs anywhere in their event; the other ``roles`` only at a room where they
    are on duty now (RoomAssignment). The object is a Room or has a ``room_id``."""

    roles = (Role.ORGANISATEUR, Role.GESTIONNAIRE_DES_SALLES)

    def has_object_permission(self, request, view, obj):
        from events.models import Room
        from events.selectors.staff import on_duty

        if request.event_assignment.role == Role.ORGANISATEUR:
            return True
        room_id = obj.pk if isinstance(obj, Room) else obj.room_id
        # The door scan reads the duty with the room (selectors.access.door_for_scan): same rule.
        duty = getattr(obj, "caller_on_duty", None)
        if not (on_duty(user=request.user, room_id=room_id) if duty is None else duty):
            raise NotAssignedToRoom(_("You are not on duty at this room now."))
        return True


class IsOwner(BasePermission):
    """Object-level: only the user who created the object may change it (e.g. an annonce's author)."""

    owner_field = "created_by_id"
    message = gettext_lazy("Only the author can change this.")
    code = "not_owner"

    def has_object_permission(self, request, view, obj):
        if request.method in SAFE_METHODS:
            return True
        return getattr(obj, self.owner_field) == request.user.pk
