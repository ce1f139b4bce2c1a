"""Badge holders (/api/participants/), badge issue (/api/qr/generate/) and an event's badge key."""

import django_filters
from django import forms
from django.core.exceptions import ValidationError
from django.http import HttpResponse
from django.utils.translation import gettext as _
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiResponse, extend_schema, extend_schema_view
from drf_standardized_errors.openapi_validation_errors import extend_validation_errors
from rest_framework import mixins, status, viewsets
from rest_framework.decorators import action
from rest_framework.exceptions import NotFound
from rest_framework.negotiation import BaseContentNegotiation
from rest_framework.response import Response
from rest_framework.views import APIView

from events import badges
from events.models import Participant
from events.permissions import MEMBERS, ORGANISATEUR_ONLY, SIGNED_IN, require_role
from events.roles import SCANNERS
from events.scoping import EventScoped
from events.selectors import active_assignment
from events.selectors.participants import badge_of, participants_for_event
from events.serializers.participants import (
    BadgeKeySerializer,
    BadgeSerializer,
    ParticipantCreateSerializer,
    ParticipantSerializer,
    ParticipantUpdateSerializer,
    QrGenerateSerializer,
)
from events.services.participants import (
    add_participant,
    ensure_badge,
    reissue_badge,
    remove_participant,
    update_participant,
)
from makeplus.errors import AppError
from makeplus.openapi import ErrorResponse403Serializer

_png = OpenApiResponse(OpenApiTypes.BINARY, description="The badge's QR code as a PNG image.")


class StrictBooleanField(forms.NullBooleanField):
    """``true``/``false`` (or ``1``/``0``), absent for no filter; anything else is a 400, not ignored."""

    widget = forms.TextInput
    default_error_messages = {"invalid": _("Use true or false.")}  # declared: the API schema lists the code

    def to_python(self, value):
        text = "" if value is None else str(value).strip().lower()
        if text in ("", "true", "1", "false", "0"):
            return {"": None, "true": True, "1": True, "false": False, "0": False}[text]
        raise ValidationError(self.error_messages["invalid"], code="invalid")


class StrictBooleanFilter(django_filters.BooleanFilter):
    field_class = StrictBooleanField


class ParticipantFilter(django_filters.rest_framework.FilterSet):
    is_checked_in = StrictBooleanFilter()
    access_all_rooms = StrictBooleanFilter()

    class Meta:
        model = Participant
        fields = ["kind", "is_checked_in", "access_all_rooms"]


class IgnoreAcceptNegotiation(BaseContentNegotiation):
    """Image actions answer image/png whatever ``Accept`` says; their errors stay JSON."""

    def select_parser(self, request, parsers):
        return parsers[0]

    def select_renderer(self, request, renderers, format_suffix=None):
        return renderers[0], renderers[0].media_type


def badge_png_response(participant: Participant) -> HttpResponse:
    response = HttpResponse(badges.qr_png(participant.qr_code_data), content_type="image/png")
    response["Content-Disposition"] = f'inline; filename="badge-{participant.badge_id}.png"'
    response["Cache-Control"] = "private, no-store"  # a badge opens doors: keep it out of shared caches
    return response


