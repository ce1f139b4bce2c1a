from django.core.management.base import BaseCommand, CommandError

from events.counters import COUNTERS


class Command(BaseCommand):
    help = (
        "Rebuild every denormalised counter registered in events/counters.py (COUNTERS) from its source rows; "
        "with --check, only report the counters that disagree with them."
    )

    def add_arguments(self, parser):
        parser.add_argument("--check", action="store_true", help="Only report counters that are wrong.")

    def handle(self, *args, check=False, **options):
        drifted = [(counter, counter.drifted()) for counter in COUNTERS]
        if check:
            wrong = [f"{c.name}: {len(ids)} {c.unit} ({', '.join(map(str, ids))})" for c, ids in drifted if ids]
            if wrong:
                raise CommandError("Counters that disagree with their source rows:\n" + "\n".join(wrong))
            names = ", ".join(counter.name for counter in COUNTERS)
            self.stdout.write(self.style.SUCCESS(f"All counters agree with their source rows ({names})."))
            return
        # No transaction around them: each recount locks and commits row by row (events/counters.py), so the
        # doors keep scanning while it runs.
        for counter in COUNTERS:
            counter.recount()
        for counter, ids in drifted:
            self.stdout.write(f"{counter.name}: {len(ids)} {counter.unit} had drifted, recounted.")
        self.stdout.write(self.style.SUCCESS("Recounted every counter from its source rows."))
