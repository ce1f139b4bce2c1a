"""Scale-out (issue 12, part 4): two app servers on one PostgreSQL and one Redis.

Two gunicorn masters with two workers each (four app processes) serve the committed test
database with DEBUG off and Redis as the cache, as in production behind a load balancer.
Door scans are spread over both servers, and every scan is sent twice at once with the same
nonce, once to each server. Afterwards the invariants of a single server must hold: occupancy
equals its recount and stays within capacity, one row per (verifier, nonce), no 5xx. The login
throttle must count the attempts of all processes together (in Redis), not per process.

Needs PostgreSQL and a Redis server (``SCALE_OUT_REDIS_URL``, default db 7 of the local one,
flushed first); skipped with the reason when Redis does not answer.
"""

import contextlib
import http.client
import json
import os
import socket
import subprocess
import sys
import tempfile
import time
import uuid
from collections import Counter as Tally
from pathlib import Path
from urllib.parse import quote

import pytest
from django.conf import settings
from django.db import connection
from django.db.models import Count, F

from accounts.services import issue_tokens
from conftest import redis_missing, run_together
from events.counters import counters_disagreeing, rooms_disagreeing
from events.models import Participant, Role, Room, RoomAccess
from events.tests.factories import EventFactory, badge_holder
from events.tests.factories_programme import RoomFactory
from events.tests.factories_staff import RoomAssignmentFactory

pytestmark = [
    pytest.mark.skipif(connection.vendor != "postgresql", reason="the scale-out run uses PostgreSQL"),
    pytest.mark.django_db(transaction=True),
]

REDIS_URL = os.environ.get("SCALE_OUT_REDIS_URL", "redis://127.0.0.1:6379/7")
GUNICORN = Path(sys.executable).parent / "gunicorn"
SERVERS, WORKERS = 2, 2
LOGIN_LIMIT = 4  # attempts per minute and client address, for the servers under test
SCANS_PER_THREAD, CAPACITY = 30, 8


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def _database_url() -> str:
    """The test database (committed data: transactional_db), as the servers reach it."""
    db = connection.settings_dict
    auth = quote(db["USER"] or "", safe="") + (f":{quote(db['PASSWORD'], safe='')}" if db["PASSWORD"] else "")
    return f"postgres://{auth}@{db['HOST'] or '127.0.0.1'}:{db['PORT'] or 5432}/{db['NAME']}"


class Server:
    """One app server (a gunicorn master and its workers), spoken to over plain HTTP."""

    def __init__(self, port: int, process: subprocess.Popen, log):
        self.port, self.process, self.log = port, process, log

    def call(self, method: str, path: str, body=None, token: str | None = None) -> tuple[int, dict, dict]:
        headers = {"Content-Type": "application/json", "Accept-Language": "en"}
        if token:
            headers["Authorization"] = f"Bearer {token}"
        conn = http.client.HTTPConnection("127.0.0.1", self.port, timeout=60)
        try:
            conn.request(method, path, body=None if body is None else json.dumps(body), headers=headers)
            response = conn.getresponse()
            raw = response.read()
            data = json.loads(raw) if raw and "json" in response.getheader("Content-Type", "") else {}
            return response.status, data, dict(response.getheaders())
        finally:
            conn.close()

    def output(self) -> str:
        self.log.seek(0)
        return self.log.read().decode(errors="replace")[-4000:]


@pytest.fixture
def redis_db():
    try:
        import redis

        client = redis.Redis.from_url(REDIS_URL, socket_connect_timeout=2)
        client.flushdb()
    except Exception as exc:  # any failure to reach it: the reason goes into the skip message
        redis_missing(f"Redis is unreachable at {REDIS_URL} ({exc}); the scale-out test needs it")
    yield REDIS_URL
    client.flushdb()
    client.close()


@pytest.fixture
def servers(redis_db):
    """Two app servers, production settings, the test database and Redis; always stopped."""
    env = {
        **os.environ,
        "DEBUG": "0",
        # The test process signs the tokens: the servers share its key (each server must, like every
        # node behind a load balancer).
        "SECRET_KEY": settings.SECRET_KEY,
        "ALLOWED_HOSTS": "127.0.0.1",
        "DATABASE_URL": _database_url(),
        "DB_CONN_MAX_AGE": "60",
        "REDIS_URL": redis_db,
        "SECURE_SSL_REDIRECT": "0",
        "LOGIN_THROTTLE_RATE": f"{LOGIN_LIMIT}/min",
        "LOGIN_EMAIL_THROTTLE_RATE": "1000/min",
        "LOG_LEVEL": "WARNING",
    }
    started = []
    with contextlib.ExitStack() as logs:
        try:
            for _ in range(SERVERS):
                port, log = _free_port(), logs.enter_context(tempfile.TemporaryFile())
                command = [str(GUNICORN), "makeplus.wsgi", "-w", str(WORKERS), "-b", f"127.0.0.1:{port}"]
                process = subprocess.Popen(
                    [*command, "--log-level", "warning", "--no-control-socket"],
                    cwd=settings.BASE_DIR,
                    env=env,
                    stdout=log,
                    stderr=log,
                )
                started.append(Server(port, process, log))
            for server in started:
                _wait_until_healthy(server)
            yield started
        finally:
            for server in started:
                server.process.terminate()
            for server in started:
                try:
                    server.process.wait(timeout=15)
                except subprocess.TimeoutExpired:
                    server.process.kill()
                    server.process.wait()


