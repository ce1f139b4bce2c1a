"""What goes over the wire to PostgreSQL: libpq's own trace of the protocol (``PQtrace``), so that a count of
database round trips includes what no ``execute`` wrapper sees — BEGIN and COMMIT, health checks."""

import contextlib
import tempfile

import psycopg
from django.db import connection


class Wire:
    def __init__(self):
        self.lines: list[str] = []

    @property
    def round_trips(self) -> int:
        # Every exchange ends with the server's ReadyForQuery: one per round trip (simple or extended protocol).
        return sum(1 for line in self.lines if line.startswith("B\t") and "\tReadyForQuery" in line)

    @property
    def sent(self) -> list[str]:
        """The statements sent, in order (BEGIN and COMMIT included)."""
        queries = (line for line in self.lines if line.startswith("F\t") and "\tQuery\t" in line)
        return [line.split("\t", 3)[3].strip().strip('"') for line in queries]


@contextlib.contextmanager
def wire():
    """Trace the default connection's protocol messages while the block runs (PostgreSQL only)."""
    connection.ensure_connection()
    pgconn = connection.connection.pgconn
    found = Wire()
    with tempfile.TemporaryFile(mode="w+") as trace:
        pgconn.trace(trace.fileno())
        pgconn.set_trace_flags(psycopg.pq.Trace.SUPPRESS_TIMESTAMPS)
        try:
            yield found
        finally:
            pgconn.untrace()
            trace.seek(0)
            found.lines = trace.read().splitlines()