@extend_schema_view(
    create=extend_schema(request=ParticipantCreateSerializer, responses={201: ParticipantSerializer}),
    partial_update=extend_schema(request=ParticipantUpdateSerializer, responses={200: ParticipantSerializer}),
)
@extend_validation_errors(["user_or_email_required"], field_name="non_field_errors", actions=["create"])
@extend_validation_errors(["read_only"], field_name="is_checked_in", actions=["partial_update"])
@extend_validation_errors(["read_only"], field_name="checked_in_at", actions=["partial_update"])
class ParticipantViewSet(
    mixins.ListModelMixin,
    mixins.RetrieveModelMixin,
    mixins.CreateModelMixin,
    mixins.UpdateModelMixin,
    mixins.DestroyModelMixin,
    EventScoped,
    viewsets.GenericViewSet,
):
    """Badge holders (participants and exposants) of the current event, managed by its
    organisateurs. Any member reads its own badge under ``me/``. Check-in is recorded by
    door scans, not here. Removing a participant deletes its badge and deactivates its role."""

    queryset = Participant.objects.none()
    serializer_class = ParticipantSerializer
    # Organisateurs manage the badges; any member reads its own (me/).
    event_roles = {
        "read": ORGANISATEUR_ONLY,
        "write": ORGANISATEUR_ONLY,
        "me": MEMBERS,
        "me_badge": MEMBERS,
        "me_badge_png": MEMBERS,
    }
    http_method_names = ["get", "post", "patch", "delete", "head", "options"]
    lookup_value_regex = r"\d+"
    filterset_class = ParticipantFilter
    # Names are the registration data (the profile's once accepted): searching them reveals nothing.
    search_fields = ["first_name", "last_name", "user__email", "badge_id"]
    ordering_fields = ["last_name", "first_name", "user__email", "badge_id", "kind", "created_at"]
    ordering = ["last_name", "first_name", "pk"]

    def scoped_queryset(self, assignment):
        return participants_for_event(assignment.event)

    def _show(self, participant: Participant, status_code=status.HTTP_200_OK) -> Response:
        fresh = self.get_queryset().get(pk=participant.pk)  # with the prefetched rooms
        return Response(self.get_serializer(fresh).data, status=status_code)

    def create(self, request, *args, **kwargs):
        serializer = ParticipantCreateSerializer(data=request.data, context=self.get_serializer_context())
        serializer.is_valid(raise_exception=True)
        data = dict(serializer.validated_data)
        participant = add_participant(
            event=self.current_event(), actor=request.user, user=data.pop("user_id", None), **data
        )
        return self._show(participant, status.HTTP_201_CREATED)

    def partial_update(self, request, *args, **kwargs):
        participant = self.get_object()
        serializer = ParticipantUpdateSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        update_participant(participant=participant, actor=request.user, **serializer.validated_data)
        return self._show(participant)

    def perform_destroy(self, instance):
        remove_participant(participant=instance, actor=self.request.user)

    def _my_badge(self, request) -> Participant:
        participant = badge_of(user=request.user, event=self.current_event())
        if participant is None:
            raise AppError(_("You hold no badge in this event."), "no_badge")
        return participant

    @extend_schema(responses={200: ParticipantSerializer})
    @action(detail=False, methods=["get"])
    def me(self, request):
        """The caller's own badge record in its current event."""
        return Response(self.get_serializer(self._my_badge(request)).data)

    @extend_schema(responses={200: BadgeSerializer})
    @action(detail=False, methods=["get"], url_path="me/badge", url_name="me-badge")
    def me_badge(self, request):
        """The caller's badge: what to show and the signed payload of its QR code."""
        return Response(BadgeSerializer(ensure_badge(participant=self._my_badge(request))).data)

    @extend_schema(responses={(200, "image/png"): _png})
    @action(
        detail=False,
        methods=["get"],
        url_path="me/badge/png",
        url_name="me-badge-png",
        content_negotiation_class=IgnoreAcceptNegotiation,
    )
    def me_badge_png(self, request):
        """The caller's badge QR code as a PNG image."""
        return badge_png_response(ensure_badge(participant=self._my_badge(request)))

    @extend_schema(responses={(200, "image/png"): _png})
    @action(
        detail=True,
        methods=["get"],
        url_path="badge/png",
        url_name="badge-png",
        content_negotiation_class=IgnoreAcceptNegotiation,
    )
    def badge_png(self, request, pk=None):
        """A participant's badge QR code as a PNG image (organisateurs)."""
        return badge_png_response(ensure_badge(participant=self.get_object()))


class QrGenerateView(EventScoped, APIView):
    """Issue a participant's badge, or re-issue it: the version goes up and the badge id
    changes, so every older QR code verifies as revoked and the old id is unknown."""

    event_roles = ORGANISATEUR_ONLY

    @extend_schema(request=QrGenerateSerializer, responses={200: BadgeSerializer}, tags=["participants"])
    def post(self, request):
        serializer = QrGenerateSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        participant = (
            participants_for_event(self.current_event()).filter(pk=serializer.validated_data["participant_id"]).first()
        )
        if participant is None:
            raise NotFound(_("No such participant in this event."), code="not_found")
        return Response(BadgeSerializer(reissue_badge(participant=participant, actor=request.user)).data)


class BadgeKeyView(APIView):
    """The public key that verifies this event's badges offline, for its staff.

    Decided from the caller's active assignment in the event of the URL (not the token's
    event): an event the caller has no role in is a 404; participants and exposants get 403.
    """

    event_roles = SIGNED_IN  # the role is read below, in the URL's event

    @extend_schema(responses={200: BadgeKeySerializer, 403: ErrorResponse403Serializer}, tags=["events"])
    def get(self, request, pk):
        assignment = active_assignment(user=request.user, event_id=pk)
        if assignment is None:
            raise NotFound()
        require_role(assignment.role, SCANNERS)  # who scans at its doors
        return Response(BadgeKeySerializer(badges.public_key_payload(assignment.event)).data)
