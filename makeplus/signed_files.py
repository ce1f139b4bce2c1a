"""Short-lived signed links to stored files, for clients that open a file without our JWT.

The mobile app hands the programme, the guide and e-poster PDFs to the phone's browser or downloads them
with a plain GET (no ``Authorization``). Media files are never public (MEDIA_URL is not served): such a
client gets a link whose token names the stored file and an expiry, signed with SECRET_KEY. Whoever holds
the link until it expires can read that one file, as with any download link; the link is only handed out
by views that already checked the caller may read the file.
"""

import mimetypes
import time

from django.conf import settings
from django.core import signing
from django.core.files.storage import default_storage
from django.http import FileResponse
from django.urls import reverse
from django.utils.translation import gettext_lazy as _
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiResponse, extend_schema
from rest_framework.permissions import AllowAny
from rest_framework.views import APIView

from makeplus.errors import AppError

SALT = "makeplus.signed-files"


def signed_file_url(request, field_file, *, minutes: int | None = None, filename: str | None = None) -> str | None:
    """An absolute link to ``field_file`` valid for ``minutes`` (default SIGNED_FILE_MINUTES); None without a file.
    ``filename`` is the name the download is saved under (stored files have generated names)."""
    if not field_file:
        return None
    lifetime = settings.SIGNED_FILE_MINUTES if minutes is None else minutes
    claims = {"n": field_file.name, "e": int(time.time()) + lifetime * 60}
    if filename:
        claims["f"] = filename
    token = signing.dumps(claims, salt=SALT, compress=True)
    return request.build_absolute_uri(reverse("signed-file", args=[token]))


def open_signed(token: str) -> tuple:
    """The (file, download name) a token names; AppError when it is forged, expired or the file is gone."""
    try:
        claims = signing.loads(token, salt=SALT)
    except signing.BadSignature:
        raise AppError(_("This link is not valid."), "not_found") from None
    if claims.get("e", 0) < time.time():
        raise AppError(_("This link has expired: open the file again from the app."), "link_expired")
    name = claims.get("n", "")
    if not name or not default_storage.exists(name):
        raise AppError(_("This file no longer exists."), "file_not_found")
    return default_storage.open(name, "rb"), claims.get("f") or name.rsplit("/", 1)[-1]


class SignedFileView(APIView):
    """A stored file through a signed link (see the module docstring): no authentication, the token is the right."""

    authentication_classes = []
    permission_classes = [AllowAny]

    @extend_schema(
        summary="Download a file through a signed link",
        description="Links are given by the API (event programme and guide, e-posters) and expire after "
        "SIGNED_FILE_MINUTES. No Authorization header is needed.",
        responses={(200, "application/octet-stream"): OpenApiResponse(OpenApiTypes.BINARY)},
        tags=["files"],
    )
    def get(self, request, token: str):
        file, filename = open_signed(token)
        content_type = mimetypes.guess_type(filename)[0] or "application/octet-stream"
        # inline: the phone's browser shows a PDF or an image instead of saving it.
        response = FileResponse(file, content_type=content_type, filename=filename, as_attachment=False)
        response["Cache-Control"] = "private, max-age=300"
        return response
