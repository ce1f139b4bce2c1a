"""The load tool: N closed-loop clients over HTTP/1.1 for a fixed time, after a warm-up. Stdlib only.

Each client sends a request, waits for the whole answer, then sends the next (closed loop), on a fresh
connection each time (gunicorn's sync workers close the connection after every response). A request
counts if it started after the warm-up and ended before the end of the phase (with ``tail``: whenever it
ended — the phase waits for it — so that a stall longer than what is left of the phase still shows in
the latencies); throughput is those requests over the measured seconds. Every answer is checked against
what the path may answer (a scan: 200 only; denials are 200 decisions): anything else — a 5xx, an
unexpected 4xx such as a 401 or a 403 that means the benchmark itself is broken, a refused or dropped
connection, a timeout — is an error, warm-up included. The server says how many SQL statements and
database round trips each request took (``X-Bench-Queries``, ``X-Bench-Round-Trips``:
bench/middleware.py, benchmark settings only).

A scenario makes each client's requests and reads the answers (scans remember whom they let in, to
scan them out later; phones and revalidating readers keep the ETags they got): see :class:`DoorScans`,
:class:`Reads`, :class:`Revalidate`, :class:`Phones`, and :class:`Together` to run several at once
(each request's ``label`` then keeps a result of its own: :attr:`Result.parts`).
"""

import asyncio
import itertools
import json
import random
import time
import uuid
from collections import Counter
from dataclasses import dataclass, field

QUERY_HEADER = b"x-bench-queries"
TRIPS_HEADER = b"x-bench-round-trips"
# What the mobile app's API client sends with every GET (docs: the mobile app contract, "Two HTTP clients").
APP_GET_HEADERS = {
    "Accept": "application/json",
    "Cache-Control": "no-cache, no-store, must-revalidate",
    "Pragma": "no-cache",
    "Expires": "0",
}


@dataclass
class Request:
    method: str
    path: str
    token: str | None = None
    body: dict | None = None
    context: object = None  # what the scenario needs to read the answer
    headers: dict | None = None
    label: str | None = None  # the result part it counts in (Result.parts), besides the phase's
    expected: frozenset | None = None  # the statuses it may get (None: its scenario's ``expected``)

    def raw(self, host: str) -> bytes:
        payload = b"" if self.body is None else json.dumps(self.body).encode()
        lines = [f"{self.method} {self.path} HTTP/1.1", f"Host: {host}", "Connection: close"]
        if self.token:
            lines.append(f"Authorization: Bearer {self.token}")
        lines += [f"{name}: {value}" for name, value in (self.headers or {}).items()]
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
    trips: list[int] = field(default_factory=list)  # database round trips, transaction control included
    outcomes: Counter = field(default_factory=Counter)  # what the answers said (measured requests)
    errors: Counter = field(default_factory=Counter)  # every request, warm-up included
    parts: dict = field(default_factory=dict)  # label -> Result of the requests with that label

    def part(self, label: str) -> "Result":
        if label not in self.parts:
            self.parts[label] = Result(name=f"{self.name}: {label}", clients=self.clients, seconds=self.seconds)
        return self.parts[label]

    def add(self, other: "Result") -> None:
        """Add a round of the same phase (bench/run.py's alternating rounds)."""
        self.seconds += other.seconds
        self.latencies += other.latencies
        self.queries += other.queries
        self.trips += other.trips
        self.outcomes.update(other.outcomes)
        self.errors.update(other.errors)
        for label, part in other.parts.items():
            if label not in self.parts:
                self.parts[label] = Result(name=f"{self.name}: {label}", clients=part.clients, seconds=0)
            self.parts[label].add(part)

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
    def trips_per_request(self) -> float:
        return sum(self.trips) / len(self.trips) if self.trips else float("nan")

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
            "round_trips": round(self.trips_per_request, 2),
            "errors": dict(self.errors),
            "outcomes": dict(self.outcomes.most_common()),
            **({"parts": {k: v.as_dict() for k, v in self.parts.items()}} if self.parts else {}),
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
    scenario,
    *,
    name: str,
    clients: int,
    seconds: float,
    warmup: float,
    host: str,
    port: int,
    timeout: float = 30,
    tail: bool = False,
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
                if request.label is not None:
                    result.part(request.label).errors[f"connection: {type(exc).__name__}"] += 1
                scenario.observe(n, request, 0, b"", {})  # a phone starts over
                await asyncio.sleep(0.05)  # a refused connection would otherwise spin
                continue
            ended = loop.time()
            outcome = scenario.observe(n, request, status, body, headers)
            if status == 503 and status in (request.expected or ()):
                # A retryable refusal the scenario expects (a sign-in told "busy"): the person waits as told.
                await asyncio.sleep(float(headers.get(b"retry-after", b"1")))
            targets = [result] if request.label is None else [result, result.part(request.label)]
            if status not in (request.expected or scenario.expected):
                for target in targets:
                    target.errors[f"HTTP {status}"] += 1
            if measure_from <= began < stop_at and (tail or ended <= stop_at):
                for target in targets:
                    target.latencies.append(ended - began)
                    target.outcomes[outcome or str(status)] += 1
                    if QUERY_HEADER in headers:
                        target.queries.append(int(headers[QUERY_HEADER]))
                    if TRIPS_HEADER in headers:
                        target.trips.append(int(headers[TRIPS_HEADER]))

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

    def observe(self, n: int, request: Request, status: int, body: bytes, headers=None) -> str:
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

    def observe(self, n: int, request: Request, status: int, body: bytes, headers=None) -> str:
        return "ok" if status == 200 else f"HTTP {status}"


