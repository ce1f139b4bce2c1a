"""Shapes of the door: a scan and its decision, the access log, offline upload, entrance check,
occupancy reset and scan statistics. A badge holder is shown the same way everywhere
(:func:`holder_summary`)."""

from datetime import timedelta

from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from events.models import Participant, Room, RoomAccess, Session
from events.scoping import EventRelatedField
from events.selectors.access import RESET_NONCE_PREFIX
from events.selectors.programme import rooms_for_event, sessions_for_event
from makeplus.datetimes import DateTimeField, plausible_datetime
from makeplus.hot_path import FieldsOncePerThread

Reason = RoomAccess.Reason
GRANTED, DENIED = RoomAccess.Status.GRANTED, RoomAccess.Status.DENIED

MAX_SYNC_SCANS = 500
# A device's clock may run a little ahead of the server's; beyond this a scan time is refused.
CLOCK_SKEW = timedelta(minutes=5)


def _check_nonce(value: str) -> str:
    if value.startswith(RESET_NONCE_PREFIX):
        raise serializers.ValidationError(
            _("Nonces starting with '%(prefix)s' are reserved.") % {"prefix": RESET_NONCE_PREFIX}, code="reserved_nonce"
        )
    return value


def _check_not_future(value):
    if value > timezone.now() + CLOCK_SKEW:
        raise serializers.ValidationError(_("This scan time is in the future."), code="scanned_in_future")
    return value


def _one_badge(attrs):
    if bool(attrs.get("qr_code")) == bool(attrs.get("badge_id")):
        raise serializers.ValidationError(_("Give either qr_code or badge_id."), code="badge_required")


# --- the holder of a badge ----------------------------------------------------------------------


def holder_summary(participant: Participant, request=None, *, with_photo: bool = True) -> dict:
    """Who holds a badge, as every door answer shows it: the scan's decision and the entrance check
    (:class:`ScanParticipantSerializer`), the statistics' last scans (:class:`StatsParticipantSerializer`,
    without the photo). ``request``: to make the photo's URL absolute."""
    photo = participant.shown_photo() if with_photo else None
    photo = photo.url if photo else None
    if photo and request is not None:
        photo = request.build_absolute_uri(photo)
    return {
        "id": participant.pk,
        "full_name": participant.shown_name(),
        "name": participant.shown_name(),  # the same: kept for existing clients (README "API conventions")
        "badge_id": participant.badge_id,
        "kind": participant.kind,
        "photo": photo,
    }


# --- the door scan (POST /api/rooms/{id}/verify_access/) ----------------------------------------


class VerifyAccessSerializer(FieldsOncePerThread, serializers.Serializer):
    # The door scan's body: its fields are not copied again for every scan (makeplus/hot_path.py).
    qr_code = serializers.CharField(max_length=512, required=False, help_text=_("The scanned QR payload."))
    badge_id = serializers.CharField(max_length=32, required=False, help_text=_("Typed badge id (manual fallback)."))
    direction = serializers.ChoiceField(choices=RoomAccess.Direction.choices, default=RoomAccess.Direction.ENTRY)
    # Its queryset is made only when a value comes: the door scan rarely names a session.
    session = EventRelatedField(
        sessions_for_event,
        model=Session,
        required=False,
        allow_null=True,
        help_text=_("The session the scan is for; by default the one running in the room now."),
    )
    nonce = serializers.CharField(
        max_length=64,
        required=False,
        allow_blank=True,
        help_text=_("Client-chosen id of this scan: a retry with the same nonce returns the first decision."),
    )

    def validate(self, attrs):
        _one_badge(attrs)
        return attrs


class ScanParticipantSerializer(serializers.Serializer):  # the shape of holder_summary()
    id = serializers.IntegerField()
    full_name = serializers.CharField()
    name = serializers.CharField(help_text=_("Same as full_name (kept for existing clients)."))
    badge_id = serializers.CharField()
    kind = serializers.CharField()
    photo = serializers.CharField(allow_null=True)


class ScanRoomSerializer(serializers.Serializer):
    id = serializers.UUIDField()
    name = serializers.CharField()
    capacity = serializers.IntegerField()
    current_participants = serializers.IntegerField()
    occupancy_percentage = serializers.FloatField()


