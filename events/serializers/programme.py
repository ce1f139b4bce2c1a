from django.utils.translation import gettext_lazy as _
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from events.models import Participant, Room, Session, SessionAccess
from events.roles import TEAM
from events.scoping import EventRelatedField
from events.selectors.ateliers import places_left
from events.selectors.programme import rooms_for_event
from events.youtube import youtube_embed_url, youtube_video_id
from makeplus.datetimes import SERIALIZER_FIELD_MAPPING


class RoomSerializer(serializers.ModelSerializer):
    occupancy_percentage = serializers.FloatField(read_only=True)
    name = serializers.CharField(max_length=150)

    class Meta:
        model = Room
        fields = [
            "id",
            "event",
            "name",
            "description",
            "capacity",
            "location",
            "current_participants",
            "occupancy_percentage",
            "is_active",
            "created_at",
            "updated_at",
        ]
        read_only_fields = ["id", "event", "current_participants", "created_at", "updated_at"]
        extra_kwargs = {"capacity": {"min_value": 1}}

    def validate_name(self, value):
        if not value.strip():
            raise serializers.ValidationError(_("This field may not be blank."), code="blank")
        return value.strip()


class RoomBriefSerializer(serializers.ModelSerializer):
    class Meta:
        model = Room
        fields = ["id", "name", "capacity", "location"]


class SessionSerializer(serializers.ModelSerializer):
    # start_time / end_time: refused (date_out_of_range) rather than overflowing at the edge of the calendar.
    serializer_field_mapping = SERIALIZER_FIELD_MAPPING
    room = EventRelatedField(rooms_for_event, model=Room)
    room_detail = RoomBriefSerializer(source="room", read_only=True)
    # For clients that show a room label from the session alone (the mobile app reads these two).
    room_name = serializers.CharField(source="room.name", read_only=True)
    max_participants = serializers.IntegerField(
        source="room.capacity",
        read_only=True,
        help_text=_("Places: the room's capacity (an atelier's places never exceed it; see places_left)."),
    )
    speaker_name = serializers.CharField(
        max_length=200,
        required=False,
        allow_blank=True,
        allow_null=True,
        help_text=_('Null when the session has no speaker (null or "" on input).'),
    )
    is_live = serializers.BooleanField(read_only=True)
    duration_minutes = serializers.IntegerField(read_only=True)
    youtube_video_id = serializers.SerializerMethodField()
    youtube_embed_url = serializers.SerializerMethodField()
    places_left = serializers.SerializerMethodField(help_text=_("Ateliers: places still free; null for conferences."))
    my_access_status = serializers.SerializerMethodField(
        help_text=_("The caller's atelier registration: registered, paid, cancelled or null.")
    )
    price = serializers.DecimalField(max_digits=10, decimal_places=2, required=False, min_value=0)

    class Meta:
        model = Session
        fields = [
            "id",
            "event",
            "room",
            "room_detail",
            "room_name",
            "max_participants",
            "title",
            "description",
            "start_time",
            "end_time",
            "speaker_name",
            "speaker_title",
            "speaker_bio",
            "speaker_photo_url",
            "theme",
            "status",
            "session_type",
            "is_paid",
            "price",
            "youtube_live_url",
            "youtube_video_id",
            "youtube_embed_url",
            "cover_image_url",
            "metadata",
            "is_live",
            "duration_minutes",
            "places_left",
            "my_access_status",
            "cancelled_at",
            "cancel_reason",
            "created_at",
            "updated_at",
        ]
        read_only_fields = ["id", "event", "status", "cancelled_at", "cancel_reason", "created_at", "updated_at"]
        # null: no stream (as it reads when the stream is not for the caller, see to_representation).
        extra_kwargs = {"youtube_live_url": {"allow_null": True}}

    def validate_youtube_live_url(self, value):
        return value or ""

    def validate_speaker_name(self, value):
        return value or ""

    def _stream_visible(self, session) -> bool:
        """A paid atelier's stream is for the team and for participants who paid."""
        if not session.is_paid:
            return True
        if self.context.get("role") in TEAM:
            return True
        return getattr(session, "my_access_status", None) == SessionAccess.Status.PAID

    def to_representation(self, session):
        data = super().to_representation(session)
        # No stream ("" in the database) or not for the caller: null, as the schema says.
        if not session.youtube_live_url or not self._stream_visible(session):
            data["youtube_live_url"] = None
        # No speaker: null rather than "" (a blank name is no name; clients take its first letter).
        if not session.speaker_name:
            data["speaker_name"] = None
        return data

    @extend_schema_field(serializers.CharField(allow_null=True))
    def get_youtube_video_id(self, session) -> str | None:
        if not session.youtube_live_url or not self._stream_visible(session):
            return None
        return youtube_video_id(session.youtube_live_url)

    @extend_schema_field(serializers.URLField(allow_null=True))
    def get_youtube_embed_url(self, session) -> str | None:
        video_id = self.get_youtube_video_id(session)
        return youtube_embed_url(video_id) if video_id else None

    def get_places_left(self, session) -> int | None:
        if session.session_type != Session.Type.ATELIER:
            return None
        return places_left(session, getattr(session, "places_taken", None))

    @extend_schema_field(serializers.ChoiceField(choices=SessionAccess.Status.choices, allow_null=True))
    def get_my_access_status(self, session):
        return getattr(session, "my_access_status", None)


class RoomDetailSerializer(RoomSerializer):
    """A room with its programme (GET /api/rooms/{id}/): every session in it, in time order."""

    sessions = SessionSerializer(many=True, read_only=True, source="programme")

    class Meta(RoomSerializer.Meta):
        fields = [*RoomSerializer.Meta.fields, "sessions"]


class SessionCancelSerializer(serializers.Serializer):
    reason = serializers.CharField(max_length=500, required=False, allow_blank=True, default="")


class RoomParticipantSerializer(serializers.ModelSerializer):
    full_name = serializers.CharField(source="shown_name")  # registration data until accepted (SPEC "Privacy")
    email = serializers.EmailField(source="user.email")

    class Meta:
        model = Participant
        fields = ["id", "badge_id", "full_name", "email", "kind", "is_checked_in", "access_all_rooms"]
