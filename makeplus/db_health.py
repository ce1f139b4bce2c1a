"""Broken database connections found without a round trip.

Connections persist between requests (``CONN_MAX_AGE``) and can die on the server's side meanwhile: a
PostgreSQL restart, ``pg_terminate_backend``, a proxy's idle timeout. The next request's first statement
would then fail. Django's ``CONN_HEALTH_CHECKS`` finds out with a ``SELECT 1`` before each request: one
more database round trip on every request (11 % of the door scan's worker time under load, issue 22).

Instead, at the start of each request, ask the socket. PostgreSQL speaks only when spoken to, so an idle,
healthy connection has nothing to read; a closed one reads as ready (end of file, or the server's
"terminating connection" message). Such a connection is closed here and the request opens a fresh one.
A zero-timeout ``select()``: no round trip. makeplus/tests/test_db_health.py kills a connection under a
request and watches it answer.
"""

import select

from django.db import connections


def drop_broken_connections(**kwargs) -> None:
    """``request_started`` receiver (after Django's ``close_old_connections``): close every PostgreSQL
    connection whose socket says the server hung up."""
    for wrapper in connections.all(initialized_only=True):
        raw = wrapper.connection
        if raw is None or wrapper.vendor != "postgresql" or wrapper.in_atomic_block:
            continue
        try:
            readable = bool(select.select([raw.fileno()], [], [], 0)[0])
        except Exception:  # already closed or broken: the driver will not give a usable socket
            readable = True
        if readable:
            wrapper.close()
