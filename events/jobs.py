"""Back-office jobs (found by makeplus.jobs' autodiscovery of <app>/jobs.py).

``badges_pdf_selection``: the badges of a selection of an event's holders (a filter of the
participants list in the back office, any size) as one PDF, made like the whole event's
(events.services.badge_delivery.run_badges_pdf): pages streamed to a temporary file, progress as
it goes, the PDF kept as the job's result file (downloaded from the Jobs page of the back office).
"""

import tempfile

from django.core.files import File
from django.utils import timezone
from django.utils.translation import gettext as _

from events.badges_pdf import BADGES_PER_PAGE, write_badge_sheets
from events.models import Participant
from events.services.participants import ensure_badge
from makeplus.errors import AppError
from makeplus.jobs import job, start_job

BADGES_PDF_SELECTION = "badges_pdf_selection"
BATCH = 200


def start_badges_pdf_selection(*, event, actor, participant_ids):
    """The job printing the badges of ``participant_ids`` (holders of ``event`` only)."""
    ids = sorted({int(pk) for pk in participant_ids})
    if not Participant.objects.filter(event=event, pk__in=ids).exists():
        raise AppError(_("No badge to print."), "no_participants")
    return start_job(kind=BADGES_PDF_SELECTION, event=event, created_by=actor, params={"ids": ids})


def _print_order(queryset):
    return queryset.select_related("user", "event").order_by("last_name", "first_name", "pk")


@job(BADGES_PDF_SELECTION)
def run_badges_pdf_selection(current, progress):
    holders = Participant.objects.filter(event=current.event, pk__in=current.params.get("ids") or [])
    for participant in holders.filter(qr_code_data=""):
        ensure_badge(participant=participant)
    ids = list(_print_order(holders).values_list("pk", flat=True))
    progress(0, total=len(ids))
    if not ids:
        raise AppError(_("No badge to print."), "no_participants")

    def in_order():
        for start in range(0, len(ids), BATCH):
            yield from _print_order(Participant.objects.filter(pk__in=ids[start : start + BATCH]))

    filename = f"badges-{timezone.localdate().isoformat()}.pdf"
    with tempfile.TemporaryFile() as out:
        count = write_badge_sheets(in_order(), out, progress=progress)
        out.seek(0)
        current.result_file.save(filename, File(out), save=False)
    return {"badges": count, "pages": -(-count // BADGES_PER_PAGE), "filename": filename}
