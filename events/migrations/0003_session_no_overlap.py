"""PostgreSQL: two non-cancelled sessions never overlap in one room, even under concurrent writes.

An exclusion constraint needs btree_gist (for `room_id WITH =`). SQLite has no such
constraint; there the service's check under the room lock is the guard.
"""

from django.db import migrations

CREATE = """
CREATE EXTENSION IF NOT EXISTS btree_gist;
ALTER TABLE events_session ADD CONSTRAINT session_no_overlap_in_room
    EXCLUDE USING gist (room_id WITH =, tstzrange(start_time, end_time, '[)') WITH &&)
    WHERE (status <> 'cancelled');
"""
DROP = "ALTER TABLE events_session DROP CONSTRAINT IF EXISTS session_no_overlap_in_room;"


def forwards(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(CREATE)


def backwards(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(DROP)


class Migration(migrations.Migration):
    dependencies = [("events", "0002_programme_and_badges")]

    operations = [migrations.RunPython(forwards, backwards)]
