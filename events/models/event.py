import uuid

from django.conf import settings as django_settings
from django.core.validators import RegexValidator
from django.db import models
from django.utils.translation import gettext_lazy as _

from events.roles import Role
from makeplus.uploads import GeneratedName, validate_pdf

__all__ = ["Event", "Role", "UserEventAssignment"]


class Event(models.Model):
    class Status(models.TextChoices):
        UPCOMING = "upcoming", _("Upcoming")
        ACTIVE = "active", _("Active")
        COMPLETED = "completed", _("Completed")
        CANCELLED = "cancelled", _("Cancelled")

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    name = models.CharField(_("name"), max_length=200)
    description = models.TextField(_("description"), blank=True)
    start_date = models.DateTimeField(_("start date"))
    end_date = models.DateTimeField(_("end date"))
    location = models.CharField(_("location"), max_length=255, blank=True)
    location_details = models.TextField(_("location details"), blank=True)
    logo_url = models.URLField(_("logo URL"), blank=True)
    banner_url = models.URLField(_("banner URL"), blank=True)
    primary_color = models.CharField(
        _("primary colour"),
        max_length=7,
        blank=True,
        validators=[RegexValidator(r"^#[0-9A-Fa-f]{6}$", _("A colour is written #RRGGBB."), code="invalid_color")],
        help_text=_("Theme colour of the mobile app, #RRGGBB."),
    )
    status = models.CharField(_("status"), max_length=20, choices=Status.choices, default=Status.UPCOMING)
    settings = models.JSONField(_("settings"), default=dict, blank=True)
    themes = models.JSONField(_("themes"), default=list, blank=True)
    # Denormalised counters: changed only with F() updates (events/counters.py), rebuilt by `manage.py recount`.
    total_participants = models.PositiveIntegerField(_("participants"), default=0, editable=False)
    total_exhibitors = models.PositiveIntegerField(_("exhibitors"), default=0, editable=False)
    total_rooms = models.PositiveIntegerField(_("rooms"), default=0, editable=False)
    organizer_contact = models.EmailField(_("organizer contact"), blank=True)
    president = models.CharField(_("president"), max_length=200, blank=True)
    programme_file = models.FileField(
        _("programme (PDF)"), upload_to=GeneratedName("events/programmes"), blank=True, validators=[validate_pdf]
    )
    guide_file = models.FileField(
        _("guide (PDF)"), upload_to=GeneratedName("events/guides"), blank=True, validators=[validate_pdf]
    )
    metadata = models.JSONField(_("metadata"), default=dict, blank=True)
    eposters_public = models.BooleanField(
        _("public e-poster gallery"),
        default=False,
        help_text=_("Anyone with the link may see the e-poster gallery, without signing in."),
    )
    created_by = models.ForeignKey(
        django_settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="created_events",
        verbose_name=_("created by"),
    )
    created_at = models.DateTimeField(auto_now_add=True, verbose_name=_("created at"))
    updated_at = models.DateTimeField(auto_now=True, verbose_name=_("updated at"))

    class Meta:
        verbose_name = _("event")
        verbose_name_plural = _("events")
        ordering = ["-start_date", "name"]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(end_date__gte=models.F("start_date")), name="event_end_after_start"
            ),
            models.CheckConstraint(
                condition=models.Q(status__in=["upcoming", "active", "completed", "cancelled"]),
                name="event_status_valid",
            ),
        ]
        indexes = [models.Index(fields=["status", "start_date"], name="event_status_start_idx")]

    def __str__(self):
        return self.name


class UserEventAssignment(models.Model):
    """The role a user holds in one event. Authorization re-reads it on every request."""

    user = models.ForeignKey(
        django_settings.AUTH_USER_MODEL,
        on_delete=models.CASCADE,
        related_name="event_assignments",
        verbose_name=_("user"),
    )
    event = models.ForeignKey(Event, on_delete=models.CASCADE, related_name="assignments", verbose_name=_("event"))
    role = models.CharField(_("role"), max_length=30, choices=Role.choices)
    is_active = models.BooleanField(_("active"), default=True)
    assigned_at = models.DateTimeField(_("assigned at"), auto_now_add=True)
    assigned_by = models.ForeignKey(
        django_settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("assigned by"),
    )
    # Privacy by default (SPEC "Privacy"): someone added by another person has not accepted yet; until
    # then the event sees only what was typed or imported about them, never their account's profile.
    # Using the invitation, or selecting the event after signing in, accepts (accounts/consent.py).
    accepted_at = models.DateTimeField(_("accepted at"), null=True, blank=True, editable=False)

    class Meta:
        verbose_name = _("event assignment")
        verbose_name_plural = _("event assignments")
        ordering = ["event", "role", "user__email"]
        constraints = [
            models.UniqueConstraint(fields=["user", "event"], name="assignment_one_role_per_user_per_event"),
            models.CheckConstraint(condition=models.Q(role__in=Role.values), name="assignment_role_valid"),
        ]
        indexes = [models.Index(fields=["event", "role", "is_active"], name="assignment_event_role_idx")]

    def __str__(self):
        return f"{self.user} — {self.get_role_display()} @ {self.event}"

    @classmethod
    def accepting(cls, *, event_id, user_id) -> models.QuerySet:
        """The row saying this user accepted this event, if it did (ids, or OuterRefs in an annotation)."""
        return cls.objects.filter(event_id=event_id, user_id=user_id, accepted_at__isnull=False)
