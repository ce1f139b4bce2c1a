"""The app's exposant screens (contract §3.6) over our exposant services and selectors.

* ``GET /api/participants/?user_id=<scanned text>`` — the scanner's look-up before the remark dialog.
  For an exposant, the scanned text must be our signed badge payload (``MP1.…``), or a typed badge id
  when the event allows it (``Event.settings["scan_accepts_badge_id"]``, as the controller's scan); it
  is checked like at the doors (exposants.services.visitor_for_badge). A bare user id is refused (``invalid_badge``): a
  sequential id is not a badge. The answer names the visitor; email and phone only when the visitor
  consents (``share_contact_with_exposants``). Any other caller, or a request without ``user_id``,
  gets our own ``/api/participants/`` unchanged (organisateurs only).
* ``POST /api/exposant-scans/scan_participant/`` — records the visit (``record_scan``) in the token's
  event; an ``event_id`` naming another event is refused (400 ``wrong_event``). ``{"scan": …}``.
* ``GET /api/exposant-scans/my_scans/`` — ``{total_visits, today_visits, scans}``, every lead (not paged).
* ``GET /api/exposant-scans/export_excel/`` — the leads as a real ``.xlsx`` (our CSV export stays).
"""

import io

from django.http import HttpResponse
from django.utils import timezone
from django.utils.text import slugify
from django.utils.translation import gettext as _
from django.views.decorators.csrf import csrf_exempt
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiResponse, extend_schema
from drf_standardized_errors.openapi_validation_errors import extend_validation_errors
from rest_framework import serializers, status
from rest_framework.response import Response
from rest_framework.views import APIView

from events.badges import PREFIX, typed_badge_id
from events.calendar import event_today, event_zone
from events.models import Role
from events.permissions import Allow
from events.roles import EXPOSANTS
from events.scoping import EventScoped
from events.views.participants import IgnoreAcceptNegotiation, ParticipantViewSet
from exposants import selectors, services
from exposants.models import NOTES_MAX_LENGTH, Exposant
from exposants.serializers import visitor_contact
from exposants.views import own_profile
from makeplus.datetimes import DateTimeField
from makeplus.errors import AppError
from mobile.event_day import TYPED_BADGE_SETTING  # one switch for the app's scanners (door and stand)

SCANNED_TEXT_MAX_LENGTH = 512
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def typed_badge_allowed(event) -> bool:
    """Whether the event accepts a badge id typed by hand where the app sends a scanned text."""
    return (event.settings or {}).get(TYPED_BADGE_SETTING) is True


def badge_of_scanned_text(text: str, event) -> dict:
    """``{"qr_code": …}`` or ``{"badge_id": …}`` for the badge services, from what the app scanned."""
    text = (text or "").strip()
    if text.upper().startswith(PREFIX):
        return {"qr_code": text}
    if typed_badge_allowed(event) and typed_badge_id(text) is not None:
        return {"badge_id": text}
    raise AppError(_("This badge is not valid (unreadable, forged or unknown)."), "invalid_badge")


def _current_event_id(value, event) -> None:
    if value is not None and value != event.pk:
        raise serializers.ValidationError(
            {"event_id": [serializers.ErrorDetail(_("You are signed in to another event."), code="wrong_event")]}
        )


# --- shapes ---------------------------------------------------------------------------------


class LookupQuerySerializer(serializers.Serializer):
    user_id = serializers.CharField(max_length=SCANNED_TEXT_MAX_LENGTH, help_text="The scanned badge text.")


class VisitorLookupSerializer(serializers.Serializer):
    """A scanned visitor as the app's look-up reads it (``full_name``, ``email``): contact only with consent."""

    badge_id = serializers.CharField(help_text="The visitor's badge id.")
    full_name = serializers.CharField()
    first_name = serializers.CharField()
    last_name = serializers.CharField()
    email = serializers.EmailField(allow_null=True, help_text="Null unless the visitor shares its contact.")
    phone = serializers.CharField(allow_null=True, help_text="Null unless the visitor shares its contact.")
    company = serializers.CharField(allow_null=True, help_text="Null unless the visitor shares its contact.")
    contact_shared = serializers.BooleanField()
    user = serializers.DictField(help_text="first_name, last_name, email (null without consent).")

    def to_representation(self, participant):
        contact = visitor_contact(participant)
        email = contact.get("email")
        first_name, last_name = participant.first_name, participant.last_name  # what the event shows
        return {
            "badge_id": participant.badge_id,
            "full_name": contact["name"],
            "first_name": first_name,
            "last_name": last_name,
            "email": email,
            "phone": contact.get("phone"),
            "company": contact.get("company"),
            "contact_shared": contact["contact_shared"],
            "user": {"first_name": first_name, "last_name": last_name, "email": email},
        }


