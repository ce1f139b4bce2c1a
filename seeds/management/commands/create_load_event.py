import time

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError

from seeds.common import DEMO_PASSWORD
from seeds.scale import DEFAULT_NAME, LoadEventError, LoadSpec, build_load_event, load_credentials


def _plain(text: str) -> str:
    return text  # stderr is styled as errors on a terminal; progress is not an error


class ProgressLine:
    """A one-line progress bar on stderr ("participants  12,000/50,000  24%  3.1 s"), redrawn in
    place on a terminal; elsewhere (a log file, a test) only each phase's last line is written."""

    def __init__(self, stream, every: float = 0.2):
        self.stream, self.every = stream, every
        self.tty = stream.isatty()
        self.phase, self.started, self.drawn = None, 0.0, 0.0
        self.last = ""

    def __call__(self, phase: str, done: int, total: int) -> None:
        now = time.perf_counter()
        if phase != self.phase:
            self.close()
            self.phase, self.started = phase, now
        percent = 100 * done // total if total else 100
        self.last = f"{phase:<13} {done:>11,}/{total:,}  {percent:3d}%  {now - self.started:6.1f} s"
        if self.tty and (done >= total or now - self.drawn >= self.every):
            self.stream.write("\r" + self.last, style_func=_plain, ending="")
            self.stream.flush()
            self.drawn = now

    def close(self) -> None:
        """End the current line (before other output, and between phases)."""
        if self.phase is not None:
            self.stream.write("\r" + self.last if self.tty else self.last, style_func=_plain)
        self.phase, self.last = None, ""


class Command(BaseCommand):
    help = (
        "Build one large running event fast for load tests and benchmarks (bulk inserts; COPY on PostgreSQL): "
        "participants with signed badges, rooms, sessions, controllers on shift, a door log and people inside "
        "rooms now, then exact counters. Refused when DEBUG is off unless --force. Password for all: makeplus2025."
    )

    def add_arguments(self, parser):
        parser.add_argument("--participants", type=int, default=50_000, help="Badge holders (default 50,000).")
        parser.add_argument("--rooms", type=int, default=40, help="Rooms, one controller each (default 40).")
        parser.add_argument("--sessions", type=int, default=200, help="Sessions over the 3 days (default 200).")
        parser.add_argument(
            "--access-logs", type=int, default=1_000_000, dest="access_logs", help="Door-log rows (default 1,000,000)."
        )
        parser.add_argument("--name", default=DEFAULT_NAME, help=f"Event name (default {DEFAULT_NAME!r}).")
        parser.add_argument("--seed", type=int, default=2025, help="Random seed of the generated data.")
        parser.add_argument(
            "--replace",
            action="store_true",
            help="Delete an event of that name made by this command (and its accounts) first; otherwise refuse.",
        )
        parser.add_argument("--force", action="store_true", help="Run even when DEBUG is off.")

    def handle(self, *args, participants, rooms, sessions, access_logs, name, seed, replace, force, **options):
        if not settings.DEBUG and not force:
            raise CommandError(
                "DEBUG is off: this looks like a production database. It would add thousands of accounts with a "
                "known password. Use --force if you really mean it."
            )
        spec = LoadSpec(
            name=name, participants=participants, rooms=rooms, sessions=sessions, access_logs=access_logs, seed=seed
        )
        progress = ProgressLine(self.stderr)

        def log(message: str) -> None:
            progress.close()
            self.stdout.write(f"  {message}")

        self.stdout.write(
            f"Building {name!r}: {participants:,} participants, {rooms} rooms, {sessions} sessions, "
            f"{access_logs:,} door-log rows"
        )
        started = time.perf_counter()
        try:
            report = build_load_event(spec, replace=replace, progress=progress, log=log)
        except LoadEventError as error:
            progress.close()
            raise CommandError(str(error)) from error
        progress.close()
        if report.replaced:
            removed = ", ".join(f"{n:,} {label}" for label, n in sorted(report.replaced.rows.items()) if n)
            self.stdout.write(f"Replaced the earlier event: {removed}")
        self.stdout.write("")
        for label, count in report.counts.items():
            self.stdout.write(f"  {label:<16} {count:>11,}")
        self.stdout.write("")
        for email, role in load_credentials(spec):
            self.stdout.write(f"  {email}  {role}")
        self.stdout.write(f"  password: {DEMO_PASSWORD}")
        self.stdout.write(
            self.style.SUCCESS(
                f"{report.event.name} ({report.event.pk}) ready in {time.perf_counter() - started:.1f} s "
                f"(phases {report.total_seconds:.1f} s, the rest is the commit)."
            )
        )
