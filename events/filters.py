import django_filters

from events.models import Session


class SessionFilter(django_filters.FilterSet):
    day = django_filters.DateFilter(
        field_name="start_time", lookup_expr="date", help_text="Sessions starting that day (Algiers time)."
    )

    class Meta:
        model = Session
        fields = ["room", "session_type", "status", "theme", "is_paid", "day"]