class VisitorLookupListSerializer(serializers.Serializer):
    count = serializers.IntegerField()
    next = serializers.CharField(allow_null=True)
    previous = serializers.CharField(allow_null=True)
    results = VisitorLookupSerializer(many=True)


class AppScanSerializer(serializers.Serializer):
    """A lead as the app's ExposantScan reads it. ``scanned_participant`` is the badge id (never a
    sequential id); the email only with the visitor's consent."""

    id = serializers.CharField()
    exposant = serializers.CharField()
    scanned_participant = serializers.CharField(help_text="The visitor's badge id.")
    event = serializers.CharField()
    scanned_at = DateTimeField()
    notes = serializers.CharField(allow_blank=True)
    rating = serializers.IntegerField(allow_null=True)
    visit_number = serializers.IntegerField()
    scanned_participant_name = serializers.CharField()
    scanned_participant_email = serializers.EmailField(allow_null=True)
    scanned_participant_phone = serializers.CharField(allow_null=True)
    scanned_participant_badge = serializers.CharField()

    def to_representation(self, scan):
        exposant: Exposant = self.context["exposant"]
        contact = visitor_contact(scan.participant)
        return {
            "id": str(scan.pk),
            "exposant": str(exposant.pk),
            "scanned_participant": scan.participant.badge_id,
            "event": str(exposant.event_id),
            "scanned_at": DateTimeField().to_representation(scan.scanned_at),
            "notes": scan.notes,
            "rating": scan.rating,
            "visit_number": getattr(scan, "visit_number", 1),
            "scanned_participant_name": contact["name"],
            "scanned_participant_email": contact.get("email"),
            "scanned_participant_phone": contact.get("phone"),
            "scanned_participant_badge": scan.participant.badge_id,
        }


class ScanParticipantSerializer(serializers.Serializer):
    qr_data = serializers.CharField(max_length=SCANNED_TEXT_MAX_LENGTH, help_text="The scanned badge text, verbatim.")
    event_id = serializers.UUIDField(required=False, allow_null=True, help_text="Must be the token's event.")
    notes = serializers.CharField(required=False, allow_null=True, allow_blank=True, max_length=NOTES_MAX_LENGTH)


class ScanResponseSerializer(serializers.Serializer):
    scan = AppScanSerializer()


class MyScansQuerySerializer(serializers.Serializer):
    event_id = serializers.UUIDField(required=False, help_text="Must be the token's event.")


class MyScansSerializer(serializers.Serializer):
    total_visits = serializers.IntegerField()
    today_visits = serializers.IntegerField()
    unique_visitors = serializers.IntegerField()
    scans = AppScanSerializer(many=True)


# --- views ----------------------------------------------------------------------------------

_our_participants = ParticipantViewSet.as_view({"get": "list", "post": "create"})


class VisitorLookupView(EventScoped, APIView):
    """The exposant's look-up of a scanned badge (see the module docstring)."""

    event_roles = Allow()  # exposants look up; every other member gets our /participants/ (its own rule)

    @extend_schema(
        parameters=[LookupQuerySerializer], responses={200: VisitorLookupListSerializer}, tags=["mobile app"]
    )
    def get(self, request):
        if self.assignment.role != Role.EXPOSANT:
            return _our_participants(request._request)
        query = LookupQuerySerializer(data=request.query_params)
        query.is_valid(raise_exception=True)
        profile = own_profile(request)
        badge = badge_of_scanned_text(query.validated_data["user_id"], profile.event)
        visitor = services.visitor_for_badge(exposant=profile, **badge)
        data = {"count": 1, "next": None, "previous": None, "results": [visitor]}
        return Response(VisitorLookupListSerializer(data).data)


_lookup = VisitorLookupView.as_view()


@csrf_exempt  # as every DRF view: the token authenticates, not a cookie
def participants_collection(request, *args, **kwargs):
    """``/api/participants/``: the exposant's look-up when ``user_id`` is given, ours otherwise."""
    if request.method == "GET" and "user_id" in request.GET:
        return _lookup(request)
    return _our_participants(request)


# Its methods are our collection's (makeplus.error_handling.MethodNotAllowedMiddleware: 405 for the others).
participants_collection.methods_of = _our_participants


