import uuid

from django.conf import settings
from django.core.validators import MaxLengthValidator
from django.db import models
from django.db.models.functions import Length
from django.db.models.lookups import LessThanOrEqual
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from annonces.fields import ALL_ROLES_MASK, RoleSetField

TITLE_MAX_LENGTH = 200
CONTENT_MAX_LENGTH = 5000


class Annonce(models.Model):
    """An announcement of one event to some of its roles (none listed = everyone).

    It is *scheduled* until ``publish_at``, *published* from then on, and *expired* from
    ``expires_at`` (if set). Members see only published annonces that target their role;
    organisateurs see all of their event's (annonces/selectors.py).
    """

    class State(models.TextChoices):
        SCHEDULED = "scheduled", _("Scheduled")
        PUBLISHED = "published", _("Published")
        EXPIRED = "expired", _("Expired")

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    event = models.ForeignKey(
        "events.Event", on_delete=models.CASCADE, related_name="annonces", verbose_name=_("event")
    )
    title = models.CharField(_("title"), max_length=TITLE_MAX_LENGTH)
    content = models.TextField(
        _("content"), blank=True, max_length=CONTENT_MAX_LENGTH, validators=[MaxLengthValidator(CONTENT_MAX_LENGTH)]
    )
    target_roles = RoleSetField(
        _("target roles"), default=list, blank=True, help_text=_("Roles that see this annonce; none means everyone.")
    )
    is_pinned = models.BooleanField(_("pinned"), default=False)
    # Never null in the database: "publish now" is stored as the moment it was asked for,
    # so the feed orders and filters on one column.
    publish_at = models.DateTimeField(
        _("publish at"), default=timezone.now, help_text=_("A time in the future schedules the annonce.")
    )
    expires_at = models.DateTimeField(_("expires at"), null=True, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="annonces_created",
        verbose_name=_("author"),
    )
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)

    class Meta:
        verbose_name = _("annonce")
        verbose_name_plural = _("annonces")
        ordering = ["-is_pinned", "-publish_at", "-created_at"]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(expires_at__isnull=True) | models.Q(expires_at__gt=models.F("publish_at")),
                name="annonce_expires_after_publish",
                violation_error_code="expires_before_publish",
                violation_error_message=_("An annonce must expire after it is published."),
            ),
            models.CheckConstraint(condition=~models.Q(title=""), name="annonce_title_not_empty"),
            models.CheckConstraint(
                condition=LessThanOrEqual(Length("content"), CONTENT_MAX_LENGTH), name="annonce_content_bounded"
            ),
            models.CheckConstraint(
                condition=models.Q(target_roles__lte=ALL_ROLES_MASK), name="annonce_target_roles_known"
            ),
        ]
        indexes = [
            # The feed: one event's annonces, published before now, pinned first, newest next.
            models.Index(fields=["event", "-is_pinned", "-publish_at"], name="annonce_feed_idx"),
            # Polling with ?since=.
            models.Index(fields=["event", "updated_at"], name="annonce_event_updated_idx"),
        ]

    def __str__(self):
        return self.title

    def state_at(self, now) -> str:
        """Python twin of ``selectors.state_expression`` (the feed annotates ``state`` in SQL)."""
        if self.publish_at > now:
            return self.State.SCHEDULED
        if self.expires_at is not None and self.expires_at <= now:
            return self.State.EXPIRED
        return self.State.PUBLISHED


class AnnonceRead(models.Model):
    """A read receipt: ``user`` has read ``annonce`` (once; marking again changes nothing)."""

    annonce = models.ForeignKey(Annonce, on_delete=models.CASCADE, related_name="reads", verbose_name=_("annonce"))
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="annonce_reads", verbose_name=_("user")
    )
    read_at = models.DateTimeField(_("read at"), default=timezone.now)

    class Meta:
        verbose_name = _("annonce read")
        verbose_name_plural = _("annonce reads")
        ordering = ["-read_at"]
        constraints = [models.UniqueConstraint(fields=["annonce", "user"], name="annonce_read_once_per_user")]
        indexes = [models.Index(fields=["user", "annonce"], name="annonce_read_user_idx")]

    def __str__(self):
        return f"{self.user} — {self.annonce}"
