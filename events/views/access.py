"""Around the door scan: the access log, offline upload, entrance check, occupancy reset, door statistics.

Who may call what:

* ``GET /api/room-access/`` (+ ``{id}/``): organisateurs (the whole event); gestionnaires and
  controllers (the rooms of their shifts, and every scan they made);
* ``POST /api/room-access/``: organisateurs; a manual record decided by the door-scan service;
* ``POST /api/scans/sync/``: organisateurs; staff on duty at each scan's room at its ``scanned_at``;
* ``POST /api/qr/verify/``: organisateurs, gestionnaires and controllers of the current event;
* ``GET /api/controller/room-stats/``: organisateurs (every room); staff (rooms of their shifts today,
  at the event: events/calendar.py);
* ``POST /api/rooms/{id}/reset_occupancy/``: organisateurs; gestionnaires on duty at the room.
"""

import django_filters
from django.shortcuts import get_object_or_404
from django.utils.translation import gettext as _
from drf_spectacular.utils import OpenApiResponse, extend_schema, extend_schema_view
from drf_standardized_errors.openapi_validation_errors import extend_validation_errors
from rest_framework import mixins, status
from rest_framework.exceptions import NotFound
from rest_framework.response import Response
from rest_framework.views import APIView

from events.calendar import event_today
from events.models import Role, RoomAccess
from events.models.access import MESSAGES
from events.permissions import MODERATE, ORGANISATEUR_ONLY, TEAM_ONLY, NotAssignedToRoom
from events.scoping import EventScoped, EventScopedViewSet
from events.selectors.access import room_accesses_for, room_scan_stats, stats_rooms
from events.selectors.programme import rooms_for_event
from events.selectors.staff import covered, duty_shifts
from events.serializers.access import (
    ControllerRoomStatsSerializer,
    OccupancyResetSerializer,
    QrVerifyResultSerializer,
    QrVerifySerializer,
    RoomAccessCreateSerializer,
    RoomAccessSerializer,
    RoomStatsQuerySerializer,
    SyncResponseSerializer,
    SyncSerializer,
    holder_summary,
    sync_result,
)
from events.services import access as services
from events.views.participants import StrictBooleanFilter
from makeplus.datetimes import PlausibleIsoDateTimeFilter

_SHOWN_NONCES = 5


class RoomAccessFilter(django_filters.rest_framework.FilterSet):
    room = django_filters.UUIDFilter(field_name="room_id")
    session = django_filters.UUIDFilter(field_name="session_id")
    participant = django_filters.NumberFilter(field_name="participant_id")
    verified_by = django_filters.NumberFilter(field_name="verified_by_id", help_text="User id of the verifier.")
    status = django_filters.ChoiceFilter(choices=RoomAccess.Status.choices)
    denial_reason = django_filters.ChoiceFilter(choices=RoomAccess.Reason.choices)
    direction = django_filters.ChoiceFilter(choices=RoomAccess.Direction.choices)
    offline = StrictBooleanFilter()
    to = PlausibleIsoDateTimeFilter(
        field_name="scanned_at", lookup_expr="lt", help_text="Scanned before this instant (ISO 8601, exclusive)."
    )

    class Meta:
        model = RoomAccess
        fields = ["room", "session", "participant", "verified_by", "status", "denial_reason", "direction", "offline"]


# "from" is a Python keyword: declared after the class body.
RoomAccessFilter.base_filters["from"] = PlausibleIsoDateTimeFilter(
    field_name="scanned_at", lookup_expr="gte", help_text="Scanned at or after this instant (ISO 8601, inclusive)."
)


