#!/usr/bin/env python3
"""How long building and sending an event's badge emails takes: the real ``send_badges`` job
(events/services/badge_delivery.py) on N badge holders, to a local SMTP server (aiosmtpd).

    .venv/bin/python bench/badge_mail.py                       # 5,000 holders, temporary SQLite database
    .venv/bin/python bench/badge_mail.py --count 500           # a quick run
    .venv/bin/python bench/badge_mail.py --pdf                 # and the whole event's badges as one PDF
    .venv/bin/python bench/badge_mail.py --database-url postgres://postgres@127.0.0.1:5432/makeplus_bench_mail

The PostgreSQL database of ``--database-url`` is dropped and created again. The SMTP server runs in its
own process (it only counts what it receives), so it takes no CPU from the sender's process. Each message
is what a participant receives: HTML and text parts in their language, the QR code inline (Content-ID
image) and the printable badge as a PDF attachment. The job runs in this process exactly as a Celery
worker process runs it (makeplus.jobs.run_job): one SMTP connection, one record per holder (JobItem) in
the same transaction as its send, progress written at most twice a second.

Badges are signed beforehand (rows added through the API or the admin are signed when created); the
figure is the job alone: query the holders, build each message (QR code, PDF, templates), send it.
"""

import argparse
import multiprocessing
import os
import platform
import socket
import sys
import tempfile
import time
from pathlib import Path
from urllib.parse import urlsplit

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))


def _smtp_server(port, ready, received, size, stop):
    """Child process: an aiosmtpd server that counts the messages and bytes it receives."""
    from aiosmtpd.controller import Controller

    class Counter:
        async def handle_DATA(self, server, session, envelope):
            with received.get_lock():
                received.value += 1
                size.value += len(envelope.original_content or b"")
            return "250 OK"

    controller = Controller(Counter(), hostname="127.0.0.1", port=port, data_size_limit=0)
    controller.start()
    ready.set()
    stop.wait()
    controller.stop()


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def _recreate_postgres(url: str) -> None:
    import psycopg

    parts = urlsplit(url)
    name = parts.path.lstrip("/")
    admin = parts._replace(path="/postgres").geturl()
    with psycopg.connect(admin, autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{name}"')
        conn.execute(f'CREATE DATABASE "{name}"')


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--count", type=int, default=5000, help="badge holders (default 5000)")
    parser.add_argument("--database-url", default="", help="a PostgreSQL URL (dropped and recreated); default SQLite")
    parser.add_argument("--pdf", action="store_true", help="also print every badge as one PDF (the badges_pdf job)")
    parser.add_argument("--language", default="fr", choices=["fr", "en", "ar"], help="the holders' language")
    args = parser.parse_args()

    scratch = tempfile.TemporaryDirectory(prefix="makeplus-bench-mail-")
    if args.database_url:
        _recreate_postgres(args.database_url)
        os.environ["DATABASE_URL"] = args.database_url
    else:
        os.environ["DATABASE_URL"] = f"sqlite:///{scratch.name}/bench.sqlite3"
    port = _free_port()
    os.environ.update(
        DJANGO_SETTINGS_MODULE="makeplus.settings",
        DEBUG="1",
        EMAIL_URL=f"smtp://127.0.0.1:{port}",
        MEDIA_ROOT=f"{scratch.name}/media",
        CELERY_BROKER_URL="",
        REDIS_URL="",
        LOG_LEVEL="WARNING",
    )

    context = multiprocessing.get_context("spawn")
    ready, stop = context.Event(), context.Event()
    received, size = context.Value("i", 0), context.Value("q", 0)
    server = context.Process(target=_smtp_server, args=(port, ready, received, size, stop), daemon=True)
    server.start()
    ready.wait(30)

    import django

    django.setup()
    from django.core.management import call_command
    from django.db import connection
    from django.utils import timezone

    from accounts.models import User
    from events import badges
    from events.models import Event, Participant
    from makeplus.jobs import run_job
    from makeplus.models import Job, JobItem

    started = time.perf_counter()
    call_command("migrate", verbosity=0)
    now = timezone.now()
    event = Event.objects.create(
        name="Salon International de l'Industrie — Alger",
        start_date=now,
        end_date=now + timezone.timedelta(days=3),
        status=Event.Status.ACTIVE,
    )
    first_names = ["Amina", "Yacine", "Nour", "Karim", "Lina", "Sofiane", "Meriem", "Walid"]
    last_names = ["Benali", "Haddad", "Boudiaf", "Mansouri", "Cherif", "Zerrouki", "Kaci", "Belkacem"]
    users = User.objects.bulk_create(
        [
            User(
                email=f"holder{i:05d}@example.dz",
                first_name=first_names[i % 8],
                last_name=last_names[(i // 8) % 8],
                language=args.language,
            )
            for i in range(args.count)
        ],
        batch_size=1000,
    )
    holders = Participant.objects.bulk_create([Participant(user=user, event=event) for user in users], batch_size=1000)
    key = badges.badge_key_for(event)  # noqa: F841 (created once, read by sign_badge)
    for holder in holders:
        holder.event = event
        holder.qr_code_data = badges.sign_badge(holder)
    Participant.objects.bulk_update(holders, ["qr_code_data"], batch_size=1000)
    seeded = time.perf_counter() - started

    job = Job.objects.create(kind="send_badges", event=event, params={"kind": None})
    cpu = time.process_time()
    started = time.perf_counter()
    outcome = run_job(job.pk)
    elapsed = time.perf_counter() - started
    cpu = time.process_time() - cpu
    deadline = time.monotonic() + 30
    while received.value < args.count and time.monotonic() < deadline:
        time.sleep(0.1)
    stop.set()
    server.join(10)

    job.refresh_from_db()
    records = JobItem.objects.filter(job=job).count()
    ok = outcome.status == "done" and received.value == args.count == records
    print(f"command: {' '.join([Path(sys.executable).name, *sys.argv])}")
    print(f"machine: {os.cpu_count()} cores, {platform.platform()}, load average {os.getloadavg()[0]:.2f}")
    print(f"database: {connection.vendor}; seeding {args.count} signed badges took {seeded:.1f} s")
    print(f"job: {outcome.status}, result {job.result}, {records} delivery records")
    each = size.value / max(received.value, 1) / 1e3
    print(f"SMTP server received {received.value} messages, {size.value / 1e6:.1f} MB ({each:.1f} kB each)")
    print(
        f"built and sent {args.count} badge emails in {elapsed:.1f} s: {args.count / elapsed:.1f} messages/s, "
        f"{elapsed / args.count * 1000:.1f} ms each ({cpu / args.count * 1000:.1f} ms CPU in the sending process)"
    )
    if args.pdf:
        pdf_job = Job.objects.create(kind="badges_pdf", event=event, params={"kind": None})
        cpu = time.process_time()
        started = time.perf_counter()
        pdf_outcome = run_job(pdf_job.pk)
        elapsed = time.perf_counter() - started
        cpu = time.process_time() - cpu
        pdf_job.refresh_from_db()
        ok = ok and pdf_outcome.status == "done"
        print(
            f"whole-event badge PDF: {pdf_outcome.status}, {pdf_job.result.get('badges')} badges on "
            f"{pdf_job.result.get('pages')} pages, {pdf_job.result_file.size / 1e6:.1f} MB, in {elapsed:.1f} s "
            f"({cpu:.1f} s CPU)"
        )
    scratch.cleanup()
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
