import django_filters
from django.utils.translation import gettext_lazy as _

from events.calendar import event_day_bounds
from events.permissions import current_assignment
from events.views.participants import StrictBooleanFilter
from exposants.models import RATING_MAX, RATING_MIN, Exposant, ExposantScan
from makeplus.datetimes import PlausibleDateFilter

_RATINGS = [(n, str(n)) for n in range(RATING_MIN, RATING_MAX + 1)]


class ExposantFilter(django_filters.rest_framework.FilterSet):
    is_active = StrictBooleanFilter(help_text=_("Current (true) or former (false) exposants; organisateurs only."))

    class Meta:
        model = Exposant
        fields = ["is_active"]


class ExposantScanFilter(django_filters.rest_framework.FilterSet):
    day = PlausibleDateFilter(method="filter_day", help_text=_("Visits of that day (event's time zone)."))
    rating = django_filters.TypedChoiceFilter(choices=_RATINGS, coerce=int)
    min_rating = django_filters.TypedChoiceFilter(
        choices=_RATINGS, coerce=int, field_name="rating", lookup_expr="gte", help_text=_("Rated at least this.")
    )

    class Meta:
        model = ExposantScan
        fields = ["day", "rating", "min_rating"]

    def filter_day(self, queryset, name, value):
        start, end = event_day_bounds(current_assignment(self.request).event, value)
        return queryset.filter(scanned_at__gte=start, scanned_at__lt=end)
