"""Long work off the request: bulk email, whole-event badge PDFs, imports.

Register the work::

    @job("send_badges")
    def run(job, progress):          # job: makeplus.models.Job (params, input_file, event…)
        for i, item in enumerate(items, 1):
            once(job, f"participant:{item.pk}", lambda: send(item))   # at most once per job
            progress(i, total=len(items))
        job.result_file.save("badges.pdf", ContentFile(data), save=False)  # optional, kept by the runner
        return {"sent": n}           # optional, stored in job.result

and start it from a service::

    start_job(kind="send_badges", event=event, created_by=user, params={...})

The row is created at once (status ``pending``); the run is enqueued after the transaction commits:
a Celery task on Redis when a broker is configured (``CELERY_BROKER_URL``/``REDIS_URL``), otherwise
the job runs in-process right after the commit. A job runs once: a worker claims it with a
conditional UPDATE, so a redelivered or duplicated task finds it taken (or finished) and does nothing.
A failed attempt is retried with backoff (at most ``JOB_MAX_RETRIES``); an :class:`AppError` raised by
the work is a final answer (bad input), the job fails at once with its message.
"""

import logging
import time
from dataclasses import dataclass
from datetime import timedelta
from importlib import import_module

from django.conf import settings
from django.db import IntegrityError, transaction
from django.db.models import F, Q
from django.utils import timezone, translation
from django.utils.module_loading import autodiscover_modules
from django.utils.translation import gettext as _

from makeplus.errors import AppError
from makeplus.mail import mail_language
from makeplus.models import Job, JobItem

__all__ = ["Job", "job", "once", "start_job", "run_job", "registered_kinds"]

logger = logging.getLogger(__name__)

_REGISTRY: dict = {}
_discovered = False

# Progress is written at most this often (plus once at the end): a 5,000-item job makes a few
# dozen UPDATEs, not 5,000.
PROGRESS_INTERVAL = 0.5


def job(kind: str):
    """Registers ``run(job, progress)`` as the work of jobs of this ``kind``."""

    def register(fn):
        _REGISTRY[kind] = fn
        return fn

    return register


def _discover():
    global _discovered
    if not _discovered:
        for module in getattr(settings, "JOB_MODULES", []):
            import_module(module)
        autodiscover_modules("jobs")  # <app>/jobs.py, by convention
        _discovered = True


def registered_kinds() -> list[str]:
    _discover()
    return sorted(_REGISTRY)


def _runner(kind: str):
    _discover()
    return _REGISTRY.get(kind)


def start_job(*, kind, event, created_by, params=None, input_file=None) -> Job:
    """Creates the job (pending) and enqueues its run once the current transaction commits."""
    if _runner(kind) is None:
        raise ValueError(f"Unknown job kind {kind!r}.")
    with transaction.atomic():
        created = Job(kind=kind, event=event, created_by=created_by, params=params or {})
        if input_file is not None:
            created.input_file.save(getattr(input_file, "name", None) or "input", input_file, save=False)
        created.save()
        job_id = created.pk
        transaction.on_commit(lambda: enqueue(job_id))
    return created


def enqueue(job_id) -> None:
    """Hands the job to the worker (broker configured) or runs it here and now."""
    url = settings.CELERY_BROKER_URL
    if not url:
        run_in_process(job_id)
        return
    from makeplus.celery import RUN_JOB, app

    try:
        with app.connection_for_write(url) as connection:
            app.send_task(RUN_JOB, args=(str(job_id),), connection=connection)
    except Exception:  # the broker is down: the job stays pending and says so
        logger.exception("Could not enqueue job %s", job_id)
        Job.objects.filter(pk=job_id, status=Job.Status.PENDING).update(
            error=_("The job queue is unavailable; the job has not started.")
        )


def run_in_process(job_id) -> str:
    """The embedded default: every attempt at once, no backoff (nothing to wait for in a request)."""
    for attempt in range(settings.JOB_MAX_RETRIES + 1):
        outcome = run_job(job_id, final=attempt >= settings.JOB_MAX_RETRIES)
        if not outcome.retry:
            return outcome.status
    return Job.Status.FAILED  # pragma: no cover (the last attempt is final)


