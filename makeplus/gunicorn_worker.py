"""gunicorn's own refusals in our error format (issue 23: no HTML from the web server).

gunicorn answers a request line or headers beyond its limits (414, 431) and other unparsable
requests (400) itself, with an HTML page, before Django sees anything. This worker class writes
those answers as the API's JSON error body instead (``makeplus.errors`` codes, French like the
API's default language; gunicorn cannot know the client's language before parsing its headers).
Everything else (application errors included) is gunicorn's usual handling.

Used by ``makeplus/gunicorn.conf.py`` (``worker_class``); sync workers, as the production setup measures.
"""

import json

from gunicorn.http import errors as http_errors
from gunicorn.util import write_nonblock
from gunicorn.workers.sync import SyncWorker

# (status, reason, code) per exception gunicorn raises while reading a request.
_REFUSALS = (
    (http_errors.LimitRequestLine, 414, "URI Too Long", "uri_too_long"),
    (http_errors.LimitRequestHeaders, 431, "Request Header Fields Too Large", "headers_too_large"),
    (
        (
            http_errors.InvalidRequestLine,
            http_errors.InvalidRequestMethod,
            http_errors.InvalidHTTPVersion,
            http_errors.InvalidHeader,
            http_errors.InvalidHeaderName,
            http_errors.ObsoleteFolding,
            http_errors.InvalidChunkSize,
            http_errors.ChunkMissingTerminator,
        ),
        400,
        "Bad Request",
        "bad_request",
    ),
)


def json_error_bytes(status: int, reason: str, code: str) -> bytes:
    """A complete HTTP response carrying the API's error body (see makeplus/error_handling.py)."""
    from django.conf import settings
    from django.utils import translation
    from django.utils.translation import gettext as _

    with translation.override(settings.LANGUAGE_CODE):  # the API's default language (fr)
        message = {
            "uri_too_long": _("The address of the request is too long."),
            "headers_too_large": _("The headers of the request are too large."),
            "bad_request": _("Bad request."),
        }[code]
    body = {
        "type": "client_error",
        "errors": [{"code": code, "detail": message, "attr": None}],
        "message": message,
        "detail": message,
        "error": message,
    }
    payload = json.dumps(body, ensure_ascii=False).encode()
    head = (
        f"HTTP/1.1 {status} {reason}\r\nConnection: close\r\nContent-Type: application/json\r\n"
        f"Content-Length: {len(payload)}\r\n\r\n"
    )
    return head.encode("latin1") + payload


class JsonErrorsSyncWorker(SyncWorker):
    def handle_error(self, req, client, addr, exc):
        for types, status, reason, code in _REFUSALS:
            if isinstance(exc, types):
                self.log.warning("Refused a request from %s: %s (%s)", (addr or ("",))[0], code, exc)
                try:
                    write_nonblock(client, json_error_bytes(status, reason, code))
                except Exception:  # the client went away: nothing to answer
                    self.log.debug("Failed to send the error answer.")
                return
        super().handle_error(req, client, addr, exc)
