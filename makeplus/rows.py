"""Rows of hand-written SQL read into model instances as the ORM would build them.

On the door scan the ORM spent more CPU writing each query than PostgreSQL spent running it
(bench/profile_scan.py: query compilation was about a third of a scan's Python time). The few
statements that run on every scan and every authenticated request are therefore written by hand
(events/sql/, one module per concern, each beside its ORM twin), and their rows become model
instances here with the same backend and field conversions the ORM applies — the instances behave
like the ORM's (``from_db``: saved state, deferred fields load on access).
"""

from functools import cached_property

from django.db import connection


class Columns:
    """The columns of ``model`` under a table alias in a SELECT, and the instance read from them."""

    def __init__(self, model, alias: str, fields: list[str] | None = None):
        self.model, self.alias = model, alias
        meta = model._meta
        wanted = {meta.get_field(name) for name in fields} if fields else None
        # In the model's order: Model.from_db() places a subset of values by that order.
        self.fields = [field for field in meta.concrete_fields if wanted is None or field in wanted]
        self.attnames = [field.attname for field in self.fields]
        pk = meta.pk.attname
        self._pk_index = self.attnames.index(pk) if pk in self.attnames else None
        self._converters = {}

    def __len__(self) -> int:
        return len(self.fields)

    @cached_property
    def sql(self) -> str:
        qn = connection.ops.quote_name
        return ", ".join(f"{qn(self.alias)}.{qn(field.column)}" for field in self.fields)

    def converters(self, conn) -> list:
        """Per column, what the ORM's compiler would apply to the raw value (SQLCompiler.get_converters)."""
        if conn.vendor not in self._converters:
            self._converters[conn.vendor] = [
                (
                    conn.ops.get_db_converters(col) + col.get_db_converters(conn),
                    col,
                )
                for col in (field.get_col(self.alias) for field in self.fields)
            ]
        return self._converters[conn.vendor]

    def read(self, row, start: int = 0, conn=connection):
        """The instance from ``row[start:start + len(self)]``; None when its primary key is NULL (outer join)."""
        values = list(row[start : start + len(self.fields)])
        if self._pk_index is not None and values[self._pk_index] is None:
            return None
        for index, (functions, col) in enumerate(self.converters(conn)):
            value = values[index]
            for function in functions:
                value = function(value, col, conn)
            values[index] = value
        return self.model.from_db(conn.alias, self.attnames, values)


def fetch_one(sql: str, params) -> tuple | None:
    """The first row of a hand-written statement (None: no row). ``params``: a dict for ``%(name)s``."""
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        return cursor.fetchone()


def table(model) -> str:
    return connection.ops.quote_name(model._meta.db_table)


def column(model, name: str) -> str:
    return connection.ops.quote_name(model._meta.get_field(name).column)


def db_value(model, name: str, value):
    """A parameter as the column's type wants it on this database (a UUID is text on SQLite)."""
    return model._meta.get_field(name).get_db_prep_value(value, connection)
