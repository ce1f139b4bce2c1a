"""Where and under which names uploaded files are stored.

Files are stored under generated names (never the client's), grouped by kind,
so a name reveals nothing and two uploads never collide.
"""

import os
import uuid

from django.conf import settings
from django.core.exceptions import ValidationError
from django.utils.deconstruct import deconstructible
from django.utils.translation import gettext_lazy as _


@deconstructible
class GeneratedName:
    def __init__(self, folder: str):
        self.folder = folder

    def __call__(self, instance, filename: str) -> str:
        ext = os.path.splitext(filename)[1].lower()[:10]
        return f"{self.folder}/{uuid.uuid4().hex}{ext}"

    def __eq__(self, other):
        return isinstance(other, GeneratedName) and other.folder == self.folder


def validate_upload_size(file) -> None:
    if file.size > settings.MAX_UPLOAD_SIZE:
        raise ValidationError(
            _("File too large (maximum %(max)s MB).") % {"max": settings.MAX_UPLOAD_SIZE // (1024 * 1024)},
            code="file_too_large",
        )
    if file.size == 0:
        raise ValidationError(_("The file is empty."), code="file_empty")


def validate_pdf(file) -> None:
    """A real PDF: .pdf name, non-empty, within the size limit, PDF header, and parseable."""
    from pypdf import PdfReader
    from pypdf.errors import PyPdfError

    validate_upload_size(file)
    if os.path.splitext(file.name or "")[1].lower() != ".pdf":
        raise ValidationError(_("Only PDF files are accepted (.pdf)."), code="invalid_extension")
    file.seek(0)
    if file.read(5) != b"%PDF-":
        raise ValidationError(_("The file is not a PDF document."), code="not_a_pdf")
    file.seek(0)
    try:
        pages = len(PdfReader(file).pages)
    except (PyPdfError, ValueError, TypeError, KeyError, OSError):
        pages = 0
    finally:
        file.seek(0)
    if pages < 1:
        raise ValidationError(_("The PDF document is damaged or has no pages."), code="not_a_pdf")
