"""Dates and date-times the API accepts from clients, in bodies and in query filters.

Anything the product dates (an event, an annonce, a scan, a day of leads) lies in this
century. Earlier or later values are refused (400 ``date_out_of_range``) rather than stored
or searched for: Africa/Algiers had no whole-minute UTC offset before 1911, so such a date
could not even be written back in RFC 3339 (``+00:12:12``), and a day at the edge of the
calendar overflows when its bounds are computed.

Near the ends of the calendar (year 1, year 9999), moving a date-time to another time zone
overflows (OverflowError): the fields here answer ``date_out_of_range`` for that too.
"""

from datetime import UTC, date, datetime

import django_filters
from django import forms
from django.core.exceptions import ValidationError
from django.db import models
from django.utils import timezone
from django.utils.deconstruct import deconstructible
from django.utils.translation import gettext_lazy as _
from rest_framework import serializers

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


class DateTimeField(serializers.DateTimeField):
    """DRF's date-time field, but a naive date-time whose Algiers time has no UTC equivalent
    (``0001-01-01T00:00:00``: Algiers was at +00:12 then) is refused (``date_out_of_range``)
    instead of overflowing (a 500). An aware one that overflows in Algiers time keeps DRF's
    ``overflow``."""

    default_error_messages = {PlausibleDate.code: PlausibleDate.message}

    def to_internal_value(self, value):
        try:
            return super().to_internal_value(value)
        except OverflowError:
            self.fail(PlausibleDate.code)


# ``serializer_field_mapping`` of a ModelSerializer whose model has writable date-times.
SERIALIZER_FIELD_MAPPING = {**serializers.ModelSerializer.serializer_field_mapping, models.DateTimeField: DateTimeField}


class PlausibleIsoDateTimeField(django_filters.fields.IsoDateTimeField):
    default_validators = [plausible_datetime]

    def to_python(self, value):
        try:
            value = super().to_python(value)
            # In UTC: PostgreSQL refuses UTC offsets beyond ±15:59, which Python accepts (up to ±23:59).
            return value.astimezone(UTC) if value is not None else None
        except OverflowError:
            # A date-time at the very edge of the calendar: far out of range anyway.
            raise ValidationError(PlausibleDate.message, code=PlausibleDate.code) from None


class PlausibleIsoDateTimeFilter(django_filters.IsoDateTimeFilter):
    field_class = PlausibleIsoDateTimeField


class PlausibleDateField(forms.DateField):
    default_validators = [plausible_datetime]


class PlausibleDateFilter(django_filters.DateFilter):
    field_class = PlausibleDateField
