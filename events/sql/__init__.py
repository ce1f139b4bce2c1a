"""Hand-written SQL of the hot paths, one module per concern, each statement beside its ORM twin.

The few statements that run on every authenticated request (:mod:`events.sql.auth`) and on every door
scan (:mod:`events.sql.access`) are written by hand: the ORM spent more CPU composing them than the
database spent answering (makeplus/rows.py). Each is readable SQL text — literal table and column
names, named parameters (``%(room)s``), the same text on SQLite and PostgreSQL — and each read has an
ORM twin in the same module that states the same rule with the ORM, reusing the one home of each fact
(``selectors.staff.on_duty_q``, ``selectors.access.running_session``). events/tests/test_sql_parity.py
runs every pair on the edge cases (role deactivated, cancelled session, the exact end instant, another
event's room, revoked or unknown badge): a change to a rule that misses its SQL fails there.

In the statement texts, ``{user}``-style fields stand for the columns a model instance is read from
(makeplus.rows.Columns: every column, or the listed ones); they are filled in once, on first use.
"""
