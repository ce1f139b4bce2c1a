import secrets

from django.conf import settings
from django.db import models
from django.utils.functional import cached_property
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

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="badges", verbose_name=_("user")
    )
    event = models.ForeignKey(
        "events.Event", on_delete=models.CASCADE, related_name="participants", verbose_name=_("event")
    )
    kind = models.CharField(_("kind"), max_length=20, choices=Kind.choices, default=Kind.PARTICIPANT)
    badge_id = models.CharField(_("badge id"), max_length=16, unique=True, default=new_badge_id, editable=False)
    # Bumped when the badge is re-issued: codes signed with an older version are revoked.
    badge_version = models.PositiveIntegerField(_("badge version"), default=1, editable=False)
    qr_code_data = models.TextField(_("QR code data"), blank=True, editable=False)
    # Revoked without a replacement (a lost or stolen badge, someone turned away): every code and the
    # typed id of this badge are refused (reason "revoked") until it is re-issued.
    badge_revoked_at = models.DateTimeField(_("badge revoked at"), null=True, blank=True, editable=False)
    # Registration data: what the organisateur typed or imported for this event. Shown (and printed on
    # the badge) until the holder accepts the event; afterwards the account's own profile is shown.
    first_name = models.CharField(_("first name"), max_length=150, blank=True)
    last_name = models.CharField(_("last name"), max_length=150, blank=True)
    phone = models.CharField(_("phone"), max_length=30, blank=True)
    is_checked_in = models.BooleanField(_("checked in"), default=False)
    checked_in_at = models.DateTimeField(_("checked in at"), null=True, blank=True)
    # Room access: every active room of the event when access_all_rooms is set; otherwise only
    # allowed_rooms, and an empty set then means no room at all (never open by accident).
    access_all_rooms = models.BooleanField(_("access to all rooms"), default=True)
    allowed_rooms = models.ManyToManyField(
        "events.Room", blank=True, related_name="allowed_participants", verbose_name=_("allowed rooms")
    )
    # Presence: the one room the holder is inside now (door scans move it; Room.current_participants
    # counts these rows and `manage.py recount` rebuilds it from them).
    current_room = models.ForeignKey(
        "events.Room",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="present_participants",
        editable=False,
        verbose_name=_("current room"),
    )
    created_at = models.DateTimeField(auto_now_add=True, verbose_name=_("created at"))
    updated_at = models.DateTimeField(auto_now=True, verbose_name=_("updated at"))

    class Meta:
        verbose_name = _("participant")
        verbose_name_plural = _("participants")
        ordering = ["event", "last_name", "first_name"]
        constraints = [
            models.UniqueConstraint(fields=["user", "event"], name="participant_one_badge_per_event"),
            models.CheckConstraint(
                condition=models.Q(kind__in=["participant", "exposant"]), name="participant_kind_valid"
            ),
        ]
        indexes = [models.Index(fields=["event", "kind"], name="participant_event_kind_idx")]

    def __str__(self):
        return f"{self.shown_name() or self.user.email} ({self.badge_id})"

    # --- what the event shows about the holder (SPEC "Privacy") ---------------------------------
    # The registration data above: what was typed or imported until the holder accepts the event,
    # then a copy of the account's profile kept current (events/services/membership.py), so every
    # read of a holder's name or phone stays on this row. The photo exists only on the account: it
    # is shown once ``holder_accepted`` (querysets that list photos annotate it: events.selectors.member_accepted).

    @cached_property
    def holder_accepted(self) -> bool:
        from events.models.event import UserEventAssignment

        return UserEventAssignment.accepting(event_id=self.event_id, user_id=self.user_id).exists()

    def shown_name(self) -> str:
        return f"{self.first_name} {self.last_name}".strip()

    def shown_phone(self) -> str:
        return self.phone

    def shown_photo(self):
        """The account's photo (a FieldFile), or None: never before the holder accepts the event."""
        return self.user.photo if self.user.photo and self.holder_accepted else None

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

    event = models.OneToOneField(
        "events.Event", on_delete=models.CASCADE, primary_key=True, related_name="badge_key", verbose_name=_("event")
    )
    private_key = models.BinaryField(editable=False, verbose_name=_("private key"))
    public_key = models.BinaryField(editable=False, verbose_name=_("public key"))
    created_at = models.DateTimeField(auto_now_add=True, verbose_name=_("created at"))

    class Meta:
        verbose_name = _("badge signing key")
        verbose_name_plural = _("badge signing keys")

    def __str__(self):
        return f"badge key of {self.event_id}"

    def __repr__(self):  # never print key material
        return f"<EventBadgeKey event={self.event_id}>"
