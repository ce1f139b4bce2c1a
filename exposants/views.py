"""Exposant directory (/api/exposants/), lead scanning and leads (/api/exposant/scan/, scans/),
visit statistics (/api/exposant/statistics/)."""

import csv

from django.http import FileResponse, HttpResponse
from django.utils import timezone
from django.utils.text import slugify
from django.utils.translation import gettext as _
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiResponse, extend_schema, extend_schema_view
from drf_standardized_errors.openapi_validation_errors import extend_validation_errors
from rest_framework import mixins, serializers, status
from rest_framework.decorators import action
from rest_framework.exceptions import NotFound
from rest_framework.response import Response
from rest_framework.views import APIView

from events.models import Role
from events.permissions import MEMBERS, Allow, EventRolePermission, current_assignment
from events.roles import EXPOSANT_FIGURES, EXPOSANTS
from events.scoping import EventScoped, EventScopedViewSet
from events.views.participants import IgnoreAcceptNegotiation
from exposants import selectors, services
from exposants.filters import ExposantFilter, ExposantScanFilter
from exposants.models import Exposant, ExposantScan
from exposants.permissions import MayEditExposantProfile
from exposants.serializers import (
    ExposantScanSerializer,
    ExposantSerializer,
    ExposantStatisticsSerializer,
    ScanRequestSerializer,
    visitor_contact,
)
from makeplus import read_cache
from makeplus.admin_csv import DELIMITER, _cell
from makeplus.parsers import FormParser, JSONParser, MultiPartParser  # our limits

_pdf = OpenApiResponse(OpenApiTypes.BINARY, description="The stand plan (application/pdf).")
_csv = OpenApiResponse(
    OpenApiTypes.BINARY, description="The leads as CSV: UTF-8 with BOM, ';'-separated (opens in Excel as is)."
)


def own_profile(request) -> Exposant:
    """The calling exposant's profile in its current event, created on first use."""
    assignment = current_assignment(request)
    profile = services.ensure_exposant_profile(event=assignment.event, user=request.user)
    profile.event = assignment.event  # the loaded instance: no query to reach it again
    return profile


@extend_schema_view(
    list=extend_schema(description="The current event's exposants. Organisateurs also see former exposants."),
)
class ExposantViewSet(
    read_cache.CachedReads,
    mixins.ListModelMixin,
    mixins.RetrieveModelMixin,
    mixins.UpdateModelMixin,
    EventScopedViewSet,
):
    """The exposant directory of the current event, for its members. An exposant changes its own
    profile (``me/``, or its id); organisateurs change any. The stand plan is a PDF, downloaded
    with the same token from ``{id}/plan/``."""

    queryset = Exposant.objects.none()
    serializer_class = ExposantSerializer
    read_resource = read_cache.Exposants()
    permission_classes = [EventRolePermission, MayEditExposantProfile]
    event_roles = {"read": MEMBERS, "write": MEMBERS, "me": Allow(EXPOSANTS)}
    parser_classes = [JSONParser, MultiPartParser, FormParser]
    http_method_names = ["get", "patch", "head", "options"]
    filterset_class = ExposantFilter
    search_fields = ["company_name", "stand_number", "stand_location"]
    ordering_fields = ["company_name", "stand_number", "created_at"]
    ordering = ["company_name", "pk"]

    def scoped_queryset(self, assignment):
        return selectors.exposants_for_event(assignment.event, include_inactive=assignment.role == Role.ORGANISATEUR)

    def _updated(self, profile: Exposant) -> Response:
        serializer = self.get_serializer(profile, data=self.request.data, partial=True)
        serializer.is_valid(raise_exception=True)
        services.update_exposant_profile(exposant=profile, actor=self.request.user, **serializer.validated_data)
        return Response(self.get_serializer(self.get_queryset().get(pk=profile.pk)).data)

    def partial_update(self, request, *args, **kwargs):
        return self._updated(self.get_object())

    @extend_schema(methods=["get"], responses={200: ExposantSerializer})
    @extend_schema(methods=["patch"], request=ExposantSerializer, responses={200: ExposantSerializer})
    @action(detail=False, methods=["get", "patch"])
    def me(self, request):
        """The calling exposant's own profile (created on first use)."""
        own_profile(request)
        profile = self.get_queryset().get(user=request.user)
        if request.method == "PATCH":
            return self._updated(profile)
        return Response(self.get_serializer(profile).data)

    @extend_schema(responses={(200, "application/pdf"): _pdf})
    @action(
        detail=True,
        methods=["get"],
        url_path="plan",
        url_name="plan-file",
        content_negotiation_class=IgnoreAcceptNegotiation,
    )
    def plan(self, request, pk=None):
        profile = self.get_object()
        if not profile.plan_file:
            raise NotFound(_("This exposant has no stand plan."), code="file_not_found")
        name = profile.company_name or _("exposant")
        return FileResponse(profile.plan_file.open("rb"), content_type="application/pdf", filename=f"{name} - plan.pdf")


