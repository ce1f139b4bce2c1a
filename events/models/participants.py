import secrets

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

# Typed by hand at the door when a QR code will not scan: no 0/O, 1/I/L.
BADGE_ALPHABET = "ABCDEFGHJKMNPQRSTUVWXYZ23456789"
BADGE_ID_LENGTH = 8


def new_badge_id() -> str:
    return "".join(secrets.choice(BADGE_ALPHABET) for _ in range(BADGE_ID_LENGTH))


def normalize_badge_id(typed: str) -> str:
    """What a person types ('mp-abcd efgh', 'abcd-efgh') → the stored form ('ABCDEFGH')."""
    cleaned = "".join(ch for ch in (typed or "").upper() if ch.isalnum())
    return cleaned.removeprefix("MP") if len(cleaned) == BADGE_ID_LENGTH + 2 else cleaned


class Participant(models.Model):
    """A badge holder in one event. Exposants hold badges too (kind = exposant)."""

    class Kind(models.TextChoices):
        PARTICIPANT = "participant", _("Participant")
        EXPOSANT = "exposant", _("Exposant")

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="badges")
    event = models.ForeignKey("events.Event", on_delete=models.CASCADE, related_name="participants")
    kind = models.CharField(_("kind"), max_length=20, choices=Kind.choices, default=Kind.PARTICIPANT)
    badge_id = models.CharField(_("badge id"), max_length=16, unique=True, default=new_badge_id, editable=False)
    # Bumped when the badge is re-issued: codes signed with an older version are revoked.
    badge_version = models.PositiveIntegerField(_("badge version"), default=1, editable=False)
    qr_code_data = models.TextField(_("QR code data"), blank=True, editable=False)
    is_checked_in = models.BooleanField(_("checked in"), default=False)
    checked_in_at = models.DateTimeField(_("checked in at"), null=True, blank=True)
    # Room access: every active room of the event when access_all_rooms is set; otherwise only
    # allowed_rooms, and an empty set then means no room at all (never open by accident).
    access_all_rooms = models.BooleanField(_("access to all rooms"), default=True)
    allowed_rooms = models.ManyToManyField("events.Room", blank=True, related_name="allowed_participants")
    # Presence: the one room the holder is inside now (door scans move it; Room.current_participants
    # counts these rows and `manage.py recount` rebuilds it from them).
    current_room = models.ForeignKey(
        "events.Room",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="present_participants",
        editable=False,
    )
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = _("participant")
        verbose_name_plural = _("participants")
        ordering = ["event", "user__last_name", "user__first_name"]
        constraints = [
            models.UniqueConstraint(fields=["user", "event"], name="participant_one_badge_per_event"),
            models.CheckConstraint(
                condition=models.Q(kind__in=["participant", "exposant"]), name="participant_kind_valid"
            ),
        ]
        indexes = [models.Index(fields=["event", "kind"], name="participant_event_kind_idx")]

    def __str__(self):
        return f"{self.user.get_full_name()} ({self.badge_id})"

    def may_enter(self, room, *, listed: bool | None = None) -> bool:
        """Room permission only (payment, capacity and the rest belong to the door scan). ``listed``:
        whether the room is among allowed_rooms, when the caller already read it (the door scan does)."""
        if room.event_id != self.event_id:
            return False
        if self.access_all_rooms:
            return True
        return self.allowed_rooms.filter(pk=room.pk).exists() if listed is None else listed


class EventBadgeKey(models.Model):
    """The Ed25519 key pair that signs an event's badges. The private half never leaves the server."""

    event = models.OneToOneField("events.Event", on_delete=models.CASCADE, primary_key=True, related_name="badge_key")
    private_key = models.BinaryField(editable=False)
    public_key = models.BinaryField(editable=False)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("badge signing key")
        verbose_name_plural = _("badge signing keys")

    def __str__(self):
        return f"badge key of {self.event_id}"

    def __repr__(self):  # never print key material
        return f"<EventBadgeKey event={self.event_id}>"