class ScanSessionSerializer(serializers.Serializer):
    id = serializers.UUIDField()
    title = serializers.CharField()
    session_type = serializers.CharField()
    is_paid = serializers.BooleanField()


class DecisionSerializer(serializers.Serializer):
    """The answer to every scan, granted or denied (always HTTP 200)."""

    status = serializers.ChoiceField(choices=RoomAccess.Status.choices)
    reason = serializers.ChoiceField(
        choices=RoomAccess.Reason.choices, allow_null=True, help_text=_("Why it was denied; null when granted.")
    )
    message = serializers.CharField(help_text=_("For the controller's screen, in the request's language."))
    direction = serializers.ChoiceField(choices=RoomAccess.Direction.choices)
    already_inside = serializers.BooleanField()
    participant = ScanParticipantSerializer(allow_null=True)
    room = ScanRoomSerializer()
    session = ScanSessionSerializer(allow_null=True)
    access_id = serializers.IntegerField()
    scanned_at = serializers.DateTimeField()


def decision_payload(decision, request=None) -> dict:
    """:class:`DecisionSerializer`'s shape, built directly: the door scan answers on every scan."""
    access, room, session = decision.access, decision.room, decision.access.session
    return {
        "status": access.status,
        "reason": access.denial_reason or None,
        "message": decision.message,
        "direction": access.direction,
        "already_inside": access.already_inside,
        "participant": None if access.participant is None else holder_summary(access.participant, request),
        "room": {
            "id": room.pk,
            "name": room.name,
            "capacity": room.capacity,
            "current_participants": room.current_participants,
            "occupancy_percentage": room.occupancy_percentage,
        },
        "session": None
        if session is None
        else {
            "id": session.pk,
            "title": session.title,
            "session_type": session.session_type,
            "is_paid": session.is_paid,
        },
        "access_id": access.pk,
        # Rendered like every other DateTimeField (in the current time zone).
        "scanned_at": serializers.DateTimeField().to_representation(access.scanned_at),
    }


# --- verdicts of offline scans, read back from the stored row -----------------------------------


def device_granted(access: RoomAccess) -> bool:
    """What the scanning device decided. A granted row was granted at the door; an offline
    denied row without a server verdict and without a known holder is a badge the device let
    through but the server could not recognise (recorded denied, see events/services/access.py)."""
    if access.status == GRANTED:
        return True
    return access.offline and not access.server_reason and access.participant_id is None


def server_verdict(access: RoomAccess) -> str:
    """What the server decided, or would have decided for an offline scan: "" = granted, else the reason."""
    if not access.offline:
        return access.denial_reason
    if access.status == GRANTED or access.server_reason:
        return access.server_reason
    return access.denial_reason if access.participant_id is None else ""


def is_conflict(access: RoomAccess) -> bool:
    """An offline scan where the device and the server disagree on granted vs denied."""
    return access.offline and device_granted(access) == bool(server_verdict(access))


# --- the access log -----------------------------------------------------------------------------


class AccessParticipantSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    full_name = serializers.CharField(source="shown_name")
    name = serializers.CharField(source="shown_name", help_text=_("Same as full_name (kept for existing clients)."))
    badge_id = serializers.CharField()
    kind = serializers.ChoiceField(choices=Participant.Kind.choices)


class AccessRoomSerializer(serializers.Serializer):
    id = serializers.UUIDField()
    name = serializers.CharField()


class AccessSessionSerializer(serializers.Serializer):
    id = serializers.UUIDField()
    title = serializers.CharField()


class AccessUserSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    full_name = serializers.CharField(source="get_full_name")
    name = serializers.CharField(source="get_full_name", help_text=_("Same as full_name (kept for existing clients)."))
    email = serializers.EmailField()


