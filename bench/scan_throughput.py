#!/usr/bin/env python3
"""Quick closed-loop load on the door scan: N clients POST verify_access for D seconds.

    python bench/scan_throughput.py --base http://127.0.0.1:8020 --email organisateur@techsummit.dz \
        --clients 8 --seconds 20

Stdlib only. Logs in, takes the first room of the current event and the event's badges,
then each client scans random badges (entries, ~1 in 3 an exit, ~5% unknown badges) and
waits for the answer before the next (closed loop). Prints requests/s and latency
percentiles. The full benchmark (baseline, read paths, scale) is issue 11's bench/.
"""

import argparse
import http.client
import json
import random
import statistics
import threading
import time
import uuid
from urllib.parse import urlsplit


def call(conn, method, path, token=None, body=None):
    headers = {"Content-Type": "application/json"}
    if token:
        headers["Authorization"] = f"Bearer {token}"
    conn.request(method, path, body=json.dumps(body) if body is not None else None, headers=headers)
    response = conn.getresponse()
    data = response.read()
    return response.status, (json.loads(data) if data else None)


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--base", default="http://127.0.0.1:8020")
    parser.add_argument("--email", default="organisateur@techsummit.dz")
    parser.add_argument("--password", default="makeplus2025")
    parser.add_argument("--clients", type=int, default=8)
    parser.add_argument("--seconds", type=float, default=20)
    parser.add_argument("--warmup", type=float, default=3)
    args = parser.parse_args()
    host = urlsplit(args.base)

    def connect():
        return http.client.HTTPConnection(host.hostname, host.port, timeout=30)

    conn = connect()
    status, session = call(conn, "POST", "/api/auth/login/", body={"email": args.email, "password": args.password})
    assert status == 200, session
    token = session["access"]
    if session["requires_event_selection"]:
        _, session = call(conn, "POST", "/api/auth/select-event/", token, {"event_id": session["events"][0]["id"]})
        token = session["access"]
    _, rooms = call(conn, "GET", "/api/rooms/?ordering=-capacity&page_size=1", token)
    room = rooms["results"][0]
    badges, page = [], 1
    while True:
        _, listing = call(conn, "GET", f"/api/participants/?page_size=100&page={page}", token)
        badges += [p["badge_id"] for p in listing["results"]]
        if not listing["next"]:
            break
        page += 1
    print(f"room {room['name']} (capacity {room['capacity']}), {len(badges)} badges, {args.clients} clients")

    stop_at = time.monotonic() + args.warmup + args.seconds
    measure_from = time.monotonic() + args.warmup
    latencies, outcomes, lock = [], {}, threading.Lock()

    def client():
        c = connect()
        path = f"/api/rooms/{room['id']}/verify_access/"
        while (now := time.monotonic()) < stop_at:
            badge = random.choice(badges) if random.random() > 0.05 else "ZZZZZZZZ"
            body = {
                "badge_id": badge,
                "direction": "exit" if random.random() < 0.33 else "entry",
                "nonce": uuid.uuid4().hex,
            }
            started = time.perf_counter()
            status, answer = call(c, "POST", path, token, body)
            elapsed = time.perf_counter() - started
            if now >= measure_from:
                key = f"{status} {answer.get('status')} {answer.get('reason')}" if status == 200 else str(status)
                with lock:
                    latencies.append(elapsed)
                    outcomes[key] = outcomes.get(key, 0) + 1

    threads = [threading.Thread(target=client) for _ in range(args.clients)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    latencies.sort()
    q = statistics.quantiles(latencies, n=100)
    print(f"requests: {len(latencies)} in {args.seconds:.0f} s -> {len(latencies) / args.seconds:.0f} req/s")
    print(f"latency ms: p50 {q[49] * 1000:.1f}  p95 {q[94] * 1000:.1f}  p99 {q[98] * 1000:.1f}")
    print("outcomes:", json.dumps(dict(sorted(outcomes.items())), indent=None))


if __name__ == "__main__":
    main()
