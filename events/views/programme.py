from django.http import Http404
from drf_spectacular.utils import extend_schema
from drf_standardized_errors.openapi_validation_errors import extend_validation_errors
from rest_framework import viewsets
from rest_framework.decorators import action
from rest_framework.response import Response

from events.filters import SessionFilter
from events.models import Role, Room, Session
from events.permissions import MODERATE, READ_MEMBERS_WRITE_ORGANISATEUR, SCAN, TEAM_ONLY
from events.scoping import EventScoped
from events.selectors.programme import participants_allowed_in, rooms_for_event, sessions_for_event
from events.selectors.staff import staff_on_duty
from events.serializers.access import DecisionSerializer, VerifyAccessSerializer, decision_payload
from events.serializers.programme import (
    RoomDetailSerializer,
    RoomParticipantSerializer,
    RoomSerializer,
    SessionCancelSerializer,
    SessionSerializer,
)
from events.serializers.staff import OnDutySerializer
from events.services import programme as services
from events.services.access import verify_room_access
from events.sql.access import door_for_scan
from events.views.ateliers import ATELIER_ROLES, AtelierActionsMixin
from makeplus import read_cache
from makeplus.pagination import PageNumberPagination


class ProgrammePagination(PageNumberPagination):
    """An event's whole programme fits on page 1 (clients such as the mobile app read page 1 only)."""

    page_size = 500
    max_page_size = 500


@extend_validation_errors(
    ["badge_required"], field_name="non_field_errors", actions=["verify_access"], methods=["post"]
)
class RoomViewSet(read_cache.CachedReads, EventScoped, viewsets.ModelViewSet):
    """Rooms of the current event. Members read; organisateurs write. `current_participants`
    is live occupancy, changed only by door scans. A room with sessions cannot be deleted
    (409 `room_in_use`): deactivate it."""

    queryset = Room.objects.none()
    serializer_class = RoomSerializer
    read_resource = read_cache.Rooms()  # the list (the detail, with its sessions, is read from the database)
    event_roles = {
        **READ_MEMBERS_WRITE_ORGANISATEUR,
        "participants": MODERATE,
        "verify_access": SCAN,
        "current_staff": TEAM_ONLY,
    }
    filterset_fields = ["is_active"]
    search_fields = ["name", "location", "description"]
    ordering_fields = ["name", "capacity", "current_participants"]
    ordering = ["name"]
    http_method_names = ["get", "post", "patch", "delete", "head", "options"]

    def scoped_queryset(self, assignment):
        return rooms_for_event(assignment.event)

    def perform_create(self, serializer):
        serializer.instance = services.create_room(
            event=self.current_event(), actor=self.request.user, **serializer.validated_data
        )

    def perform_update(self, serializer):
        serializer.instance = services.update_room(
            room=serializer.instance, actor=self.request.user, **serializer.validated_data
        )

    def perform_destroy(self, instance):
        services.delete_room(room=instance, actor=self.request.user)

    @extend_schema(responses={200: RoomDetailSerializer})
    def retrieve(self, request, *args, **kwargs):
        """The room with its sessions (time order) and live occupancy (`current_participants`)."""
        room = self.get_object()
        room.programme = self._programme(room)
        return Response(RoomDetailSerializer(room, context=self.get_serializer_context()).data)

    def _programme(self, room):
        return sessions_for_event(room.event, viewer=self.request.user).filter(room=room).order_by("start_time", "pk")

    @extend_schema(responses={200: SessionSerializer(many=True)}, filters=False)
    @action(detail=True, methods=["get"])
    def sessions(self, request, pk=None):
        room = self.get_object()
        return self.paginated(self._programme(room), SessionSerializer)

    @extend_schema(responses={200: RoomParticipantSerializer(many=True)}, filters=False)
    @action(detail=True, methods=["get"])
    def participants(self, request, pk=None):
        """Who may enter this room (not who is inside: that comes from door scans).
        Organisateurs, and gestionnaires while on duty at the room."""
        room = self.get_object()
        return self.paginated(
            participants_allowed_in(room).order_by("last_name", "first_name", "pk"),
            RoomParticipantSerializer,
        )

    @extend_schema(request=VerifyAccessSerializer, responses={200: DecisionSerializer}, filters=False)
    @action(detail=True, methods=["post"])
    def verify_access(self, request, pk=None):
        """The door scan. Every decision is a 200 (`status` granted or denied with a `reason`)
        and a RoomAccess row. Organisateurs scan anywhere; controllers and gestionnaires only
        at a room where they are on duty now (403 `not_assigned_to_room`)."""
        # The hot path: the room, whether the caller is on duty at it and the session running in it
        # come in one statement (no list filter backends); the object permission reads the duty from it.
        door = door_for_scan(event=self.assignment.event, room_id=pk, user=request.user)
        if door is None:
            raise Http404
        self.check_object_permissions(request, door)
        serializer = VerifyAccessSerializer(data=request.data, context=self.get_serializer_context())
        serializer.is_valid(raise_exception=True)
        decision = verify_room_access(room=door.room, door=door, verifier=request.user, **serializer.validated_data)
        return Response(decision_payload(decision, request))

    @extend_schema(responses={200: OnDutySerializer(many=True)}, filters=False)
    @action(detail=True, methods=["get"], url_path="current-staff")
    def current_staff(self, request, pk=None):
        """Who is on duty at this room now, with role and the end of the shift (paginated like every list:
        README "API conventions")."""
        return self.paginated(staff_on_duty(room=self.get_object()), OnDutySerializer)


