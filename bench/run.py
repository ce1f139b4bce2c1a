#!/usr/bin/env python3
"""The benchmark, end to end: ``make bench`` (or ``python3 bench/run.py``); writes bench/RESULTS.md.

1. PostgreSQL: two databases made from nothing (dropped first) — the main one with the load event
   (``manage.py create_load_event``; 50,000 participants, 40 rooms, 200 sessions, 1,000,000 door-log
   rows by default, ``--small`` for 5,000 and 100,000) and, seeded at the same time, a small one for
   the growth comparison (5,000 participants, 10,000 door-log rows) — migrated, seeded, prepared
   (bench/prepare.py: restricted badges, small rooms, annonces, tokens).
2. The app under gunicorn as in production (sync workers, 2 × cores + 1 + sign-in slots, DEBUG off, persistent
   database connections), with the benchmark settings (bench/settings.py: the baseline views of
   bench/baseline.py, the statements and database round trips of each response: bench/middleware.py),
   login throttles raised (``base_env``: the rush's phones all come from one address).
3. The load (bench/load.py): closed-loop clients, warm-up, fixed duration. The read paths (programme,
   annonces with the mobile app's headers, event statistics) against their baselines, then the
   programme and annonces answered 304 (``If-None-Match``) when the server gives ETags; the statistics
   again with the whole door log moved to today (their worst case, whatever the hour); door scans at
   1, 8 and 32 doors against the baseline, in alternating rounds (so that a change in the machine's
   load between two phases hits both); the 9:00 rush (scans at every door alone, then with phones
   opening the app: login, me, programme, annonces); then the reads, 304s, statistics and scans on the
   small database, for the growth ratios.
4. bench/RESULTS.md: the issue's targets met or not, machine, parameters, each path's throughput,
   latency percentiles, errors, queries and round trips per request, the ratios to the baselines, the
   rush per path, the growth ratios. Exit status 1 when any request failed (a 5xx, an unexpected 4xx,
   a connection error), 2 when the run itself failed.

Run with any Python 3.11+: it creates the virtual environment (scripts/dev.py) if needed and
re-runs itself inside it. ``--help`` for the options.
"""

import argparse
import importlib.util
import json
import os
import platform
import signal
import socket
import subprocess
import sys
import time
from datetime import UTC, datetime
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
WORK = ROOT / "bench" / "results"  # logs, plans, raw results (git-ignored)
RESULTS = ROOT / "bench" / "RESULTS.md"

MAIN_DB, GROWTH_DB = "makeplus_bench", "makeplus_bench_growth"
FULL = {"participants": 50_000, "rooms": 40, "sessions": 200, "access_logs": 1_000_000}
SMALL = {**FULL, "participants": 5_000, "access_logs": 100_000}
GROWTH = {**FULL, "participants": 5_000, "access_logs": 10_000}
SECRET_KEY = "bench-only-secret-key-not-for-production-0123456789abcdefghijklmnop"


def _venv_python() -> Path:
    spec = importlib.util.spec_from_file_location("dev", ROOT / "scripts" / "dev.py")
    dev = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(dev)
    dev.ensure_venv()
    return dev.PYTHON


def _reexec_in_venv() -> None:
    venv = (ROOT / ".venv").resolve()
    if Path(sys.prefix).resolve() != venv:
        python = _venv_python()
        os.execv(str(python), [str(python), str(Path(__file__).resolve()), *sys.argv[1:]])