@extend_validation_errors(["badge_required"], field_name="non_field_errors", methods=["post"])
class ExposantScanView(EventScoped, APIView):
    """Scan a visitor's badge at the stand: the visit becomes a lead. The badge is verified like at
    the doors; a refused badge is a 400 with its reason as code (``invalid_badge``, ``revoked``,
    ``wrong_event``), the exposant's own badge ``own_badge``. A new lead answers 201; a retry with
    the same ``nonce`` answers 200 with the stored lead."""

    event_roles = Allow(EXPOSANTS)

    @extend_schema(
        request=ScanRequestSerializer,
        responses={201: ExposantScanSerializer, 200: ExposantScanSerializer},
        tags=["exposants"],
    )
    def post(self, request):
        serializer = ScanRequestSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        profile = own_profile(request)
        result = services.record_scan(exposant=profile, **serializer.validated_data)
        scan = selectors.scans_for_exposant(profile).get(pk=result.scan.pk)
        return Response(
            ExposantScanSerializer(scan).data, status=status.HTTP_201_CREATED if result.created else status.HTTP_200_OK
        )


def _csv_filename(profile: Exposant) -> str:
    slug = slugify(profile.company_name) or "exposant"
    return f"leads-{slug}-{timezone.localdate().isoformat()}.csv"


def leads_csv(profile: Exposant, scans) -> HttpResponse:
    """The leads as the admin exports lists (makeplus/admin_csv.py): UTF-8 with a BOM, ';', local
    times, spreadsheet formulas neutralised. Contact cells stay empty without the visitor's consent."""
    response = HttpResponse(content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="{_csv_filename(profile)}"'
    response["Cache-Control"] = "private, no-store"  # personal data
    response.write("\ufeff")
    writer = csv.writer(response, delimiter=DELIMITER)
    writer.writerow(
        [_("Scanned at"), _("Name"), _("Email"), _("Phone"), _("Company"), _("Visit"), _("Rating"), _("Notes")]
    )
    for scan in scans:
        visitor = visitor_contact(scan.participant)
        cells = [
            scan.scanned_at,
            visitor["name"],
            visitor.get("email"),
            visitor.get("phone"),
            visitor.get("company"),
            scan.visit_number,
            scan.rating,
            scan.notes,
        ]
        writer.writerow([_cell(value) for value in cells])
    return response


@extend_schema(tags=["exposants"])
class ExposantScanViewSet(
    mixins.ListModelMixin, mixins.RetrieveModelMixin, mixins.UpdateModelMixin, EventScopedViewSet
):
    """The calling exposant's own leads, newest first; it edits their notes and rating.
    ``export/`` downloads them (same filters) as CSV."""

    queryset = ExposantScan.objects.none()
    serializer_class = ExposantScanSerializer
    event_roles = Allow(EXPOSANTS)
    http_method_names = ["get", "patch", "head", "options"]
    filterset_class = ExposantScanFilter
    search_fields = ["participant__first_name", "participant__last_name"]
    ordering_fields = ["scanned_at", "rating"]
    ordering = ["-scanned_at", "-pk"]

    def scoped_queryset(self, assignment):
        return selectors.scans_for_exposant(own_profile(self.request))

    def perform_update(self, serializer):
        serializer.instance = services.update_scan(
            scan=serializer.instance, actor=self.request.user, **serializer.validated_data
        )

    @extend_schema(responses={(200, "text/csv"): _csv}, filters=True)
    @action(detail=False, methods=["get"], content_negotiation_class=IgnoreAcceptNegotiation)
    def export(self, request):
        profile = own_profile(request)
        scans = self.filter_queryset(selectors.scans_for_exposant(profile))
        return leads_csv(profile, scans)


class StatisticsQuerySerializer(serializers.Serializer):
    exposant = serializers.IntegerField(
        required=False, min_value=1, help_text="Organisateurs: one exposant's figures instead of the overview."
    )


class ExposantStatisticsView(EventScoped, APIView):
    """Visit statistics. An exposant gets its own; an organisateur gets the event's figures over
    every stand and the ranking of its exposants, or one exposant's figures with ``?exposant=<id>``.
    Days and hours are counted in Africa/Algiers."""

    event_roles = Allow(EXPOSANT_FIGURES)

    @extend_schema(
        parameters=[StatisticsQuerySerializer], responses={200: ExposantStatisticsSerializer}, tags=["exposants"]
    )
    def get(self, request):
        query = StatisticsQuerySerializer(data=request.query_params)
        query.is_valid(raise_exception=True)
        wanted = query.validated_data.get("exposant")
        assignment = self.assignment
        if assignment.role == Role.EXPOSANT:
            profile = own_profile(request)
            if wanted is not None and wanted != profile.pk:
                raise NotFound()
            data = selectors.exposant_statistics(profile)
        elif wanted is None:
            data = selectors.event_exposant_statistics(assignment.event)
        else:
            profile = selectors.exposants_for_event(assignment.event, include_inactive=True).filter(pk=wanted).first()
            if profile is None:
                raise NotFound()
            profile.event = assignment.event
            data = selectors.exposant_statistics(profile)
        return Response(ExposantStatisticsSerializer(data).data)
