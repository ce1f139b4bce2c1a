"""Counts the SQL statements of each request on the server side (benchmark settings only)."""

from django.db import connections

HEADER = "X-Bench-Queries"


class QueryCount:
    """Outermost middleware: every statement run on any connection while the request is handled,
    BEGIN/COMMIT of atomic blocks excluded (psycopg sends them outside ``execute``)."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        count = 0

        def counter(execute, sql, params, many, context):
            nonlocal count
            count += 1
            return execute(sql, params, many, context)

        wrappers = [connection.execute_wrapper(counter) for connection in connections.all()]
        for wrapper in wrappers:
            wrapper.__enter__()
        try:
            response = self.get_response(request)
        finally:
            for wrapper in reversed(wrappers):
                wrapper.__exit__(None, None, None)
        response[HEADER] = str(count)
        return response
