"""A "CSV export" admin action any ModelAdmin can list in ``actions``.

It writes the selected rows with the columns of the changelist (``list_display``), as
the admin shows them: choices by their label, foreign keys by their name, methods and
callables resolved. The file is UTF-8 with a BOM and ``;``-separated, because that is
what Excel set to French (or Arabic) regional settings opens straight into columns with
the accents intact.
"""

import csv
import datetime
import re

from django.contrib import admin
from django.contrib.admin.utils import label_for_field, lookup_field
from django.db import models
from django.http import HttpResponse
from django.utils import timezone
from django.utils.encoding import force_str
from django.utils.html import strip_tags
from django.utils.safestring import SafeData
from django.utils.text import capfirst
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

DELIMITER = ";"
# A cell starting with one of these is run as a formula by spreadsheets (CSV injection);
# plain numbers such as "+213 555 00 00 00" or "-5" are left alone.
_FORMULA_START = ("=", "+", "-", "@", "\t", "\r")
_NUMBER = re.compile(r"^[+-]?[\d\s.,]+$")


def _columns(modeladmin, request) -> list[str]:
    # ``csv_exclude``: list columns that are links or buttons, not data (e.g. the events' "dashboard").
    skip = {"action_checkbox", *getattr(modeladmin, "csv_exclude", ())}
    return [name for name in modeladmin.get_list_display(request) if name not in skip]


def _cell(value, field=None, boolean=False) -> str:
    if value is None:
        return ""
    if boolean or isinstance(field, models.BooleanField) or isinstance(value, bool):
        return _("Yes") if value else _("No")
    if field is not None and getattr(field, "flatchoices", None):
        value = dict(field.flatchoices).get(value, value)
    elif isinstance(value, datetime.datetime):
        # Local time (Africa/Algiers by default), to the minute, in a form spreadsheets read as a date.
        value = timezone.localtime(value).strftime("%Y-%m-%d %H:%M") if timezone.is_aware(value) else value
    elif isinstance(value, datetime.date):
        value = value.isoformat()
    text = force_str(value)
    if isinstance(value, SafeData):  # a method that returns HTML (a link, an icon): keep its text
        text = strip_tags(text)
    if text.startswith(_FORMULA_START) and not _NUMBER.match(text):
        text = "'" + text
    return text


def csv_rows(modeladmin, request, queryset):
    """Header then one row per object, as lists of strings (what the action writes)."""
    names = _columns(modeladmin, request)
    model = modeladmin.model
    yield [capfirst(force_str(label_for_field(name, model, model_admin=modeladmin))) for name in names]
    for obj in queryset:
        row = []
        for name in names:
            field, attr, value = lookup_field(name, obj, modeladmin)
            row.append(_cell(value, field, boolean=getattr(attr, "boolean", False)))
        yield row


@admin.action(description=gettext_lazy("Export selected rows to CSV"), permissions=["view"])
def export_as_csv(modeladmin, request, queryset):
    """The selected rows, in the changelist's order, with its columns."""
    filename = f"{modeladmin.model._meta.model_name}-{timezone.localdate().isoformat()}.csv"
    response = HttpResponse(content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    response.write("\ufeff")  # BOM: without it Excel reads UTF-8 as Windows-1252 and mangles "é"
    writer = csv.writer(response, delimiter=DELIMITER)
    writer.writerows(csv_rows(modeladmin, request, queryset))
    return response
