"""The job queue's rows: one :class:`Job` per long piece of work (bulk email, whole-event badge PDF,
import), and :class:`JobItem`, the per-item log that makes a retried job skip what it already did.

The work itself is registered with ``@job("kind")`` in makeplus/jobs.py and run by the Celery worker
(or in-process when no broker is configured).
"""

import uuid

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from makeplus.uploads import GeneratedName


class Job(models.Model):
    class Status(models.TextChoices):
        PENDING = "pending", _("Pending")
        RUNNING = "running", _("Running")
        DONE = "done", _("Done")
        FAILED = "failed", _("Failed")

    # A UUID: a job's id in a URL reveals nothing about the others.
    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    kind = models.CharField(_("kind"), max_length=50)
    event = models.ForeignKey("events.Event", on_delete=models.CASCADE, related_name="jobs", verbose_name=_("event"))
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="jobs",
        verbose_name=_("created by"),
    )
    status = models.CharField(_("status"), max_length=10, choices=Status.choices, default=Status.PENDING)
    params = models.JSONField(_("parameters"), default=dict, blank=True)
    input_file = models.FileField(_("input file"), upload_to=GeneratedName("jobs/input"), blank=True)
    progress = models.PositiveIntegerField(_("progress"), default=0)
    total = models.PositiveIntegerField(_("total"), default=0)
    result = models.JSONField(_("result"), default=dict, blank=True)
    result_file = models.FileField(_("result file"), upload_to=GeneratedName("jobs/results"), blank=True)
    error = models.TextField(_("error"), blank=True)
    attempts = models.PositiveIntegerField(_("attempts"), default=0)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    started_at = models.DateTimeField(_("started at"), null=True, blank=True)
    # Refreshed while the job runs: a "running" job whose heartbeat is older than JOB_LEASE_SECONDS
    # belongs to a worker that died, and a redelivered task may take it over.
    heartbeat_at = models.DateTimeField(_("heartbeat"), null=True, blank=True)
    finished_at = models.DateTimeField(_("finished at"), null=True, blank=True)

    class Meta:
        verbose_name = _("job")
        verbose_name_plural = _("jobs")
        ordering = ["-created_at"]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(status__in=["pending", "running", "done", "failed"]), name="job_status_valid"
            ),
        ]
        indexes = [models.Index(fields=["event", "-created_at"], name="job_event_created_idx")]

    def __str__(self):
        return f"{self.kind} ({self.get_status_display()}, {self.progress}/{self.total})"

    @property
    def is_finished(self) -> bool:
        return self.status in (self.Status.DONE, self.Status.FAILED)


class JobItem(models.Model):
    """One unit of a job that must happen at most once (e.g. the badge email to one participant).

    Inserted in the same transaction as the unit's work (makeplus.jobs.once): a retried or
    redelivered job skips the keys already recorded; a unit whose work failed leaves no row."""

    job = models.ForeignKey(Job, on_delete=models.CASCADE, related_name="items", verbose_name=_("job"))
    key = models.CharField(_("key"), max_length=100)
    done_at = models.DateTimeField(_("done at"), auto_now_add=True)

    class Meta:
        verbose_name = _("job item")
        verbose_name_plural = _("job items")
        constraints = [models.UniqueConstraint(fields=["job", "key"], name="jobitem_once_per_job")]

    def __str__(self):
        return self.key
