from django.core.management.base import BaseCommand
from django.db import transaction

from seeds.common import DEMO_PASSWORD
from seeds.demo import seed_test_users


class Command(BaseCommand):
    help = "Create (or reset) the legacy demo accounts. Password for all: makeplus2025."

    @transaction.atomic
    def handle(self, *args, **options):
        accounts = seed_test_users()
        for email, created in accounts:
            self.stdout.write(f"{'created' if created else 'kept   '}  {email}")
        self.stdout.write(self.style.SUCCESS(f"{len(accounts)} accounts, password: {DEMO_PASSWORD}"))
