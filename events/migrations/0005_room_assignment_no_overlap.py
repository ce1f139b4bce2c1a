"""PostgreSQL: a user's active shifts never overlap, even under concurrent creation.

Same pattern as 0003 (btree_gist exclusion constraint); SQLite relies on the service's
check under the user row lock.
"""

from django.db import migrations

CREATE = """
CREATE EXTENSION IF NOT EXISTS btree_gist;
ALTER TABLE events_roomassignment ADD CONSTRAINT room_assignment_no_overlap_per_user
    EXCLUDE USING gist (user_id WITH =, tstzrange(start_time, end_time, '[)') WITH &&)
    WHERE (is_active);
"""
DROP = "ALTER TABLE events_roomassignment DROP CONSTRAINT IF EXISTS room_assignment_no_overlap_per_user;"


def forwards(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(CREATE)


def backwards(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(DROP)


class Migration(migrations.Migration):
    dependencies = [("events", "0004_room_assignments")]

    operations = [migrations.RunPython(forwards, backwards)]
