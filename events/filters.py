import django_filters

from accounts.models import User
from events.models import Room, Session
from makeplus.datetimes import PlausibleDateFilter


def _current_event(request):
    assignment = getattr(request, "event_assignment", None)
    return assignment.event if assignment is not None else None


def rooms_of_current_event(request):
    """Choices of a room filter: the rooms of the caller's current event. Another event's room is
    then refused (400 invalid_choice) exactly like a room that does not exist: no existence oracle."""
    return Room.objects.filter(event=_current_event(request))


def members_of_current_event(request):
    """Choices of a user filter: the members of the caller's current event (same reason)."""
    return User.objects.filter(event_assignments__event=_current_event(request))


class SessionFilter(django_filters.FilterSet):
    room = django_filters.ModelChoiceFilter(queryset=rooms_of_current_event)
    day = PlausibleDateFilter(
        field_name="start_time", lookup_expr="date", help_text="Sessions starting that day (Algiers time)."
    )

    class Meta:
        model = Session
        fields = ["room", "session_type", "status", "theme", "is_paid", "day"]