@extend_schema_view(
    list=extend_schema(tags=["room-access"]),
    retrieve=extend_schema(tags=["room-access"]),
    create=extend_schema(
        tags=["room-access"],
        request=RoomAccessCreateSerializer,
        responses={
            201: RoomAccessSerializer,
            200: OpenApiResponse(RoomAccessSerializer, description="Replay: this nonce was already recorded."),
        },
    ),
)
@extend_validation_errors(["badge_required"], field_name="non_field_errors", actions=["create"], methods=["post"])
@extend_validation_errors(["reserved_nonce"], field_name="nonce", actions=["create"], methods=["post"])
@extend_validation_errors(["scanned_in_future"], field_name="scanned_at", actions=["create"], methods=["post"])
class RoomAccessViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, EventScopedViewSet):
    """The door log of the current event: one row per decision, granted or denied, online or
    offline, and the exits written by occupancy resets. Organisateurs read every room's log;
    gestionnaires and controllers read the log of the rooms where they have a shift (any shift
    of this event) and every scan they made. Organisateurs add a manual record with POST: it is
    decided by the door-scan service exactly like a scan (no other way to write the log)."""

    queryset = RoomAccess.objects.none()
    serializer_class = RoomAccessSerializer
    event_roles = {"read": TEAM_ONLY, "write": ORGANISATEUR_ONLY}
    filterset_class = RoomAccessFilter
    search_fields = [
        "badge_input",
        "participant__badge_id",
        "participant__first_name",
        "participant__last_name",
        "participant__user__email",
    ]
    ordering_fields = ["scanned_at", "received_at", "id"]
    ordering = ["-scanned_at", "-id"]
    lookup_value_regex = r"\d+"
    http_method_names = ["get", "post", "head", "options"]

    def scoped_queryset(self, assignment):
        return room_accesses_for(event=assignment.event, user=self.request.user, role=assignment.role)

    def create(self, request, *args, **kwargs):
        serializer = RoomAccessCreateSerializer(data=request.data, context=self.get_serializer_context())
        serializer.is_valid(raise_exception=True)
        data = dict(serializer.validated_data)
        decision = services.verify_room_access(room=data.pop("room"), verifier=request.user, **data)
        access = self.get_queryset().get(pk=decision.access.pk)
        return Response(
            RoomAccessSerializer(access).data,
            status=status.HTTP_200_OK if decision.replayed else status.HTTP_201_CREATED,
        )


@extend_validation_errors(["badge_required"], field_name="scans.INDEX.non_field_errors", methods=["post"])
@extend_validation_errors(
    ["device_reason_required", "device_reason_unexpected"], field_name="scans.INDEX.device_reason", methods=["post"]
)
@extend_validation_errors(["reserved_nonce"], field_name="scans.INDEX.nonce", methods=["post"])
@extend_validation_errors(["scanned_in_future"], field_name="scans.INDEX.scanned_at", methods=["post"])
@extend_validation_errors(["does_not_exist"], field_name="scans.INDEX.room", methods=["post"])
@extend_validation_errors(["session_not_in_room"], field_name="scans.INDEX.session", methods=["post"])
class ScanSyncView(EventScoped, APIView):
    """Upload scans made offline (at most 500). The whole batch is checked first — every field,
    every room and session in the current event, and for staff a shift at each scan's room
    covering its `scanned_at` (else 403 `not_assigned_to_room`) — and refused whole if anything
    is wrong. Then the scans are applied in `scanned_at` order, each in its own transaction:
    a scan the device granted is recorded granted (`offline: true`) even where the server
    would refuse (`conflict: true`, `server_reason`); a scan it denied is recorded denied
    with the device's reason. A nonce already recorded by the caller (earlier, or earlier in
    this batch) is a replay: the stored decision, unchanged. Results come in the order sent."""

    event_roles = TEAM_ONLY

    @extend_schema(request=SyncSerializer, responses={200: SyncResponseSerializer}, tags=["room-access"])
    def post(self, request):
        assignment = self.assignment
        serializer = SyncSerializer(data=request.data, context={"event": assignment.event})
        serializer.is_valid(raise_exception=True)
        scans = serializer.validated_data["scans"]
        if assignment.role != Role.ORGANISATEUR:
            shifts = duty_shifts(user=request.user, room_ids={scan["room"].pk for scan in scans})
            off_duty = [s["nonce"] for s in scans if not covered(shifts, room_id=s["room"].pk, at=s["scanned_at"])]
            if off_duty:
                shown = ", ".join(off_duty[:_SHOWN_NONCES]) + (", …" if len(off_duty) > _SHOWN_NONCES else "")
                raise NotAssignedToRoom(
                    _("You were not on duty at the room when these scans were made: %(nonces)s. Nothing was applied.")
                    % {"nonces": shown}
                )
        decisions = services.sync_offline_scans(verifier=request.user, scans=scans)
        results = [sync_result(s["nonce"], d) for s, d in zip(scans, decisions, strict=True)]
        return Response(SyncResponseSerializer({"results": results}).data)


