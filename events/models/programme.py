import uuid

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _


class Room(models.Model):
    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    event = models.ForeignKey("events.Event", on_delete=models.CASCADE, related_name="rooms", verbose_name=_("event"))
    name = models.CharField(_("name"), max_length=150)
    description = models.TextField(_("description"), blank=True)
    capacity = models.PositiveIntegerField(_("capacity"))
    location = models.CharField(_("location"), max_length=200, blank=True, help_text=_("Where it is in the venue."))
    # Live occupancy: changed only by door scans (F() updates under the room lock).
    current_participants = models.PositiveIntegerField(_("current participants"), default=0, editable=False)
    is_active = models.BooleanField(_("active"), default=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("created by"),
    )
    created_at = models.DateTimeField(auto_now_add=True, verbose_name=_("created at"))
    updated_at = models.DateTimeField(auto_now=True, verbose_name=_("updated at"))

    class Meta:
        verbose_name = _("room")
        verbose_name_plural = _("rooms")
        ordering = ["event", "name"]
        constraints = [
            models.UniqueConstraint(fields=["event", "name"], name="room_name_unique_per_event"),
            models.CheckConstraint(condition=models.Q(capacity__gt=0), name="room_capacity_positive"),
        ]

    def __str__(self):
        return self.name

    @property
    def occupancy_percentage(self) -> float:
        return round(100 * self.current_participants / self.capacity, 1) if self.capacity else 0.0


class Session(models.Model):
    class Status(models.TextChoices):
        SCHEDULED = "scheduled", _("Scheduled")
        LIVE = "live", _("Live")
        COMPLETED = "completed", _("Completed")
        CANCELLED = "cancelled", _("Cancelled")

    class Type(models.TextChoices):
        CONFERENCE = "conference", _("Conference")
        ATELIER = "atelier", _("Atelier")

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    event = models.ForeignKey(
        "events.Event", on_delete=models.CASCADE, related_name="sessions", verbose_name=_("event")
    )
    room = models.ForeignKey(Room, on_delete=models.PROTECT, related_name="sessions", verbose_name=_("room"))
    title = models.CharField(_("title"), max_length=255)
    description = models.TextField(_("description"), blank=True)
    start_time = models.DateTimeField(_("start time"))
    end_time = models.DateTimeField(_("end time"))
    speaker_name = models.CharField(_("speaker name"), max_length=200, blank=True)
    speaker_title = models.CharField(_("speaker title"), max_length=200, blank=True)
    speaker_bio = models.TextField(_("speaker bio"), blank=True)
    speaker_photo_url = models.URLField(_("speaker photo URL"), blank=True)
    theme = models.CharField(_("theme"), max_length=100, blank=True)
    status = models.CharField(_("status"), max_length=20, choices=Status.choices, default=Status.SCHEDULED)
    session_type = models.CharField(_("type"), max_length=20, choices=Type.choices, default=Type.CONFERENCE)
    is_paid = models.BooleanField(_("paid"), default=False)
    price = models.DecimalField(_("price (DZD)"), max_digits=10, decimal_places=2, default=0)
    youtube_live_url = models.URLField(_("YouTube live URL"), blank=True)
    cover_image_url = models.URLField(_("cover image URL"), blank=True)
    metadata = models.JSONField(_("metadata"), default=dict, blank=True)
    cancelled_at = models.DateTimeField(_("cancelled at"), null=True, blank=True, editable=False)
    cancelled_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        editable=False,
        verbose_name=_("cancelled by"),
    )
    cancel_reason = models.CharField(_("cancellation reason"), max_length=500, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("created by"),
    )
    created_at = models.DateTimeField(auto_now_add=True, verbose_name=_("created at"))
    updated_at = models.DateTimeField(auto_now=True, verbose_name=_("updated at"))

    class Meta:
        verbose_name = _("session")
        verbose_name_plural = _("sessions")
        ordering = ["start_time", "title"]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(end_time__gt=models.F("start_time")), name="session_end_after_start"
            ),
            models.CheckConstraint(condition=models.Q(price__gte=0), name="session_price_not_negative"),
            # Only ateliers may be paid; a paid one has a price, a free one none.
            models.CheckConstraint(
                condition=models.Q(is_paid=False, price=0)
                | models.Q(is_paid=True, session_type="atelier", price__gt=0),
                name="session_paid_means_priced_atelier",
            ),
            models.CheckConstraint(
                condition=models.Q(status__in=["scheduled", "live", "completed", "cancelled"]),
                name="session_status_valid",
            ),
        ]
        # The "no overlap in a room" rule is also a PostgreSQL exclusion constraint (migration 0003).
        indexes = [
            models.Index(fields=["event", "start_time"], name="session_event_start_idx"),
            models.Index(fields=["room", "start_time"], name="session_room_start_idx"),
        ]

    def __str__(self):
        return self.title

    @property
    def is_live(self) -> bool:
        return self.status == self.Status.LIVE

    @property
    def duration_minutes(self) -> int:
        return int((self.end_time - self.start_time).total_seconds() // 60)


class SessionAccess(models.Model):
    """A participant's place in an atelier: registered, then paid (paid ateliers) or cancelled."""

    class Status(models.TextChoices):
        REGISTERED = "registered", _("Registered")
        PAID = "paid", _("Paid")
        CANCELLED = "cancelled", _("Cancelled")

    class Method(models.TextChoices):
        CASH = "cash", _("Cash")
        CARD = "card", _("Card (CIB/Edahabia)")
        TRANSFER = "transfer", _("Bank transfer")
        OTHER = "other", _("Other")

    # The statuses that hold a place in the atelier (a cancelled access gave it back).
    PLACE_STATUSES = (Status.REGISTERED, Status.PAID)

    participant = models.ForeignKey(
        "events.Participant", on_delete=models.CASCADE, related_name="session_accesses", verbose_name=_("participant")
    )
    session = models.ForeignKey(Session, on_delete=models.CASCADE, related_name="accesses", verbose_name=_("session"))
    status = models.CharField(_("status"), max_length=20, choices=Status.choices, default=Status.REGISTERED)
    amount = models.DecimalField(_("amount (DZD)"), max_digits=10, decimal_places=2, null=True, blank=True)
    payment_method = models.CharField(_("payment method"), max_length=20, choices=Method.choices, blank=True)
    paid_at = models.DateTimeField(_("paid at"), null=True, blank=True)
    # The desk's receipt for a payment recorded in the back office (blank when none was given).
    receipt_number = models.CharField(_("receipt number"), max_length=50, blank=True)
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("recorded by"),
    )
    created_at = models.DateTimeField(auto_now_add=True, verbose_name=_("created at"))
    updated_at = models.DateTimeField(auto_now=True, verbose_name=_("updated at"))

    class Meta:
        verbose_name = _("atelier access")
        verbose_name_plural = _("atelier accesses")
        ordering = ["session", "created_at"]
        constraints = [
            models.UniqueConstraint(fields=["participant", "session"], name="session_access_unique"),
            models.CheckConstraint(
                condition=models.Q(status__in=["registered", "paid", "cancelled"]), name="session_access_status_valid"
            ),
            models.CheckConstraint(
                condition=~models.Q(status="paid") | models.Q(amount__isnull=False, paid_at__isnull=False),
                name="session_access_paid_has_amount",
            ),
        ]
        indexes = [models.Index(fields=["session", "status"], name="session_access_status_idx")]

    def __str__(self):
        return f"{self.participant} → {self.session} ({self.status})"
