"""Who may run what: the one role check of the API.

A view declares, per action, which roles of the caller's current event may run it and whether
staff must be on duty at the object's room (pretix's ``permission``/``write_permission``)::

    event_roles = {
        "read": MEMBERS,                       # default for GET/HEAD/OPTIONS
        "write": Allow(ORGANISATEURS),         # default for the other methods
        "verify_access": SCAN,                 # an action (viewsets) or a method name (APIViews)
    }

or one rule for everything it answers (``event_roles = ORGANISATEUR_ONLY``). :class:`EventRolePermission`
(the API's default permission class, makeplus/settings.py) reads it; a view without ``event_roles``
is a configuration error, never an open door. Only the views outside any event (sign-in, profile)
name DRF's own ``AllowAny``/``IsAuthenticated`` instead.

The role comes from the active assignment read on every request (events/authentication.py);
querysets are scoped to the current event by the selectors (events/scoping.py), so another
event's object is a 404 before an object check runs. Object ownership (an annonce's author, an
exposant's own profile) is checked by :class:`IsOwner` and the classes of each app's
permissions.py, listed after :class:`EventRolePermission` in the view's ``permission_classes``.
"""

from dataclasses import dataclass

from django.core.exceptions import ImproperlyConfigured
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from rest_framework import exceptions
from rest_framework.permissions import SAFE_METHODS, BasePermission

from events.roles import MODERATORS, ORGANISATEURS, SCANNERS, TEAM, Role, labels


class EventNotSelected(exceptions.PermissionDenied):
    default_code = "event_not_selected"


class EventAccessRevoked(exceptions.PermissionDenied):
    default_code = "event_access_revoked"


class InsufficientRole(exceptions.PermissionDenied):
    default_code = "insufficient_role"


class NotAssignedToRoom(exceptions.PermissionDenied):
    default_code = "not_assigned_to_room"


def current_assignment(request):
    """The caller's active assignment in its current event, or a 403 saying why there is none."""
    assignment = getattr(request, "event_assignment", None)
    if assignment is not None:
        return assignment
    if not getattr(request, "token_event_id", None):
        raise EventNotSelected(_("Select an event first (POST /api/auth/select-event/)."))
    raise EventAccessRevoked(_("You no longer have access to this event."))


def require_role(role: str, roles) -> None:
    """403 ``insufficient_role`` unless ``role`` is one of ``roles`` (None: any role)."""
    if roles is not None and role not in roles:
        raise InsufficientRole(_("This action is reserved to: %(roles)s.") % {"roles": labels(roles)})


@dataclass(frozen=True)
class Allow:
    """Who may run an action.

    ``roles``: the roles of the caller's current event that may (None: any active member).
    ``on_duty``: roles other than organisateur only at a room where they are on duty now (the
    object is a Room or has a ``room_id``). ``event``: where the role is read — ``"current"``
    (the token's event), ``"object"`` (the object's ``my_role``: /api/events/{id}/, whose event
    need not be the selected one) or ``None`` (signed in is enough, no event needed).
    """

    roles: tuple | None = None
    on_duty: bool = False
    event: str | None = "current"

    def admits(self, assignment, *, on_duty=None) -> bool:
        """Does this rule let ``assignment`` act (``on_duty``: a callable, asked only when it matters)?"""
        if self.roles is not None and assignment.role not in self.roles:
            return False
        if self.on_duty and assignment.role != Role.ORGANISATEUR:
            return bool(on_duty())
        return True


SIGNED_IN = Allow(event=None)
MEMBERS = Allow()
ORGANISATEUR_ONLY = Allow(ORGANISATEURS)
TEAM_ONLY = Allow(TEAM)
SCAN = Allow(SCANNERS, on_duty=True)
MODERATE = Allow(MODERATORS, on_duty=True)
# The usual shape of an event resource: members read, organisateurs write.
READ_MEMBERS_WRITE_ORGANISATEUR = {"read": MEMBERS, "write": ORGANISATEUR_ONLY}


def room_of(obj):
    """The room an object is acted on at: a Room itself, or its ``room_id``."""
    from events.models import Room

    return obj.pk if isinstance(obj, Room) else obj.room_id


def on_duty_at(request, obj) -> bool:
    """Is the caller on duty at the object's room now? The door scan reads it with the room
    (``caller_on_duty``, events.sql.access.door_for_scan); otherwise one query."""
    duty = getattr(obj, "caller_on_duty", None)
    if duty is not None:
        return duty
    from events.selectors.staff import on_duty

    return on_duty(user=request.user, room_id=room_of(obj))


class EventRolePermission(BasePermission):
    """Reads the view's ``event_roles`` (see the module docstring)."""

    def rule(self, request, view) -> Allow:
        rules = getattr(view, "event_roles", None)
        if isinstance(rules, Allow):
            return rules
        if not isinstance(rules, dict) or not {"read", "write"} <= rules.keys():
            raise ImproperlyConfigured(
                f"{type(view).__name__}.event_roles: an Allow, or a dict with 'read' and 'write' keys."
            )
        action = getattr(view, "action", None) or request.method.lower()
        if action in rules:
            return rules[action]
        return rules["read" if request.method in SAFE_METHODS else "write"]

    def has_permission(self, request, view):
        if not (request.user and request.user.is_authenticated):
            return False
        rule = self.rule(request, view)
        if rule.event == "current":
            require_role(current_assignment(request).role, rule.roles)
        return True

    def has_object_permission(self, request, view, obj):
        rule = self.rule(request, view)
        if rule.event == "object":
            require_role(obj.my_role, rule.roles)
        elif rule.on_duty and not rule.admits(request.event_assignment, on_duty=lambda: on_duty_at(request, obj)):
            raise NotAssignedToRoom(_("You are not on duty at this room now."))
        return True


class IsOwner(BasePermission):
    """Object-level: only the user who created the object changes or deletes it (e.g. an annonce's
    author). Reading it is not a change, nor an action that writes only the caller's own rows about
    it (POST: an annonce's read receipt)."""

    owner_field = "created_by_id"
    message = gettext_lazy("Only the author can change this.")
    code = "not_owner"
    changes = ("PUT", "PATCH", "DELETE")

    def has_object_permission(self, request, view, obj):
        if request.method not in self.changes:
            return True
        return getattr(obj, self.owner_field) == request.user.pk
