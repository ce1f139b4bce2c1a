import django_filters
from rest_framework import viewsets

from events.models import Role, RoomAssignment
from events.permissions import ORGANISATEUR_ONLY, TEAM_ONLY
from events.scoping import EventScoped, of_current_event
from events.selectors import members_of_event
from events.selectors.programme import rooms_for_event
from events.selectors.staff import assignments_for_event, on_duty_q
from events.serializers.staff import RoomAssignmentSerializer
from events.services import staff as services
from makeplus.datetimes import PlausibleIsoDateTimeFilter


class RoomAssignmentFilter(django_filters.FilterSet):
    # Another event's room or user is refused (400 invalid_choice) exactly like one that does not exist.
    room = django_filters.ModelChoiceFilter(queryset=of_current_event(rooms_for_event))
    user = django_filters.ModelChoiceFilter(queryset=of_current_event(members_of_event))
    active_at = PlausibleIsoDateTimeFilter(
        method="filter_active_at", help_text="Active shifts covering this instant (ISO 8601)."
    )
    mine = django_filters.BooleanFilter(method="filter_mine", help_text="Only the caller's own shifts.")

    class Meta:
        model = RoomAssignment
        fields = ["room", "user", "role", "is_active", "active_at", "mine"]

    def filter_active_at(self, queryset, name, value):
        # The one "on duty" rule: an active shift covering the instant, its role still held.
        return queryset.filter(on_duty_q(value))

    def filter_mine(self, queryset, name, value):
        return queryset.filter(user=self.request.user) if value else queryset


class RoomAssignmentViewSet(EventScoped, viewsets.ModelViewSet):
    """Staff shifts at rooms. Organisateurs manage every shift of their event; gestionnaires
    and controllers read their own schedule. A user's active shifts never overlap (409
    `overlapping_assignment`); the user must hold the role in the event (`role_mismatch`)."""

    queryset = RoomAssignment.objects.none()
    serializer_class = RoomAssignmentSerializer
    event_roles = {"read": TEAM_ONLY, "write": ORGANISATEUR_ONLY}
    filterset_class = RoomAssignmentFilter
    search_fields = ["user__email", "searchable_name", "room__name", "notes"]  # names once accepted (selectors)
    ordering_fields = ["start_time", "end_time", "room__name"]
    ordering = ["start_time", "room__name"]
    http_method_names = ["get", "post", "patch", "delete", "head", "options"]

    def scoped_queryset(self, assignment):
        shifts = assignments_for_event(assignment.event)
        if assignment.role != Role.ORGANISATEUR:  # shift staff: their own schedule only
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
