from django.core.management.base import BaseCommand
from django.db import transaction

from seeds.common import credentials_table
from seeds.demo import seed_multi_event_data


class Command(BaseCommand):
    help = (
        "Create (or reset) the three demo events TechSummit Algeria (running), StartupWeek Oran (upcoming) and "
        "InnoFest Constantine (past), each with 7 members. Password for all: makeplus2025."
    )

    @transaction.atomic
    def handle(self, *args, **options):
        rows = seed_multi_event_data(log=self.stdout.write)
        self.stdout.write("")
        self.stdout.write(credentials_table(rows))
        self.stdout.write(self.style.SUCCESS(f"3 events, {len(rows)} accounts ready."))
