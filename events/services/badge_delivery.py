"""Badge delivery: each participant's badge by email, and the whole event's badges as one PDF.

* :func:`send_badge`: one person's badge, sent once the caller's transaction commits (organisateur,
  API and admin).
* ``send_badges`` job (:func:`start_send_badges`): every badge holder of the event. Each holder
  receives exactly one message per job even when the job is retried or its task delivered twice:
  the send and its record (``JobItem``, key ``participant:<id>``) share one transaction
  (makeplus.jobs.once), a retry skips the recorded ones.
* ``badges_pdf`` job (:func:`start_badges_pdf`): the printable sheets of every badge of the event in
  one PDF, of any size (no 800 limit: pages are streamed to a temporary file), kept as the job's
  result file.

The message (template ``mail/badge``): the QR code inline (``<img src="cid:badge-qr">``, a
``Content-ID`` image part) and the badge as a printable PDF attachment (the sheets' layout), in the
holder's language, else the event's, else French.
"""

import io
import logging
import smtplib
import tempfile

from django.core.files import File
from django.core.mail import get_connection
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from events import badges
from events.badges_pdf import BADGES_PER_PAGE, scaled_qr, single_badge_pdf, write_badge_sheets
from events.models import Participant
from events.services.participants import ensure_badge
from makeplus.errors import AppError
from makeplus.jobs import done_keys, job, once, start_job
from makeplus.mail import build_message, mail_language

logger = logging.getLogger(__name__)

QR_CONTENT_ID = "badge-qr"
SEND_BADGES = "send_badges"
BADGES_PDF = "badges_pdf"
# A message the SMTP server refuses for good (5xx): that holder is reported, the job goes on.
_REFUSED = (smtplib.SMTPRecipientsRefused, smtplib.SMTPDataError)
# Holders read and sent per batch (one query per batch, one SMTP connection for the whole job).
BATCH = 200


def _holders(event, kind: str | None = None, ids=None):
    queryset = Participant.objects.filter(event=event)
    if kind:
        queryset = queryset.filter(kind=kind)
    if ids is not None:
        queryset = queryset.filter(pk__in=ids)
    return queryset


def _signed(participant: Participant) -> Participant:
    """The participant with its signed QR payload (signed now when bulk paths left it empty)."""
    if not participant.qr_code_data:
        participant.qr_code_data = ensure_badge(participant=participant).qr_code_data
    return participant


def badge_email(participant: Participant):
    """The badge message for ``participant`` (user and event loaded, badge signed)."""
    user, event = participant.user, participant.event
    badge_label = f"{participant.badge_id[:4]}-{participant.badge_id[4:]}"
    # The QR code is computed once (pure Python, the costly part) and drawn at two sizes: the inline PNG
    # has exactly the pixels of badges.qr_png(payload), the PDF those of the printed sheets.
    modules = badges.qr_image(participant.qr_code_data, box_size=1, border=badges.QR_BORDER)
    png = io.BytesIO()
    scaled_qr(modules, badges.QR_BOX_SIZE).save(png, format="PNG", optimize=True)
    return build_message(
        to=user.email,
        template="badge",
        context={
            "first_name": user.first_name,
            "full_name": user.get_full_name(),
            "badge_id": badge_label,
            "kind": participant.kind,
            "qr_cid": QR_CONTENT_ID,
        },
        language=mail_language(user=user, event=event),
        event=event,
        attachments=[
            (f"badge-{participant.badge_id}.pdf", single_badge_pdf(participant, qr_modules=modules), "application/pdf")
        ],
        inline_images=[(QR_CONTENT_ID, png.getvalue(), "png")],
    )


def _require_email(participant: Participant) -> None:
    if not participant.user.email:
        raise AppError(_("This participant has no email address."), "no_email")


def send_badge(*, participant: Participant) -> dict:
    """Emails one participant its badge once the current transaction commits (at once outside one).
    Returns ``{"email", "sent"}``: ``sent`` is None until the commit, then True, or False when the mail
    server refused or could not be reached (logged; never raised from the commit hook)."""
    participant = Participant.objects.select_related("user", "event").get(pk=participant.pk)
    _require_email(participant)
    message = badge_email(_signed(participant))
    outcome = {"email": participant.user.email, "sent": None}

    def deliver():
        try:
            message.send(fail_silently=False)
            outcome["sent"] = True
        except (smtplib.SMTPException, OSError):
            logger.exception("Badge email to participant %s failed", participant.pk)
            outcome["sent"] = False

    transaction.on_commit(deliver)
    return outcome


