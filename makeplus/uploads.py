"""Where and under which names uploaded files are stored.

Files are stored under generated names (never the client's), grouped by kind,
so a name reveals nothing and two uploads never collide.
"""

import os
import re
import uuid

from django.conf import settings
from django.core.exceptions import RequestDataTooBig, ValidationError
from django.core.files.uploadhandler import FileUploadHandler
from django.utils.deconstruct import deconstructible
from django.utils.translation import gettext_lazy as _


@deconstructible
class GeneratedName:
    def __init__(self, folder: str):
        self.folder = folder

    def __call__(self, instance, filename: str) -> str:
        # Only letters and digits of the client's extension survive: no path, no dots, no spaces.
        ext = re.sub(r"[^a-z0-9]", "", os.path.splitext(os.path.basename(filename or ""))[1].lower())[:10]
        return f"{self.folder}/{uuid.uuid4().hex}{'.' + ext if ext else ''}"

    def __eq__(self, other):
        return isinstance(other, GeneratedName) and other.folder == self.folder


class RequestSizeLimit(FileUploadHandler):
    """First upload handler: a multipart body larger than the largest accepted file plus the
    form data is refused (413) before Django writes any of it to memory or a temporary file."""

    def handle_raw_input(self, input_data, META, content_length, boundary, encoding=None):
        if content_length > settings.MAX_UPLOAD_SIZE + settings.DATA_UPLOAD_MAX_MEMORY_SIZE:
            raise RequestDataTooBig(_("The request is too large."))

    def receive_data_chunk(self, raw_data, start):
        return raw_data

    def file_complete(self, file_size):
        return None


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
