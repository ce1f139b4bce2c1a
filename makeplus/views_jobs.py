"""The job queue's API (organisateurs of the job's event) and the badge delivery routes.

* ``GET /api/jobs/``, ``GET /api/jobs/{id}/``: the current event's jobs, their progress and result;
  another event's job is a 404.
* ``GET /api/jobs/{id}/download/``: the result file of a finished job (the JSON also carries a
  short-lived signed ``download_url`` for clients without the JWT).
* ``POST /api/participants/{id}/send-badge/``: email one participant its badge (sent after commit).
* ``POST /api/participants/send-badges/``: a job emailing every badge holder of the event (202).
* ``POST /api/participants/badges-pdf/``: a job printing every badge of the event as one PDF (202).
"""

import mimetypes

from django.http import FileResponse
from django.utils.translation import gettext as _
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiResponse, extend_schema
from rest_framework import mixins, status, viewsets
from rest_framework.decorators import action
from rest_framework.exceptions import NotFound
from rest_framework.response import Response
from rest_framework.views import APIView

from events.permissions import ORGANISATEUR_ONLY
from events.scoping import EventScoped
from events.selectors.participants import participants_for_event
from events.services import badge_delivery
from makeplus.errors import AppError
from makeplus.models import Job
from makeplus.openapi import ErrorResponse409Serializer
from makeplus.serializers_jobs import (
    BadgeJobRequestSerializer,
    JobSerializer,
    SendBadgeResponseSerializer,
    download_name,
)


class JobViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, EventScoped, viewsets.GenericViewSet):
    """Long-running work of the current event (badge emails, badge PDFs, imports): status
    (pending, running, done, failed), progress, result, error; organisateurs only."""

    queryset = Job.objects.none()
    serializer_class = JobSerializer
    event_roles = ORGANISATEUR_ONLY
    lookup_value_regex = r"[0-9a-fA-F-]{32,36}"
    filterset_fields = ["status", "kind"]
    ordering_fields = ["created_at"]
    ordering = ["-created_at", "pk"]

    def scoped_queryset(self, assignment):
        return Job.objects.filter(event=assignment.event).select_related("created_by")

    @extend_schema(
        responses={
            (200, "application/octet-stream"): OpenApiResponse(OpenApiTypes.BINARY),
            409: OpenApiResponse(
                ErrorResponse409Serializer, description="The job has not finished (job_not_finished)."
            ),
        },
        summary="Download a finished job's result file",
    )
    @action(detail=True, methods=["get"])
    def download(self, request, pk=None):
        job = self.get_object()
        if job.status != Job.Status.DONE:
            raise AppError(_("The job has not finished yet."), "job_not_finished")
        if not job.result_file or not job.result_file.storage.exists(job.result_file.name):
            raise AppError(_("This job has no file to download."), "file_not_found")
        filename = download_name(job)
        content_type = mimetypes.guess_type(filename)[0] or "application/octet-stream"
        response = FileResponse(job.result_file.open("rb"), content_type=content_type, filename=filename)
        response["Content-Disposition"] = f'attachment; filename="{filename}"'
        response["Cache-Control"] = "private, no-store"  # badges open doors
        return response


class _EventBadgeJobView(EventScoped, APIView):
    event_roles = ORGANISATEUR_ONLY
    start = None

    def post(self, request):
        serializer = BadgeJobRequestSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        job = type(self).start(
            event=self.current_event(), actor=request.user, kind=serializer.validated_data.get("kind")
        )
        job.refresh_from_db()  # in-process (no broker), it already ran after the commit
        return Response(JobSerializer(job, context={"request": request}).data, status=status.HTTP_202_ACCEPTED)


class SendBadgesView(_EventBadgeJobView):
    """Email every badge holder of the current event its badge (QR inline, printable PDF attached),
    as a job: follow it at ``/api/jobs/{id}/``. Each holder receives one message per job."""

    start = staticmethod(badge_delivery.start_send_badges)

    @extend_schema(request=BadgeJobRequestSerializer, responses={202: JobSerializer}, tags=["participants"])
    def post(self, request):
        return super().post(request)


class BadgesPdfView(_EventBadgeJobView):
    """Print every badge of the current event as one PDF (any number), as a job: the PDF is the
    job's result (``download_url``, or ``/api/jobs/{id}/download/``)."""

    start = staticmethod(badge_delivery.start_badges_pdf)

    @extend_schema(request=BadgeJobRequestSerializer, responses={202: JobSerializer}, tags=["participants"])
    def post(self, request):
        return super().post(request)


class SendBadgeView(EventScoped, APIView):
    """Email one participant of the current event its badge, now (after the request's writes commit).
    503 ``mail_unavailable`` when the mail server refuses or cannot be reached."""

    event_roles = ORGANISATEUR_ONLY

    @extend_schema(request=None, responses={200: SendBadgeResponseSerializer}, tags=["participants"])
    def post(self, request, pk: int):
        participant = participants_for_event(self.current_event()).filter(pk=pk).first()
        if participant is None:
            raise NotFound(_("No such participant in this event."), code="not_found")
        outcome = badge_delivery.send_badge(participant=participant)
        if outcome["sent"] is False:  # the request's writes committed; the mail server did not take it
            raise AppError(_("The mail server could not be reached: try again in a moment."), "mail_unavailable")
        return Response({"participant_id": participant.pk, **outcome})
