import django_filters
from rest_framework import viewsets

from events.filters import members_of_current_event, rooms_of_current_event
from events.models import Role, RoomAssignment
from events.permissions import IsOrganizer, current_assignment
from events.selectors.staff import assignments_for_event
from events.serializers.staff import RoomAssignmentSerializer
from events.services import staff as services
from events.views.programme import EventScopedMixin, IsStaffOrOrganizer
from makeplus.datetimes import PlausibleIsoDateTimeFilter


class RoomAssignmentFilter(django_filters.FilterSet):
    room = django_filters.ModelChoiceFilter(queryset=rooms_of_current_event)
    user = django_filters.ModelChoiceFilter(queryset=members_of_current_event)
    active_at = PlausibleIsoDateTimeFilter(
        method="filter_active_at", help_text="Active shifts covering this instant (ISO 8601)."
    )
    mine = django_filters.BooleanFilter(method="filter_mine", help_text="Only the caller's own shifts.")

    class Meta:
        model = RoomAssignment
        fields = ["room", "user", "role", "is_active", "active_at", "mine"]

    def filter_active_at(self, queryset, name, value):
        return queryset.filter(is_active=True, start_time__lte=value, end_time__gt=value)

    def filter_mine(self, queryset, name, value):
        return queryset.filter(user=self.request.user) if value else queryset


class RoomAssignmentViewSet(EventScopedMixin, viewsets.ModelViewSet):
    """Staff shifts at rooms. Organisateurs manage every shift of their event; gestionnaires
    and controllers read their own schedule. A user's active shifts never overlap (409
    `overlapping_assignment`); the user must hold the role in the event (`role_mismatch`)."""

    serializer_class = RoomAssignmentSerializer
    filterset_class = RoomAssignmentFilter
    search_fields = ["user__email", "user__first_name", "user__last_name", "room__name", "notes"]
    ordering_fields = ["start_time", "end_time", "room__name"]
    ordering = ["start_time", "room__name"]
    http_method_names = ["get", "post", "patch", "delete", "head", "options"]

    def get_permissions(self):
        if self.action in ("list", "retrieve"):
            return [IsStaffOrOrganizer()]
        return [IsOrganizer()]

    def get_queryset(self):
        if getattr(self, "swagger_fake_view", False):
            return RoomAssignment.objects.none()
        assignment = current_assignment(self.request)
        shifts = assignments_for_event(assignment.event)
        if assignment.role != Role.ORGANISATEUR:
            shifts = shifts.filter(user=self.request.user)
        return shifts

    def perform_create(self, serializer):
        serializer.instance = services.assign_staff(assigned_by=self.request.user, **serializer.validated_data)

    def perform_update(self, serializer):
        serializer.instance = services.update_staff_assignment(
            assignment=serializer.instance, actor=self.request.user, **serializer.validated_data
        )

    def perform_destroy(self, instance):
        services.remove_staff_assignment(assignment=instance, actor=self.request.user)
