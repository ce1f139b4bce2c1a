"""The load tool: N closed-loop clients over HTTP/1.1 for a fixed time, after a warm-up. Stdlib only.

Each client sends a request, waits for the whole answer, then sends the next (closed loop), on a fresh
connection each time (gunicorn's sync workers close the connection after every response). A request
counts if it started after the warm-up and ended before the end of the phase; throughput is those
requests over the measured seconds. Every answer is checked against what the path may answer (a scan:
200 only; denials are 200 decisions): anything else — a 5xx, an unexpected 4xx such as a 401 or a 403
that means the benchmark itself is broken, a refused or dropped connection, a timeout — is an error,
warm-up included. The server says how many SQL statements each request ran (``X-Bench-Queries``,
benchmark settings only).

A scenario makes each client's requests and reads the answers (scans remember whom they let in, to
scan them out later): see :class:`DoorScans` and :class:`Reads`.
"""

import asyncio
import json
import random
import time
import uuid
from collections import Counter
from dataclasses import dataclass, field

QUERY_HEADER = b"x-bench-queries"


@dataclass
class Request:
    method: str
    path: str
    token: str | None = None
    body: dict | None = None
    context: object = None  # what the scenario needs to read the answer

    def raw(self, host: str) -> bytes:
        payload = b"" if self.body is None else json.dumps(self.body).encode()
        lines = [f"{self.method} {self.path} HTTP/1.1", f"Host: {host}", "Connection: close"]
        if self.token:
            lines.append(f"Authorization: Bearer {self.token}")
        if self.body is not None:
            lines += ["Content-Type: application/json", f"Content-Length: {len(payload)}"]
        return ("\r\n".join(lines) + "\r\n\r\n").encode() + payload


@dataclass
class Result:
    """One phase, as measured."""

    name: str
    clients: int
    seconds: float
    latencies: list[float] = field(default_factory=list)  # seconds, measured requests only
    queries: list[int] = field(default_factory=list)
    outcomes: Counter = field(default_factory=Counter)  # what the answers said (measured requests)
    errors: Counter = field(default_factory=Counter)  # every request, warm-up included

    @property
    def requests(self) -> int:
        return len(self.latencies)

    @property
    def throughput(self) -> float:
        return self.requests / self.seconds if self.seconds else 0.0

    def percentile(self, p: float) -> float:
        """Nearest-rank percentile of the latencies, in milliseconds."""
        if not self.latencies:
            return float("nan")
        ordered = sorted(self.latencies)
        rank = max(1, min(len(ordered), round(p / 100 * len(ordered) + 0.5)))
        return ordered[rank - 1] * 1000

    @property
    def queries_per_request(self) -> float:
        return sum(self.queries) / len(self.queries) if self.queries else float("nan")

    @property
    def error_count(self) -> int:
        return sum(self.errors.values())

    def as_dict(self) -> dict:
        return {
            "name": self.name,
            "clients": self.clients,
            "seconds": self.seconds,
            "requests": self.requests,
            "throughput": round(self.throughput, 1),
            "p50": round(self.percentile(50), 2),
            "p95": round(self.percentile(95), 2),
            "p99": round(self.percentile(99), 2),
            "queries": round(self.queries_per_request, 2),
            "errors": dict(self.errors),
            "outcomes": dict(self.outcomes.most_common()),
        }


async def _exchange(host: str, port: int, raw: bytes) -> tuple[int, dict, bytes]:
    reader, writer = await asyncio.open_connection(host, port)
    try:
        writer.write(raw)
        head = await reader.readuntil(b"\r\n\r\n")
        lines = head.split(b"\r\n")
        status = int(lines[0].split(b" ", 2)[1])
        headers = {}
        for line in lines[1:]:
            if b":" in line:
                name, value = line.split(b":", 1)
                headers[name.strip().lower()] = value.strip()
        length = headers.get(b"content-length")
        body = await (reader.readexactly(int(length)) if length is not None else reader.read())
        return status, headers, body
    finally:
        writer.close()


async def run_phase(
    scenario, *, name: str, clients: int, seconds: float, warmup: float, host: str, port: int, timeout: float = 30
) -> Result:
    result = Result(name=name, clients=clients, seconds=seconds)
    loop = asyncio.get_running_loop()
    start = loop.time()
    measure_from, stop_at = start + warmup, start + warmup + seconds
    host_header = f"{host}:{port}"

    async def client(n: int) -> None:
        while loop.time() < stop_at:
            request = scenario.next(n)
            began = loop.time()
            try:
                status, headers, body = await asyncio.wait_for(_exchange(host, port, request.raw(host_header)), timeout)
            except (OSError, asyncio.IncompleteReadError, asyncio.LimitOverrunError, TimeoutError) as exc:
                result.errors[f"connection: {type(exc).__name__}"] += 1
                await asyncio.sleep(0.05)  # a refused connection would otherwise spin
                continue
            ended = loop.time()
            outcome = scenario.observe(n, request, status, body)
            if status not in scenario.expected:
                result.errors[f"HTTP {status}"] += 1
            if began >= measure_from and ended <= stop_at:
                result.latencies.append(ended - began)
                result.outcomes[outcome or str(status)] += 1
                if QUERY_HEADER in headers:
                    result.queries.append(int(headers[QUERY_HEADER]))

    await asyncio.gather(*(client(n) for n in range(clients)))
    return result


