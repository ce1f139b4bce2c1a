"""The Celery application: `celery -A makeplus worker` (docker-compose's ``worker`` service).

Configuration comes from Django's settings (the ``CELERY_*`` names of the "job queue" block):
Redis as broker when REDIS_URL or CELERY_BROKER_URL is set. There is one task, which runs a
:class:`makeplus.models.Job` by id; the work itself is registered with ``@job`` (makeplus/jobs.py).
"""

import os

from celery import Celery
from django.db import DatabaseError

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "makeplus.settings")

app = Celery("makeplus")
app.config_from_object("django.conf:settings", namespace="CELERY")


RUN_JOB = "makeplus.run_job"


def backoff_seconds(retries: int) -> int:
    """Delay before the next attempt: 10 s, 20 s, 40 s… at most 10 minutes."""
    return min(10 * 2**retries, 600)


# The same bound as settings.JOB_MAX_RETRIES (read here without loading Django's settings).
_MAX_RETRIES = int(os.environ.get("JOB_MAX_RETRIES", "5"))


@app.task(
    bind=True,
    name=RUN_JOB,
    acks_late=True,
    reject_on_worker_lost=True,
    ignore_result=True,
    # The database itself failing (claiming or recording the job): the attempt is tried again later.
    autoretry_for=(DatabaseError,),
    retry_backoff=10,
    retry_backoff_max=600,
    max_retries=_MAX_RETRIES,
)
def run_job_task(self, job_id: str):
    """Runs one job attempt. Safe to deliver twice: the job is claimed with a conditional UPDATE,
    and its units of work are recorded once (makeplus.jobs). A failure of the work itself is retried
    with backoff (``self.retry``) until JOB_MAX_RETRIES, then the job is marked failed."""
    from django.conf import settings

    from makeplus.jobs import run_job
    from makeplus.models import Job

    max_retries = settings.JOB_MAX_RETRIES
    outcome = run_job(job_id, final=self.request.retries >= max_retries)
    if outcome.status == "skipped" and Job.objects.filter(pk=job_id, status=Job.Status.RUNNING).exists():
        # Running elsewhere, or its worker died a moment ago (this is the redelivery): look again once
        # its lease has run out; a dead worker's job is then taken over, a finished one left alone.
        raise self.retry(countdown=settings.JOB_LEASE_SECONDS + 5, max_retries=max_retries)
    if outcome.retry:
        raise self.retry(
            countdown=backoff_seconds(self.request.retries), max_retries=max_retries, exc=outcome.exception
        )
    return outcome.status
