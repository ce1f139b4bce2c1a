"""An event's days: the one home of its time zone and of "today" (SPEC §16).

Times are stored in UTC; an event's days, its "today" and the hours of its statistics are
counted in Africa/Algiers unless the event says otherwise. No event says otherwise yet: when one
can (a field of Event), :func:`event_zone` is the one place to read it. Independent of the
server's ``TIME_ZONE`` and of any zone a request activated.
"""

from datetime import date, datetime, time, timedelta, tzinfo
from zoneinfo import ZoneInfo

from django.utils import timezone

DEFAULT_EVENT_ZONE = ZoneInfo("Africa/Algiers")


def event_zone(event=None) -> tzinfo:
    """Where ``event``'s days are counted."""
    return DEFAULT_EVENT_ZONE


def event_today(event=None) -> date:
    """Today's date at the event."""
    return timezone.localdate(timezone=event_zone(event))


def day_bounds(day: date, zone: tzinfo) -> tuple[datetime, datetime]:
    """[00:00, next 00:00) of ``day`` in ``zone``, as aware datetimes."""
    return datetime.combine(day, time.min, tzinfo=zone), datetime.combine(
        day + timedelta(days=1), time.min, tzinfo=zone
    )


def event_day_bounds(event=None, day: date | None = None) -> tuple[datetime, datetime]:
    """[start, end) of ``day`` (default today) at the event."""
    zone = event_zone(event)
    return day_bounds(day or timezone.localdate(timezone=zone), zone)
