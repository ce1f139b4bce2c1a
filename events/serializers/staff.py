from django.utils.translation import gettext_lazy as _
from rest_framework import serializers

from accounts.models import User
from events.models import Room, RoomAssignment
from events.scoping import EventRelatedField
from events.selectors import members_of_event
from events.selectors.programme import rooms_for_event
from events.serializers import UserBriefSerializer, hide_unaccepted_name, shift_member_accepted
from events.serializers.programme import RoomBriefSerializer
from makeplus.datetimes import SERIALIZER_FIELD_MAPPING


class RoomAssignmentSerializer(serializers.ModelSerializer):
    # start_time / end_time: refused (date_out_of_range) rather than overflowing at the edge of the calendar.
    serializer_field_mapping = SERIALIZER_FIELD_MAPPING
    user = EventRelatedField(
        members_of_event, model=User, help_text=_("A member of the current event holding the role.")
    )
    user_detail = UserBriefSerializer(source="user", read_only=True)
    room = EventRelatedField(rooms_for_event, model=Room)
    room_detail = RoomBriefSerializer(source="room", read_only=True)
    # A person is an object with id and full_name, not an email (README "API conventions").
    assigned_by = UserBriefSerializer(read_only=True, allow_null=True)

    class Meta:
        model = RoomAssignment
        fields = [
            "id",
            "user",
            "user_detail",
            "room",
            "room_detail",
            "role",
            "start_time",
            "end_time",
            "is_active",
            "notes",
            "assigned_by",
            "created_at",
            "updated_at",
        ]
        read_only_fields = ["id", "created_at", "updated_at"]

    def to_representation(self, instance):
        data = super().to_representation(instance)
        return hide_unaccepted_name(data, "user_detail", accepted=shift_member_accepted(instance))


class OnDutySerializer(serializers.ModelSerializer):
    user = UserBriefSerializer(read_only=True)

    class Meta:
        model = RoomAssignment
        fields = ["id", "user", "role", "start_time", "end_time"]

    def to_representation(self, instance):
        data = super().to_representation(instance)
        return hide_unaccepted_name(data, "user", accepted=shift_member_accepted(instance))
