"""Reads of e-posters, always within one event."""

from django.db.models import Q, QuerySet

from events.models import EPoster, Event

SEARCH_FIELDS = ("title", "authors", "co_authors", "theme", "contribution_number")


def eposters_for_event(event: Event | None, *, q: str | None = None) -> QuerySet[EPoster]:
    """The event's posters in catalogue order (contribution number, title); ``q`` searches the
    title, authors, co-authors, theme and contribution number (every word must match)."""
    posters = EPoster.objects.filter(event=event)
    # NUL characters dropped, as DRF's SearchFilter does: PostgreSQL cannot compare text holding them.
    for word in (q or "").replace("\x00", "").split()[:10]:
        match = Q()
        for field in SEARCH_FIELDS:
            match |= Q(**{f"{field}__icontains": word})
        posters = posters.filter(match)
    return posters
