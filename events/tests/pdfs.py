"""Small real and fake documents for upload tests."""

import io

from django.core.files.uploadedfile import SimpleUploadedFile
from pypdf import PdfWriter


def pdf_bytes(pages: int = 1) -> bytes:
    writer = PdfWriter()
    for _ in range(pages):
        writer.add_blank_page(width=595, height=842)
    buffer = io.BytesIO()
    writer.write(buffer)
    return buffer.getvalue()


def pdf_upload(name: str = "programme.pdf", content: bytes | None = None) -> SimpleUploadedFile:
    return SimpleUploadedFile(name, pdf_bytes() if content is None else content, content_type="application/pdf")
