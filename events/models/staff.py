from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from events.roles import SHIFT_ROLES

SHIFT_ROLE_CHOICES = [(r.value, r.label) for r in SHIFT_ROLES]


class RoomAssignment(models.Model):
    """A staff shift: who works at which room, in which role, from when to when.

    The source of truth for "may this user act at this door now" (door scans, session
    status, room moderation). A user's active shifts never overlap: checked under a lock
    in the service, and on PostgreSQL by an exclusion constraint (migration 0005).
    """

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="room_assignments", verbose_name=_("user")
    )
    room = models.ForeignKey(
        "events.Room", on_delete=models.CASCADE, related_name="staff_assignments", verbose_name=_("room")
    )
    role = models.CharField(_("role"), max_length=30, choices=SHIFT_ROLE_CHOICES)
    start_time = models.DateTimeField(_("start time"))
    end_time = models.DateTimeField(_("end time"))
    is_active = models.BooleanField(_("active"), default=True)
    notes = models.CharField(_("notes"), max_length=500, blank=True)
    assigned_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("assigned by"),
    )
    created_at = models.DateTimeField(auto_now_add=True, verbose_name=_("created at"))
    updated_at = models.DateTimeField(auto_now=True, verbose_name=_("updated at"))

    class Meta:
        verbose_name = _("room assignment")
        verbose_name_plural = _("room assignments")
        ordering = ["start_time", "room__name"]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(end_time__gt=models.F("start_time")), name="room_assignment_end_after_start"
            ),
            models.CheckConstraint(
                condition=models.Q(role__in=[r.value for r in SHIFT_ROLES]), name="room_assignment_role_valid"
            ),
        ]
        indexes = [
            # "Is this user on duty at this room now?" and "who is on duty here now?"
            models.Index(fields=["user", "room", "start_time"], name="room_assignment_duty_idx"),
            models.Index(fields=["room", "start_time", "end_time"], name="room_assignment_room_idx"),
        ]

    def __str__(self):
        return f"{self.user} @ {self.room} ({self.start_time:%Y-%m-%d %H:%M}–{self.end_time:%H:%M})"
