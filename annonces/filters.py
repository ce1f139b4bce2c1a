import django_filters
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from annonces.models import Annonce
from makeplus.datetimes import PlausibleIsoDateTimeFilter


class AnnonceFilter(django_filters.FilterSet):
    pinned = django_filters.BooleanFilter(
        field_name="is_pinned", help_text=_("Only pinned (true) or unpinned (false).")
    )
    since = PlausibleIsoDateTimeFilter(
        method="filter_since",
        help_text=_(
            "For polling: annonces created or changed after this time, or published since then "
            "(a scheduled annonce appears when its publish time passes). Pass the time of your "
            "previous poll. Deletions and expiries are not reported: drop an annonce once its "
            "expires_at has passed, and reload the whole list from time to time."
        ),
    )
    state = django_filters.ChoiceFilter(
        choices=Annonce.State.choices, help_text=_("Organisateurs: scheduled, published or expired.")
    )
    is_read = django_filters.BooleanFilter(help_text=_("Only the annonces you have read (true) or not (false)."))

    class Meta:
        model = Annonce
        fields = ["pinned", "since", "state", "is_read"]

    def filter_since(self, queryset, name, value):
        now = timezone.now()
        return queryset.filter(Q(updated_at__gt=value) | Q(publish_at__gt=value, publish_at__lte=now))
