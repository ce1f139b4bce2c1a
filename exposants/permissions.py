"""Who may change an exposant profile (roles: the views' ``event_roles``, events/permissions.py).

Objects are scoped to the caller's current event by the selectors first (another event's
profile is a 404); leads are further scoped to the caller's own profile, so another
exposant's lead is a 404 too, never a 403 that would confirm it exists.
"""

from django.utils.translation import gettext as _
from rest_framework.permissions import SAFE_METHODS, BasePermission

from events.models import Role
from events.permissions import InsufficientRole


class MayEditExposantProfile(BasePermission):
    """Object-level: event members read the directory; a profile is changed by its exposant or an organisateur."""

    def has_object_permission(self, request, view, obj):
        if request.method in SAFE_METHODS:
            return True
        assignment = request.event_assignment
        if assignment.role == Role.ORGANISATEUR:
            return True
        if assignment.role == Role.EXPOSANT and obj.user_id == request.user.pk:
            return True
        raise InsufficientRole(_("Only this exposant or an organisateur can change this profile."))
