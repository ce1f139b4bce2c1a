from django.core.management.base import BaseCommand
from django.db import transaction

from seeds.common import credentials_table
from seeds.demo import DEMO_EVENT, seed_test_data
from seeds.mobile_event_day import seed_event_day


class Command(BaseCommand):
    help = (
        "Create (or reset) the legacy single event 'MakePlus Demo' with create_test_users' accounts in their "
        "roles (admin@makeplus.dz stays without an event role). Password for all: makeplus2025."
    )

    @transaction.atomic
    def handle(self, *args, **options):
        rows = seed_test_data(log=self.stdout.write)
        seed_event_day(DEMO_EVENT.name, log=self.stdout.write)  # the mobile app's event day (seeds/mobile_event_day.py)
        self.stdout.write("")
        self.stdout.write(credentials_table(rows))
        self.stdout.write(self.style.SUCCESS(f"{DEMO_EVENT.name}: {len(rows)} accounts ready."))
