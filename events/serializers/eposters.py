"""Shapes of e-posters: our API (/api/eposters/) and the mobile app's gallery item.

Files read as short-lived signed links (makeplus.signed_files): the app opens them in the phone's
browser, without the token; a link stops working after a few minutes.
"""

import os

from django.utils.text import slugify
from django.utils.translation import gettext_lazy as _
from rest_framework import serializers

from events.models import EPoster
from events.models.eposters import CONTENT_TYPES
from makeplus.datetimes import DateTimeField, plausible_datetime
from makeplus.signed_files import signed_file_url


def signed_url(request, field_file, *, filename: str | None = None) -> str | None:
    return signed_file_url(request, field_file, filename=filename) if field_file else None


def download_name(poster: EPoster, field_file, stem: str = "") -> str:
    """A readable name for the saved file: "P-012-title.pdf" (stored names are random)."""
    extension = os.path.splitext(field_file.name)[1]
    base = slugify(f"{poster.contribution_number} {poster.title}")[:80] or "poster"
    return f"{base}{stem}{extension}"


class SignedFileField(serializers.FileField):
    """Uploads like a FileField (multipart); reads as a short-lived signed link (null without a file). Its schema:
    makeplus.openapi.SignedFileFieldExtension."""

    def __init__(self, **kwargs):
        kwargs.setdefault("required", False)
        kwargs.setdefault("allow_null", True)
        super().__init__(**kwargs)

    def to_representation(self, value):
        stem = "-thumbnail" if self.field_name == "thumbnail" else ""
        return signed_url(
            self.context.get("request"), value, filename=value and download_name(value.instance, value, stem)
        )


class EPosterSerializer(serializers.ModelSerializer):
    file = SignedFileField(
        required=True,
        allow_null=False,
        help_text=_("PDF, PNG or JPEG (multipart upload). Reads as a signed link valid a few minutes."),
    )
    thumbnail = SignedFileField(
        help_text=_("PNG or JPEG; made from the poster when it is an image and none is sent. null removes it.")
    )
    file_type = serializers.SerializerMethodField(help_text=_("Content type of the poster file."))
    submitted_at = DateTimeField(required=False, allow_null=True, validators=[plausible_datetime])

    class Meta:
        model = EPoster
        fields = [
            "id",
            "event",
            "title",
            "authors",
            "co_authors",
            "theme",
            "contribution_number",
            "file",
            "file_type",
            "thumbnail",
            "submitted_at",
            "created_at",
            "updated_at",
        ]
        read_only_fields = ["id", "event", "file_type", "created_at", "updated_at"]

    def get_file_type(self, poster) -> str | None:
        if not poster.file:
            return None
        extension = poster.file.name.rsplit(".", 1)[-1].lower()
        return {"pdf": CONTENT_TYPES["pdf"], "png": CONTENT_TYPES["png"], "jpg": CONTENT_TYPES["jpeg"]}.get(extension)


class GalleryItemSerializer(serializers.Serializer):
    """One poster as the mobile app's gallery reads it (ids are strings there)."""

    id = serializers.SerializerMethodField()
    contribution_number = serializers.CharField()
    title = serializers.CharField()
    authors = serializers.CharField()
    co_authors = serializers.CharField()
    theme = serializers.CharField()
    submitted_at = DateTimeField()
    pdf_url = serializers.SerializerMethodField(help_text=_("The poster file (PDF or image), a signed link."))
    thumbnail_url = serializers.SerializerMethodField()

    def get_id(self, poster) -> str:
        return str(poster.pk)

    def get_pdf_url(self, poster) -> str | None:
        file = poster.file
        return signed_url(self.context.get("request"), file, filename=file and download_name(poster, file))

    def get_thumbnail_url(self, poster) -> str | None:
        file = poster.thumbnail
        return signed_url(
            self.context.get("request"), file, filename=file and download_name(poster, file, "-thumbnail")
        )


class GallerySerializer(serializers.Serializer):
    results = GalleryItemSerializer(many=True)


__all__ = ["EPosterSerializer", "GalleryItemSerializer", "GallerySerializer", "SignedFileField"]
