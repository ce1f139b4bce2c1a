"""Atelier registration and payment actions of /api/sessions/ (mixed into SessionViewSet).

- ``POST register/``, ``POST unregister/``: the caller's own badge in its current event
  (any role; a member without a badge gets 403 ``no_badge``).
- ``POST payments/``, ``GET registrations/``: organisateurs.

The session comes from the viewset's queryset (the caller's current event: another event's
session is a 404). Semantics of statuses, places and retries: events/services/ateliers.py.
"""

from django.utils.translation import gettext as _
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, OpenApiResponse, extend_schema
from rest_framework import serializers, status
from rest_framework.decorators import action
from rest_framework.generics import get_object_or_404
from rest_framework.response import Response

from events.models import Participant, Session, SessionAccess
from events.permissions import MEMBERS, ORGANISATEUR_ONLY
from events.selectors import ateliers as atelier_selectors
from events.serializers.ateliers import (
    AtelierAccessSerializer,
    AtelierConflictResponseSerializer,
    AtelierPaymentSerializer,
    AtelierRegistrationPageSerializer,
    AtelierRegistrationSerializer,
    AtelierRegistrationSummarySerializer,
)
from events.services import ateliers as atelier_services
from makeplus.errors import AppError
from makeplus.pagination import PageNumberPagination

_TAGS = ["ateliers"]
# Who runs the atelier actions (SessionViewSet.event_roles): a member with its own badge registers,
# organisateurs record payments and read the registrations.
ATELIER_ROLES = {
    "register": MEMBERS,
    "unregister": MEMBERS,
    "payments": ORGANISATEUR_ONLY,
    "registrations": ORGANISATEUR_ONLY,
}


def _conflict(codes: str) -> OpenApiResponse:
    return OpenApiResponse(AtelierConflictResponseSerializer, description=f"Refused by the atelier's state: {codes}.")


class AtelierActionsMixin:
    def _session(self):
        """The session of the URL, scoped like get_object() but without the session list's
        filters: on these actions the query string (``status``, ``search``) is about registrations."""
        session = get_object_or_404(self.get_queryset(), pk=self.kwargs[self.lookup_url_kwarg or self.lookup_field])
        self.check_object_permissions(self.request, session)
        return session

    def _my_badge(self) -> Participant:
        badge = Participant.objects.filter(user=self.request.user, event=self.current_event()).first()
        if badge is None:
            raise AppError(_("You need a badge of this event to register for ateliers."), "no_badge")
        return badge

    def _access_response(self, access: SessionAccess, session, status_code=status.HTTP_200_OK) -> Response:
        access.session = session
        access.places_left = atelier_selectors.places_left(session)
        return Response(AtelierAccessSerializer(access).data, status=status_code)

    @extend_schema(
        tags=_TAGS,
        request=None,
        responses={
            201: AtelierAccessSerializer,
            200: AtelierAccessSerializer,
            409: _conflict("atelier_full, session_closed"),
        },
        description=(
            "Take a place in this atelier with your badge. 201 when a place is taken; 200 when you "
            "already hold one (nothing changes, safe to retry). A free atelier is confirmed at once "
            "(status registered); a paid one stays registered with payment_required until an "
            "organisateur records the payment. Errors: not_an_atelier, session_closed, atelier_full, "
            "no_badge."
        ),
    )
    @action(detail=True, methods=["post"])
    def register(self, request, pk=None):
        session = self._session()
        result = atelier_services.register_for_session(session=session, participant=self._my_badge())
        return self._access_response(
            result.access, session, status.HTTP_201_CREATED if result.created else status.HTTP_200_OK
        )

    @extend_schema(
        tags=_TAGS,
        request=None,
        responses={200: AtelierAccessSerializer, 409: _conflict("not_registered, already_paid, session_closed")},
        description=(
            "Give your place back (status cancelled). Safe to retry. A paid place cannot be given back "
            "here (already_paid). Errors: not_an_atelier, session_closed, not_registered, already_paid, "
            "no_badge."
        ),
    )
    @action(detail=True, methods=["post"])
    def unregister(self, request, pk=None):
        session = self._session()
        access = atelier_services.unregister_from_session(session=session, participant=self._my_badge())
        return self._access_response(access, session)

    @extend_schema(
        tags=_TAGS,
        request=AtelierPaymentSerializer,
        responses={
            200: AtelierRegistrationSerializer,
            201: AtelierRegistrationSerializer,
            409: _conflict("already_paid, atelier_full, session_closed"),
        },
        description=(
            "Organisateurs: record that a badge holder paid this paid atelier (amount defaults to the "
            "price). A badge holder without a place is registered in the same step if a place is left "
            "(201); otherwise 200. Errors: not_paid_atelier, invalid_amount, already_paid, atelier_full, "
            "session_closed."
        ),
    )
    @action(detail=True, methods=["post"])
    def payments(self, request, pk=None):
        session = self._session()
        serializer = AtelierPaymentSerializer(data=request.data, context=self.get_serializer_context())
        serializer.is_valid(raise_exception=True)
        data = serializer.validated_data
        result = atelier_services.record_payment(
            session=session,
            participant=data["participant"],
            actor=request.user,
            method=data["method"],
            amount=data.get("amount"),
            receipt_number=data["receipt_number"],
        )
        access = result.access
        access.participant = data["participant"]
        return Response(
            AtelierRegistrationSerializer(access).data,
            status=status.HTTP_201_CREATED if result.created else status.HTTP_200_OK,
        )

    @extend_schema(
        tags=_TAGS,
        parameters=[
            OpenApiParameter(
                "status", OpenApiTypes.STR, enum=SessionAccess.Status.values, description="Registration status."
            ),
            OpenApiParameter("search", OpenApiTypes.STR, description="Name, email or badge id contains."),
            OpenApiParameter("page", OpenApiTypes.INT),
            OpenApiParameter("page_size", OpenApiTypes.INT, description="At most 100."),
        ],
        responses={200: AtelierRegistrationPageSerializer},
        description=(
            "Organisateurs: the atelier's registrations (oldest first, paginated) with who paid what, and "
            "in `summary` the totals of the whole atelier whatever the filters: counts by status, places "
            "left and revenue. Errors: not_an_atelier (400)."
        ),
    )
    @action(detail=True, methods=["get"])
    def registrations(self, request, pk=None):
        session = self._session()
        if session.session_type != Session.Type.ATELIER:
            raise AppError(_("Only ateliers take registrations."), "not_an_atelier")
        wanted = request.query_params.get("status") or None
        if wanted is not None and wanted not in SessionAccess.Status.values:
            raise serializers.ValidationError({"status": _("Unknown status.")}, code="invalid_choice")
        accesses = atelier_selectors.registrations_for_session(
            # NUL characters dropped, as DRF's SearchFilter does: PostgreSQL cannot compare text holding them.
            session,
            status=wanted,
            search=request.query_params.get("search", "").replace("\x00", "").strip(),
        )
        paginator = PageNumberPagination()
        page = paginator.paginate_queryset(accesses, request, view=self)
        response = paginator.get_paginated_response(AtelierRegistrationSerializer(page, many=True).data)
        response.data["summary"] = AtelierRegistrationSummarySerializer(
            atelier_selectors.registration_summary(session)
        ).data
        return response