@extend_validation_errors(
    ["participant_required"], field_name="non_field_errors", actions=["payments"], methods=["post"]
)
@extend_validation_errors(["does_not_exist"], field_name="participant_id", actions=["payments"], methods=["post"])
@extend_validation_errors(["does_not_exist"], field_name="badge_id", actions=["payments"], methods=["post"])
@extend_validation_errors(["invalid_choice"], field_name="status", actions=["registrations"], methods=["get"])
class SessionViewSet(read_cache.CachedReads, EventScoped, AtelierActionsMixin, viewsets.ModelViewSet):
    """The programme of the current event: conferences and ateliers. Members read;
    organisateurs write and move sessions through scheduled → live → completed (or cancelled).
    The list comes in pages of 500 (`page_size` up to 500): a whole programme on page 1."""

    queryset = Session.objects.none()
    serializer_class = SessionSerializer
    read_resource = read_cache.Sessions()
    event_roles = {
        **READ_MEMBERS_WRITE_ORGANISATEUR,
        **ATELIER_ROLES,
        "mark_live": MODERATE,
        "mark_completed": MODERATE,
        "mark_scheduled": MODERATE,
        "cancel": MODERATE,  # organisateurs cancel; on-duty gestionnaires: back to scheduled (see cancel)
    }
    filterset_class = SessionFilter
    search_fields = ["title", "speaker_name", "theme"]
    ordering_fields = ["start_time", "title", "end_time"]
    ordering = ["start_time", "title"]
    http_method_names = ["get", "post", "patch", "delete", "head", "options"]
    pagination_class = ProgrammePagination

    def scoped_queryset(self, assignment):
        return sessions_for_event(assignment.event, viewer=self.request.user)

    def perform_create(self, serializer):
        serializer.instance = services.create_session(
            event=self.current_event(), actor=self.request.user, **serializer.validated_data
        )

    def perform_update(self, serializer):
        serializer.instance = services.update_session(
            session=serializer.instance, actor=self.request.user, **serializer.validated_data
        )

    def perform_destroy(self, instance):
        services.delete_session(session=instance, actor=self.request.user)

    def _transition(self, to, **kwargs):
        session = services.change_session_status(session=self.get_object(), actor=self.request.user, to=to, **kwargs)
        return Response(self.get_serializer(session).data)

    @extend_schema(request=None, responses={200: SessionSerializer})
    @action(detail=True, methods=["post"])
    def mark_live(self, request, pk=None):
        """Organisateurs, and the gestionnaire on duty at the session's room."""
        return self._transition(Session.Status.LIVE)

    @extend_schema(request=None, responses={200: SessionSerializer})
    @action(detail=True, methods=["post"])
    def mark_completed(self, request, pk=None):
        """Organisateurs, and the gestionnaire on duty at the session's room."""
        return self._transition(Session.Status.COMPLETED)

    @extend_schema(request=None, responses={200: SessionSerializer})
    @action(detail=True, methods=["post"])
    def mark_scheduled(self, request, pk=None):
        """Back to scheduled ("not started yet"), from live only: undoes a session marked live by
        mistake. Organisateurs, and the gestionnaire on duty at the session's room."""
        return self._transition(Session.Status.SCHEDULED)

    @extend_schema(request=SessionCancelSerializer, responses={200: SessionSerializer})
    @action(detail=True, methods=["post"])
    def cancel(self, request, pk=None):
        """Organisateurs: cancel the session (`{reason}` optional), from scheduled or live.
        A gestionnaire on duty at the session's room (the mobile app's "Pas encore" button posts
        here without a body) gets `mark_scheduled/` instead: a live session goes back to scheduled;
        it never cancels a session."""
        if self.assignment.role != Role.ORGANISATEUR:
            return self.mark_scheduled(request, pk=pk)
        serializer = SessionCancelSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        return self._transition(Session.Status.CANCELLED, reason=serializer.validated_data["reason"])
