import django_filters
from django.http import FileResponse
from django.utils.translation import gettext as _
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, OpenApiResponse, extend_schema, extend_schema_view
from drf_standardized_errors.openapi_validation_errors import extend_validation_errors
from rest_framework import mixins, status, viewsets
from rest_framework.decorators import action
from rest_framework.exceptions import NotFound
from rest_framework.response import Response
from rest_framework.views import APIView

from events import selectors, services
from events.models import Role, UserEventAssignment
from events.permissions import MEMBERS, ORGANISATEUR_ONLY, SIGNED_IN, TEAM_ONLY, Allow
from events.roles import ORGANISATEURS
from events.scoping import EventScoped
from events.selectors.programme import with_managed_room
from events.serializers import (
    AssignmentCreateSerializer,
    AssignmentSerializer,
    AssignmentUpdateSerializer,
    DashboardSerializer,
    EventSerializer,
    EventStatisticsSerializer,
)

# /api/events/{id}/: the role is read in the event of the URL (``my_role``), which need not be the
# one selected in the token: an organisateur manages each of its events from the list it gets at login.
ITS_ORGANISERS = Allow(ORGANISATEURS, event="object")

_confirm = OpenApiParameter(
    "confirm", OpenApiTypes.BOOL, description="Required to delete an event that has members or data."
)
_pdf = OpenApiResponse(OpenApiTypes.BINARY, description="The PDF document (application/pdf).")


_WRITES = ["create", "update", "partial_update"]


@extend_schema_view(destroy=extend_schema(parameters=[_confirm]))
@extend_validation_errors(["invalid_themes"], field_name="themes", actions=_WRITES)
@extend_validation_errors(["not_an_object"], field_name="settings", actions=_WRITES)
@extend_validation_errors(["not_an_object"], field_name="metadata", actions=_WRITES)
@extend_validation_errors(["end_before_start"], field_name="end_date", actions=_WRITES)
class EventViewSet(viewsets.ModelViewSet):
    """The caller's events. Any authenticated user may create an event and becomes its
    organisateur; only that event's organisateurs change or delete it."""

    serializer_class = EventSerializer
    # Signed in: list and create; the events listed are the caller's (members read them).
    event_roles = {"read": SIGNED_IN, "write": ITS_ORGANISERS, "create": SIGNED_IN, "statistics": ITS_ORGANISERS}
    filterset_fields = ["status"]
    search_fields = ["name", "location", "president"]
    ordering_fields = ["start_date", "end_date", "name", "created_at"]
    ordering = ["start_date", "name"]

    def get_queryset(self):
        return selectors.events_for_user(self.request.user)

    def perform_create(self, serializer):
        event = services.create_event(created_by=self.request.user, **serializer.validated_data)
        event.my_role = Role.ORGANISATEUR
        serializer.instance = event

    def perform_update(self, serializer):
        serializer.instance = services.update_event(
            event=serializer.instance, actor=self.request.user, **serializer.validated_data
        )

    def perform_destroy(self, instance):
        confirm = self.request.query_params.get("confirm", "").lower() in ("1", "true", "yes")
        services.delete_event(event=instance, actor=self.request.user, confirm=confirm)

    @extend_schema(responses={200: EventStatisticsSerializer})
    @action(detail=True, methods=["get"])
    def statistics(self, request, pk=None):
        return Response(selectors.event_statistics(self.get_object()))

    def _download(self, field: str):
        event = self.get_object()
        file = getattr(event, field)
        if not file:
            raise NotFound(_("This event has no such document."), code="file_not_found")
        return FileResponse(
            file.open("rb"),
            content_type="application/pdf",
            filename=f"{event.name} - {field.removesuffix('_file')}.pdf",
        )

    @extend_schema(responses={(200, "application/pdf"): _pdf})
    @action(detail=True, methods=["get"], url_path="programme", url_name="programme-file")
    def programme_file(self, request, pk=None):
        return self._download("programme_file")

    @extend_schema(responses={(200, "application/pdf"): _pdf})
    @action(detail=True, methods=["get"], url_path="guide", url_name="guide-file")
    def guide_file(self, request, pk=None):
        return self._download("guide_file")


class AssignmentFilter(django_filters.rest_framework.FilterSet):
    # A number, not a choice among accounts: an unknown id lists nothing (no 400 telling accounts apart).
    user = django_filters.NumberFilter(field_name="user_id", help_text="User id.")

    class Meta:
        model = UserEventAssignment
        fields = ["role", "is_active", "user"]


@extend_schema_view(
    create=extend_schema(request=AssignmentCreateSerializer, responses={201: AssignmentSerializer}),
    partial_update=extend_schema(request=AssignmentUpdateSerializer, responses={200: AssignmentSerializer}),
)
class UserAssignmentViewSet(
    mixins.ListModelMixin,
    mixins.RetrieveModelMixin,
    mixins.CreateModelMixin,
    mixins.UpdateModelMixin,
    mixins.DestroyModelMixin,
    EventScoped,
    viewsets.GenericViewSet,
):
    """Roles in the current event, managed by its organisateurs. One role per user per
    event; the last active organisateur cannot be demoted, deactivated or removed.
    Gestionnaires and controllers list their own role only (the mobile app finds its room there:
    `room_assignment`); a `user` filter naming someone else gives them an empty list."""

    queryset = UserEventAssignment.objects.none()
    serializer_class = AssignmentSerializer
    event_roles = {"read": ORGANISATEUR_ONLY, "write": ORGANISATEUR_ONLY, "list": TEAM_ONLY}
    http_method_names = ["get", "post", "patch", "delete", "head", "options"]
    filterset_class = AssignmentFilter
    search_fields = ["user__email", "searchable_name"]  # names only of members who accepted (selectors)
    ordering_fields = ["assigned_at", "role", "user__email"]
    ordering = ["role", "user__email"]

    def scoped_queryset(self, assignment):
        rows = with_managed_room(selectors.assignments_for_event(assignment.event))
        if assignment.role != Role.ORGANISATEUR:  # staff: their own row, whatever the filters ask
            rows = rows.filter(user=self.request.user)
        return rows

    def create(self, request, *args, **kwargs):
        serializer = AssignmentCreateSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        assignment = services.assign_user_by_email(
            event=self.current_event(), assigned_by=request.user, **serializer.validated_data
        )
        return Response(AssignmentSerializer(assignment).data, status=status.HTTP_201_CREATED)

    def partial_update(self, request, *args, **kwargs):
        serializer = AssignmentUpdateSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        assignment = services.update_assignment(
            assignment=self.get_object(), actor=request.user, **serializer.validated_data
        )
        return Response(AssignmentSerializer(assignment).data)

    def perform_destroy(self, instance):
        services.remove_assignment(assignment=instance, actor=self.request.user)


class DashboardStatsView(EventScoped, APIView):
    """Figures for the caller's role in its current event."""

    event_roles = MEMBERS

    @extend_schema(responses={200: DashboardSerializer}, tags=["dashboard"])
    def get(self, request):
        return Response(selectors.dashboard_for(self.assignment))
