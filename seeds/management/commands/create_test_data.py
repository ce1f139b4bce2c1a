from django.core.management.base import BaseCommand
from django.db import transaction

from seeds.common import credentials_table
from seeds.demo import DEMO_EVENT, seed_test_data


class Command(BaseCommand):
    help = (
        "Create (or reset) the legacy single event 'MakePlus Demo' with create_test_users' accounts in their "
        "roles (admin@makeplus.dz stays without an event role). Password for all: makeplus2025."
    )

    @transaction.atomic
    def handle(self, *args, **options):
        rows = seed_test_data(log=self.stdout.write)
        self.stdout.write("")
        self.stdout.write(credentials_table(rows))
        self.stdout.write(self.style.SUCCESS(f"{DEMO_EVENT.name}: {len(rows)} accounts ready."))
