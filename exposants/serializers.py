"""Shapes of exposant profiles, leads and visit statistics.

A lead shows its visitor's name; email, phone and company appear only while the visitor
consents (``User.share_contact_with_exposants``, read when the lead is shown, so withdrawing
consent hides them from past leads too). Nothing else about the visitor is ever shown.
"""

from django.utils.translation import gettext_lazy as _
from rest_framework import serializers

from events.serializers import ProtectedFileField
from exposants.models import NONCE_MAX_LENGTH, NOTES_MAX_LENGTH, RATING_MAX, RATING_MIN, Exposant, ExposantScan

CONTACT_FIELDS = ("email", "phone", "company")


def visitor_name(participant) -> str:
    """The name the event shows for the badge (``Participant.shown_name``), never the email."""
    return participant.shown_name()


def visitor_contact(participant) -> dict:
    """What an exposant may know about a visitor: its name, and its contact when it consented."""
    user = participant.user
    name = visitor_name(participant)
    data = {"full_name": name, "name": name, "contact_shared": user.share_contact_with_exposants}
    if user.share_contact_with_exposants:
        data.update(email=user.email, phone=user.phone, company=user.company)
    return data


# --- profiles -----------------------------------------------------------------------------


class ExposantSerializer(serializers.ModelSerializer):
    """An exposant's stand in the directory. ``plan_file`` uploads a PDF (multipart) and reads as
    the URL to download it with the same token; ``null`` removes it."""

    plan_file = ProtectedFileField("exposant-plan-file", help_text=_("Stand plan (PDF)."))
    is_active = serializers.BooleanField(
        read_only=True, help_text=_("False for a former exposant (listed to organisateurs only).")
    )
    is_mine = serializers.SerializerMethodField(help_text=_("True for the caller's own profile."))

    class Meta:
        model = Exposant
        fields = [
            "id",
            "company_name",
            "description",
            "stand_number",
            "stand_location",
            "website",
            "logo_url",
            "contact_email",
            "contact_phone",
            "plan_file",
            "is_active",
            "is_mine",
            "created_at",
            "updated_at",
        ]
        read_only_fields = ["id", "is_active", "is_mine", "created_at", "updated_at"]

    def get_is_mine(self, obj) -> bool:
        request = self.context.get("request")
        return bool(request and obj.user_id == request.user.pk)


class ExposantBriefSerializer(serializers.ModelSerializer):
    class Meta:
        model = Exposant
        fields = ["id", "company_name", "stand_number"]
        read_only_fields = fields


# --- leads --------------------------------------------------------------------------------


class VisitorSerializer(serializers.Serializer):
    """Output only. ``email``, ``phone`` and ``company`` are present only when ``contact_shared``."""

    full_name = serializers.CharField(help_text=_("First and last name (empty when the visitor gave none)."))
    name = serializers.CharField(help_text=_("Same as full_name (kept for existing clients)."))
    contact_shared = serializers.BooleanField(help_text=_("The visitor shares its contact with exposants."))
    email = serializers.EmailField(required=False, help_text=_("Only when contact_shared."))
    phone = serializers.CharField(required=False, help_text=_("Only when contact_shared."))
    company = serializers.CharField(required=False, help_text=_("Only when contact_shared."))

    def to_representation(self, instance):
        return visitor_contact(instance)


class ExposantScanSerializer(serializers.ModelSerializer):
    """A lead: one visit of a badge holder to the caller's stand."""

    visitor = VisitorSerializer(source="participant", read_only=True)
    visit_number = serializers.IntegerField(
        read_only=True, help_text=_("Which visit of this visitor to the stand this is (1 = first).")
    )
    rating = serializers.IntegerField(
        min_value=RATING_MIN, max_value=RATING_MAX, allow_null=True, required=False, help_text=_("1 to 5.")
    )

    class Meta:
        model = ExposantScan
        fields = ["id", "visitor", "scanned_at", "visit_number", "notes", "rating", "updated_at"]
        read_only_fields = ["id", "visitor", "scanned_at", "visit_number", "updated_at"]
        extra_kwargs = {"notes": {"max_length": NOTES_MAX_LENGTH}}


class ScanRequestSerializer(serializers.Serializer):
    qr_code = serializers.CharField(
        required=False, allow_blank=True, max_length=512, help_text=_("The badge's scanned QR payload (preferred).")
    )
    badge_id = serializers.CharField(
        required=False, allow_blank=True, max_length=32, help_text=_("The badge id typed by hand.")
    )
    notes = serializers.CharField(required=False, allow_blank=True, max_length=NOTES_MAX_LENGTH, default="")
    rating = serializers.IntegerField(min_value=RATING_MIN, max_value=RATING_MAX, required=False, allow_null=True)
    nonce = serializers.CharField(
        required=False,
        allow_blank=True,
        max_length=NONCE_MAX_LENGTH,
        help_text=_("Unique per scan on the device: sent again, it returns the stored scan (200), not a new one."),
    )

    def validate(self, attrs):
        if not (attrs.get("qr_code") or attrs.get("badge_id")):
            raise serializers.ValidationError(_("Give the badge's qr_code or its badge_id."), code="badge_required")
        return attrs


# --- statistics ---------------------------------------------------------------------------


class HourVisitsSerializer(serializers.Serializer):
    hour = serializers.IntegerField(min_value=0, max_value=23, help_text=_("Local hour (Africa/Algiers), 0–23."))
    visits = serializers.IntegerField()
    unique_visitors = serializers.IntegerField()


class DayVisitsSerializer(serializers.Serializer):
    date = serializers.DateField(help_text=_("Local date (Africa/Algiers)."))
    visits = serializers.IntegerField()
    unique_visitors = serializers.IntegerField()


class _FiguresSerializer(serializers.Serializer):
    total_visits = serializers.IntegerField(help_text=_("Every scan counts as a visit."))
    unique_visitors = serializers.IntegerField(help_text=_("Distinct visitors; repeat visits count once."))
    today_visits = serializers.IntegerField()
    today_unique_visitors = serializers.IntegerField()
    returning_visitors = serializers.IntegerField(help_text=_("Visitors who came back to a stand at least once."))


class RankedExposantSerializer(_FiguresSerializer):
    rank = serializers.IntegerField(help_text=_("1 = most unique visitors (then most visits)."))
    id = serializers.IntegerField()
    company_name = serializers.CharField()
    stand_number = serializers.CharField()
    is_active = serializers.BooleanField()


class ExposantStatisticsSerializer(_FiguresSerializer):
    """An exposant's own figures; for an organisateur, the event's figures over every stand with
    the ranking (or one exposant's figures with ``?exposant=<id>``)."""

    exposant = ExposantBriefSerializer(allow_null=True, help_text=_("Null for the event-wide overview."))
    date = serializers.DateField(help_text=_("Today in the event's time zone: the day of the today_* figures."))
    by_hour_today = HourVisitsSerializer(many=True)
    by_day = DayVisitsSerializer(many=True, help_text=_("Every day of the event, and any other day with visits."))
    ranking = RankedExposantSerializer(
        many=True, required=False, help_text=_("Organisateurs' overview only: every exposant of the event.")
    )
