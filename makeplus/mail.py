"""Outgoing email: localised (fr, en, ar right-to-left), HTML with a plain-text part, sent after commit.

A message is a template name: ``makeplus/templates/mail/<template>.subject.txt``, ``.txt`` and ``.html``
(both bodies extend ``mail/base.txt`` / ``mail/base.html``), rendered in the recipient's language with the
event's name and logo when there is an event. ``send_mail_on_commit`` renders now (inside the caller's
transaction, so it sees the data being written) and sends once the transaction commits: a rolled-back
transaction sends nothing. The transport is ``EMAIL_URL`` (settings): SMTP in production, the console
by default.
"""

import logging
import threading
from collections.abc import Iterable, Sequence
from concurrent.futures import ThreadPoolExecutor
from email.mime.image import MIMEImage

from django.conf import settings
from django.core.mail import EmailMultiAlternatives
from django.core.mail.message import SafeMIMEMultipart
from django.db import transaction
from django.template.loader import render_to_string
from django.utils import translation

logger = logging.getLogger(__name__)

RTL_LANGUAGES = frozenset({"ar"})


def _supported(language: str | None) -> str | None:
    codes = {code for code, _name in settings.LANGUAGES}
    language = (language or "").strip().lower()
    if language in codes:
        return language
    base = language.split("-")[0]
    return base if base in codes else None


def mail_language(user=None, event=None) -> str:
    """The language of a message: the recipient's own choice, else the event's, else French."""
    return (
        _supported(getattr(user, "language", None))
        or _supported((getattr(event, "settings", None) or {}).get("language") if event is not None else None)
        or _supported(settings.LANGUAGE_CODE)
        or "fr"
    )


class _Message(EmailMultiAlternatives):
    """multipart/mixed [ multipart/related [ multipart/alternative [text, html], inline images ],
    attachments ]: the images show inside the HTML and the files stay ordinary attachments."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.inline_images = []

    def _create_alternatives(self, msg):
        msg = super()._create_alternatives(msg)
        if not self.inline_images:
            return msg
        related = SafeMIMEMultipart(_subtype="related", encoding=self.encoding or settings.DEFAULT_CHARSET)
        related.attach(msg)
        for image in self.inline_images:
            related.attach(image)
        return related


def _recipients(to) -> list[str]:
    return [to] if isinstance(to, str) else list(to)


def build_message(
    *,
    to,
    template: str,
    context: dict,
    language: str | None = None,
    event=None,
    attachments: Iterable[tuple[str, bytes, str]] = (),
    inline_images: Iterable[tuple[str, bytes, str]] = (),
) -> EmailMultiAlternatives:
    """The message, rendered now. ``to``: an address or a list of addresses. ``attachments``:
    (filename, content, mimetype). ``inline_images``: (content_id, content, subtype such as "png"),
    shown in the HTML with ``<img src="cid:content_id">``."""
    language = _supported(language) or mail_language(event=event)
    full_context = {
        "event": event,
        "event_name": getattr(event, "name", "") if event is not None else "",
        "logo_url": getattr(event, "logo_url", "") if event is not None else "",
        "primary_color": (getattr(event, "primary_color", "") if event is not None else "") or "#1f4e79",
        "language": language,
        "direction": "rtl" if language in RTL_LANGUAGES else "ltr",
        "text_align": "right" if language in RTL_LANGUAGES else "left",
        "public_base_url": settings.PUBLIC_BASE_URL,
        **context,
    }
    with translation.override(language):
        subject = render_to_string(f"mail/{template}.subject.txt", full_context)
        text = render_to_string(f"mail/{template}.txt", full_context)
        html = render_to_string(f"mail/{template}.html", full_context)
    # A header is one line.
    subject = " ".join(subject.split())
    message = _Message(subject=subject, body=text, from_email=settings.DEFAULT_FROM_EMAIL, to=_recipients(to))
    message.attach_alternative(html, "text/html")
    message.extra_headers["Content-Language"] = language
    for content_id, content, subtype in inline_images:
        image = MIMEImage(content, _subtype=subtype)
        image.add_header("Content-ID", f"<{content_id}>")
        image.add_header("Content-Disposition", "inline", filename=f"{content_id}.{subtype}")
        message.inline_images.append(image)
    for filename, content, mimetype in attachments:
        message.attach(filename, content, mimetype)
    return message


_executor = None
_executor_lock = threading.Lock()


def _deliver(message: EmailMultiAlternatives) -> None:
    try:
        message.send(fail_silently=False)
    except Exception:  # the request has committed: log, never raise into it
        logger.exception("Could not send the email %r to %s", message.subject, ", ".join(message.to))


def _send(message: EmailMultiAlternatives) -> None:
    """Deliver now, or (EMAIL_SEND_IN_BACKGROUND) on a small pool of threads: the answer to the
    request then takes the same time whether or not a message goes out (sign-up and reset answers
    must not tell whether an address has an account), and a slow mail server never holds it up.
    The pool's threads are joined at interpreter exit, so a graceful shutdown still delivers."""
    global _executor
    if not getattr(settings, "EMAIL_SEND_IN_BACKGROUND", False):
        _deliver(message)
        return
    with _executor_lock:
        if _executor is None:
            _executor = ThreadPoolExecutor(max_workers=2, thread_name_prefix="mail")
    _executor.submit(_deliver, message)


def send_mail_on_commit(
    *,
    to,
    template: str,
    context: dict,
    language: str | None = None,
    event=None,
    attachments: Sequence[tuple[str, bytes, str]] = (),
    inline_images: Sequence[tuple[str, bytes, str]] = (),
) -> EmailMultiAlternatives:
    """Render the message now and send it when the current transaction commits (at once outside a
    transaction); nothing is sent if it rolls back. A failure to send is logged, never raised into
    the request that already committed (see _send for EMAIL_SEND_IN_BACKGROUND)."""
    message = build_message(
        to=to,
        template=template,
        context=context,
        language=language,
        event=event,
        attachments=attachments,
        inline_images=inline_images,
    )
    transaction.on_commit(lambda: _send(message))
    return message


def send_messages(messages: Sequence[EmailMultiAlternatives]) -> int:
    """Send many built messages over one connection (bulk senders, jobs); returns how many were sent."""
    from django.core.mail import get_connection

    if not messages:
        return 0
    with get_connection() as connection:
        return connection.send_messages(list(messages)) or 0
