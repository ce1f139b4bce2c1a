"""YouTube live links: accept the usual forms, nothing else, and derive the embed URL."""

import re
from urllib.parse import parse_qs, urlsplit

_HOSTS = {"youtube.com", "www.youtube.com", "m.youtube.com"}
_VIDEO_ID = re.compile(r"^[A-Za-z0-9_-]{11}$")
_PATH_FORMS = re.compile(r"^/(?:live|embed|shorts)/([^/?#]+)/?$")


def youtube_video_id(url: str) -> str | None:
    """The video id of a watch, youtu.be, live or embed URL (with or without www/m), else None."""
    try:
        parts = urlsplit((url or "").strip())
    except ValueError:
        return None
    if parts.scheme not in ("http", "https"):
        return None
    host = (parts.hostname or "").lower()
    candidate = None
    if host == "youtu.be":
        candidate = parts.path.strip("/")
    elif host in _HOSTS:
        if parts.path.rstrip("/") == "/watch":
            candidate = (parse_qs(parts.query).get("v") or [None])[0]
        elif match := _PATH_FORMS.match(parts.path):
            candidate = match.group(1)
    return candidate if candidate and _VIDEO_ID.match(candidate) else None


def youtube_embed_url(video_id: str) -> str:
    return f"https://www.youtube.com/embed/{video_id}"
