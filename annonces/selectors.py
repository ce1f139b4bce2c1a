"""Reads for annonces, always starting from the caller's current event.

Who sees what (SPEC §9):

- an **organisateur** sees every annonce of its event, scheduled and expired ones included;
- **everyone else** sees the *feed*: annonces of its event that are published (``publish_at``
  reached), not expired, and that target its role (or target nobody in particular).

The feed also decides what counts as unread, for organisateurs too: an annonce that does not
concern you, or that nobody can see yet, is never "unread".
"""

from collections.abc import Iterable
from dataclasses import dataclass

from django.db.models import Case, Count, Exists, OuterRef, Q, QuerySet, Value, When
from django.utils import timezone

from annonces.models import Annonce, AnnonceRead
from events.models import Event, Role, UserEventAssignment
from events.selectors import members_by_role


def is_published(now) -> Q:
    return Q(publish_at__lte=now) & (Q(expires_at__isnull=True) | Q(expires_at__gt=now))


def targets_role(role: str) -> Q:
    return Q(target_roles=[]) | Q(target_roles__includes=role)


def state_expression(now) -> Case:
    """SQL twin of ``Annonce.state_at``."""
    return Case(
        When(publish_at__gt=now, then=Value(Annonce.State.SCHEDULED)),
        When(expires_at__lte=now, then=Value(Annonce.State.EXPIRED)),
        default=Value(Annonce.State.PUBLISHED),
    )


def read_by(user) -> Exists:
    return Exists(AnnonceRead.objects.filter(annonce=OuterRef("pk"), user=user))


def feed_for(*, event: Event, role: str, now) -> QuerySet[Annonce]:
    """What a member holding ``role`` in ``event`` sees at ``now`` (no annotations)."""
    return Annonce.objects.filter(event=event).filter(is_published(now), targets_role(role))


def annonces_for_member(assignment: UserEventAssignment, *, now=None) -> QuerySet[Annonce]:
    """The caller's annonces (organisateurs: all of the event; others: the feed and their own), with the author,
    ``is_read`` for the caller and ``state`` at ``now`` — one query for a whole page."""
    now = now or timezone.now()
    if assignment.role == Role.ORGANISATEUR:
        annonces = Annonce.objects.filter(event_id=assignment.event_id)
    else:
        # The feed, and the annonces the member wrote itself (a room manager publishes to the staff).
        annonces = Annonce.objects.filter(event_id=assignment.event_id).filter(
            (is_published(now) & targets_role(assignment.role)) | Q(created_by_id=assignment.user_id)
        )
    return annonces.select_related("created_by").annotate(is_read=read_by(assignment.user), state=state_expression(now))


def unread_for_member(assignment: UserEventAssignment, *, now=None) -> QuerySet[Annonce]:
    now = now or timezone.now()
    return feed_for(event=assignment.event, role=assignment.role, now=now).filter(~read_by(assignment.user))


def unread_count(assignment: UserEventAssignment, *, now=None) -> int:
    return unread_for_member(assignment, now=now).count()


@dataclass(frozen=True)
class ReadStatistics:
    read_count: int  # targeted members (active, role among the targets) who have read it
    target_count: int  # targeted members


def read_statistics(annonces: Iterable[Annonce], *, event: Event) -> dict:
    """``{annonce id: ReadStatistics}`` for annonces of ``event``, in two aggregate queries
    whatever their number: reads grouped by annonce and by the reader's role, members by role.

    A member is targeted when its active assignment's role is among the targets (any role when
    there are none). Reads of people who left the event or whose role is not targeted don't count.
    """
    annonces = list(annonces)
    if not annonces:
        return {}
    reads: dict = {}
    rows = (
        AnnonceRead.objects.filter(
            annonce__in=[annonce.pk for annonce in annonces],
            user__event_assignments__event=event,
            user__event_assignments__is_active=True,
        )
        .order_by()
        .values("annonce_id", "user__event_assignments__role")
        .annotate(n=Count("pk"))
    )
    for row in rows:
        reads.setdefault(row["annonce_id"], {})[row["user__event_assignments__role"]] = row["n"]
    members = members_by_role(event)
    statistics = {}
    for annonce in annonces:
        targets = annonce.target_roles or Role.values
        by_role = reads.get(annonce.pk, {})
        statistics[annonce.pk] = ReadStatistics(
            read_count=sum(by_role.get(role, 0) for role in targets),
            target_count=sum(members[role] for role in targets),
        )
    return statistics
