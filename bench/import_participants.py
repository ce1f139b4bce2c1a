"""Time the participant import (events/services/imports.py) of a registration list of N rows.

    DEBUG=1 DATABASE_URL=postgres://postgres@127.0.0.1:5432/mk_import \\
        .venv/bin/python -m bench.import_participants --rows 5000

Migrates the database named by DATABASE_URL, makes an event with 10 rooms and 5 ateliers, writes a
CSV like an organiser's export (``;``, UTF-8 with BOM, French headers; every row with a company,
a third with two allowed rooms, a fifth with an atelier, a tenth exposants), then times:

1. reading the file (events/imports.read_table);
2. the dry run (the same checks as a real run, nothing written);
3. the real run (every row created: accounts, roles, badges signed, rooms, atelier places, counters);
4. the same file again (every row found unchanged);
5. a changed file (every row updated: names, rooms).

The import runs as the job runs it (the same function), without the queue around it. The event and
the accounts made are deleted at the end (``--keep`` keeps them).
"""

import argparse
import codecs
import csv
import io
import os
import sys
import time
import uuid
from datetime import timedelta

import django

ROOMS, ATELIERS = 10, 5


def _csv(rows: int, domain: str, *, changed: bool = False) -> bytes:
    out = io.StringIO()
    writer = csv.writer(out, delimiter=";")
    writer.writerow(["Courriel", "Prénom", "Nom", "Téléphone", "Société", "Catégorie", "Salles", "Ateliers"])
    for n in range(rows):
        rooms = f"Salle {n % ROOMS}; Salle {(n + 1) % ROOMS}" if n % 3 == 0 else ""
        if changed:
            rooms = f"Salle {(n + 2) % ROOMS}"
        atelier = f"Atelier {n % ATELIERS}" if n % 5 == 0 else ""
        kind = "exposant" if n % 10 == 0 else "participant"
        last = f"Nom{n}{'-bis' if changed else ''}"
        writer.writerow(
            [f"p{n}@{domain}", f"Prénom{n}", last, f"0555{n:06d}", f"Société {n % 97}", kind, rooms, atelier]
        )
    return codecs.BOM_UTF8 + out.getvalue().encode()


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--rows", type=int, default=5000)
    parser.add_argument("--keep", action="store_true", help="keep the event and accounts made")
    args = parser.parse_args()
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "makeplus.settings")
    django.setup()

    from django.core.files.uploadedfile import SimpleUploadedFile
    from django.core.management import call_command
    from django.db import connection
    from django.test.utils import CaptureQueriesContext
    from django.utils import timezone

    from accounts.models import User
    from events.imports import read_table
    from events.models import Participant, Room, Session
    from events.services import create_event, delete_event
    from events.services.imports import import_participants

    call_command("migrate", verbosity=0)
    tag = uuid.uuid4().hex[:8]
    domain = f"import-{tag}.bench.test"
    organiser = User.objects.create_user(f"organiser@{domain}", password=None)
    now = timezone.now()
    event = create_event(
        created_by=organiser, name=f"Bench import {tag}", start_date=now, end_date=now + timedelta(days=2)
    )
    rooms = [Room.objects.create(event=event, name=f"Salle {n}", capacity=5000) for n in range(ROOMS)]
    for n in range(ATELIERS):
        Session.objects.create(
            event=event,
            room=rooms[n],
            title=f"Atelier {n}",
            session_type=Session.Type.ATELIER,
            start_time=now + timedelta(hours=3 + n),
            end_time=now + timedelta(hours=4 + n),
        )
    print(f"database: {connection.vendor} {connection.settings_dict['NAME']}; {args.rows} rows", flush=True)

    def upload(data):
        return SimpleUploadedFile("inscriptions.csv", data)

    def timed(label, work):
        with CaptureQueriesContext(connection) as queries:
            started = time.perf_counter()
            result = work()
            elapsed = time.perf_counter() - started
        summary = ""
        if isinstance(result, dict):
            keys = ("created", "updated", "unchanged")
            summary = ", ".join(f"{key} {result[key]}" for key in keys) + f", errors {len(result['errors'])}"
        print(f"{label:<28} {elapsed:7.2f} s  {len(queries):6d} queries  {summary}", flush=True)
        return result

    try:
        first = _csv(args.rows, domain)
        table = timed("read the file", lambda: read_table(upload(first)))
        timed("dry run", lambda: import_participants(event=event, table=table, by=organiser, dry_run=True))
        report = timed("real run (all created)", lambda: import_participants(event=event, table=table, by=organiser))
        assert report["written"] and report["created"] == args.rows, report["errors"][:5]
        timed("same file again", lambda: import_participants(event=event, table=table, by=organiser))
        changed = read_table(upload(_csv(args.rows, domain, changed=True)))
        timed("changed file (all updated)", lambda: import_participants(event=event, table=changed, by=organiser))
        event.refresh_from_db()
        total = event.total_participants + event.total_exhibitors
        assert total == Participant.objects.filter(event=event).count() == args.rows
    finally:
        if not args.keep:
            delete_event(event=event, actor=organiser, confirm=True)
            User.objects.filter(email__endswith=f"@{domain}").delete()
    return 0


if __name__ == "__main__":
    sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
    sys.exit(main())
