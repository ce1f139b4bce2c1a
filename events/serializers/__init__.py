from django.urls import reverse
from django.utils.translation import gettext_lazy as _
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from events.models import Event, Role, UserEventAssignment
from events.selectors.programme import with_managed_room
from makeplus.datetimes import SERIALIZER_FIELD_MAPPING, plausible_datetime


class ProtectedFileField(serializers.FileField):
    """Uploads like a FileField; reads as the URL of the authenticated download endpoint
    (files are never served from a public media URL)."""

    def __init__(self, download_view: str, **kwargs):
        self.download_view = download_view
        kwargs.setdefault("required", False)
        kwargs.setdefault("allow_null", True)
        super().__init__(**kwargs)

    def to_representation(self, value):
        if not value:
            return None
        url = reverse(self.download_view, kwargs={"pk": value.instance.pk})
        request = self.context.get("request")
        return request.build_absolute_uri(url) if request else url


class EventSerializer(serializers.ModelSerializer):
    # start_date / end_date: refused (date_out_of_range) rather than overflowing at the edge of the calendar.
    serializer_field_mapping = SERIALIZER_FIELD_MAPPING
    my_role = serializers.ChoiceField(
        choices=Role.choices, read_only=True, help_text=_("The caller's role in this event.")
    )
    programme_file = ProtectedFileField("event-programme-file")
    guide_file = ProtectedFileField("event-guide-file")

    class Meta:
        model = Event
        fields = [
            "id",
            "name",
            "description",
            "start_date",
            "end_date",
            "location",
            "location_details",
            "logo_url",
            "banner_url",
            "primary_color",
            "eposters_public",
            "status",
            "settings",
            "themes",
            "president",
            "organizer_contact",
            "metadata",
            "programme_file",
            "guide_file",
            "total_participants",
            "total_exhibitors",
            "total_rooms",
            "my_role",
            "created_by",
            "created_at",
            "updated_at",
        ]
        extra_kwargs = {
            "start_date": {"validators": [plausible_datetime]},
            "end_date": {"validators": [plausible_datetime]},
        }
        read_only_fields = [
            "id",
            "total_participants",
            "total_exhibitors",
            "total_rooms",
            "created_by",
            "created_at",
            "updated_at",
        ]

    def validate_themes(self, value):
        if not isinstance(value, list) or not all(isinstance(t, str) and t.strip() for t in value):
            raise serializers.ValidationError(_("Themes must be a list of non-empty texts."), code="invalid_themes")
        return [t.strip() for t in value]

    def validate_settings(self, value):
        if not isinstance(value, dict):
            raise serializers.ValidationError(_("Expected an object."), code="not_an_object")
        return value

    validate_metadata = validate_settings

    def validate(self, attrs):
        start = attrs.get("start_date", getattr(self.instance, "start_date", None))
        end = attrs.get("end_date", getattr(self.instance, "end_date", None))
        if start and end and end < start:
            raise serializers.ValidationError(
                {"end_date": serializers.ErrorDetail(_("The event must end after it starts."), code="end_before_start")}
            )
        return attrs


class EventStatisticsSerializer(serializers.Serializer):
    event = serializers.DictField()
    totals = serializers.DictField(child=serializers.IntegerField())
    members = serializers.DictField()
    files = serializers.DictField(child=serializers.BooleanField())

    # rooms and scans_today: declared through the access serializers (imported late: they import this module).
    def get_fields(self):
        from events.serializers.access import RoomOccupancySerializer, ScansTodaySerializer
        from events.serializers.questions import SessionQuestionStatsSerializer

        fields = super().get_fields()
        fields["rooms"] = RoomOccupancySerializer(many=True, help_text=_("Live occupancy per room."))
        fields["scans_today"] = ScansTodaySerializer(help_text=_("Door scans today (Algiers time)."))
        fields["questions"] = SessionQuestionStatsSerializer(many=True, help_text=_("Live Q&A per session."))
        return fields


class UserBriefSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    email = serializers.EmailField()
    full_name = serializers.CharField(
        source="get_full_name", help_text=_("The email until the person accepts the event, then its name.")
    )


def hide_unaccepted_name(data: dict, key: str, *, accepted: bool) -> dict:
    """A member someone added by email shows only that email until it accepts the event (SPEC "Privacy")."""
    if not accepted and data.get(key):
        data[key]["full_name"] = data[key]["email"]
    return data


def shift_member_accepted(shift) -> bool:
    """Whether a shift's person accepted the room's event: annotated by the staff selectors
    (``member_accepted``), else read (a shift written just now: one query)."""
    accepted = getattr(shift, "member_accepted", None)
    if accepted is None:
        accepted = UserEventAssignment.accepting(event_id=shift.room.event_id, user_id=shift.user_id).exists()
    return accepted


class ManagedRoomSerializer(serializers.Serializer):
    room_id = serializers.UUIDField()
    room_name = serializers.CharField()


class AssignmentSerializer(serializers.ModelSerializer):
    user = UserBriefSerializer(read_only=True)
    # A person is an object with id and full_name, not an email (README "API conventions").
    assigned_by = UserBriefSerializer(read_only=True, allow_null=True)
    room_assignment = serializers.SerializerMethodField(
        help_text=_(
            "Shift roles: the room of the shift on duty now, else of the next shift starting later today "
            "(Algiers time); null when none."
        )
    )

    accepted = serializers.SerializerMethodField(
        help_text=_("Whether the person accepted the event; until then only its email is shown.")
    )

    class Meta:
        model = UserEventAssignment
        fields = [
            "id",
            "user",
            "event",
            "role",
            "is_active",
            "accepted",
            "assigned_at",
            "assigned_by",
            "room_assignment",
        ]
        read_only_fields = fields

    def get_accepted(self, obj) -> bool:
        return obj.accepted_at is not None

    def to_representation(self, instance):
        data = super().to_representation(instance)
        return hide_unaccepted_name(data, "user", accepted=instance.accepted_at is not None)

    @extend_schema_field(ManagedRoomSerializer(allow_null=True))
    def get_room_assignment(self, obj):
        if not hasattr(obj, "managed_room_id"):  # a single row written just now: read it (one query)
            row = with_managed_room(UserEventAssignment.objects.filter(pk=obj.pk)).values(
                "managed_room_id", "managed_room_name"
            )
            obj.managed_room_id, obj.managed_room_name = next(
                ((r["managed_room_id"], r["managed_room_name"]) for r in row), (None, None)
            )
        if obj.managed_room_id is None:
            return None
        return {"room_id": str(obj.managed_room_id), "room_name": obj.managed_room_name}


class AssignmentCreateSerializer(serializers.Serializer):
    email = serializers.EmailField(max_length=254, help_text=_("Email of an existing account."))
    role = serializers.ChoiceField(choices=Role.choices)


class AssignmentUpdateSerializer(serializers.Serializer):
    role = serializers.ChoiceField(choices=Role.choices, required=False)
    is_active = serializers.BooleanField(required=False)


class DashboardSerializer(serializers.Serializer):
    role = serializers.ChoiceField(choices=Role.choices)
    event = serializers.DictField()
    members_by_role = serializers.DictField(child=serializers.IntegerField(), required=False)
