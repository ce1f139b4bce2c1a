import django_filters

from events.models import Session
from events.scoping import of_current_event
from events.selectors.programme import rooms_for_event
from makeplus.datetimes import PlausibleDateFilter


class SessionFilter(django_filters.FilterSet):
    # Another event's room is refused (400 invalid_choice) exactly like one that does not exist.
    room = django_filters.ModelChoiceFilter(queryset=of_current_event(rooms_for_event))
    day = PlausibleDateFilter(
        field_name="start_time", lookup_expr="date", help_text="Sessions starting that day (Algiers time)."
    )

    class Meta:
        model = Session
        fields = ["room", "session_type", "status", "theme", "is_paid", "day"]
