"""What every seed shares: the demo password and accounts, dates relative to today in Algiers,
the reset-to-the-documented-state helpers, and the credentials table the commands print."""

from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, datetime, time
from functools import lru_cache

from django.conf import settings
from django.contrib.auth.hashers import make_password
from django.utils import timezone

from accounts.models import User
from events.calendar import DEFAULT_EVENT_ZONE, event_today

DEMO_PASSWORD = "makeplus2025"

# Demo dates follow the day a seed runs, counted where the events' days are (Africa/Algiers): an
# event opens at 09:00 on its first day and closes at 18:00 on its last.
ALGIERS = DEFAULT_EVENT_ZONE
OPENING, CLOSING = time(9, 0), time(18, 0)

Log = Callable[[str], object]


def quiet(*args) -> None:
    """The default ``log`` (and ``progress``) of a seed: says nothing."""


def algiers_today() -> date:
    return event_today()


def local_day(moment: datetime, tz=ALGIERS) -> date:
    """The day ``moment`` falls on in ``tz``."""
    return timezone.localdate(moment, timezone=tz)


def local_time(day: date, clock: time | str, tz=ALGIERS) -> datetime:
    """``clock`` (a time or "HH:MM") on ``day``, in ``tz``."""
    return datetime.combine(day, time.fromisoformat(clock) if isinstance(clock, str) else clock, tzinfo=tz)


def opening_hours(day: date) -> tuple[datetime, datetime]:
    """09:00 and 18:00 of ``day``, Algiers time."""
    return local_time(day, OPENING), local_time(day, CLOSING)


@lru_cache(maxsize=4)
def _password_hash(hashers: tuple[str, ...]) -> str:
    return make_password(DEMO_PASSWORD)


def demo_password_hash() -> str:
    """One salted hash of DEMO_PASSWORD for every demo account (per hasher setting): hashing
    dominates seeding time otherwise."""
    return _password_hash(tuple(settings.PASSWORD_HASHERS))


def ensure_user(email: str, first_name: str, last_name: str, *, superuser: bool = False) -> tuple[User, bool]:
    """Create the demo account, or reset it to its documented state (password included)."""
    user, created = User.objects.get_or_create(email=email, defaults={"first_name": first_name, "last_name": last_name})
    user.first_name, user.last_name = first_name, last_name
    user.is_active = True
    user.is_staff = user.is_superuser = superuser
    user.password = demo_password_hash()
    user.save()
    return user, created


def changed_fields(obj, wanted: dict) -> dict:
    """The values of ``wanted`` that ``obj`` does not hold: what resetting it has to write."""
    return {name: value for name, value in wanted.items() if getattr(obj, name) != value}


@dataclass(frozen=True)
class Credential:
    email: str
    role: str
    event: str


def credentials_table(rows: list[Credential]) -> str:
    header = ("email", "password", "role", "event")
    lines = [header, *((row.email, DEMO_PASSWORD, row.role, row.event) for row in rows)]
    widths = [max(len(line[i]) for line in lines) for i in range(len(header))]

    def fmt(cells):
        return "  ".join(cell.ljust(width) for cell, width in zip(cells, widths, strict=True)).rstrip()

    return "\n".join([fmt(header), fmt("-" * w for w in widths), *(fmt(line) for line in lines[1:])])
