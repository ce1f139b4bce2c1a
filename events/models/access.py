from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _


class RoomAccess(models.Model):
    """One row per door-scan decision (granted or denied), online or uploaded from offline.
    ``Reason``: why a scan was denied, in the order the door decides (SPEC §6: the first failing rule
    wins; events/services/access.py); what the controller's screen says for each is :data:`MESSAGES`."""

    class Direction(models.TextChoices):
        ENTRY = "entry", _("Entry")
        EXIT = "exit", _("Exit")

    class Status(models.TextChoices):
        GRANTED = "granted", _("Granted")
        DENIED = "denied", _("Denied")

    class Reason(models.TextChoices):
        INVALID_BADGE = "invalid_badge", _("Invalid badge")
        REVOKED = "revoked", _("Revoked badge")
        WRONG_EVENT = "wrong_event", _("Badge of another event")
        ROOM_CLOSED = "room_closed", _("Room closed")
        NOT_ALLOWED_ROOM = "not_allowed_room", _("Room not allowed")
        PAYMENT_REQUIRED = "payment_required", _("Payment required")
        NOT_REGISTERED = "not_registered", _("Not registered")
        ROOM_FULL = "room_full", _("Room full")

    # Kept when a badge is removed: the log outlives the badge (badge_input keeps what was scanned).
    participant = models.ForeignKey(
        "events.Participant",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="room_accesses",
        verbose_name=_("participant"),
    )
    badge_input = models.CharField(_("badge input"), max_length=255, blank=True)
    room = models.ForeignKey("events.Room", on_delete=models.CASCADE, related_name="accesses", verbose_name=_("room"))
    session = models.ForeignKey(
        "events.Session",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="room_accesses",
        verbose_name=_("session"),
    )
    direction = models.CharField(_("direction"), max_length=10, choices=Direction.choices, default=Direction.ENTRY)
    status = models.CharField(_("status"), max_length=10, choices=Status.choices)
    denial_reason = models.CharField(_("denial reason"), max_length=30, choices=Reason.choices, blank=True)
    already_inside = models.BooleanField(_("already inside"), default=False)
    verified_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("checked by"),
    )
    scanned_at = models.DateTimeField(_("scanned at"))
    received_at = models.DateTimeField(_("received at"), auto_now_add=True)
    nonce = models.CharField(_("nonce"), max_length=64, blank=True)
    offline = models.BooleanField(_("offline"), default=False)
    # Offline scans the device granted are kept granted; what the server would have said is kept here.
    server_reason = models.CharField(_("server verdict"), max_length=30, choices=Reason.choices, blank=True)

    class Meta:
        verbose_name = _("room access")
        verbose_name_plural = _("room accesses")
        ordering = ["-scanned_at", "-pk"]
        constraints = [
            # A retried scan (same verifier, same nonce) is one decision.
            models.UniqueConstraint(
                fields=["verified_by", "nonce"], condition=~models.Q(nonce=""), name="room_access_nonce_unique"
            ),
            models.CheckConstraint(
                condition=models.Q(status__in=["granted", "denied"]), name="room_access_status_valid"
            ),
            models.CheckConstraint(
                condition=models.Q(status="granted", denial_reason="")
                | models.Q(status="denied") & ~models.Q(denial_reason=""),
                name="room_access_denied_has_reason",
            ),
        ]
        indexes = [
            models.Index(fields=["room", "scanned_at"], name="room_access_room_time_idx"),
            models.Index(fields=["participant", "scanned_at"], name="room_access_participant_idx"),
            models.Index(fields=["verified_by", "scanned_at"], name="room_access_verifier_idx"),
        ]

    def __str__(self):
        return f"{self.get_direction_display()} {self.room} {self.status} {self.denial_reason}".strip()


# What the controller's screen says for each decision: a denial by its reason, a granted scan by its kind.
MESSAGES = {
    "": _("Access granted."),
    "already_inside": _("Already inside this room."),
    "exit": _("Exit recorded."),
    RoomAccess.Reason.INVALID_BADGE: _("Unknown or unreadable badge."),
    RoomAccess.Reason.REVOKED: _("This badge was replaced by a newer one."),
    RoomAccess.Reason.WRONG_EVENT: _("This badge belongs to another event."),
    RoomAccess.Reason.ROOM_CLOSED: _("This room is closed."),
    RoomAccess.Reason.NOT_ALLOWED_ROOM: _("This badge does not give access to this room."),
    RoomAccess.Reason.PAYMENT_REQUIRED: _("This paid atelier has not been paid for."),
    RoomAccess.Reason.NOT_REGISTERED: _("Not registered for this atelier."),
    RoomAccess.Reason.ROOM_FULL: _("The room is full."),
}


class RoomScanCount(models.Model):
    """Door decisions per room, day and hour at the event (events/calendar.py), status and reason: what
    statistics read instead of counting the log (a million rows a day at a large fair). Changed by the
    door scan in its own transaction (events/counters.py: count_scan), rebuilt from the log by
    ``manage.py recount``. Occupancy resets are not door decisions and are not counted."""

    room = models.ForeignKey(
        "events.Room", on_delete=models.CASCADE, related_name="scan_counts", verbose_name=_("room")
    )
    day = models.DateField(_("day"))  # at the event: events.calendar.event_zone
    hour = models.PositiveSmallIntegerField(_("hour"))  # 0–23, at the event
    status = models.CharField(_("status"), max_length=10, choices=RoomAccess.Status.choices)
    denial_reason = models.CharField(_("denial reason"), max_length=30, choices=RoomAccess.Reason.choices, blank=True)
    count = models.PositiveIntegerField(_("count"), default=0)

    class Meta:
        verbose_name = _("door scan count")
        verbose_name_plural = _("door scan counts")
        constraints = [
            models.UniqueConstraint(
                fields=["room", "day", "hour", "status", "denial_reason"], name="room_scan_count_unique"
            ),
        ]

    def __str__(self):
        return f"{self.room_id} {self.day} {self.hour:02d}h {self.status} {self.denial_reason}: {self.count}".strip()
