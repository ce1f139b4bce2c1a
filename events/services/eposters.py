"""Writes on e-posters (organisateurs, through the API and the admin).

The uploaded file is checked by content (events/models/eposters.py: PDF, PNG or JPEG within the
size limit); when it is an image and no thumbnail is given, a small JPEG thumbnail is made from
it. Files replaced or left by a deleted poster leave storage once the change is committed.
"""

import io
import os

from django.core.files.base import ContentFile
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from events.models import EPoster, Event
from events.models.eposters import EXTENSIONS, PDF, poster_kind
from events.services import _delete_files_on_commit
from makeplus.errors import AppError

EDITABLE_FIELDS = (
    "title",
    "authors",
    "co_authors",
    "theme",
    "contribution_number",
    "file",
    "thumbnail",
    "submitted_at",
)
FILE_FIELDS = ("file", "thumbnail")
THUMBNAIL_SIZE = (480, 480)


def make_thumbnail(file) -> ContentFile | None:
    """A JPEG thumbnail (at most 480×480) of an image file; None for a PDF or an unreadable file."""
    from PIL import Image, UnidentifiedImageError

    if poster_kind(file) in (None, PDF):
        return None
    try:
        file.seek(0)
        with Image.open(file) as image:
            image.draft("RGB", THUMBNAIL_SIZE)  # a JPEG is decoded already scaled down: less memory
            image.thumbnail(THUMBNAIL_SIZE)
            buffer = io.BytesIO()
            image.convert("RGB").save(buffer, format="JPEG", quality=80, optimize=True)
    except (UnidentifiedImageError, OSError, ValueError, Image.DecompressionBombError):
        return None
    finally:
        file.seek(0)
    return ContentFile(buffer.getvalue(), name="thumbnail.jpg")


def _apply(poster: EPoster, fields: dict) -> None:
    unknown = set(fields) - set(EDITABLE_FIELDS)
    if unknown:
        raise TypeError(f"not editable: {', '.join(sorted(unknown))}")
    for name, value in fields.items():
        if name in FILE_FIELDS:
            value = value or ""
            if value and hasattr(value, "read"):
                _name_after_content(value)
        elif name == "submitted_at":
            value = value or timezone.now()
        elif isinstance(value, str):
            value = value.strip()
        setattr(poster, name, value)


def _name_after_content(file) -> None:
    """The stored name's extension follows the content (a PDF sent as poster.png is stored as .pdf)."""
    kind = poster_kind(file)
    if kind is not None:
        file.name = os.path.splitext(os.path.basename(file.name or "poster"))[0] + EXTENSIONS[kind]


def _save(poster: EPoster, *, new_files: set) -> None:
    if not (poster.title or "").strip():
        raise AppError(_("An e-poster needs a title."), "title_required")
    # Stored files were checked on upload: only new ones are read again.
    poster.full_clean(exclude=["event", "uploaded_by", *(name for name in FILE_FIELDS if name not in new_files)])
    poster.save()


@transaction.atomic
def create_eposter(*, event: Event, actor, title: str, file, **fields) -> EPoster:
    if not file:
        raise AppError(_("An e-poster needs its file (PDF, PNG or JPEG)."), "file_required")
    poster = EPoster(event=event, uploaded_by=actor)
    _apply(poster, {"title": title, "file": file, **fields})
    new_files = {"file"}
    if poster.thumbnail:
        new_files.add("thumbnail")
    else:
        thumbnail = make_thumbnail(file)
        if thumbnail is not None:
            poster.thumbnail = thumbnail
    _save(poster, new_files=new_files)
    return poster


@transaction.atomic
def update_eposter(*, eposter: EPoster, actor, **fields) -> EPoster:
    """Change some fields. A new image file without a new thumbnail gets a new generated one;
    ``thumbnail=None`` removes it. Replaced files leave storage after the commit."""
    poster = EPoster.objects.select_for_update().get(pk=eposter.pk)
    old = {name: getattr(poster, name) for name in FILE_FIELDS}
    old = {name: (file if file else None) for name, file in old.items()}
    if "file" in fields and not fields["file"]:
        raise AppError(_("An e-poster needs its file (PDF, PNG or JPEG)."), "file_required")
    _apply(poster, fields)
    new_files = {name for name in FILE_FIELDS if fields.get(name)}
    if "file" in new_files and "thumbnail" not in fields:
        thumbnail = make_thumbnail(fields["file"])
        poster.thumbnail = thumbnail if thumbnail is not None else ""
    _save(poster, new_files=new_files)
    replaced = [
        file
        for name, file in old.items()
        if file is not None and (not getattr(poster, name) or getattr(poster, name).name != file.name)
    ]
    _delete_files_on_commit(replaced)
    return poster


@transaction.atomic
def delete_eposter(*, eposter: EPoster, actor) -> None:
    _delete_files_on_commit([eposter.file, eposter.thumbnail])
    eposter.delete()
