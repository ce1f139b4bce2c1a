"""A real Celery worker on Redis sends the badges of 200 participants: each receives exactly one message.

The worker is `celery -A makeplus worker`, started as a subprocess against Redis db 9 (flushed first),
the TEST database (its name passed in DATABASE_URL) and the test's SMTP server (EMAIL_URL). The job
is enqueued twice, as a redelivered or duplicated task would be: the claim makes the second a no-op.
PostgreSQL only: an SQLite test database lives in the test process's memory and cannot be shared.
"""

import os
import signal
import subprocess
import sys
import time
from collections import Counter
from pathlib import Path

import pytest
from django.db import connection

from accounts.models import User
from conftest import redis_missing
from events.models import Participant
from events.roles import Role
from events.tests.factories import AssignmentFactory
from makeplus.jobs import enqueue
from makeplus.models import Job, JobItem

REDIS_TEST_URL = os.environ.get("CELERY_TEST_BROKER_URL", "redis://127.0.0.1:6379/9")
ROOT = Path(__file__).resolve().parents[2]
HOLDERS = 200

pytestmark = [
    pytest.mark.django_db(transaction=True),
    pytest.mark.skipif(
        connection.vendor != "postgresql",
        reason="needs PostgreSQL: the worker process must reach the test database (an SQLite test database "
        "is in-memory, private to the test process). Run with DATABASE_URL=postgres://…",
    ),
]


def _redis():
    import redis

    client = redis.Redis.from_url(REDIS_TEST_URL, socket_connect_timeout=2)
    try:
        client.ping()
    except redis.exceptions.ConnectionError as exc:
        redis_missing(f"needs Redis at {REDIS_TEST_URL} ({exc})")
    return client


def _database_url() -> str:
    db = connection.settings_dict
    user = db.get("USER") or ""
    password = f":{db['PASSWORD']}" if db.get("PASSWORD") else ""
    credentials = f"{user}{password}@" if user else ""
    return f"postgres://{credentials}{db.get('HOST') or '127.0.0.1'}:{db.get('PORT') or 5432}/{db['NAME']}"


@pytest.fixture
def celery_worker_process(smtp_server, settings, tmp_path):
    """A `celery -A makeplus worker` subprocess on Redis db 9, the test database and the test SMTP server.
    The test process enqueues to the same broker. Stopped with SIGTERM (warm shutdown) at the end."""
    _redis().flushdb()
    settings.CELERY_BROKER_URL = REDIS_TEST_URL
    settings.MEDIA_ROOT = str(tmp_path / "media")
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "makeplus.settings",
        "DATABASE_URL": _database_url(),
        "CELERY_BROKER_URL": REDIS_TEST_URL,
        "REDIS_URL": "",
        "EMAIL_URL": f"smtp://{smtp_server.host}:{smtp_server.port}",
        "SECRET_KEY": settings.SECRET_KEY,
        "DEBUG": "1",
        "MEDIA_ROOT": str(settings.MEDIA_ROOT),
    }
    log = open(tmp_path / "worker.log", "w+b")  # noqa: SIM115 (read back at the end)
    process = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "celery",
            "-A",
            "makeplus",
            "worker",
            "--loglevel=INFO",
            "--pool=prefork",
            "--concurrency=2",
            "--without-mingle",
            "--without-gossip",
            "--hostname=makeplus-test@%h",
        ],
        cwd=ROOT,
        env=env,
        stdout=log,
        stderr=subprocess.STDOUT,
    )
    try:
        yield process
    finally:
        if process.poll() is None:
            process.send_signal(signal.SIGTERM)  # warm shutdown: finishes the current task, then exits
            try:
                process.wait(timeout=60)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait()
        log.seek(0)
        output = log.read().decode(errors="replace")
        log.close()
        print(output[-5000:])
        _redis().flushdb()


def test_a_real_worker_sends_each_badge_once(celery_worker_process, smtp_server, event_a):
    organisateur = AssignmentFactory(event=event_a, role=Role.ORGANISATEUR).user
    users = User.objects.bulk_create(
        [User(email=f"holder{i:03d}@example.dz", first_name=f"Holder{i}", last_name="Test") for i in range(HOLDERS)]
    )
    # Bulk rows, unsigned like an import's: the job signs each badge before sending it.
    Participant.objects.bulk_create([Participant(user=user, event=event_a) for user in users])
    smtp_server.clear()

    from events.services.badge_delivery import start_send_badges

    job = start_send_badges(event=event_a, actor=organisateur)  # enqueued on commit (autocommit here)
    enqueue(job.pk)  # the same job delivered twice

    deadline = time.monotonic() + 240
    while time.monotonic() < deadline:
        job.refresh_from_db()
        if job.status in ("done", "failed"):
            break
        assert celery_worker_process.poll() is None, "the worker exited"
        time.sleep(0.5)
    assert job.status == "done", (job.status, job.progress, job.error)
    time.sleep(1)  # a wrongly duplicated message would have arrived by now

    received = Counter(message["To"] for message in smtp_server.messages)
    expected = {user.email for user in users}
    assert set(received) == expected
    assert all(count == 1 for count in received.values()), [to for to, count in received.items() if count > 1]
    assert (job.progress, job.total, job.attempts) == (HOLDERS, HOLDERS, 1)
    assert job.result == {"sent": HOLDERS, "without_email": 0, "refused": [], "total": HOLDERS}
    assert JobItem.objects.filter(job=job).count() == HOLDERS
    assert Participant.objects.filter(event=event_a, qr_code_data="").count() == 0

    # Stopped cleanly: a warm shutdown exits with 0.
    celery_worker_process.send_signal(signal.SIGTERM)
    assert celery_worker_process.wait(timeout=60) == 0
    assert Job.objects.get(pk=job.pk).status == "done"
