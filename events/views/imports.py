"""``POST /api/participants/import/``: a participant list (CSV or XLSX) into the current event.

A dry run (the default) answers 200 with the report and writes nothing. A real run answers 202
with the import job (``/api/jobs/{id}/``) once the file is readable (an unreadable file, a missing
email column... are a 400 at once); the job's ``result`` is the report: ``written`` is false and
``errors`` lists the rows when any row has an error, and then nothing at all was written. Without a
job broker (the embedded default) the job has run in-process by the time the answer leaves: its
status is already ``done`` and its result there.
"""

from django.utils.translation import gettext_lazy as _
from drf_spectacular.utils import OpenApiResponse, extend_schema
from rest_framework import serializers, status
from rest_framework.fields import empty
from rest_framework.response import Response
from rest_framework.views import APIView

from events.imports import read_table
from events.permissions import ORGANISATEUR_ONLY
from events.scoping import EventScoped
from events.services.imports import import_participants
from makeplus.jobs import start_job
from makeplus.serializers_jobs import JobSerializer
from makeplus.uploads import validate_upload_size

IMPORT_JOB = "import_participants"


class _Flag(serializers.BooleanField):
    """A boolean whose default also holds in a multipart form that leaves it out (DRF reads a
    missing form checkbox as false)."""

    default_empty_html = empty


class ImportRequestSerializer(serializers.Serializer):
    file = serializers.FileField(
        validators=[validate_upload_size],
        help_text=_("The list: CSV (, or ; separated, UTF-8 or Windows-1252) or XLSX (first sheet), a header row."),
    )
    dry_run = _Flag(default=True, help_text=_("Only check the file and report (default)."))
    invite = _Flag(default=False, help_text=_("Send an invitation to the people without a password yet."))


class ImportErrorSerializer(serializers.Serializer):
    line = serializers.IntegerField(help_text=_("The row's number in the spreadsheet (the header is row 1)."))
    column = serializers.CharField(allow_blank=True, help_text=_("The column's header in the file."))
    code = serializers.CharField()
    detail = serializers.CharField()


class ImportReportSerializer(serializers.Serializer):
    dry_run = serializers.BooleanField()
    written = serializers.BooleanField(help_text=_("False whenever a row has an error: then nothing is written."))
    rows = serializers.IntegerField()
    created = serializers.IntegerField()
    updated = serializers.IntegerField()
    unchanged = serializers.IntegerField()
    errors = ImportErrorSerializer(many=True)
    columns = serializers.DictField(child=serializers.CharField(), help_text=_("Field → the header it was read from."))
    ignored_columns = serializers.ListField(child=serializers.CharField())
    invited = serializers.IntegerField()


class ParticipantImportView(EventScoped, APIView):
    """Import participants from a CSV or XLSX file into the current event (organisateurs)."""

    event_roles = ORGANISATEUR_ONLY

    @extend_schema(
        tags=["participants"],
        request=ImportRequestSerializer,
        responses={
            200: OpenApiResponse(ImportReportSerializer, description="The dry run's report."),
            202: OpenApiResponse(JobSerializer, description="The import job, started: follow it at /api/jobs/{id}/."),
        },
    )
    def post(self, request):
        serializer = ImportRequestSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        data = serializer.validated_data
        event = self.current_event()
        table = read_table(data["file"])  # a file that cannot be read is refused here, in both modes
        if data["dry_run"]:
            report = import_participants(event=event, table=table, by=request.user, dry_run=True)
            return Response(ImportReportSerializer(report).data)
        job = start_job(
            kind=IMPORT_JOB,
            event=event,
            created_by=request.user,
            params={"invite": data["invite"]},
            input_file=data["file"],
        )
        job.refresh_from_db()  # run already when no broker is configured
        data = JobSerializer(job, context={"request": request}).data
        return Response(data, status=status.HTTP_202_ACCEPTED, headers={"Location": f"/api/jobs/{job.pk}/"})
