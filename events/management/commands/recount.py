from django.core.management.base import BaseCommand, CommandError
from django.db import transaction

from events.counters import counters_disagreeing, recount_events


class Command(BaseCommand):
    help = "Rebuild every denormalised counter (Event.total_*) from its source rows."

    def add_arguments(self, parser):
        parser.add_argument("--check", action="store_true", help="Only report events whose counters are wrong.")

    def handle(self, *args, check=False, **options):
        wrong = counters_disagreeing()
        if check:
            if wrong:
                raise CommandError(f"{len(wrong)} event(s) with wrong counters: {', '.join(map(str, wrong))}")
            self.stdout.write(self.style.SUCCESS("All counters agree with their source rows."))
            return
        with transaction.atomic():
            touched = recount_events()
        self.stdout.write(self.style.SUCCESS(f"Recounted {touched} event(s); {len(wrong)} had drifted."))
