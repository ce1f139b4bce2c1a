"""Counts each request's database work on the server side (benchmark settings only): SQL statements, and
round trips to the database (statements plus transaction control), in two response headers.

* ``X-Bench-Queries``: statements run through Django's cursors (savepoints included), on any connection;
* ``X-Bench-Round-Trips``: those, plus what the driver and Django send outside the cursors —
  the ``BEGIN`` psycopg sends by itself before the first statement of a transaction (autocommit off:
  an atomic block), the ``COMMIT``/``ROLLBACK`` of ``connection.commit()``/``rollback()`` (psycopg sends
  nothing when no transaction is open: not counted then), and the ``SELECT 1`` of Django's connection
  health check (``CONN_HEALTH_CHECKS``, run by ``is_usable`` on the first cursor of a request).

Left out: opening a connection (rare with persistent connections: CONN_MAX_AGE). The transaction control
is counted by wrapping three methods of the database wrapper class, here, in the benchmark server only.
"""

from django.db import connections
from django.db.backends.base.base import BaseDatabaseWrapper

QUERIES_HEADER = "X-Bench-Queries"
ROUND_TRIPS_HEADER = "X-Bench-Round-Trips"
HEADER = QUERIES_HEADER  # the name bench/load.py reads (kept for profile_scan and older callers)

_IDLE = 0  # psycopg's TransactionStatus.IDLE (and psycopg2's TRANSACTION_STATUS_IDLE): no transaction open


def _in_transaction(wrapper) -> bool:
    """Whether the driver connection has a transaction open (then COMMIT/ROLLBACK goes to the server)."""
    raw = wrapper.connection
    if raw is None:
        return False
    info = getattr(raw, "info", None)  # psycopg 3
    status = info.transaction_status if info is not None else raw.get_transaction_status()
    return status != _IDLE


def _counting(method, *, only_in_transaction: bool, only_connected: bool):
    def counted(self, *args, **kwargs):
        trips = getattr(self, "bench_trips", None)
        if trips is not None and (
            (only_in_transaction and _in_transaction(self)) or (only_connected and self.connection is not None)
        ):
            trips[0] += 1
        return method(self, *args, **kwargs)

    counted.__wrapped__ = method
    return counted


def _instrument() -> None:
    """Wrap _commit, _rollback and is_usable of every database wrapper class (once)."""
    if getattr(BaseDatabaseWrapper, "bench_instrumented", False):
        return
    classes = {type(connection) for connection in connections.all()} | {BaseDatabaseWrapper}
    for cls in classes:
        for name, in_tx in (("_commit", True), ("_rollback", True), ("is_usable", False)):
            if name in cls.__dict__:
                wrapped = _counting(cls.__dict__[name], only_in_transaction=in_tx, only_connected=not in_tx)
                setattr(cls, name, wrapped)
    BaseDatabaseWrapper.bench_instrumented = True


class QueryCount:
    """Outermost middleware: the statements and the round trips of the request, on every connection."""

    def __init__(self, get_response):
        self.get_response = get_response
        _instrument()

    def __call__(self, request):
        queries, trips = [0], [0]

        def counter(execute, sql, params, many, context):
            queries[0] += 1
            trips[0] += 1
            wrapper = context["connection"]
            if not wrapper.get_autocommit() and not _in_transaction(wrapper):
                trips[0] += 1  # psycopg sends BEGIN first, in its own round trip
            return execute(sql, params, many, context)

        used = connections.all()
        wrappers = [connection.execute_wrapper(counter) for connection in used]
        for connection, wrapper in zip(used, wrappers, strict=True):
            connection.bench_trips = trips
            wrapper.__enter__()
        try:
            response = self.get_response(request)
        finally:
            for connection, wrapper in zip(reversed(used), reversed(wrappers), strict=True):
                wrapper.__exit__(None, None, None)
                connection.bench_trips = None
        response[QUERIES_HEADER] = str(queries[0])
        response[ROUND_TRIPS_HEADER] = str(trips[0])
        return response
