from functools import lru_cache

from django.conf import settings
from django.contrib.auth.hashers import make_password
from django.core.management.base import BaseCommand
from django.db import transaction

from accounts.models import User

DEMO_PASSWORD = "makeplus2025"

# The legacy single-event staff set (see README "Demo accounts"); create_test_data gives them an event.
TEST_USERS = [
    # email, first name, last name, superuser
    ("admin@makeplus.dz", "Admin", "MakePlus", True),
    ("organisateur@makeplus.dz", "Samir", "Haddad", False),
    ("gestionnaire@makeplus.dz", "Nassima", "Brahimi", False),
    ("controlleur@makeplus.dz", "Yacine", "Ould-Ali", False),
    ("participant1@makeplus.dz", "Amina", "Kaci", False),
    ("participant2@makeplus.dz", "Walid", "Cherif", False),
    ("exposant1@makeplus.dz", "Rania", "Mansouri", False),
    ("exposant2@makeplus.dz", "Karim", "Belkacem", False),
]


@lru_cache(maxsize=4)
def _demo_password_hash(hashers: tuple[str, ...]) -> str:
    # One salted hash shared by every demo account: hashing dominates seeding time otherwise.
    return make_password(DEMO_PASSWORD)


def ensure_user(email: str, first_name: str, last_name: str, *, superuser: bool = False) -> tuple[User, bool]:
    """Create the demo account, or reset it to its documented state (password included)."""
    user, created = User.objects.get_or_create(email=email, defaults={"first_name": first_name, "last_name": last_name})
    user.first_name, user.last_name = first_name, last_name
    user.is_active = True
    user.is_staff = user.is_superuser = superuser
    user.password = _demo_password_hash(tuple(settings.PASSWORD_HASHERS))
    user.save()
    return user, created


class Command(BaseCommand):
    help = "Create (or reset) the legacy demo accounts. Password for all: makeplus2025."

    @transaction.atomic
    def handle(self, *args, **options):
        for email, first_name, last_name, superuser in TEST_USERS:
            _, created = ensure_user(email, first_name, last_name, superuser=superuser)
            self.stdout.write(f"{'created' if created else 'kept   '}  {email}")
        self.stdout.write(self.style.SUCCESS(f"{len(TEST_USERS)} accounts, password: {DEMO_PASSWORD}"))
