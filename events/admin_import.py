"""The admin's "Import participants" page (linked from the participants list): the same import as
``POST /api/participants/import/``, for organisateurs with staff access.

1. The organisateur picks one of its events (superusers: any), a CSV or XLSX file, and whether to
   send invitations; the file is checked (a dry run) and the report shown: counts and a table of
   the errors by line and column. Nothing is written.
2. Without errors, a "Confirm the import" button runs the real import as a job (in-process when no
   broker is configured), all or nothing. The checked file waits in storage under a generated name;
   the button carries a signed token naming it, the caller and the event, valid one hour: nobody
   can confirm another person's file or aim it at another event.
"""

import os
import uuid
from datetime import timedelta

from django import forms
from django.contrib import messages
from django.core import signing
from django.core.exceptions import PermissionDenied
from django.core.files.storage import default_storage
from django.http import HttpResponseRedirect
from django.template.response import TemplateResponse
from django.urls import NoReverseMatch, path, reverse
from django.utils import timezone
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from events.admin_scoping import organised_event_ids
from events.imports import read_table
from events.models import Event
from events.services.imports import import_participants
from makeplus.errors import AppError
from makeplus.jobs import start_job
from makeplus.uploads import validate_upload_size

PENDING_FOLDER = "imports/pending"
_TOKEN_SALT = "events.admin_import"
TOKEN_MAX_AGE = 3600  # seconds between the check and the confirmation


class ImportForm(forms.Form):
    event = forms.ModelChoiceField(label=_("event"), queryset=Event.objects.none())
    file = forms.FileField(
        label=_("file"),
        validators=[validate_upload_size],
        help_text=_(
            "CSV (separated by , or ;) or Excel (.xlsx, first sheet) with a header row: email (required), "
            "first name, last name, phone, company, kind, rooms, ateliers."
        ),
    )
    invite = forms.BooleanField(
        label=_("send invitations"),
        required=False,
        help_text=_("After the import, people without a password get an invitation to choose one."),
    )

    def __init__(self, *args, events, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["event"].queryset = events
        if events.count() == 1:
            self.fields["event"].initial = events.first()


def _events(request):
    if request.user.is_superuser:
        return Event.objects.order_by("-start_date")
    return Event.objects.filter(pk__in=organised_event_ids(request)).order_by("-start_date")


def _store(upload) -> str:
    """Keep the checked file until it is confirmed (and drop the ones never confirmed)."""
    _forget_stale()
    ext = os.path.splitext(upload.name or "")[1].lower()
    ext = ext if ext in (".csv", ".txt", ".tsv", ".xlsx", ".xlsm") else ""
    upload.seek(0)
    return default_storage.save(f"{PENDING_FOLDER}/{uuid.uuid4().hex}{ext}", upload)


def _forget_stale() -> None:
    try:
        _dirs, files = default_storage.listdir(PENDING_FOLDER)
    except (FileNotFoundError, NotImplementedError, OSError):
        return
    limit = timezone.now() - timedelta(seconds=2 * TOKEN_MAX_AGE)
    for name in files:
        path_ = f"{PENDING_FOLDER}/{name}"
        try:
            if default_storage.get_modified_time(path_) < limit:
                default_storage.delete(path_)
        except (FileNotFoundError, NotImplementedError, OSError):
            continue


def _participants_url(event_id=None) -> str:
    url = reverse("admin:events_participant_changelist")
    return f"{url}?event__id__exact={event_id}" if event_id else url


def _job_url(job) -> str:
    try:
        return reverse("admin:makeplus_job_change", args=[job.pk])
    except NoReverseMatch:  # pragma: no cover (the job admin is registered by makeplus/admin.py)
        return _participants_url(job.event_id)


def import_participants_view(request, model_admin):
    if not (request.user.is_superuser or organised_event_ids(request)):
        raise PermissionDenied
    events = _events(request)
    context = {
        **model_admin.admin_site.each_context(request),
        "opts": model_admin.model._meta,
        "title": gettext("Import participants"),
        "participants_url": _participants_url(),
    }
    if request.method == "POST" and "token" in request.POST:
        return _confirm(request, events)
    form = ImportForm(request.POST or None, request.FILES or None, events=events)
    if request.method == "POST" and form.is_valid():
        event, upload = form.cleaned_data["event"], form.cleaned_data["file"]
        try:
            report = import_participants(event=event, table=read_table(upload), by=request.user, dry_run=True)
        except AppError as exc:
            form.add_error("file", str(exc.message))
        else:
            context.update(report=report, event=event)
            if not report["errors"]:
                payload = {
                    "u": request.user.pk,
                    "e": str(event.pk),
                    "f": _store(upload),
                    "i": bool(form.cleaned_data["invite"]),
                    "n": os.path.basename(upload.name or ""),
                }
                context["token"] = signing.dumps(payload, salt=_TOKEN_SALT, compress=True)
                context["invite"] = payload["i"]
    context["form"] = form
    return TemplateResponse(request, "admin/events/import_participants.html", context)


def _confirm(request, events):
    try:
        payload = signing.loads(request.POST["token"], salt=_TOKEN_SALT, max_age=TOKEN_MAX_AGE)
    except signing.BadSignature:  # also SignatureExpired
        messages.error(request, gettext("This check is too old or invalid: check the file again."))
        return HttpResponseRedirect(request.path)
    event = events.filter(pk=payload["e"]).first()
    if payload["u"] != request.user.pk or event is None:
        raise PermissionDenied
    name = payload["f"]
    if not name.startswith(f"{PENDING_FOLDER}/") or not default_storage.exists(name):
        messages.error(request, gettext("This file was already imported or has expired: check it again."))
        return HttpResponseRedirect(request.path)
    with default_storage.open(name, "rb") as stored:
        stored.name = payload.get("n") or os.path.basename(name)
        job = start_job(
            kind="import_participants",
            event=event,
            created_by=request.user,
            params={"invite": payload["i"]},
            input_file=stored,
        )
    default_storage.delete(name)
    job.refresh_from_db()  # run already when no broker is configured
    return _after_job(request, job, event)


def _after_job(request, job, event):
    result = job.result or {}
    if job.status == job.Status.DONE and result.get("written"):
        messages.success(
            request,
            gettext(
                "Import done: %(created)d created, %(updated)d updated, %(unchanged)d unchanged, %(invited)d invited."
            )
            % {key: result.get(key, 0) for key in ("created", "updated", "unchanged", "invited")},
        )
        return HttpResponseRedirect(_participants_url(event.pk))
    if job.status == job.Status.DONE:  # the data changed since the check: nothing was written
        messages.error(
            request,
            gettext("Nothing was imported: %(count)d rows have errors now. Check the file again.")
            % {"count": len(result.get("errors", []))},
        )
        return HttpResponseRedirect(_job_url(job))
    if job.status == job.Status.FAILED:
        messages.error(request, gettext("The import failed: %(error)s") % {"error": job.error})
        return HttpResponseRedirect(_job_url(job))
    messages.info(request, gettext("The import has started; follow it on this page."))
    return HttpResponseRedirect(_job_url(job))


def import_urls(model_admin) -> list:
    """The page's URL, added to the participants admin (events/admin_participants.py)."""
    view = model_admin.admin_site.admin_view(lambda request: import_participants_view(request, model_admin))
    return [path("import/", view, name="events_participant_import")]