@dataclass
class Outcome:
    status: str  # the job's status after this attempt, or "skipped" (taken or finished elsewhere)
    retry: bool = False
    exception: BaseException | None = None


class Progress:
    """The ``progress(done, total=None)`` callable handed to the work: writes progress and the
    heartbeat (throttled), so the organisateur sees it move and no other worker takes the job over."""

    def __init__(self, job: Job):
        self.job = job
        self._written = 0.0

    def __call__(self, done: int, total: int | None = None, *, force: bool = False) -> None:
        self.job.progress = done
        if total is not None:
            self.job.total = total
        now = time.monotonic()
        if force or now - self._written >= PROGRESS_INTERVAL or (self.job.total and done >= self.job.total):
            self._written = now
            Job.objects.filter(pk=self.job.pk).update(
                progress=self.job.progress, total=self.job.total, heartbeat_at=timezone.now()
            )


def once(job: Job, key: str, work) -> bool:
    """Runs ``work()`` unless this job already did it for ``key``. The record and the work share one
    transaction: if the work raises, nothing is recorded and a retry does it again; a concurrent
    run of the same job waits on the row and then skips. Returns whether the work ran."""
    with transaction.atomic():
        try:
            with transaction.atomic():
                JobItem.objects.create(job=job, key=key)
        except IntegrityError:
            return False
        work()
    return True


def done_keys(job: Job) -> set[str]:
    """Keys already done by earlier attempts (to skip them without a failed INSERT each)."""
    return set(JobItem.objects.filter(job=job).values_list("key", flat=True))


def _claim(job_id) -> bool:
    now = timezone.now()
    stale = now - timedelta(seconds=settings.JOB_LEASE_SECONDS)
    return bool(
        Job.objects.filter(pk=job_id)
        .filter(Q(status=Job.Status.PENDING) | Q(status=Job.Status.RUNNING, heartbeat_at__lt=stale))
        .update(status=Job.Status.RUNNING, attempts=F("attempts") + 1, started_at=now, heartbeat_at=now, error="")
    )


def _finish(job_id, **fields) -> None:
    Job.objects.filter(pk=job_id).update(finished_at=timezone.now(), heartbeat_at=timezone.now(), **fields)


def run_job(job_id, *, final: bool = True) -> Outcome:
    """One attempt at a job. ``final``: no retry follows, a failure is the job's end."""
    if not _claim(job_id):
        return Outcome("skipped")
    current = Job.objects.select_related("event", "created_by").get(pk=job_id)
    run = _runner(current.kind)
    if run is None:
        _finish(job_id, status=Job.Status.FAILED, error=_("Unknown job kind."))
        return Outcome(Job.Status.FAILED)
    progress = Progress(current)
    # Messages written by the job (its error, a report) are in the language of whoever started it.
    with translation.override(mail_language(user=current.created_by, event=current.event)):
        return _attempt(current, run, progress, final=final)


def _attempt(current: Job, run, progress: Progress, *, final: bool) -> Outcome:
    job_id = current.pk
    try:
        result = run(current, progress)
    except AppError as exc:  # bad input: retrying will not help
        _finish(job_id, status=Job.Status.FAILED, error=str(exc.message), progress=current.progress)
        return Outcome(Job.Status.FAILED)
    except Exception as exc:
        logger.exception("Job %s (%s) failed, attempt %s", job_id, current.kind, current.attempts)
        if final:
            _finish(
                job_id,
                status=Job.Status.FAILED,
                progress=current.progress,
                error=_("The job failed after %(attempts)s attempts.") % {"attempts": current.attempts},
            )
            return Outcome(Job.Status.FAILED, exception=exc)
        Job.objects.filter(pk=job_id).update(
            status=Job.Status.PENDING,
            progress=current.progress,
            error=_("Attempt %(attempts)s failed; the job will be retried.") % {"attempts": current.attempts},
        )
        return Outcome(Job.Status.PENDING, retry=True, exception=exc)
    if isinstance(result, dict):
        current.result = result
    total = current.total or current.progress
    _finish(
        job_id,
        status=Job.Status.DONE,
        result=current.result,
        result_file=current.result_file.name or "",
        progress=max(current.progress, total),
        total=total,
        error="",
    )
    return Outcome(Job.Status.DONE)
