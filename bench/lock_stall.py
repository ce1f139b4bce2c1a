#!/usr/bin/env python3
"""One locked row during the door rush (issue 23, finding 1), measured against real gunicorn workers.

    python3 bench/lock_stall.py                 # sync and gthread workers, bounded waits on
    python3 bench/lock_stall.py --lock-timeout-ms 0 --models sync   # what it was: waits unbounded

A transaction holds one room's row ``--hold`` seconds (an admin edit left open, a slow job). Meanwhile
a door app scans at that room with a 2 s client timeout, retrying at once with the same nonce when
it gets no answer, ``--readers`` phones read the programme in a closed loop, and a balancer probes
``/api/health/`` every 0.5 s with a 3 s timeout. Reported per worker model: how long a scan takes to be
answered (and with what), the programme's latency percentiles, and the health probe's worst time.

Needs PostgreSQL (``--pg``, default the local one); creates and drops its own database.
"""

import argparse
import json
import os
import socket
import statistics
import subprocess
import sys
import threading
import time
import urllib.error
import urllib.request
import uuid
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
PYTHON = ROOT / ".venv" / "bin" / "python"
GUNICORN = ROOT / ".venv" / "bin" / "gunicorn"
DB = "makeplus_lockstall"
SECRET_KEY = "bench-only-secret-key-not-for-production-lockstall-0123456789"

SETUP = """
import json
from datetime import timedelta
from django.utils import timezone
from accounts.models import User
from accounts.services import issue_tokens
from events.roles import Role
from events.services import assign_user, create_event
from events.services.participants import add_participant
from events.services.programme import create_room, create_session
from events.services.staff import assign_staff
from events.services.membership import accept_event

now = timezone.now()
boss = User.objects.create_user("boss@bench.test", password="x", first_name="Org")
event = create_event(created_by=boss, name="Lock stall", start_date=now - timedelta(hours=2),
                     end_date=now + timedelta(days=1), location="Alger")
rooms = [create_room(event=event, actor=boss, name=f"Salle {n}", capacity=10000) for n in range(4)]
for n in range(40):
    create_session(event=event, actor=boss, room=rooms[n % 4], title=f"Session {n}",
                   start_time=now + timedelta(hours=1 + n // 4), end_time=now + timedelta(hours=1 + n // 4, minutes=50))
controller = User.objects.create_user("door@bench.test", password="x")
assign_user(event=event, user=controller, role=Role.CONTROLLEUR_DES_BADGES, assigned_by=boss)
assign_staff(room=rooms[0], user=controller, role=Role.CONTROLLEUR_DES_BADGES, assigned_by=boss,
             start_time=now - timedelta(hours=1), end_time=now + timedelta(hours=8))
badges = []
for n in range(200):
    user = User.objects.create_user(f"p{n}@bench.test", password="x", first_name=f"P{n}")
    badges.append(add_participant(event=event, actor=boss, user=user).badge_id)
    accept_event(user=user, event_id=event.pk)
reader = User.objects.get(email="p0@bench.test")
print(json.dumps({
    "event": str(event.pk), "room": str(rooms[0].pk), "badges": badges,
    "door_token": issue_tokens(user=controller, event_id=event.pk, role=Role.CONTROLLEUR_DES_BADGES)["access"],
    "reader_token": issue_tokens(user=reader, event_id=event.pk, role=Role.PARTICIPANT)["access"],
}))
"""

MODELS = {
    # name: gunicorn arguments (2 cores: 2 × cores + 1 processes, or fewer processes with threads)
    "sync": ["-w", "5"],
    "gthread": ["-w", "3", "-k", "gthread", "--threads", "4"],
}


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def _psql(pg: str, sql: str) -> None:
    subprocess.run(["psql", f"{pg}/postgres", "-q", "-c", sql], check=True, capture_output=True)


def _env(pg: str, lock_timeout_ms: int) -> dict:
    return {
        **os.environ,
        "DEBUG": "0",
        "SECRET_KEY": SECRET_KEY,
        "ALLOWED_HOSTS": "127.0.0.1",
        "DATABASE_URL": f"{pg}/{DB}",
        "SECURE_SSL_REDIRECT": "0",
        "DB_LOCK_TIMEOUT_MS": str(lock_timeout_ms),
        "LOG_LEVEL": "ERROR",
        "LOGIN_THROTTLE_RATE": "100000/min",
    }


def _call(method, url, token=None, body=None, timeout=5.0) -> tuple[float, int | str]:
    data = None if body is None else json.dumps(body).encode()
    request = urllib.request.Request(url, data=data, method=method)
    request.add_header("Content-Type", "application/json")
    if token:
        request.add_header("Authorization", f"Bearer {token}")
    started = time.monotonic()
    try:
        with urllib.request.urlopen(request, timeout=timeout) as response:
            response.read()
            outcome = response.status
    except urllib.error.HTTPError as error:
        code = json.loads(error.read() or b"{}").get("errors", [{}])[0].get("code", "")
        outcome = f"{error.code} {code}"
    except (TimeoutError, urllib.error.URLError, ConnectionError) as error:
        outcome = "timeout" if "timed out" in str(error) else f"error {error}"
    return time.monotonic() - started, outcome