class RoomAccessSerializer(serializers.ModelSerializer):
    """One decision of the log (read-only)."""

    participant = AccessParticipantSerializer(read_only=True, allow_null=True)
    badge_input = serializers.SerializerMethodField(
        help_text=_("What was scanned or typed, when it matched no badge holder of this event; else empty.")
    )
    room = AccessRoomSerializer(read_only=True)
    session = AccessSessionSerializer(read_only=True, allow_null=True)
    denial_reason = serializers.SerializerMethodField(help_text=_("Why it was denied; null when granted."))
    server_reason = serializers.SerializerMethodField(
        help_text=_(
            "Offline scans: what the server decided or would have decided (null = granted). "
            "Online scans: the same as denial_reason."
        )
    )
    conflict = serializers.SerializerMethodField(
        help_text=_("Offline scans: the device and the server disagree on granted vs denied.")
    )
    occupancy_reset = serializers.SerializerMethodField(
        help_text=_("An exit written by an occupancy reset (POST /api/rooms/{id}/reset_occupancy/), not a scan.")
    )
    verified_by = AccessUserSerializer(read_only=True, allow_null=True)

    class Meta:
        model = RoomAccess
        fields = [
            "id",
            "participant",
            "badge_input",
            "room",
            "session",
            "direction",
            "status",
            "denial_reason",
            "already_inside",
            "verified_by",
            "scanned_at",
            "received_at",
            "nonce",
            "offline",
            "server_reason",
            "conflict",
            "occupancy_reset",
        ]
        read_only_fields = fields

    def get_badge_input(self, obj) -> str:
        return "" if obj.participant_id is not None else obj.badge_input

    @extend_schema_field(serializers.ChoiceField(choices=Reason.choices, allow_null=True))
    def get_denial_reason(self, obj):
        return obj.denial_reason or None

    @extend_schema_field(serializers.ChoiceField(choices=Reason.choices, allow_null=True))
    def get_server_reason(self, obj):
        return server_verdict(obj) or None

    def get_conflict(self, obj) -> bool:
        return is_conflict(obj)

    def get_occupancy_reset(self, obj) -> bool:
        return obj.nonce.startswith(RESET_NONCE_PREFIX)


class RoomAccessCreateSerializer(VerifyAccessSerializer):
    """A manual record: the same body as verify_access, plus the room and, optionally, when it happened."""

    room = EventRelatedField(rooms_for_event, model=Room, help_text=_("A room of the current event."))
    scanned_at = DateTimeField(
        required=False,
        validators=[plausible_datetime, _check_not_future],
        help_text=_("When it happened (default now); the decision is taken as of that time."),
    )

    def validate_nonce(self, value):
        return _check_nonce(value)


# --- offline upload -----------------------------------------------------------------------------


class SyncScanSerializer(serializers.Serializer):
    nonce = serializers.CharField(max_length=64, help_text=_("The device's id of this scan (unique per device user)."))
    room = serializers.UUIDField(help_text=_("A room of the current event."))
    qr_code = serializers.CharField(max_length=512, required=False)
    badge_id = serializers.CharField(max_length=32, required=False)
    direction = serializers.ChoiceField(choices=RoomAccess.Direction.choices, default=RoomAccess.Direction.ENTRY)
    scanned_at = DateTimeField(
        validators=[plausible_datetime, _check_not_future], help_text=_("When the badge was scanned.")
    )
    device_status = serializers.ChoiceField(
        choices=RoomAccess.Status.choices, help_text=_("What the device decided at the door.")
    )
    device_reason = serializers.ChoiceField(
        choices=Reason.choices, required=False, help_text=_("Why the device denied (required when it denied).")
    )
    session = serializers.UUIDField(required=False, allow_null=True, help_text=_("A session in that room."))

    def validate_nonce(self, value):
        return _check_nonce(value)

    def validate(self, attrs):
        _one_badge(attrs)
        if attrs["device_status"] == DENIED and not attrs.get("device_reason"):
            raise serializers.ValidationError(
                {"device_reason": _("Say why the device denied.")}, code="device_reason_required"
            )
        if attrs["device_status"] == GRANTED and attrs.get("device_reason"):
            raise serializers.ValidationError(
                {"device_reason": _("A granted scan has no denial reason.")}, code="device_reason_unexpected"
            )
        return attrs


