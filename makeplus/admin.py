"""The job queue in the Django admin: each organisateur sees its events' jobs, their progress and
error, and downloads the result file of a finished one. Jobs are started by the actions that need
them (e.g. the participants' "send badges" and "print the whole event's badges"), never added here."""

import mimetypes

from django.contrib import admin
from django.http import FileResponse, Http404
from django.urls import path, reverse
from django.utils.html import format_html
from django.utils.translation import gettext_lazy as _

from events.admin_scoping import OrganisateurScopedAdmin
from makeplus.models import Job
from makeplus.serializers_jobs import download_name


@admin.register(Job)
class JobAdmin(OrganisateurScopedAdmin, admin.ModelAdmin):
    event_path = "event"
    list_display = ["kind", "event", "status", "progress_bar", "created_by", "created_at", "finished_at", "download"]
    list_filter = ["status", "kind", ("event", admin.RelatedOnlyFieldListFilter)]
    list_select_related = ["event", "created_by"]
    search_fields = ["kind", "event__name", "created_by__email"]
    ordering = ["-created_at"]
    fields = [
        "kind",
        "event",
        "status",
        "progress_bar",
        "error",
        "result",
        "download",
        "params",
        "attempts",
        "created_by",
        "created_at",
        "started_at",
        "finished_at",
    ]
    readonly_fields = fields

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    @admin.display(description=_("progress"))
    def progress_bar(self, obj):
        percent = 100 if obj.status == Job.Status.DONE else (obj.progress * 100 // obj.total if obj.total else 0)
        return format_html(
            '<progress value="{}" max="100" style="width:8em"></progress> {} / {}',
            min(percent, 100),
            obj.progress,
            obj.total,
        )

    @admin.display(description=_("result file"))
    def download(self, obj):
        if obj.status != Job.Status.DONE or not obj.result_file:
            return "—"
        url = reverse("admin:makeplus_job_download", args=[obj.pk])
        return format_html('<a href="{}">{}</a>', url, download_name(obj))

    def get_urls(self):
        return [
            path(
                "<uuid:object_id>/download/",
                self.admin_site.admin_view(self.download_view),
                name="makeplus_job_download",
            ),
            *super().get_urls(),
        ]

    def download_view(self, request, object_id):
        # Another event's job is out of get_queryset: a 404 like a missing one.
        job = self.get_queryset(request).filter(pk=object_id).first()
        if job is None or not self.has_view_permission(request, job):
            raise Http404
        if (
            job.status != Job.Status.DONE
            or not job.result_file
            or not job.result_file.storage.exists(job.result_file.name)
        ):
            raise Http404
        filename = download_name(job)
        content_type = mimetypes.guess_type(filename)[0] or "application/octet-stream"
        response = FileResponse(
            job.result_file.open("rb"), content_type=content_type, as_attachment=True, filename=filename
        )
        response["Cache-Control"] = "private, no-store"
        return response
