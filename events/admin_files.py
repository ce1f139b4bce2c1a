"""Uploaded files open from the back office (issue 20 item 7).

Media files are never served publicly (MEDIA_URL is not routed), so Django's file widget linked to a 404
under the storage's generated name. Here the link is a short-lived signed link (makeplus/signed_files.py,
the one the API hands out) shown under a readable name; only people who may open the page (the event's
organisateurs, through the scoped admin) ever see it.
"""

import os

from django.contrib.admin.widgets import AdminFileWidget
from django.utils.text import capfirst

from makeplus.signed_files import signed_file_url


class _Shown:
    """What the widget's template prints: ``{{ value.url }}`` and ``{{ value }}``."""

    def __init__(self, url: str, label: str):
        self.url, self.label = url, label

    def __str__(self):
        return self.label


def readable_name(label, field_file) -> str:
    ext = os.path.splitext(field_file.name or "")[1].lower()
    return f"{capfirst(str(label))}{ext}"


class SignedFileWidget(AdminFileWidget):
    def __init__(self, *args, request=None, label="", **kwargs):
        super().__init__(*args, **kwargs)
        self.request, self.label = request, label

    def get_context(self, name, value, attrs):
        context = super().get_context(name, value, attrs)
        if context["widget"]["is_initial"] and self.request is not None:
            filename = readable_name(self.label or name, value)
            url = signed_file_url(self.request, value, filename=filename)
            context["widget"]["value"] = _Shown(url, filename)
        return context