class SyncSerializer(serializers.Serializer):
    scans = SyncScanSerializer(many=True, max_length=MAX_SYNC_SCANS)

    def validate(self, attrs):
        """Rooms and sessions of the whole batch in two queries; any unknown one (or one of
        another event) refuses the batch, with the index of each faulty scan."""
        event = self.context["event"]
        scans = attrs["scans"]
        rooms = {r.pk: r for r in rooms_for_event(event).filter(pk__in={s["room"] for s in scans})}
        wanted = {s["session"] for s in scans if s.get("session")}
        sessions = {s.pk: s for s in sessions_for_event(event).filter(pk__in=wanted)} if wanted else {}
        errors, faulty = [], False
        for scan in scans:
            error = {}
            room = rooms.get(scan["room"])
            if room is None:
                error["room"] = [serializers.ErrorDetail(_("No such room in this event."), code="does_not_exist")]
            session = sessions.get(scan.get("session")) if scan.get("session") else None
            if scan.get("session") and (session is None or (room is not None and session.room_id != room.pk)):
                error["session"] = [
                    serializers.ErrorDetail(
                        _("No such session in this room of this event."), code="session_not_in_room"
                    )
                ]
            scan["room"], scan["session"] = room, session
            errors.append(error)
            faulty = faulty or bool(error)
        if faulty:
            raise serializers.ValidationError({"scans": errors})
        return attrs


class SyncResultSerializer(serializers.Serializer):
    nonce = serializers.CharField()
    access_id = serializers.IntegerField()
    status = serializers.ChoiceField(choices=RoomAccess.Status.choices, help_text=_("What was recorded."))
    reason = serializers.ChoiceField(
        choices=Reason.choices, allow_null=True, help_text=_("The recorded denial reason.")
    )
    server_reason = serializers.ChoiceField(
        choices=Reason.choices,
        allow_null=True,
        help_text=_("What the server decided or would have decided (null = granted)."),
    )
    conflict = serializers.BooleanField(help_text=_("The device and the server disagree on granted vs denied."))
    replayed = serializers.BooleanField(help_text=_("This nonce was already recorded: the stored decision, unchanged."))


class SyncResponseSerializer(serializers.Serializer):
    results = SyncResultSerializer(many=True, help_text=_("One per scan, in the order sent."))


def sync_result(nonce: str, decision) -> dict:
    access = decision.access
    return {
        "nonce": nonce,
        "access_id": access.pk,
        "status": access.status,
        "reason": access.denial_reason or None,
        "server_reason": server_verdict(access) or None,
        "conflict": is_conflict(access),
        "replayed": decision.replayed,
    }


# --- entrance check -----------------------------------------------------------------------------

BADGE_REASONS = [(r.value, r.label) for r in (Reason.INVALID_BADGE, Reason.REVOKED, Reason.WRONG_EVENT)]


class QrVerifySerializer(serializers.Serializer):
    qr_code = serializers.CharField(max_length=512, required=False, help_text=_("The scanned QR payload."))
    badge_id = serializers.CharField(max_length=32, required=False, help_text=_("Typed badge id (manual fallback)."))
    check_in = serializers.BooleanField(default=False, help_text=_("Check the holder in to the event if valid."))

    def validate(self, attrs):
        _one_badge(attrs)
        return attrs


class QrVerifyResultSerializer(serializers.Serializer):
    # A refused badge reads like at the door: status denied with a reason (README "API conventions").
    status = serializers.ChoiceField(choices=RoomAccess.Status.choices, help_text=_("granted or denied, as at a door."))
    valid = serializers.BooleanField(help_text=_("Same as status == granted (kept for existing clients)."))
    reason = serializers.ChoiceField(choices=BADGE_REASONS, allow_null=True, help_text=_("Why the badge is refused."))
    message = serializers.CharField(help_text=_("For the screen, in the request's language."))
    participant = ScanParticipantSerializer(
        allow_null=True,
        help_text=_(
            "The holder: for a valid badge, and for a revoked badge of this event (then without its "
            "badge_id: the current one opens doors)."
        ),
    )
    is_checked_in = serializers.BooleanField()
    checked_in_at = serializers.DateTimeField(allow_null=True)
    checked_in_now = serializers.BooleanField(help_text=_("This request checked the holder in."))


