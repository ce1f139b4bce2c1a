from django.core.management.base import BaseCommand, CommandError
from django.db import transaction

from events.counters import (
    counters_disagreeing,
    recount_events,
    recount_rooms,
    recount_scan_counts,
    rooms_disagreeing,
    scan_counts_disagreeing,
)


class Command(BaseCommand):
    help = (
        "Rebuild every denormalised counter (Event.total_*, Room.current_participants, the door-scan counts "
        "of the statistics) from its source rows."
    )

    def add_arguments(self, parser):
        parser.add_argument("--check", action="store_true", help="Only report counters that are wrong.")

    def handle(self, *args, check=False, **options):
        wrong_events, wrong_rooms, wrong_scans = counters_disagreeing(), rooms_disagreeing(), scan_counts_disagreeing()
        if check:
            if wrong_events or wrong_rooms or wrong_scans:
                raise CommandError(
                    f"{len(wrong_events)} event(s), {len(wrong_rooms)} room occupancies and "
                    f"{len(wrong_scans)} room(s) door-scan counts with wrong counters: "
                    + ", ".join(map(str, [*wrong_events, *wrong_rooms, *wrong_scans]))
                )
            self.stdout.write(self.style.SUCCESS("All counters agree with their source rows."))
            return
        with transaction.atomic():
            touched = recount_events()
            recount_rooms()
            recount_scan_counts()
        self.stdout.write(
            self.style.SUCCESS(
                f"Recounted {touched} event(s); {len(wrong_events)} had drifted, "
                f"{len(wrong_rooms)} room occupancies and {len(wrong_scans)} rooms' door-scan counts had drifted."
            )
        )