def run(scenario, **kwargs) -> Result:
    return asyncio.run(run_phase(scenario, **kwargs))


# --- scenarios --------------------------------------------------------------------------------------

INVALID_SHARE = 0.05  # unreadable QR codes and mistyped badge ids
EXIT_SHARE = 0.20  # of the scans: someone this door let in goes out
TYPED_SHARE = 0.05  # of the entries: the badge id typed by hand instead of the QR code
ATELIER_SHARE = 0.10  # of the entries at a door with ateliers: the controller picked one of them
_B32 = "ABCDEFGHIJKLMNOPQRSTUVWXYZ234567"
_TYPED = "ABCDEFGHJKMNPQRSTUVWXYZ23456789"


class DoorScans:
    """Client n is the controller on duty at door n (its own token), scanning badges at random:

    * ``INVALID_SHARE`` invalid badges (half a QR code that is not a badge, half a mistyped badge id);
    * ``EXIT_SHARE`` exits of someone this door let in (an entry when nobody is inside);
    * the rest entries of a random badge of the event (QR code, or the badge id typed by hand),
      at doors with ateliers sometimes for one of them (``payment_required``, ``not_registered``);
      restricted badges (bench/prepare.py) give ``not_allowed_room``, small rooms ``room_full``,
      someone inside another room moves here.

    Every scan carries a fresh nonce, as a scanner that may go offline does. ``path`` makes the
    URL of a door: the API's verify_access, or the baseline's (same body).
    """

    expected = frozenset({200})

    def __init__(self, plan: dict, path, *, seed: int = 1):
        self.rooms, self.badges, self.path = plan["rooms"], plan["badges"], path
        self.rng = random.Random(seed)
        self.inside: dict[int, list] = {}

    def next(self, n: int) -> Request:
        rng, room = self.rng, self.rooms[n % len(self.rooms)]
        inside = self.inside.setdefault(n, [])
        draw = rng.random()
        body: dict = {"nonce": uuid.uuid4().hex}
        if draw < INVALID_SHARE:
            if rng.random() < 0.5:
                body["qr_code"] = "MP1." + "".join(rng.choices(_B32, k=149))
            else:
                body["badge_id"] = "0" + "".join(rng.choices(_TYPED, k=7))  # 0 is never in a badge id
            return Request("POST", self.path(room), room["token"], body, None)
        if draw < INVALID_SHARE + EXIT_SHARE and inside:
            badge = inside.pop(rng.randrange(len(inside)))
            body.update(qr_code=self.badges[badge][0], direction="exit")
            return Request("POST", self.path(room), room["token"], body, badge)
        badge = rng.randrange(len(self.badges))
        if rng.random() < TYPED_SHARE:
            body["badge_id"] = self.badges[badge][1]
        else:
            body["qr_code"] = self.badges[badge][0]
        if room["ateliers"] and rng.random() < ATELIER_SHARE:
            body["session"] = rng.choice(room["ateliers"])
        return Request("POST", self.path(room), room["token"], body, badge)

    def observe(self, n: int, request: Request, status: int, body: bytes) -> str:
        if status != 200:
            return f"HTTP {status}"
        answer = json.loads(body)
        direction = request.body.get("direction", "entry")
        if answer["status"] == "granted":
            if direction == "entry" and not answer.get("already_inside"):
                self.inside.setdefault(n, []).append(request.context)
            return f"granted {direction}" + (" (already inside)" if answer.get("already_inside") else "")
        return f"denied {answer['reason']}"

    def reset(self) -> None:
        """Every room was emptied (bench/run.py): nobody is inside any more."""
        self.inside.clear()


class Reads:
    """Client n sends ``make(n)`` (a GET as some signed-in member) and expects a 200."""

    expected = frozenset({200})

    def __init__(self, make):
        self.make = make

    def next(self, n: int) -> Request:
        return self.make(n)

    def observe(self, n: int, request: Request, status: int, body: bytes) -> str:
        return "ok" if status == 200 else f"HTTP {status}"


def wait_until_up(host: str, port: int, path: str, seconds: float = 60) -> None:
    """Until ``path`` answers 200 (the server is up), or TimeoutError."""
    deadline = time.monotonic() + seconds
    request = Request("GET", path).raw(f"{host}:{port}")
    while True:
        try:
            status, _, _ = asyncio.run(asyncio.wait_for(_exchange(host, port, request), 5))
            if status == 200:
                return
        except (OSError, asyncio.IncompleteReadError, TimeoutError):
            pass
        if time.monotonic() > deadline:
            raise TimeoutError(f"nothing answers on {host}:{port}{path}")
        time.sleep(0.25)