def _pct(values, q):
    values = sorted(values)
    return values[min(len(values) - 1, int(q * len(values)))] if values else float("nan")


def measure(model: str, plan: dict, pg: str, args) -> dict:
    port = _free_port()
    base = f"http://127.0.0.1:{port}"
    command = [str(GUNICORN), "-c", "makeplus/gunicorn.conf.py", *MODELS[model], "-b", f"127.0.0.1:{port}"]
    server = subprocess.Popen(
        [*command, "--no-control-socket", "makeplus.wsgi"],
        cwd=ROOT,
        env=_env(pg, args.lock_timeout_ms),
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        for _ in range(200):
            if _call("GET", f"{base}/api/health/", timeout=1)[1] == 200:
                break
            time.sleep(0.2)
        programme = f"{base}/api/sessions/?event={plan['event']}"
        scan_url = f"{base}/api/rooms/{plan['room']}/verify_access/"
        for _ in range(20):  # warm every worker
            _call("GET", programme, plan["reader_token"])
        stop = threading.Event()
        reads, probes, scans = [], [], []

        def reader():
            while not stop.is_set():
                reads.append(_call("GET", programme, plan["reader_token"], timeout=10))

        def prober():
            while not stop.is_set():
                probes.append(_call("GET", f"{base}/api/health/", timeout=3))
                time.sleep(0.5)

        def door():
            badges = iter(plan["badges"])
            while not stop.is_set():
                body = {"badge_id": next(badges), "nonce": uuid.uuid4().hex}
                started = time.monotonic()
                attempts = []
                while not stop.is_set():  # the app retries a scan with its nonce until it has an answer
                    elapsed, outcome = _call("POST", scan_url, plan["door_token"], body, timeout=2)
                    attempts.append(outcome)
                    if outcome != "timeout":
                        break
                scans.append((time.monotonic() - started, attempts))
                time.sleep(0.2)

        import psycopg

        with psycopg.connect(f"{pg}/{DB}") as holder:
            holder.execute("SELECT 1 FROM events_room WHERE id = %s FOR UPDATE", [plan["room"]])
            threads = [threading.Thread(target=reader) for _ in range(args.readers)]
            threads += [threading.Thread(target=prober), threading.Thread(target=door)]
            for thread in threads:
                thread.start()
            time.sleep(args.hold)
            holder.rollback()  # the row is released
        time.sleep(2)
        stop.set()
        for thread in threads:
            thread.join(timeout=30)
    finally:
        server.terminate()
        server.wait(timeout=30)
    read_times = [t for t, outcome in reads if outcome == 200]
    scan_outcomes = {}
    for _, attempts in scans:
        scan_outcomes[attempts[-1]] = scan_outcomes.get(attempts[-1], 0) + 1
    return {
        "model": model,
        "lock_timeout_ms": args.lock_timeout_ms,
        "programme": {
            "requests": len(reads),
            "ok": len(read_times),
            "failed": len(reads) - len(read_times),
            "p50_ms": round(1000 * _pct(read_times, 0.5)),
            "p99_ms": round(1000 * _pct(read_times, 0.99)),
            "max_ms": round(1000 * max(read_times, default=float("nan"))),
        },
        "health": {
            "probes": len(probes),
            "failed": sum(1 for _, o in probes if o != 200),
            "max_ms": round(1000 * max((t for t, _ in probes), default=float("nan"))),
        },
        "scan": {
            "scans": len(scans),
            "answers": scan_outcomes,
            "client_timeouts": sum(a.count("timeout") for _, a in scans),
            "p50_ms": round(1000 * statistics.median(t for t, _ in scans)) if scans else None,
            "max_ms": round(1000 * max((t for t, _ in scans), default=float("nan"))),
        },
    }


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--pg", default="postgres://postgres@127.0.0.1:5432")
    parser.add_argument("--models", default="sync,gthread")
    parser.add_argument("--hold", type=float, default=15)
    parser.add_argument("--readers", type=int, default=8)
    parser.add_argument("--lock-timeout-ms", type=int, default=1500)
    args = parser.parse_args()
    _psql(args.pg, f"DROP DATABASE IF EXISTS {DB} WITH (FORCE)")
    _psql(args.pg, f"CREATE DATABASE {DB}")
    try:
        env = _env(args.pg, args.lock_timeout_ms)
        subprocess.run([str(PYTHON), "manage.py", "migrate", "-v", "0"], cwd=ROOT, env=env, check=True)
        out = subprocess.run(
            [str(PYTHON), "manage.py", "shell", "-c", SETUP], cwd=ROOT, env=env, check=True, capture_output=True
        )
        plan = json.loads(out.stdout.decode().strip().splitlines()[-1])
        results = [measure(model, plan, args.pg, args) for model in args.models.split(",")]
    finally:
        _psql(args.pg, f"DROP DATABASE IF EXISTS {DB} WITH (FORCE)")
    print(json.dumps(results, indent=2))


if __name__ == "__main__":
    sys.exit(main())