# --- occupancy reset ----------------------------------------------------------------------------


class OccupancyResetSerializer(serializers.Serializer):
    room = ScanRoomSerializer()
    removed = serializers.IntegerField(help_text=_("Participants taken out of the room (one exit row each)."))
    reset_at = serializers.DateTimeField()


# --- statistics ---------------------------------------------------------------------------------


# Denied scans by reason, every reason with zeros: one integer field per RoomAccess.Reason.
ReasonCountsSerializer = type(
    "ReasonCountsSerializer",
    (serializers.Serializer,),
    {reason: serializers.IntegerField() for reason in RoomAccess.Reason.values},
)


class RoomOccupancySerializer(ScanRoomSerializer):
    is_active = serializers.BooleanField()


class ScansTodaySerializer(serializers.Serializer):
    """Door scans of the day in Algiers time (occupancy resets excluded)."""

    date = serializers.DateField()
    granted = serializers.IntegerField()
    denied = serializers.IntegerField()
    denied_by_reason = ReasonCountsSerializer()


class GrantedDeniedSerializer(serializers.Serializer):
    granted = serializers.IntegerField()
    denied = serializers.IntegerField()


class HourCountsSerializer(GrantedDeniedSerializer):
    hour = serializers.IntegerField(help_text=_("0–23, Algiers time."))


class StatsParticipantSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    full_name = serializers.CharField()
    name = serializers.CharField(help_text=_("Same as full_name (kept for existing clients)."))
    badge_id = serializers.CharField()
    kind = serializers.ChoiceField(choices=Participant.Kind.choices)


class StatsVerifierSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    full_name = serializers.CharField()
    name = serializers.CharField(help_text=_("Same as full_name (kept for existing clients)."))


def last_scan_row(access: RoomAccess) -> dict:
    """One of the statistics' last scans (:class:`LastScanSerializer`), from its log row."""
    participant, verifier = access.participant, access.verified_by
    return {
        "id": access.pk,
        "participant": None if participant is None else holder_summary(participant, with_photo=False),
        "badge_input": "" if participant is not None else access.badge_input,
        "direction": access.direction,
        "status": access.status,
        "reason": access.denial_reason or None,
        "offline": access.offline,
        "scanned_at": access.scanned_at,
        "verified_by": None
        if verifier is None
        else {"id": verifier.pk, "full_name": verifier.get_full_name(), "name": verifier.get_full_name()},
    }


class LastScanSerializer(serializers.Serializer):
    # Reads RoomAccess rows (selectors.access.room_scan_stats), shown as last_scan_row() says.
    id = serializers.IntegerField()
    participant = StatsParticipantSerializer(allow_null=True)
    badge_input = serializers.CharField(help_text=_("What was scanned, when it matched no badge holder."))
    direction = serializers.ChoiceField(choices=RoomAccess.Direction.choices)
    status = serializers.ChoiceField(choices=RoomAccess.Status.choices)
    reason = serializers.ChoiceField(choices=Reason.choices, allow_null=True)
    offline = serializers.BooleanField()
    scanned_at = serializers.DateTimeField()
    verified_by = StatsVerifierSerializer(allow_null=True)

    def to_representation(self, instance):
        return super().to_representation(last_scan_row(instance))


class RoomScanStatsSerializer(serializers.Serializer):
    room = RoomOccupancySerializer()
    granted = serializers.IntegerField()
    denied = serializers.IntegerField()
    denied_by_reason = ReasonCountsSerializer()
    mine = GrantedDeniedSerializer(help_text=_("The part of today's scans the caller made."))
    by_hour = HourCountsSerializer(many=True, help_text=_("24 rows, hour 0 to 23."))
    last_scans = LastScanSerializer(
        many=True, help_text=_("Today's last 10 scans at the room, by anyone, newest first.")
    )


class ControllerRoomStatsSerializer(serializers.Serializer):
    date = serializers.DateField(help_text=_("Today in Algiers time."))
    rooms = RoomScanStatsSerializer(many=True)


class RoomStatsQuerySerializer(serializers.Serializer):
    room = serializers.UUIDField(required=False, help_text=_("Only this room (one of the caller's rooms)."))