def _wait_until_healthy(server: Server, seconds: float = 40) -> None:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        assert server.process.poll() is None, f"gunicorn on {server.port} exited:\n{server.output()}"
        try:
            status, body, _headers = server.call("GET", "/api/health/")
        except OSError:
            time.sleep(0.2)
            continue
        # "cache: ok" is Redis answering (a local cache would say "local").
        assert (status, body) == (200, {"status": "ok", "database": "ok", "cache": "ok"}), server.output()
        return
    pytest.fail(f"gunicorn on {server.port} did not answer within {seconds}s:\n{server.output()}")


def test_two_servers_share_the_scan_load_and_the_throttle(servers):
    # Arrange (committed): two rooms, two controllers on duty at each, more badges than places.
    event = EventFactory()
    rooms = [RoomFactory(event=event, capacity=CAPACITY) for _ in range(2)]
    controllers = [RoomAssignmentFactory(room=room).user for room in rooms for _ in range(2)]
    badges = [badge_holder(event) for _ in range(3 * CAPACITY)]
    tokens = [issue_tokens(user=c, event_id=event.pk, role=Role.CONTROLLEUR_DES_BADGES)["access"] for c in controllers]
    run = uuid.uuid4().hex[:8]

    def door(c: int, twin: int):
        """Scan k of controller c goes to one server from twin 0 and to the other from twin 1, at once."""
        room, answers = rooms[c // 2], {}
        for k in range(SCANS_PER_THREAD):
            badge = badges[(7 * c + 5 * k) % len(badges)]
            body = {"qr_code": badge.qr_code_data, "direction": "exit" if k % 4 == 3 else "entry"}
            body["nonce"] = f"{run}-{c}-{k}"
            server = servers[(k + twin) % SERVERS]
            status, data, _headers = server.call("POST", f"/api/rooms/{room.pk}/verify_access/", body, tokens[c])
            answers[body["nonce"]] = (status, data.get("access_id"), data.get("status"), data.get("reason"))
        return answers

    # Act
    started = time.monotonic()
    results, errors = run_together([lambda c=c, t=t: door(c, t) for c in range(len(controllers)) for t in (0, 1)])
    elapsed = time.monotonic() - started

    # Assert: every answer a 200 decision we accept, and both servers gave the same decision per nonce.
    assert errors == []
    answers = [a for result in results for a in result.values()]
    assert {status for status, *_ in answers} == {200}, "\n".join(server.output() for server in servers)
    assert {(s, r) for _, _, s, r in answers} <= {("granted", None), ("denied", "room_full")}
    for c in range(len(controllers)):
        assert results[2 * c] == results[2 * c + 1]
        stored = RoomAccess.objects.filter(verified_by=controllers[c], nonce__startswith=run)
        assert stored.count() == SCANS_PER_THREAD
        assert dict(stored.values_list("nonce", "pk")) == {n: a[1] for n, a in results[2 * c].items()}
    duplicates = RoomAccess.objects.exclude(nonce="").values("verified_by", "nonce").annotate(n=Count("pk"))
    assert list(duplicates.filter(n__gt=1)) == []
    assert rooms_disagreeing() == []
    assert counters_disagreeing() == []
    assert not Room.objects.filter(current_participants__gt=F("capacity")).exists()
    inside = Participant.objects.filter(event=event, current_room__isnull=False).count()
    assert sum(r.current_participants for r in Room.objects.filter(event=event)) == inside

    # Login attempts alternate between the servers (four processes): the limit is counted once, in Redis.
    attempts = [
        servers[i % SERVERS].call("POST", "/api/auth/login/", {"email": "nobody@makeplus.test", "password": "x"})
        for i in range(LOGIN_LIMIT + 2)
    ]
    assert [status for status, _body, _headers in attempts] == [401] * LOGIN_LIMIT + [429, 429]
    _status, throttled, headers = attempts[-1]
    assert throttled["type"] == "client_error"
    assert [e["code"] for e in throttled["errors"]] == ["throttled"]
    assert 0 < int(headers["Retry-After"]) <= 60

    decisions = sorted(Tally((s, r) for _, _, s, r in answers).items(), key=str)
    print(
        f"\nscale-out: {len(answers)} scan requests, {SERVERS} servers x {WORKERS} workers, {elapsed:.1f}s, {decisions}"
    )
