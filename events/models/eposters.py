"""E-posters: the scientific posters of an event, uploaded by its organisateurs.

The file is a PDF or an image (PNG/JPEG, recognised by its content, not its name); the thumbnail
is an image, generated from an image upload (events/services/eposters.py) or uploaded. Files are
never served from a public media URL: reads return short-lived signed links (makeplus.signed_files).
"""

import os

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from makeplus.uploads import GeneratedName, validate_pdf, validate_upload_size

__all__ = ["EPoster", "poster_kind", "validate_poster_file", "validate_thumbnail"]

PDF, PNG, JPEG = "pdf", "png", "jpeg"
EXTENSIONS = {PDF: ".pdf", PNG: ".png", JPEG: ".jpg"}
CONTENT_TYPES = {PDF: "application/pdf", PNG: "image/png", JPEG: "image/jpeg"}
THUMBNAIL_MAX_PIXELS = 50_000_000  # a decompression bomb is refused before it is decoded


def poster_kind(file) -> str | None:
    """``pdf``, ``png`` or ``jpeg`` from the first bytes of the file; None for anything else."""
    file.seek(0)
    head = file.read(8)
    file.seek(0)
    if head.startswith(b"%PDF-"):
        return PDF
    if head.startswith(b"\x89PNG\r\n\x1a\n"):
        return PNG
    if head.startswith(b"\xff\xd8\xff"):
        return JPEG
    return None


def _check_image(file) -> None:
    from PIL import Image, UnidentifiedImageError

    file.seek(0)
    try:
        with Image.open(file) as image:
            if image.width * image.height > THUMBNAIL_MAX_PIXELS:
                raise ValidationError(_("The image is too large."), code="image_too_large")
            image.verify()
    except ValidationError:
        raise
    except (UnidentifiedImageError, OSError, ValueError, SyntaxError, Image.DecompressionBombError):
        raise ValidationError(_("The image is damaged."), code="invalid_image") from None
    finally:
        file.seek(0)


def validate_poster_file(file) -> None:
    """A poster: a PDF, PNG or JPEG file (by content), within the size limit, readable."""
    validate_upload_size(file)
    kind = poster_kind(file)
    if kind is None:
        raise ValidationError(_("A poster is a PDF, PNG or JPEG file."), code="invalid_file_type")
    if kind == PDF:
        # validate_pdf also wants the .pdf name: the content decides here, the stored name follows it.
        original = file.name
        file.name = os.path.splitext(original or "poster")[0] + ".pdf"
        try:
            validate_pdf(file)
        finally:
            file.name = original
    else:
        _check_image(file)


def validate_thumbnail(file) -> None:
    """A thumbnail: a PNG or JPEG image (by content), within the size limit, readable."""
    validate_upload_size(file)
    if poster_kind(file) not in (PNG, JPEG):
        raise ValidationError(_("A thumbnail is a PNG or JPEG image."), code="invalid_file_type")
    _check_image(file)


class EPoster(models.Model):
    event = models.ForeignKey(
        "events.Event", on_delete=models.CASCADE, related_name="eposters", verbose_name=_("event")
    )
    title = models.CharField(_("title"), max_length=300)
    authors = models.CharField(_("authors"), max_length=500, blank=True)
    co_authors = models.CharField(_("co-authors"), max_length=1000, blank=True)
    theme = models.CharField(_("theme"), max_length=200, blank=True)
    contribution_number = models.CharField(_("contribution number"), max_length=50, blank=True)
    file = models.FileField(
        _("poster (PDF or image)"),
        upload_to=GeneratedName("eposters/files"),
        validators=[validate_poster_file],
        help_text=_("PDF, PNG or JPEG."),
    )
    thumbnail = models.FileField(
        _("thumbnail"),
        upload_to=GeneratedName("eposters/thumbnails"),
        blank=True,
        validators=[validate_thumbnail],
        help_text=_("PNG or JPEG. Made from the poster when it is an image and none is given."),
    )
    submitted_at = models.DateTimeField(_("submitted at"), default=timezone.now)
    uploaded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("uploaded by"),
    )
    created_at = models.DateTimeField(auto_now_add=True, verbose_name=_("created at"))
    updated_at = models.DateTimeField(auto_now=True, verbose_name=_("updated at"))

    class Meta:
        verbose_name = _("e-poster")
        verbose_name_plural = _("e-posters")
        ordering = ["contribution_number", "title", "id"]
        constraints = [models.CheckConstraint(condition=~models.Q(title=""), name="eposter_title_not_empty")]
        indexes = [models.Index(fields=["event", "contribution_number"], name="eposter_event_number_idx")]

    def __str__(self):
        return f"{self.contribution_number} {self.title}".strip()
