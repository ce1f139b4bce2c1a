from django.core.management.base import BaseCommand
from django.db import transaction

from seeds.common import credentials_table
from seeds.demo import seed_multi_event_users


class Command(BaseCommand):
    help = (
        "Create (or reset) two accounts with roles in several demo events, to try event switching; "
        "seeds the demo events first if they are missing. Password for all: makeplus2025."
    )

    @transaction.atomic
    def handle(self, *args, **options):
        rows = seed_multi_event_users(log=self.stdout.write)
        self.stdout.write("")
        self.stdout.write(credentials_table(rows))
        accounts = len({row.email for row in rows})
        self.stdout.write(self.style.SUCCESS(f"{accounts} multi-event accounts, {len(rows)} roles ready."))
