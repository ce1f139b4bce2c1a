"""Profile the door scan in one process: where the Python time goes, and which SQL it runs.

    .venv/bin/python -m bench.profile_scan [--database makeplus_bench] [--scans 500] [--baseline] [--wall]

Against a database that ``make bench`` seeded and prepared (it keeps them), with the benchmark's
settings and environment (bench/run.py's ``base_env``) and fresh tokens (bench/prepare.py). Runs the
load tool's door mix (bench/load.py, one client at door 0, rooms emptied first) through Django's
whole request handler (middleware, URL resolution, DRF, the view, the service), in-process under
cProfile — this process's CPU time by default, the database's and the machine's waits left out —
then prints the functions that cost most, the CPU time per scan without the profiler, and the SQL
statements of one granted entry.
"""

import argparse
import cProfile
import io
import json
import os
import pstats
import time

import django


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--database", default="makeplus_bench", help="A database bench/run.py made.")
    parser.add_argument(
        "--pg", default=os.environ.get("BENCH_PG_URL", "postgres://postgres@127.0.0.1:5432"), help="As bench/run.py's."
    )
    parser.add_argument("--scans", type=int, default=500)
    parser.add_argument("--baseline", action="store_true", help="Profile the baseline view instead.")
    parser.add_argument("--sort", default="cumulative")
    parser.add_argument("--top", type=int, default=45)
    parser.add_argument(
        "--wall", action="store_true", help="Profile wall-clock time (default: this process's CPU time only)."
    )
    args = parser.parse_args()
    from bench.run import base_env

    os.environ.update(base_env(args.database, args.pg))
    django.setup()

    from django.db import connection
    from django.test import Client
    from django.test.utils import CaptureQueriesContext

    from bench.load import DoorScans
    from bench.prepare import prepare

    plan = prepare(readers=1)
    if args.baseline:

        def path(room):
            return f"/bench/baseline/rooms/{room['id']}/scan/"
    else:

        def path(room):
            return f"/api/rooms/{room['id']}/verify_access/"

    with connection.cursor() as cursor:  # as bench/run.py before each scan phase: every room empty
        cursor.execute("UPDATE events_participant SET current_room_id = NULL WHERE current_room_id IS NOT NULL")
        cursor.execute("UPDATE events_room SET current_participants = 0 WHERE current_participants <> 0")
    scans = DoorScans(plan, path, seed=7)
    client = Client(SERVER_NAME="127.0.0.1", raise_request_exception=True)

    def scan():
        request = scans.next(0)
        response = client.post(
            request.path,
            json.dumps(request.body),
            content_type="application/json",
            HTTP_AUTHORIZATION=f"Bearer {request.token}",
        )
        assert response.status_code == 200, response.content
        return request, scans.observe(0, request, response.status_code, response.content)

    for _ in range(50):  # warm-up: connections, imports, caches
        scan()
    # CPU time by default: waiting for the database (and for a busy machine) is left out.
    profiler = cProfile.Profile() if args.wall else cProfile.Profile(time.process_time)
    started = time.perf_counter()
    profiler.enable()
    for _ in range(args.scans):
        scan()
    profiler.disable()
    elapsed = time.perf_counter() - started
    print(f"{args.scans} scans in {elapsed:.2f} s under the profiler: {1000 * elapsed / args.scans:.2f} ms a scan")
    out = io.StringIO()
    pstats.Stats(profiler, stream=out).sort_stats(args.sort).print_stats(args.top)
    print(out.getvalue())

    started, cpu = time.perf_counter(), time.process_time()
    for _ in range(args.scans):
        scan()
    elapsed, cpu = time.perf_counter() - started, time.process_time() - cpu
    print(
        f"{args.scans} scans without the profiler: {1000 * elapsed / args.scans:.2f} ms a scan, "
        f"of which {1000 * cpu / args.scans:.2f} ms of this process's CPU (the rest: the database, waiting)"
    )

    for _ in range(1000):  # the SQL of one granted entry
        with CaptureQueriesContext(connection) as queries:
            request, outcome = scan()
        if outcome == "granted entry":
            break
    print(f"\nSQL of one decision, {outcome} ({len(queries)} statements):")
    for query in queries:
        print(f"  {query['time']}s  {query['sql'][:400]}")


if __name__ == "__main__":
    main()
