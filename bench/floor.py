"""The floor of one request on this machine with this load tool (issue 22: why the cached reads cannot reach 3×
their bare-SQL baseline here): a bare Django view touching no database (``/bench/baseline/ping/``) and DRF's
cheapest view (``/api/health/``: one ``SELECT 1``), 32 closed-loop clients, against the main benchmark database
that ``make bench`` left (bench/run.py's server, settings and Redis).

    .venv/bin/python -m bench.floor [--seconds 10]
"""

import argparse

from bench import run as bench
from bench.load import Reads, Request


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--seconds", default="10")
    parser.add_argument("--clients", type=int, default=32)
    options = parser.parse_args()
    args = bench.parse_args(["--reuse", "--seconds", options.seconds, "--warmup", "2"])
    plan = bench.prepare(args, args.main_db)
    redis_url = bench.REDIS if bench.redis_ready(bench.REDIS) else ""
    with bench.Server(bench.base_env(args.main_db, args.pg, redis_url), args.workers, "floor") as server:
        runner = bench.Runner(args, server, plan, args.main_db)
        ping = Reads(lambda n: Request("GET", "/bench/baseline/ping/"))
        health = Reads(lambda n: Request("GET", "/api/health/"))
        runner.phase(f"ping (bare Django, no database) @{options.clients}", ping, options.clients)
        runner.phase(f"health (DRF, one SELECT 1) @{options.clients}", health, options.clients)


if __name__ == "__main__":
    main()
