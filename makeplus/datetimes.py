"""Dates and date-times the API accepts from clients, in bodies and in query filters.

Anything the product dates (an event, an annonce, a scan, a day of leads) lies in this
century. Earlier or later values are refused (400 ``date_out_of_range``) rather than stored
or searched for: Africa/Algiers had no whole-minute UTC offset before 1911, so such a date
could not even be written back in RFC 3339 (``+00:12:12``), and a day at the edge of the
calendar overflows when its bounds are computed.
"""

from datetime import UTC, date, datetime

import django_filters
from django import forms
from django.core.exceptions import ValidationError
from django.utils import timezone
from django.utils.deconstruct import deconstructible
from django.utils.translation import gettext_lazy as _

EARLIEST = datetime(2000, 1, 1, tzinfo=UTC)
LATEST = datetime(2100, 1, 1, tzinfo=UTC)


@deconstructible
class PlausibleDate:
    """Field validator for a date or a date-time; ``code`` is read by the OpenAPI error
    documentation (drf-standardized-errors)."""

    code = "date_out_of_range"
    message = _("Give a date between the years 2000 and 2099.")

    def __call__(self, value):
        if isinstance(value, datetime):
            value = value if timezone.is_aware(value) else value.replace(tzinfo=UTC)
            plausible = EARLIEST <= value < LATEST
        elif isinstance(value, date):
            plausible = EARLIEST.date() <= value < LATEST.date()
        else:
            return
        if not plausible:
            raise ValidationError(self.message, code=self.code)

    def __eq__(self, other):
        return isinstance(other, PlausibleDate)


plausible_datetime = PlausibleDate()


class PlausibleIsoDateTimeField(django_filters.fields.IsoDateTimeField):
    default_validators = [plausible_datetime]

    def to_python(self, value):
        value = super().to_python(value)
        # In UTC: PostgreSQL refuses UTC offsets beyond ±15:59, which Python accepts (up to ±23:59).
        return value.astimezone(UTC) if value is not None else None


class PlausibleIsoDateTimeFilter(django_filters.IsoDateTimeFilter):
    field_class = PlausibleIsoDateTimeField


class PlausibleDateField(forms.DateField):
    default_validators = [plausible_datetime]


class PlausibleDateFilter(django_filters.DateFilter):
    field_class = PlausibleDateField
