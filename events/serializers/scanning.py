from django.utils.translation import gettext_lazy as _
from rest_framework import serializers

from events.models import RoomAccess, Session


class EventSessionField(serializers.PrimaryKeyRelatedField):
    """A session of the serializer's ``event`` (context). The queryset is made only when a value is
    given: the door scan builds this serializer on every request and rarely names a session."""

    def get_queryset(self):
        event = self.context.get("event")
        return Session.objects.none() if event is None else Session.objects.filter(event=event)


class VerifyAccessSerializer(serializers.Serializer):
    qr_code = serializers.CharField(max_length=512, required=False, help_text=_("The scanned QR payload."))
    badge_id = serializers.CharField(max_length=32, required=False, help_text=_("Typed badge id (manual fallback)."))
    direction = serializers.ChoiceField(choices=RoomAccess.Direction.choices, default=RoomAccess.Direction.ENTRY)
    session = EventSessionField(
        queryset=Session.objects.none(),
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
        if bool(attrs.get("qr_code")) == bool(attrs.get("badge_id")):
            raise serializers.ValidationError(_("Give either qr_code or badge_id."), code="badge_required")
        return attrs


class ScanParticipantSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    name = serializers.CharField()
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
    access, room = decision.access, decision.room
    participant = access.participant
    photo = None
    if participant is not None and participant.user.photo:
        photo = participant.user.photo.url
        if request is not None:
            photo = request.build_absolute_uri(photo)
    session = access.session
    return {
        "status": access.status,
        "reason": access.denial_reason or None,
        "message": decision.message,
        "direction": access.direction,
        "already_inside": access.already_inside,
        "participant": None
        if participant is None
        else {
            "id": participant.pk,
            "name": participant.user.get_full_name(),
            "badge_id": participant.badge_id,
            "kind": participant.kind,
            "photo": photo,
        },
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
