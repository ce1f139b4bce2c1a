"""makeplus/rows.py: rows of hand-written SQL read into instances equal to the ORM's (the statements and their
ORM twins: events/tests/test_sql_parity.py)."""

from decimal import Decimal

import pytest
from django.db import connection

from events.models import Event, Session
from events.tests.factories import EventFactory
from events.tests.factories_programme import RoomFactory, SessionFactory
from makeplus.rows import Columns, column, table

pytestmark = pytest.mark.django_db


def _all_values(instance) -> dict:
    return {field.attname: getattr(instance, field.attname) for field in instance._meta.concrete_fields}


def _read(model, pk, fields=None):
    columns = Columns(model, "t", fields)
    with connection.cursor() as cursor:
        cursor.execute(
            f"SELECT {columns.sql} FROM {table(model)} t WHERE t.{column(model, 'id')} = %s",
            [model._meta.pk.get_db_prep_value(pk, connection)],
        )
        return columns.read(cursor.fetchone())


def test_a_row_reads_into_the_instance_the_orm_builds():
    # UUID primary key, dates, time-zone-aware datetimes, booleans, decimals, JSON, file fields, foreign keys:
    # every converter the ORM applies on this database.
    event = EventFactory(name="TechSummit Algeria")
    session = SessionFactory(
        room=RoomFactory(event=event),
        session_type="atelier",
        is_paid=True,
        price=Decimal("2500.00"),
        metadata={"niveau": "avancé", "places": [1, 2]},
        youtube_live_url="https://www.youtube.com/watch?v=9bZkp7q19f0",
    )

    read, orm = _read(Session, session.pk), Session.objects.get(pk=session.pk)

    assert _all_values(read) == _all_values(orm)
    assert read.price == Decimal("2500.00")
    assert read.metadata == {"niveau": "avancé", "places": [1, 2]}
    assert read.start_time.tzinfo is not None
    assert read._state.adding is False and read._state.db == "default"
    assert _all_values(_read(Event, event.pk)) == _all_values(Event.objects.get(pk=event.pk))


def test_some_columns_leave_the_others_deferred_and_loaded_on_access():
    session = SessionFactory(title="Atelier Django", description="Trois heures de pratique.")

    read = _read(Session, session.pk, ["id", "title", "room"])

    assert read.get_deferred_fields() == {f.attname for f in Session._meta.concrete_fields} - {"id", "title", "room_id"}
    assert (read.title, read.room_id) == ("Atelier Django", session.room_id)
    assert read.description == "Trois heures de pratique."  # one query, as with .only()


def test_an_outer_joined_missing_row_reads_as_none():
    columns = Columns(Session, "s")

    assert columns.read([None] * len(columns)) is None
