from django.core.management.base import BaseCommand, CommandError
from django.db import transaction

from events.counters import counters_disagreeing, recount_events, recount_rooms, rooms_disagreeing


class Command(BaseCommand):
    help = "Rebuild every denormalised counter (Event.total_*, Room.current_participants) from its source rows."

    def add_arguments(self, parser):
        parser.add_argument("--check", action="store_true", help="Only report counters that are wrong.")

    def handle(self, *args, check=False, **options):
        wrong_events, wrong_rooms = counters_disagreeing(), rooms_disagreeing()
        if check:
            if wrong_events or wrong_rooms:
                raise CommandError(
                    f"{len(wrong_events)} event(s) and {len(wrong_rooms)} room(s) with wrong counters: "
                    + ", ".join(map(str, [*wrong_events, *wrong_rooms]))
                )
            self.stdout.write(self.style.SUCCESS("All counters agree with their source rows."))
            return
        with transaction.atomic():
            touched = recount_events()
            recount_rooms()
        self.stdout.write(
            self.style.SUCCESS(
                f"Recounted {touched} event(s); {len(wrong_events)} had drifted, "
                f"{len(wrong_rooms)} room occupancies had drifted."
            )
        )
