"""Exhibitor profiles and the leads they capture by scanning visitors' badges."""

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from makeplus.uploads import GeneratedName, validate_pdf

RATING_MIN, RATING_MAX = 1, 5
NOTES_MAX_LENGTH = 2000
NONCE_MAX_LENGTH = 64


class Exposant(models.Model):
    """One exposant's stand in one event: what the directory shows, and the owner of its leads."""

    event = models.ForeignKey(
        "events.Event", on_delete=models.CASCADE, related_name="exposants", verbose_name=_("event")
    )
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="exposant_profiles", verbose_name=_("user")
    )
    company_name = models.CharField(_("company name"), max_length=200, blank=True)
    description = models.TextField(_("description"), blank=True, max_length=5000)
    stand_number = models.CharField(_("stand number"), max_length=30, blank=True)
    stand_location = models.CharField(
        _("stand location"), max_length=200, blank=True, help_text=_("Where the stand is in the venue.")
    )
    website = models.URLField(_("website"), blank=True)
    logo_url = models.URLField(_("logo URL"), blank=True)
    contact_email = models.EmailField(_("contact email"), blank=True)
    contact_phone = models.CharField(_("contact phone"), max_length=30, blank=True)
    plan_file = models.FileField(
        _("stand plan (PDF)"), upload_to=GeneratedName("exposants/plans"), blank=True, validators=[validate_pdf]
    )
    created_at = models.DateTimeField(auto_now_add=True, verbose_name=_("created at"))
    updated_at = models.DateTimeField(auto_now=True, verbose_name=_("updated at"))

    class Meta:
        verbose_name = _("exposant")
        verbose_name_plural = _("exposants")
        ordering = ["event", "company_name", "pk"]
        constraints = [
            models.UniqueConstraint(fields=["event", "user"], name="exposant_one_profile_per_event"),
            # Two stands never share a number in one event; a stand not yet placed has none.
            models.UniqueConstraint(
                fields=["event", "stand_number"],
                condition=~models.Q(stand_number=""),
                name="exposant_stand_number_unique_per_event",
            ),
        ]
        indexes = [models.Index(fields=["event", "company_name"], name="exposant_event_company_idx")]

    def __str__(self):
        return self.company_name or self.user.get_full_name()


class ExposantScan(models.Model):
    """One visit of a badge holder to a stand (a lead). Repeat visits are separate rows."""

    exposant = models.ForeignKey(Exposant, on_delete=models.CASCADE, related_name="scans", verbose_name=_("exposant"))
    # A badge removed from the event takes its visits with it: no contact outlives the badge.
    participant = models.ForeignKey(
        "events.Participant", on_delete=models.CASCADE, related_name="exposant_scans", verbose_name=_("participant")
    )
    scanned_at = models.DateTimeField(_("scanned at"), default=timezone.now)
    notes = models.TextField(_("notes"), blank=True, max_length=NOTES_MAX_LENGTH)
    rating = models.PositiveSmallIntegerField(
        _("rating"),
        null=True,
        blank=True,
        validators=[MinValueValidator(RATING_MIN), MaxValueValidator(RATING_MAX)],
        help_text=_("How promising the lead is, 1 to 5."),
    )
    # Sent by the scanning device: a retry with the same nonce returns this row instead of a new visit.
    nonce = models.CharField(_("nonce"), max_length=NONCE_MAX_LENGTH, null=True, blank=True, editable=False)
    created_at = models.DateTimeField(auto_now_add=True, verbose_name=_("created at"))
    updated_at = models.DateTimeField(auto_now=True, verbose_name=_("updated at"))

    class Meta:
        verbose_name = _("exposant scan")
        verbose_name_plural = _("exposant scans")
        ordering = ["-scanned_at", "-pk"]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(rating__isnull=True) | models.Q(rating__gte=RATING_MIN, rating__lte=RATING_MAX),
                name="exposant_scan_rating_1_to_5",
            ),
            models.UniqueConstraint(
                fields=["exposant", "nonce"],
                condition=models.Q(nonce__isnull=False),
                name="exposant_scan_nonce_unique",
            ),
        ]
        indexes = [
            # Lists, "today" and by-hour/by-day statistics of one exposant.
            models.Index(fields=["exposant", "scanned_at"], name="exposant_scan_time_idx"),
            # Unique and returning visitors of one exposant.
            models.Index(fields=["exposant", "participant"], name="exposant_scan_visitor_idx"),
        ]

    def __str__(self):
        return f"{self.participant_id} @ {self.exposant_id} ({timezone.localtime(self.scanned_at):%Y-%m-%d %H:%M})"