def parse_args(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--small", action="store_true", help="5,000 participants and 100,000 door-log rows.")
    parser.add_argument("--participants", type=int, help="Main database: badge holders (default 50,000).")
    parser.add_argument("--access-logs", type=int, dest="access_logs", help="Main database: door-log rows.")
    parser.add_argument("--clients", type=int, default=32, help="Concurrent clients of the headline phases (32).")
    parser.add_argument("--seconds", type=float, default=15, help="Measured seconds of each phase (15).")
    parser.add_argument("--warmup", type=float, default=3, help="Warm-up seconds before each phase (3).")
    parser.add_argument("--rounds", type=int, default=3, help="Alternating rounds of each scan comparison (3).")
    parser.add_argument("--phones", type=int, help="Phones of the 9:00 rush (default: --clients).")
    parser.add_argument(
        "--reopens", type=int, default=1, help="Rush: openings after the first (with login) of each person (1)."
    )
    parser.add_argument(
        "--workers", type=int, default=3 * (os.cpu_count() or 1) + 1, help="gunicorn workers (as production's)."
    )
    parser.add_argument(
        "--pg",
        default=os.environ.get("BENCH_PG_URL", "postgres://postgres@127.0.0.1:5432"),
        help="PostgreSQL server, without a database name (env BENCH_PG_URL).",
    )
    parser.add_argument(
        "--reuse", action="store_true", help="Development: keep databases already seeded by an earlier run."
    )
    parser.add_argument("--output", type=Path, default=RESULTS)
    parser.add_argument("--main-db", dest="main_db", default=MAIN_DB, help=f"Main database name ({MAIN_DB}).")
    parser.add_argument("--growth-db", dest="growth_db", default=GROWTH_DB, help=f"Growth database name ({GROWTH_DB}).")
    return parser.parse_args(argv)


# --- processes ---------------------------------------------------------------------------------------


def log(message: str) -> None:
    print(f"[bench {datetime.now().strftime('%H:%M:%S')}] {message}", flush=True)


# Redis as in production (the read cache, the throttles); its database is emptied before each server starts.
REDIS = os.environ.get("BENCH_REDIS_URL", "redis://127.0.0.1:6379/7")


def redis_ready(url: str) -> bool:
    """Empty the benchmark's Redis database; False when Redis does not answer (the run then goes without)."""
    import redis

    try:
        redis.Redis.from_url(url, socket_timeout=2).flushdb()
    except redis.RedisError as exc:
        log(f"Redis at {url} unusable ({exc}): the server runs without it (local memory)")
        return False
    return True


def base_env(database: str, pg: str, redis_url: str = "") -> dict:
    env = {k: v for k, v in os.environ.items() if k not in ("DJANGO_SETTINGS_MODULE", "REDIS_URL")}
    if redis_url:
        env["REDIS_URL"] = redis_url
    env.update(
        DATABASE_URL=f"{pg.rstrip('/')}/{database}",
        DJANGO_SETTINGS_MODULE="bench.settings",
        PYTHONPATH=str(ROOT),
        DEBUG="0",
        SECRET_KEY=SECRET_KEY,
        ALLOWED_HOSTS="127.0.0.1,localhost",
        SECURE_SSL_REDIRECT="0",
        SECURE_HSTS_SECONDS="0",
        DB_CONN_MAX_AGE="600",
        LOG_LEVEL="WARNING",
        STATIC_ROOT=str(WORK / "static"),
        JWT_ACCESS_MINUTES="15",
        # The rush's phones all come from 127.0.0.1 and sign in again and again: the production throttles
        # (per address, per account) would refuse them; their defaults are not changed.
        LOGIN_THROTTLE_RATE="1000000/min",
        LOGIN_EMAIL_THROTTLE_RATE="1000000/min",
    )
    return env


def wait(process: subprocess.Popen, what: str, output: Path | None = None) -> None:
    if process.wait() != 0:
        tail = output.read_text()[-3000:] if output and output.exists() else ""
        raise RuntimeError(f"{what} failed (exit {process.returncode})\n{tail}")


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


# Seeding and preparing: production settings with no statement timeout (a million-row COPY takes longer than the
# API's bounded waits allow: README "Bounded waits").
MAINTENANCE = {"DJANGO_SETTINGS_MODULE": "makeplus.settings", "DB_STATEMENT_TIMEOUT_MS": "0"}


class Server:
    """gunicorn serving the app with the benchmark settings; stopped on exit, whatever happens."""

    def __init__(self, env: dict, workers: int, name: str):
        self.env, self.workers, self.name = env, workers, name
        self.port = free_port()
        self.process = None

    def __enter__(self):
        from bench.load import wait_until_up

        self.log = WORK / f"gunicorn-{self.name}.log"
        with open(self.log, "w") as out:  # the child keeps its own copy of the descriptor
            self.process = self._start(out)
        try:
            wait_until_up("127.0.0.1", self.port, "/api/health/", seconds=90)
        except TimeoutError:
            self.__exit__(None, None, None)
            raise RuntimeError(f"gunicorn did not start:\n{self.log.read_text()[-3000:]}") from None
        log(f"gunicorn up on :{self.port} ({self.workers} sync workers, {self.name} database)")
        return self

    def _start(self, out) -> subprocess.Popen:
        return subprocess.Popen(
            [
                str(Path(sys.executable).parent / "gunicorn"),
                "makeplus.wsgi",
                f"--workers={self.workers}",
                "--worker-class=sync",
                f"--bind=127.0.0.1:{self.port}",
                "--backlog=2048",
                "--timeout=120",
                "--no-control-socket",
            ],
            cwd=ROOT,
            env=self.env,
            stdout=out,
            stderr=out,
            start_new_session=True,
        )

    def __exit__(self, *exc):
        if self.process and self.process.poll() is None:
            self.process.send_signal(signal.SIGTERM)
            try:
                self.process.wait(30)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()


# --- databases -------------------------------------------------------------------------------------------


def pg_execute(pg: str, sql: str, database: str = "postgres"):
    import psycopg

    with psycopg.connect(f"{pg.rstrip('/')}/{database}", autocommit=True) as connection:
        cursor = connection.execute(sql)
        return cursor.fetchall() if cursor.description else None


def bench_ready(pg: str, database: str) -> bool:
    if not pg_execute(pg, f"SELECT 1 FROM pg_database WHERE datname = '{database}'"):
        return False
    rows = pg_execute(
        pg,
        "SELECT 1 FROM events_event WHERE metadata->>'generated_by' = 'create_load_event' "
        "AND metadata->>'bench_prepared' = 'true'",
        database,
    )
    return bool(rows)


def empty_rooms(pg: str, database: str) -> None:
    """Everyone leaves every room (not a door scan: no log row), so that each scan phase starts alike."""
    pg_execute(
        pg,
        "UPDATE events_participant SET current_room_id = NULL WHERE current_room_id IS NOT NULL; "
        "UPDATE events_room SET current_participants = 0 WHERE current_participants <> 0",
        database,
    )


def log_all_today(pg: str, database: str) -> tuple[int, float]:
    """Move every door-log row to today at the event (events/calendar.py), keeping its time of day: the
    worst case for the statistics, which count today's scans (as a one-day event whose whole log is
    today's). The seed
    spreads the log over the event's days up to now, so without this the share of it that is
    today's depends on the hour of the run. Then the counters are recounted from the moved log (the statistics
    read them). Returns (rows today, seconds taken, recount included)."""
    from events.calendar import event_zone

    started = time.perf_counter()
    zone = str(event_zone())
    pg_execute(
        pg,
        f"UPDATE events_roomaccess SET scanned_at = (((now() AT TIME ZONE '{zone}')::date "
        f"+ (scanned_at AT TIME ZONE '{zone}')::time) AT TIME ZONE '{zone}')",
        database,
    )
    pg_execute(pg, "VACUUM (ANALYZE) events_roomaccess", database)
    # The statistics read the door-scan counters: rebuilt from the moved log, as if it had been scanned today.
    env = {**base_env(database, pg), **MAINTENANCE}
    recount_started = time.perf_counter()
    subprocess.run([sys.executable, "manage.py", "recount"], cwd=ROOT, env=env, check=True, capture_output=True)
    log(f"{database}: counters recounted from the moved door log in {time.perf_counter() - recount_started:.1f} s")
    rows = pg_execute(pg, "SELECT count(*) FROM events_roomaccess", database)[0][0]
    return rows, time.perf_counter() - started


def build_databases(args, specs: dict) -> dict:
    """Drop, create, migrate and seed each database (concurrently); returns seconds per database."""
    started, timings, running = time.perf_counter(), {}, []
    for database, spec in specs.items():
        if args.reuse and bench_ready(args.pg, database):
            log(f"{database}: reused (--reuse)")
            timings[database] = None
            continue
        pg_execute(args.pg, f'DROP DATABASE IF EXISTS "{database}" WITH (FORCE)')
        pg_execute(args.pg, f'CREATE DATABASE "{database}"')
        env = {**base_env(database, args.pg), **MAINTENANCE}
        output = WORK / f"seed-{database}.log"
        command = (
            f"import subprocess, sys; "
            f"subprocess.run([sys.executable, 'manage.py', 'migrate', '--no-input', '-v0'], check=True); "
            f"subprocess.run([sys.executable, 'manage.py', 'create_load_event', '--force', "
            f"'--participants={spec['participants']}', '--rooms={spec['rooms']}', "
            f"'--sessions={spec['sessions']}', '--access-logs={spec['access_logs']}'], check=True)"
        )
        with open(output, "w") as out:  # the child keeps its own copy of the descriptor
            process = subprocess.Popen([sys.executable, "-c", command], cwd=ROOT, env=env, stdout=out, stderr=out)
        log(f"{database}: migrating and seeding {_describe(spec)} (log: {output.relative_to(ROOT)})")
        running.append((database, process, output))
    while running:  # each one's time when it ends
        for database, process, output in list(running):
            if process.poll() is not None:
                running.remove((database, process, output))
                wait(process, f"seeding {database}", output)
                timings[database] = time.perf_counter() - started
                log(f"{database}: migrated and seeded in {timings[database]:.0f} s")
        time.sleep(0.5)
    return timings


def prepare(args, database: str) -> dict:
    plan_file = WORK / f"plan-{database}.json"
    env = {**base_env(database, args.pg), "DB_STATEMENT_TIMEOUT_MS": "0"}  # bench settings, no statement timeout
    process = subprocess.run(
        [sys.executable, "-m", "bench.prepare", "--out", str(plan_file)],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
    )
    if process.returncode:
        raise RuntimeError(f"bench/prepare.py failed on {database}:\n{process.stdout}{process.stderr}")
    with open(plan_file) as source:
        return json.load(source)


def _describe(spec: dict) -> str:
    return (
        f"{spec['participants']:,} participants, {spec['rooms']} rooms, {spec['sessions']} sessions, "
        f"{spec['access_logs']:,} door-log rows"
    )


# --- phases -------------------------------------------------------------------------------------------


class Runner:
    def __init__(self, args, server: Server, plan: dict, database: str):
        self.args, self.server, self.plan, self.database = args, server, plan, database
        self.results: dict[str, object] = {}
        self.notes: dict[str, str] = {}  # phases skipped, and why
        self.log_today = 0

    def phase(
        self,
        key: str,
        scenario,
        clients: int,
        seconds: float | None = None,
        warmup: float | None = None,
        tail: bool = False,
    ):
        from bench.load import run

        result = run(
            scenario,
            name=key,
            clients=clients,
            seconds=seconds or self.args.seconds,
            warmup=self.args.warmup if warmup is None else warmup,
            host="127.0.0.1",
            port=self.server.port,
            tail=tail,
        )
        self.results[key] = result
        self._log(key, result)
        for label, part in result.parts.items():
            self._log(f"  {label}", part)
        return result

    @staticmethod
    def _log(key: str, result) -> None:
        log(
            f"{key:<34} {result.throughput:8.1f} req/s  p50 {result.percentile(50):7.1f}  "
            f"p99 {result.percentile(99):7.1f} ms  {result.queries_per_request:5.1f} q/req  "
            f"{result.trips_per_request:5.1f} trips/req  errors {result.error_count}"
        )

    def alternate(self, kinds: dict, rounds: int, seconds: float | None = None, tail: bool = False) -> None:
        """Phases compared in ``rounds`` alternating rounds (A, B, A, B, …: a change in the machine's load
        hits both) of ``seconds`` each (default: --seconds in all), every round starting with empty rooms;
        ``kinds``: name -> (scenario, clients); ``tail``: as bench/load.py's."""
        from bench.load import Result

        totals = {name: Result(name=name, clients=clients, seconds=0) for name, (_, clients) in kinds.items()}
        for n in range(rounds):
            for name, (scenario, clients) in kinds.items():
                empty_rooms(self.args.pg, self.database)
                scenario.reset()
                part = self.phase(
                    f"{name} ({n + 1}/{rounds})",
                    scenario,
                    clients,
                    seconds or self.args.seconds / rounds,
                    warmup=self.args.warmup if n == 0 else min(self.args.warmup, 1.0),
                    tail=tail,
                )
                del self.results[part.name]
                totals[name].add(part)
        for total in totals.values():
            self.results[total.name] = total
            log(
                f"= {total.name:<32} {total.throughput:8.1f} req/s  p50 {total.percentile(50):7.1f}  "
                f"p99 {total.percentile(99):7.1f} ms"
            )

    def scans(self, clients: int, *, baseline: bool = True) -> None:
        """Door scans at ``clients`` doors, the API and the baseline in alternating rounds."""
        from bench.load import DoorScans

        paths = {f"scan @{clients}": lambda room: f"/api/rooms/{room['id']}/verify_access/"}
        if baseline:
            paths[f"scan baseline @{clients}"] = lambda room: f"/bench/baseline/rooms/{room['id']}/scan/"
        kinds = {name: (DoorScans(self.plan, path, seed=clients), clients) for name, path in paths.items()}
        self.alternate(kinds, self.args.rounds if baseline else 1)

    def rush(self, phones: int) -> None:
        """The 9:00 rush: a controller at every door scanning, alone, then with ``phones`` phones opening
        the app (bench/load.py ``Phones``), in alternating rounds."""
        from bench.load import DoorScans, Phones, Together

        doors = len(self.plan["rooms"])
        scans = DoorScans(self.plan, lambda room: f"/api/rooms/{room['id']}/verify_access/", seed=9)
        people = Phones(
            accounts=self.plan["phones"]["accounts"],
            password=self.plan["phones"]["password"],
            programme=self._paths()["programme"],
            annonces=self._paths()["annonces"],
            reopens=self.args.reopens,
        )
        rush = Together(("scan", scans, doors), (None, people, phones))
        # Longer rounds than the scans': a phone's cycle (a login, six reads) takes seconds under the rush; and
        # every request started in a round counts, however late it ends (a login storm stalls the doors).
        kinds = {RUSH_ALONE: (scans, doors), RUSH: (rush, rush.clients)}
        self.alternate(kinds, RUSH_ROUNDS, self.args.seconds, tail=True)

    def statistics_whole_log_today(self) -> None:
        """The event statistics with every door-log row moved to today (see log_all_today), one client."""
        from bench.load import Reads, Request

        self.log_today, seconds = log_all_today(self.args.pg, self.database)
        log(f"{self.database}: the whole door log ({self.log_today:,} rows) moved to today in {seconds:.0f} s")
        event = self.plan["event"]
        token = self.plan["organisateur"]["token"]
        api = Reads(lambda n: Request("GET", f"/api/events/{event}/statistics/", token))
        bare = Reads(lambda n: Request("GET", f"/bench/baseline/events/{event}/statistics/"))
        self.phase(WORST, api, 1, self._statistics_seconds())
        self.phase(WORST_BASE, bare, 1, self._statistics_seconds())

    def _statistics_seconds(self) -> float:
        return self.args.seconds * STATISTICS_SHARE

    def _paths(self) -> dict:
        today = self.plan["today"]
        return {"programme": f"/api/sessions/?day={today}&page_size=50", "annonces": "/api/annonces/?page_size=50"}

    def _reader(self, n: int) -> dict:
        readers = self.plan["readers"]
        return readers[n % len(readers)]

    def _api(self, path: str):
        """The API request of read path ``path`` for client n, with the mobile app's headers."""
        from bench.load import APP_GET_HEADERS, Request

        if path == "statistics":
            event, organisateur = self.plan["event"], self.plan["organisateur"]
            return lambda n: Request("GET", f"/api/events/{event}/statistics/", organisateur["token"])
        url = self._paths()[path]
        return lambda n: Request("GET", url, self._reader(n)["token"], headers=dict(APP_GET_HEADERS))

    def reads(self, clients: int, *, baseline: bool = True, paths=("programme", "annonces", "statistics")) -> None:
        from bench.load import Reads, Request

        event, today = self.plan["event"], self.plan["today"]
        bare = {
            "programme": lambda n: Request(
                "GET",
                f"/bench/baseline/sessions/?event={event}&user={self._reader(n)['user']}&day={today}&page_size=50",
            ),
            "annonces": lambda n: Request(
                "GET",
                f"/bench/baseline/annonces/?event={event}&user={self._reader(n)['user']}&role_bit=8&page_size=50",
            ),
            "statistics": lambda n: Request("GET", f"/bench/baseline/events/{event}/statistics/"),
        }
        for path in paths:
            seconds = self._statistics_seconds() if path == "statistics" else None
            self.phase(f"{path} @{clients}", Reads(self._api(path)), clients, seconds)
            if baseline:
                self.phase(f"{path} baseline @{clients}", Reads(bare[path]), clients, seconds)

    def revalidations(self, clients: int, paths=("programme", "annonces")) -> None:
        """The read paths as an app that keeps its copy: If-None-Match with the ETag it got (304s), for the
        paths whose answer carries an ETag; the others are skipped with a note."""
        from bench.load import Revalidate, fetch

        for path in paths:
            make = self._api(path)
            status, headers, _ = fetch("127.0.0.1", self.server.port, make(0))
            if status != 200 or b"etag" not in headers:
                self.notes[f"{path} 304"] = f"skipped: GET {self._paths()[path]} gave {status} without an ETag"
                log(f"{path} 304 @{clients}: {self.notes[f'{path} 304']}")
                continue
            self.phase(f"{path} 304 @{clients}", Revalidate(make), clients)


# --- report -------------------------------------------------------------------------------------------


def machine() -> dict:
    cpu = platform.processor() or platform.machine()
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    return {"cores": os.cpu_count(), "cpu": cpu, "system": f"{platform.system()} {platform.release()}"}


def _ratio(a: float, b: float) -> str:
    return f"{a / b:.2f}×" if b else "—"


def _row(key: str, r, baseline=None) -> str:
    cells = [
        key,
        str(r.clients),
        f"{r.throughput:.1f}",
        f"{r.percentile(50):.1f}",
        f"{r.percentile(95):.1f}",
        f"{r.percentile(99):.1f}",
        str(r.error_count),
        f"{r.queries_per_request:.1f}",
        f"{r.trips_per_request:.1f}",
    ]
    if baseline is not None:
        cells += [
            _ratio(r.throughput, baseline.throughput),
            _ratio(r.percentile(50), baseline.percentile(50)),
            _ratio(r.percentile(95), baseline.percentile(95)),
            _ratio(r.percentile(99), baseline.percentile(99)),
        ]
    else:
        cells += ["", "", "", ""]
    return "| " + " | ".join(cells) + " |"


WORST, WORST_BASE = "statistics @1, whole log today", "statistics baseline @1, whole log today"
RUSH_ALONE, RUSH = "rush: scans alone", "rush: scans and phones"
RUSH_ROUNDS = 2  # of --seconds each, alternating scans alone and the rush
STATISTICS_SHARE = 2 / 3  # the statistics phases (an earlier issue's targets) run this share of --seconds
TABLE_HEAD = (
    "| path | clients | req/s | p50 ms | p95 ms | p99 ms | errors | queries/req | round trips/req "
    "| req/s ÷ baseline | p50 ÷ baseline | p95 ÷ baseline | p99 ÷ baseline |\n"
    "|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|"
)


def _outcomes(result) -> str:
    total = sum(result.outcomes.values()) or 1
    return ", ".join(f"{name} {100 * n / total:.1f} %" for name, n in result.outcomes.most_common())


def _met(ok: bool | None) -> str:
    return "—" if ok is None else ("met" if ok else "**NOT met**")


def targets(args, main: Runner, growth: Runner) -> list[tuple[str, str, bool | None]]:
    """(target, measured, met) for each target of issue 22, and the statistics' growth (an earlier one)."""
    r, g, top = main.results, growth.results, args.clients
    rows = []
    api, base = r[f"scan @{top}"], r[f"scan baseline @{top}"]
    ratio = api.throughput / base.throughput
    rows.append((f"door scan @{top}: throughput ≥ 0.7 × baseline", f"{ratio:.2f}×", ratio >= 0.7))
    ratio = api.percentile(99) / base.percentile(99)
    rows.append((f"door scan @{top}: p99 ≤ 1.5 × baseline", f"{ratio:.2f}×", ratio <= 1.5))
    for path in ("programme", "annonces"):
        base = r[f"{path} baseline @{top}"]
        ratio = r[f"{path} @{top}"].throughput / base.throughput
        rows.append((f"{path} @{top} (200s): throughput ≥ 3 × bare SQL", f"{ratio:.2f}×", ratio >= 3))
        key = f"{path} 304 @{top}"
        if key in r:
            ratio = r[key].throughput / base.throughput
            rows.append((f"{path} @{top} (304s): throughput ≥ 5 × bare SQL", f"{ratio:.2f}×", ratio >= 5))
        else:
            rows.append((f"{path} @{top} (304s): throughput ≥ 5 × bare SQL", main.notes.get(f"{path} 304"), None))
    alone, rush = r[RUSH_ALONE], r[RUSH]
    ratio = rush.part("scan").percentile(99) / alone.percentile(99)
    rows.append(("9:00 rush: door scan p99 ≤ 2 × scans alone", f"{ratio:.2f}×", ratio <= 2))
    rows.append(
        ("9:00 rush: 0 errors", str(rush.error_count + alone.error_count), not (rush.error_count + alone.error_count))
    )
    for label, key, value, kind in _growth_rows(top):
        if key in r and key in g and kind != "statistics":
            slowdown = _slowdown(value(r[key]), value(g[key]), kind)
            rows.append((f"growth: {label} within 1.2×", f"{slowdown:.2f}×", slowdown <= 1.2))
    worst = r[WORST].percentile(50) / g[WORST].percentile(50)
    rows.append(("(earlier issue) growth: statistics p50 @1, whole log today ≤ 3×", f"{worst:.2f}×", worst <= 3))
    return rows


def _slowdown(main_value: float, growth_value: float, kind: str) -> float:
    """How many times slower the main database is: a latency's ratio, or a throughput's inverse."""
    return growth_value / main_value if kind == "throughput" else main_value / growth_value


def _growth_rows(top: int) -> list:
    def p50(x):
        return x.percentile(50)

    def p99(x):
        return x.percentile(99)

    def rate(x):
        return x.throughput

    return [
        ("scan p50 @1", "scan @1", p50, "latency"),
        ("scan p99 @1", "scan @1", p99, "latency"),
        (f"scan throughput @{top}", f"scan @{top}", rate, "throughput"),
        (f"programme throughput @{top}", f"programme @{top}", rate, "throughput"),
        (f"annonces throughput @{top}", f"annonces @{top}", rate, "throughput"),
        (f"programme 304 throughput @{top}", f"programme 304 @{top}", rate, "throughput"),
        (f"annonces 304 throughput @{top}", f"annonces 304 @{top}", rate, "throughput"),
        (f"scan baseline throughput @{top}", f"scan baseline @{top}", rate, "statistics"),
        ("statistics p50 @1, as of now", "statistics @1", p50, "statistics"),
        ("statistics baseline p50 @1, as of now", "statistics baseline @1", p50, "statistics"),
        ("statistics p50 @1, whole log today", WORST, p50, "statistics"),
        ("statistics p99 @1, whole log today", WORST, p99, "statistics"),
        ("statistics baseline p50 @1, whole log today", WORST_BASE, p50, "statistics"),
    ]


def _part_row(key: str, r) -> str:
    return (
        f"| {key} | {r.throughput:.1f} | {r.percentile(50):.1f} | {r.percentile(99):.1f} | {r.error_count} "
        f"| {r.queries_per_request:.1f} | {r.trips_per_request:.1f} | {_outcomes(r)} |"
    )


def report(args, context: dict, main: Runner, growth: Runner) -> str:
    m, r, g = context["machine"], main.results, growth.results
    top = args.clients
    doors = len(main.plan["rooms"])
    lines = [
        "# Benchmark results",
        "",
        f"Generated by `{context['command']}` on {context['finished']} in {context['wall']:.0f} s "
        "(bench/run.py; the README says how to run it). Every figure below comes from that run.",
        "",
        "## Targets (issue 22)",
        "",
        "| target | measured | |",
        "|---|---:|---|",
    ]
    lines += [f"| {target} | {measured} | {_met(ok)} |" for target, measured, ok in targets(args, main, growth)]
    lines += [
        "",
        "Ratios to a baseline are throughputs (the API's ÷ the baseline's) or p99 latencies; growth ratios say "
        "how many times slower the main database (the big door log) is than the growth one: a latency's "
        "main ÷ growth, a throughput's growth ÷ main.",
        "",
        "## Machine",
        "",
        f"- {m['cores']} cores ({m['cpu']}), {m['system']}; load average {context['load_before']} before the "
        f"phases, {context['load_after']} after (other work on the machine slows both sides of each comparison).",
        f"- {context['postgres']}",
        f"- Python {platform.python_version()}, Django {context['django']}, gunicorn {context['gunicorn']}: "
        f"{args.workers} sync workers (2 × cores + 1, plus one per sign-in slot: makeplus/gunicorn.conf.py), "
        "DEBUG off, persistent connections (CONN_MAX_AGE 600).",
        f"- Cache (read cache, throttles): {'Redis, ' + context['redis'] if context['redis'] else 'local memory'}.",
        "- Load: bench/load.py, closed loop, in one process on the same machine (it takes CPU from the server).",
        "- Queries/req: SQL statements; round trips/req: those plus BEGIN, COMMIT/ROLLBACK and the connection "
        "health check's SELECT 1, each a round trip to PostgreSQL (bench/middleware.py).",
        "",
        "## Parameters",
        "",
        f"- Main database: {_describe(context['main_spec'])}"
        + (" (reused from an earlier run: not fresh)" if context["seed_seconds"].get(args.main_db) is None else ""),
        f"  — {_counts(main.plan)}.",
        f"- Growth database: {_describe(GROWTH)} — {_counts(growth.plan)}.",
        f"- Each phase: {args.warmup:g} s warm-up, then {args.seconds:g} s measured (the statistics "
        f"{args.seconds * STATISTICS_SHARE:g} s); scan comparisons in {args.rounds} alternating "
        f"rounds (API, baseline, API, …) of {args.seconds / args.rounds:g} s, the rush in {RUSH_ROUNDS} of "
        f"{args.seconds:g} s (scans alone, rush, …), every round starting with empty rooms.",
        f"- Seeding: {_seed_times(context['seed_seconds'])}.",
        "- Scan mix per door (client = the controller on duty there): 5 % invalid badges, about 20 % exits of "
        "people it let in, the rest entries of random badges (5 % typed badge ids; at doors with ateliers 10 % "
        "for an atelier); 8 % of badges restricted to two rooms; one room in eight seats 15. Fresh nonce "
        "on every scan.",
        "- The API's read requests carry the mobile app's headers (`Cache-Control: no-cache, no-store, "
        "must-revalidate`, `Pragma: no-cache`); the baselines none.",
        "",
        "## Door scan: `POST /api/rooms/{id}/verify_access/` against the baseline",
        "",
        "The baseline (bench/baseline.py) is a bare Django view issuing the same statements as the API's scan "
        "through the same functions (events/sql: the caller, the door with the on-duty check, then in one "
        "transaction the holder locked and the writes), with the same badge signature check "
        "(events/badges.py) and the token's signature checked by the standard library. No DRF, no JWT library, "
        "no serializers, no rules beyond allowed room, capacity and presence (no closed-room, atelier or "
        "offline rules, no nonce replay answer), a short answer.",
        "",
        TABLE_HEAD,
    ]
    levels = sorted({1, 8, top})
    for clients in levels:
        api, base = r[f"scan @{clients}"], r[f"scan baseline @{clients}"]
        lines.append(_row(f"scan @{clients}", api, base))
        lines.append(_row(f"baseline @{clients}", base))
    api, base = r[f"scan @{top}"], r[f"scan baseline @{top}"]
    lines += [
        "",
        f"Decisions at {top} clients (API): {_outcomes(api)}.",
        "",
        f"Decisions at {top} clients (baseline): {_outcomes(base)}.",
        "",
        "## Read paths",
        "",
        "Participants read the programme (`GET /api/sessions/?day=<today>&page_size=50`) and the annonces "
        "(`GET /api/annonces/?page_size=50`); the organisateur reads the event statistics "
        "(`GET /api/events/{id}/statistics/`). Each baseline runs the same SQL written by hand, without "
        "authentication, cache or ETag. *304*: each client keeps the ETag of its first answer and sends it "
        "back in `If-None-Match` (the answers: 304 when nothing changed).",
        "",
        TABLE_HEAD,
    ]
    for path in ("programme", "annonces", "statistics"):
        api, base = r[f"{path} @{top}"], r[f"{path} baseline @{top}"]
        lines.append(_row(f"{path} @{top}", api, base))
        if f"{path} 304 @{top}" in r:
            lines.append(_row(f"{path} 304 @{top}", r[f"{path} 304 @{top}"], base))
        lines.append(_row(f"baseline @{top}", base))
    lines.append(_row("statistics @1", r["statistics @1"], r["statistics baseline @1"]))
    lines.append(_row("baseline @1", r["statistics baseline @1"]))
    lines.append(_row("statistics @1, whole log today", r[WORST], r[WORST_BASE]))
    lines.append(_row("baseline @1, whole log today", r[WORST_BASE]))
    lines.append("")
    for path in ("programme", "annonces"):
        if f"{path} 304 @{top}" in r:
            lines.append(f"- {path} 304 @{top}: answers {_outcomes(r[f'{path} 304 @{top}'])}.")
        else:
            lines.append(f"- {path} 304 @{top}: {main.notes.get(f'{path} 304', 'not run')}.")

    alone, rush = r[RUSH_ALONE], r[RUSH]
    phones = rush.clients - doors
    lines += [
        "",
        "## The 9:00 rush",
        "",
        f"A controller at each of the {doors} doors scans (the mix above), first alone, then while {phones} phones "
        "open the app (closed loop, alternating rounds). A phone's person opens the app for the first time — "
        "`POST /api/auth/token/` (the mobile app's login, the seed's password: PBKDF2 as in production, "
        f"{context['password_ms']:.0f} ms of CPU per password check on this machine), "
        "`GET /api/auth/me/`, the programme, the annonces — then "
        f"{args.reopens} more time(s) — me, programme, annonces, the last two with `If-None-Match` when the server "
        "gave an ETag — and the phone passes to the next person. A sign-in told 503 `busy` (every sign-in slot "
        "of the server taken: accounts/login_gate.py) is tried again after its `Retry-After`, as a person taps "
        "again; those answers are listed, not errors. Login throttles raised for the benchmark server "
        "(bench/run.py: environment variables; every phone comes from 127.0.0.1). The first round starts with "
        "every phone signing in at once (the arrival at 9:00); later ones go on from where the phones were. "
        "Here every request started in a round counts, however late it ends (elsewhere only those that end "
        "within the round).",
        "",
        "| path | req/s | p50 ms | p99 ms | errors | queries/req | round trips/req | answers |",
        "|---|---:|---:|---:|---:|---:|---:|---|",
        _part_row(f"scan, alone ({doors} doors)", alone),
        _part_row("scan, in the rush", rush.part("scan")),
    ]
    for label in ("login", "me", "programme", "annonces"):
        if label in rush.parts:
            lines.append(_part_row(f"{label}, in the rush", rush.parts[label]))
    ratio = rush.part("scan").percentile(99) / alone.percentile(99)
    lines += [
        "",
        f"Scan p99 in the rush ÷ alone: {ratio:.2f}× (target ≤ 2×); errors {rush.error_count + alone.error_count} "
        "(target 0).",
        "",
        "## Growth",
        "",
        f"The same phases on the growth database ({GROWTH['participants']:,} participants, "
        f"{GROWTH['access_logs']:,} door-log rows) and on the main one "
        f"({context['main_spec']['participants']:,}, {context['main_spec']['access_logs']:,}).",
        "",
        "| measure | growth db | main db | slowdown | target |",
        "|---|---:|---:|---:|---|",
    ]
    for label, key, value, kind in _growth_rows(top):
        if key not in r or key not in g:
            continue
        small, large = value(g[key]), value(r[key])
        unit = "req/s" if value.__name__ == "rate" else "ms"
        slowdown = _slowdown(large, small, "throughput" if unit == "req/s" else "latency")
        target = "≤ 3× (earlier issue)" if kind == "statistics" and label.startswith("statistics p") else ""
        target = target or ("≤ 1.2×" if kind != "statistics" else "")
        lines.append(f"| {label} ({unit}) | {small:.1f} | {large:.1f} | {slowdown:.2f}× | {target} |")
    lines += [
        "",
        "The statistics report today's door scans, summed from the door-scan counters (RoomScanCount, kept by "
        "the scan; rebuilt by `manage.py recount` after the log is moved). *As of now*: the log as seeded, spread "
        "over the event's days "
        f"up to the hour of the run ({main.plan['counts']['access log rows today']:,} of the main database's rows "
        f"were today's, {growth.plan['counts']['access log rows today']:,} of the growth one's). *Whole log "
        f"today*: every row moved to today, keeping its time of day ({main.log_today:,} and {growth.log_today:,} "
        "rows), the worst case, whatever the hour.",
        "",
        "## Errors",
        "",
    ]
    errors = [
        (f"{name} {key}", res.errors)
        for name, runner in (("main", main), ("growth", growth))
        for key, res in runner.results.items()
        if res.error_count
    ]
    if errors:
        lines += [f"- {key}: {dict(e)}" for key, e in errors]
    else:
        lines.append(
            "None: every request got the answer its path may give (scans: 200 decisions; reads: 200, or 304 "
            "to If-None-Match; logins: 200)."
        )
    notes = [
        f"- {runner}: {key}: {note}"
        for runner, x in (("main", main), ("growth", growth))
        for key, note in x.notes.items()
    ]
    if notes:
        lines += ["", "Skipped:", "", *notes]
    lines += ["", "## Every phase (raw)", "", "```"]
    for label, runner in (("main", main), ("growth", growth)):
        for res in runner.results.values():
            lines.append(f"{label:6} {json.dumps(res.as_dict(), ensure_ascii=False)}")
    lines += ["```", ""]
    return "\n".join(lines)


def _counts(plan: dict) -> str:
    c = plan["counts"]
    return (
        f"{c['access log rows']:,} door-log rows before the run ({c['access log rows today']:,} of them today), "
        f"{c['restricted badges']:,} restricted badges, {c['small rooms']} small rooms, {c['annonces']} annonces"
    )


def _seed_times(seconds: dict) -> str:
    return ", ".join(f"{db} {'reused' if s is None else f'{s:.0f} s'}" for db, s in seconds.items())


def password_check_ms() -> float:
    """CPU milliseconds of one check of a password against Django's default hasher (PBKDF2, the one the
    seed's hashes use): what each login of the rush costs a worker on this machine."""
    from django.contrib.auth.hashers import PBKDF2PasswordHasher

    hasher = PBKDF2PasswordHasher()
    encoded = hasher.encode("makeplus2025", "benchsalt0123456")
    started = time.process_time()
    hasher.verify("makeplus2025", encoded)
    return 1000 * (time.process_time() - started)


def load_average() -> str:
    try:
        return " / ".join(f"{x:.2f}" for x in os.getloadavg())
    except OSError:
        return "n/a"


# --- main ---------------------------------------------------------------------------------------------


def main(argv=None) -> int:
    args = parse_args(argv)
    started = time.perf_counter()
    WORK.mkdir(parents=True, exist_ok=True)
    (WORK / "static").mkdir(exist_ok=True)
    sys.path.insert(0, str(ROOT))
    spec = dict(SMALL if args.small else FULL)
    if args.participants:
        spec["participants"] = args.participants
    if args.access_logs is not None:
        spec["access_logs"] = args.access_logs
    context = {
        "command": " ".join(["python3 bench/run.py", *sys.argv[1:]]),
        "machine": machine(),
        "main_spec": spec,
        "postgres": pg_execute(args.pg, "SELECT version()")[0][0],
    }
    import django
    import gunicorn

    context.update(django=django.get_version(), gunicorn=gunicorn.__version__)
    log(f"{context['machine']['cores']} cores; {context['postgres'].split(' on ')[0]}; main: {_describe(spec)}")
    context["seed_seconds"] = build_databases(args, {args.main_db: spec, args.growth_db: GROWTH})
    context["load_before"] = load_average()
    context["password_ms"] = password_check_ms()
    top, levels = args.clients, sorted({1, 8, args.clients})

    plan = prepare(args, args.main_db)
    context["redis"] = REDIS if redis_ready(REDIS) else ""
    with Server(base_env(args.main_db, args.pg, context["redis"]), args.workers, "main") as server:
        main_runner = Runner(args, server, plan, args.main_db)
        # Reads first: the statistics count today's door scans, and the scan phases add some.
        main_runner.reads(top)
        main_runner.revalidations(top)
        main_runner.reads(1, paths=("statistics",))
        main_runner.statistics_whole_log_today()
        for clients in levels:
            main_runner.scans(clients)
        main_runner.rush(args.phones or top)

    plan = prepare(args, args.growth_db)
    redis_ready(REDIS)  # emptied again: the growth server starts from nothing too
    with Server(base_env(args.growth_db, args.pg, context["redis"]), args.workers, "growth") as server:
        growth_runner = Runner(args, server, plan, args.growth_db)
        growth_runner.reads(top, baseline=False, paths=("programme", "annonces"))
        growth_runner.revalidations(top)
        growth_runner.reads(1, paths=("statistics",))
        growth_runner.statistics_whole_log_today()
        growth_runner.scans(1, baseline=False)
        growth_runner.scans(top)

    context.update(
        load_after=load_average(),
        wall=time.perf_counter() - started,
        finished=datetime.now(UTC).strftime("%Y-%m-%d %H:%M UTC"),
    )
    text = report(args, context, main_runner, growth_runner)
    args.output.write_text(text)
    raw = {
        key: res.as_dict()
        for prefix, runner in (("main", main_runner), ("growth", growth_runner))
        for key, res in ((f"{prefix}: {k}", v) for k, v in runner.results.items())
    }
    (WORK / "results.json").write_text(json.dumps(raw, indent=1, ensure_ascii=False))
    errors = sum(res.error_count for runner in (main_runner, growth_runner) for res in runner.results.values())
    log(f"wrote {args.output} in {context['wall']:.0f} s; {errors} request error(s)")
    return 1 if errors else 0


if __name__ == "__main__":
    _reexec_in_venv()
    # A terminated run unwinds like an interrupted one: the Server context stops its gunicorn.
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(143))
    try:
        sys.exit(main())
    except KeyboardInterrupt:
        sys.exit(130)
    except Exception as exc:  # the run itself failed (not a request): say why, exit 2
        log(f"FAILED: {exc}")
        raise SystemExit(2) from exc