def _check_kind(kind: str | None) -> str | None:
    if kind and kind not in Participant.Kind.values:
        raise AppError(_("Unknown kind of badge holder."), "invalid_kind")
    return kind or None


def start_send_badges(*, event, actor, kind: str | None = None, participant_ids=None):
    """The job that emails every badge holder of ``event`` (of one ``kind``, or among
    ``participant_ids``, if given) its badge."""
    kind = _check_kind(kind)
    ids = None if participant_ids is None else sorted({int(pk) for pk in participant_ids})
    if not _holders(event, kind, ids).exists():
        raise AppError(_("There is no badge holder to send a badge to."), "no_participants")
    return start_job(kind=SEND_BADGES, event=event, created_by=actor, params={"kind": kind, "ids": ids})


def start_badges_pdf(*, event, actor, kind: str | None = None):
    """The job that prints every badge of ``event`` (of one ``kind`` if given) as one PDF."""
    kind = _check_kind(kind)
    if not _holders(event, kind).exists():
        raise AppError(_("No badge to print."), "no_participants")
    return start_job(kind=BADGES_PDF, event=event, created_by=actor, params={"kind": kind})


def _batches(ids: list, size: int = BATCH):
    for start in range(0, len(ids), size):
        yield ids[start : start + size]


@job(SEND_BADGES)
def run_send_badges(current, progress):
    params = current.params
    holders = _holders(current.event, params.get("kind"), params.get("ids")).select_related("user", "event")
    ids = list(holders.order_by("pk").values_list("pk", flat=True))
    progress(0, total=len(ids))
    already = done_keys(current)
    without_email = done = 0
    with get_connection() as connection:
        for batch in _batches(ids):
            for participant in holders.filter(pk__in=batch).order_by("pk"):
                done += 1
                if {f"participant:{participant.pk}", f"refused:{participant.pk}"} & already:
                    pass  # handled by an earlier attempt
                elif not participant.user.email:
                    without_email += 1
                else:
                    _send_once(current, participant, connection)
                progress(done)
    handled = done_keys(current)
    return {
        "sent": sum(key.startswith("participant:") for key in handled),
        "without_email": without_email,
        "refused": sorted(int(key.split(":")[1]) for key in handled if key.startswith("refused:")),
        "total": len(ids),
    }


def _send_once(current, participant: Participant, connection) -> None:
    """The badge email, sent and recorded together (once per job). A message the server refuses for
    good (5xx: bad address, message refused) is recorded as refused and reported; the job goes on.
    Anything else (connection lost, 4xx) fails the attempt, which is retried."""
    message = badge_email(_signed(participant))
    message.connection = connection
    try:
        once(current, f"participant:{participant.pk}", lambda: message.send(fail_silently=False))
    except _REFUSED as exc:
        if isinstance(exc, smtplib.SMTPDataError) and exc.smtp_code < 500:
            raise
        logger.warning("Badge email to participant %s refused: %s", participant.pk, exc)
        once(current, f"refused:{participant.pk}", lambda: None)


def _print_order(queryset):
    return queryset.select_related("user", "event").order_by("user__last_name", "user__first_name", "pk")


@job(BADGES_PDF)
def run_badges_pdf(current, progress):
    holders = _holders(current.event, current.params.get("kind"))
    for participant in holders.filter(qr_code_data="").select_related("event"):
        ensure_badge(participant=participant)
    ids = list(_print_order(holders).values_list("pk", flat=True))
    progress(0, total=len(ids))
    if not ids:
        raise AppError(_("No badge to print."), "no_participants")

    def in_order():
        for batch in _batches(ids):
            yield from _print_order(holders.filter(pk__in=batch))

    filename = f"badges-{timezone.localdate().isoformat()}.pdf"
    with tempfile.TemporaryFile() as out:
        count = write_badge_sheets(in_order(), out, progress=progress)
        out.seek(0)
        current.result_file.save(filename, File(out), save=False)
    return {"badges": count, "pages": -(-count // BADGES_PER_PAGE), "filename": filename}