@extend_validation_errors(["wrong_event"], field_name="event_id", methods=["post"])
class ScanParticipantView(EventScoped, APIView):
    """Record a visit at the caller's stand from the scanned badge text (201; the app accepts 200/201)."""

    event_roles = Allow(EXPOSANTS)

    @extend_schema(
        request=ScanParticipantSerializer,
        responses={201: ScanResponseSerializer},
        tags=["mobile app"],
    )
    def post(self, request):
        body = ScanParticipantSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        profile = own_profile(request)
        _current_event_id(body.validated_data.get("event_id"), profile.event)
        badge = badge_of_scanned_text(body.validated_data["qr_data"], profile.event)
        result = services.record_scan(exposant=profile, notes=body.validated_data.get("notes") or "", **badge)
        scan = selectors.scans_for_exposant(profile).get(pk=result.scan.pk)
        data = ScanResponseSerializer({"scan": scan}, context={"exposant": profile}).data
        return Response(data, status=status.HTTP_201_CREATED if result.created else status.HTTP_200_OK)


@extend_validation_errors(["wrong_event", "invalid"], field_name="event_id", methods=["get"])
class MyScansView(EventScoped, APIView):
    """The caller's leads in its current event, all of them, newest first, with its totals."""

    event_roles = Allow(EXPOSANTS)

    @extend_schema(parameters=[MyScansQuerySerializer], responses={200: MyScansSerializer}, tags=["mobile app"])
    def get(self, request):
        query = MyScansQuerySerializer(data=request.query_params)
        query.is_valid(raise_exception=True)
        profile = own_profile(request)
        _current_event_id(query.validated_data.get("event_id"), profile.event)
        scans = selectors.scans_for_exposant(profile)
        figures = selectors.visit_figures(scans, today=event_today(profile.event), tz=event_zone(profile.event))
        data = {
            "total_visits": figures["total_visits"],
            "today_visits": figures["today_visits"],
            "unique_visitors": figures["unique_visitors"],
            "scans": scans.order_by("-scanned_at", "-pk"),
        }
        return Response(MyScansSerializer(data, context={"exposant": profile}).data)


def _xlsx_value(value):
    if hasattr(value, "tzinfo") and value.tzinfo is not None:
        return timezone.localtime(value).replace(tzinfo=None)
    return value


def leads_xlsx(profile: Exposant, scans) -> HttpResponse:
    """The leads as an Excel workbook: the CSV export's columns, local times as real dates, contact
    cells empty without the visitor's consent, text never read as a formula."""
    from openpyxl import Workbook
    from openpyxl.utils import get_column_letter

    workbook = Workbook()
    sheet = workbook.active
    sheet.title = _("Visitors")[:31]
    header = [_("Scanned at"), _("Name"), _("Email"), _("Phone"), _("Company"), _("Visit"), _("Rating"), _("Notes")]
    sheet.append([str(label) for label in header])
    for scan in scans:
        visitor = visitor_contact(scan.participant)
        row = [
            _xlsx_value(scan.scanned_at),
            visitor["name"],
            visitor.get("email"),
            visitor.get("phone"),
            visitor.get("company"),
            scan.visit_number,
            scan.rating,
            scan.notes,
        ]
        sheet.append([value if value != "" else None for value in row])
        for cell in sheet[sheet.max_row]:
            if isinstance(cell.value, str):
                cell.data_type = "s"  # "=HYPERLINK(…)" in a note stays text
        sheet.cell(row=sheet.max_row, column=1).number_format = "yyyy-mm-dd hh:mm"
    for column, width in enumerate([18, 28, 32, 18, 24, 8, 8, 50], start=1):
        sheet.column_dimensions[get_column_letter(column)].width = width
    buffer = io.BytesIO()
    workbook.save(buffer)
    slug = slugify(profile.company_name) or "exposant"
    response = HttpResponse(buffer.getvalue(), content_type=XLSX)
    response["Content-Disposition"] = f'attachment; filename="leads-{slug}-{timezone.localdate().isoformat()}.xlsx"'
    response["Cache-Control"] = "private, no-store"  # personal data
    return response


class ExportExcelView(EventScoped, APIView):
    """The caller's leads in its current event as an .xlsx workbook (our CSV: /api/exposant/scans/export/)."""

    event_roles = Allow(EXPOSANTS)
    content_negotiation_class = IgnoreAcceptNegotiation

    @extend_schema(
        responses={(200, XLSX): OpenApiResponse(OpenApiTypes.BINARY, description="The leads (.xlsx).")},
        tags=["mobile app"],
    )
    def get(self, request):
        profile = own_profile(request)
        return leads_xlsx(profile, selectors.scans_for_exposant(profile).order_by("-scanned_at", "-pk"))
