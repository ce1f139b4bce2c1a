from django.conf import settings
from django.core.management.base import BaseCommand, CommandError

from accounts.models import User
from events.models import Event
from seeds.purge import purge_everything


class Command(BaseCommand):
    help = (
        "Delete all domain data (every event with its rooms, sessions, badges, door log, shifts, annonces, "
        "exposant profiles and scans) and every account except the superusers, in one transaction. Stored "
        "files of what is deleted leave storage. Asks first (--yes: don't); refused when DEBUG is off "
        "unless --force."
    )

    def add_arguments(self, parser):
        parser.add_argument("--yes", action="store_true", help="Do not ask for confirmation.")
        parser.add_argument("--force", action="store_true", help="Run even when DEBUG is off (a production database?).")

    def handle(self, *args, yes=False, force=False, **options):
        if not settings.DEBUG and not force:
            raise CommandError(
                "DEBUG is off: this looks like a production database. Use --force if you really mean it."
            )
        events = Event.objects.count()
        accounts = User.objects.filter(is_superuser=False).count()
        if not yes:
            question = (
                f"This deletes {events} event(s) with everything in them and {accounts} account(s) "
                f"(superusers are kept) from {settings.DATABASES['default']['NAME']}.\n"
                "Type 'yes' to continue, or 'no' to cancel: "
            )
            try:
                answer = input(question)
            except EOFError:
                raise CommandError("No answer to the confirmation: nothing was deleted (--yes skips it).") from None
            if answer.strip().lower() != "yes":
                self.stdout.write("Cancelled: nothing was deleted.")
                return
        purged = purge_everything()
        width = max((len(label) for label in purged.rows), default=0)
        for label, count in sorted(purged.rows.items()):
            if count:
                self.stdout.write(f"  {label:<{width}}  {count:>10,}")
        if purged.files:
            self.stdout.write(f"  {'stored files':<{width}}  {purged.files:>10,}")
        kept = User.objects.filter(is_superuser=True).count()
        self.stdout.write(
            self.style.SUCCESS(
                f"Deleted {purged.rows['events.Event']:,} event(s) and {purged.rows['accounts.User']:,} account(s); "
                f"{kept} superuser(s) kept."
            )
        )