class Revalidate:
    """Client n sends ``make(n)`` as an app that keeps what it got: once it has an answer with an ETag, it
    sends it back in ``If-None-Match`` (a 304 when nothing changed). The warm-up fetches the first copy."""

    expected = frozenset({200, 304})

    def __init__(self, make):
        self.make = make
        self.etags: dict[int, bytes] = {}

    def next(self, n: int) -> Request:
        request = self.make(n)
        if n in self.etags:
            request.headers = {**(request.headers or {}), "If-None-Match": self.etags[n].decode()}
        return request

    def observe(self, n: int, request: Request, status: int, body: bytes, headers=None) -> str:
        if status == 200 and headers and b"etag" in headers:
            self.etags[n] = headers[b"etag"]
        return {200: "200", 304: "304"}.get(status, f"HTTP {status}")


LOGIN_ANSWERS = frozenset({200, 503})


class Phones:
    """Client n is a phone at 9:00. A person opens the app for the first time: signs in
    (``POST /api/auth/token/``, the mobile app's login), then ``GET /api/auth/me/``, the programme and
    the annonces; then opens it again ``reopens`` times (me, programme, annonces — the programme and the
    annonces with ``If-None-Match`` when the server gave an ETag); then the phone passes to the next
    person (the next account of ``accounts``). Every GET carries the app's headers (``APP_GET_HEADERS``:
    ``Cache-Control: no-cache`` ...). Each request is labelled with its path (``login``, ``me``,
    ``programme``, ``annonces``)."""

    expected = frozenset({200})

    def __init__(self, *, accounts: list[str], password: str, programme: str, annonces: str, reopens: int = 1):
        self.accounts, self.password, self.reopens = accounts, password, reopens
        self.paths = {"me": "/api/auth/me/", "programme": programme, "annonces": annonces}
        self.turn = itertools.count()
        self.phones: dict[int, dict] = {}

    def _person(self) -> dict:
        email = self.accounts[next(self.turn) % len(self.accounts)]
        steps = ["login", "me", "programme", "annonces"] + ["me", "programme", "annonces"] * self.reopens
        return {"email": email, "steps": steps, "token": None, "etags": {}}

    def next(self, n: int) -> Request:
        phone = self.phones.get(n)
        if phone is None or not phone["steps"]:
            phone = self.phones[n] = self._person()
        step = phone["steps"].pop(0)
        if step == "login":
            body = {"email": phone["email"], "password": self.password}
            # 503 busy: every sign-in slot of the server was taken (accounts/login_gate.py); the person taps
            # again after Retry-After, as the app lets them.
            return Request(
                "POST", "/api/auth/token/", None, body, n, {"Accept": "application/json"}, "login", LOGIN_ANSWERS
            )
        headers = dict(APP_GET_HEADERS)
        expected = None
        if step in phone["etags"]:
            headers["If-None-Match"] = phone["etags"][step]
            expected = frozenset({200, 304})
        return Request("GET", self.paths[step], phone["token"], None, n, headers, step, expected)

    def observe(self, n: int, request: Request, status: int, body: bytes, headers=None) -> str:
        phone = self.phones[n]
        if request.label == "login" and status == 503:
            phone["steps"].insert(0, "login")
            return "busy, signed in again after Retry-After"
        if request.label == "login":
            phone["token"] = json.loads(body).get("access") if status == 200 else None
            if phone["token"] is None:  # nothing to open without a token: the next person
                phone["steps"] = []
                return "login without tokens" if status == 200 else f"HTTP {status}"
        elif status == 200 and headers and b"etag" in headers:
            phone["etags"][request.label] = headers[b"etag"].decode()
        elif status == 0:
            phone["steps"] = []
        return str(status)


class Together:
    """Several scenarios at once, each with its clients: ``groups`` of (label, scenario, clients). Client n
    belongs to the group its number falls in, as its own client ``n - first``; requests without a label
    take their group's, and the statuses their scenario expects."""

    expected = frozenset({200})

    def __init__(self, *groups):
        self.groups, first = [], 0
        for label, scenario, clients in groups:
            self.groups.append((first, first + clients, label, scenario))
            first += clients
        self.clients = first

    def _group(self, n: int):
        return next((first, label, scenario) for first, end, label, scenario in self.groups if first <= n < end)

    def next(self, n: int) -> Request:
        first, label, scenario = self._group(n)
        request = scenario.next(n - first)
        request.label = request.label or label
        request.expected = request.expected or scenario.expected
        return request

    def observe(self, n: int, request: Request, status: int, body: bytes, headers=None) -> str:
        first, _label, scenario = self._group(n)
        return scenario.observe(n - first, request, status, body, headers)

    def reset(self) -> None:
        for *_, scenario in self.groups:
            if hasattr(scenario, "reset"):
                scenario.reset()


def fetch(host: str, port: int, request: Request, timeout: float = 30) -> tuple[int, dict, bytes]:
    """One request, outside a phase (e.g. to see whether the server gives ETags)."""
    return asyncio.run(asyncio.wait_for(_exchange(host, port, request.raw(f"{host}:{port}")), timeout))


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