@extend_validation_errors(["badge_required"], field_name="non_field_errors", methods=["post"])
class QrVerifyView(EventScoped, APIView):
    """Check a badge for the current event without a room: who holds it, whether it is valid
    (else `invalid_badge`, `revoked` or `wrong_event`), whether the holder is checked in. With
    `check_in: true` a valid badge's holder is checked in at the entrance (again: no change).
    Always 200 for a readable request: a refused badge is an answer, not an error."""

    event_roles = TEAM_ONLY

    @extend_schema(request=QrVerifySerializer, responses={200: QrVerifyResultSerializer}, tags=["participants"])
    def post(self, request):
        serializer = QrVerifySerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        data = serializer.validated_data
        result = services.check_badge(
            event=self.current_event(),
            qr_code=data.get("qr_code"),
            badge_id=data.get("badge_id"),
            check_in=data["check_in"],
        )
        participant = result.participant
        if not result.valid:
            message = MESSAGES[result.check.reason]
        elif result.checked_in_now:
            message = _("Checked in.")
        elif data["check_in"]:
            message = _("Already checked in.")
        else:
            message = _("Valid badge.")
        summary = holder_summary(participant, request) if participant else None
        if summary and not result.valid:
            summary["badge_id"] = ""  # a revoked badge's holder: the current badge id opens doors, keep it out
        return Response(
            QrVerifyResultSerializer(
                {
                    "status": RoomAccess.Status.GRANTED if result.valid else RoomAccess.Status.DENIED,
                    "valid": result.valid,
                    "reason": result.check.reason,
                    "message": str(message),
                    "participant": summary,
                    "is_checked_in": bool(participant and participant.is_checked_in),
                    "checked_in_at": participant.checked_in_at if participant else None,
                    "checked_in_now": result.checked_in_now,
                }
            ).data
        )


class ControllerRoomStatsView(EventScoped, APIView):
    """Door statistics of today (Algiers time) for the caller's rooms: organisateurs see every
    room of the event; gestionnaires and controllers the rooms of their shifts today. Per room:
    granted and denied scans, denials by reason, scans by hour, the caller's own share, current
    occupancy and today's last 10 scans at the room (by anyone). `?room=` narrows to one of them
    (404 otherwise). Occupancy resets are not scans and are left out."""

    event_roles = TEAM_ONLY

    @extend_schema(
        parameters=[RoomStatsQuerySerializer], responses={200: ControllerRoomStatsSerializer}, tags=["room-access"]
    )
    def get(self, request):
        query = RoomStatsQuerySerializer(data=request.query_params)
        query.is_valid(raise_exception=True)
        assignment = self.assignment
        today = event_today(assignment.event)
        rooms = stats_rooms(event=assignment.event, user=request.user, role=assignment.role, day=today)
        if "room" in query.validated_data:
            rooms = rooms.filter(pk=query.validated_data["room"])
        rooms = list(rooms)
        if "room" in query.validated_data and not rooms:
            raise NotFound(_("None of your rooms has this id."))
        stats = {"date": today, "rooms": room_scan_stats(rooms, event=assignment.event, user=request.user, day=today)}
        return Response(ControllerRoomStatsSerializer(stats).data)


class ResetOccupancyView(EventScoped, APIView):
    """Empty a room at the end of a session: everybody counted inside leaves (one `exit` row
    each in the access log, recorded as the caller's, marked `occupancy_reset`), occupancy
    goes to 0. Organisateurs, and gestionnaires on duty at the room (403 `not_assigned_to_room`)."""

    event_roles = MODERATE

    @extend_schema(request=None, responses={200: OccupancyResetSerializer}, tags=["rooms"])
    def post(self, request, pk):
        room = get_object_or_404(rooms_for_event(self.current_event()), pk=pk)
        self.check_object_permissions(request, room)
        result = services.reset_room_occupancy(room=room, actor=request.user)
        payload = {"room": result.room, "removed": result.removed, "reset_at": result.reset_at}
        return Response(OccupancyResetSerializer(payload).data)
