from datetime import timedelta

import pytest
from django.utils import timezone

from annonces.models import Annonce
from events.models import Event, Role
from events.tests.factories import AssignmentFactory, EventFactory
from seeds.annonces import ANNONCES, ensure_annonces

pytestmark = pytest.mark.django_db


def event_running_from(days: int, *, length: int = 3, status=Event.Status.ACTIVE) -> tuple[Event, object]:
    """An event opening ``days`` from now (negative: in the past) for ``length`` days, and its organisateur."""
    start = timezone.now() + timedelta(days=days)
    event = EventFactory(start_date=start, end_date=start + timedelta(days=length - 1, hours=9), status=status)
    return event, AssignmentFactory(event=event, role=Role.ORGANISATEUR).user


def states(event) -> dict[str, str]:
    now = timezone.now()
    return {a.title: a.state_at(now) for a in Annonce.objects.filter(event=event)}


def test_a_running_event_gets_pinned_published_expired_and_scheduled_annonces():
    event, organisateur = event_running_from(-1)

    annonces = ensure_annonces(event, organisateur=organisateur)

    assert [a.title for a in annonces] == [spec.title for spec in ANNONCES]
    assert set(states(event).values()) == {"published", "expired", "scheduled"}
    assert [a.title for a in annonces if a.is_pinned] == ["Bienvenue ! Programme et informations pratiques"]
    assert states(event)["Cérémonie de clôture et remise des prix"] == "scheduled"
    assert len({tuple(a.target_roles) for a in annonces}) == 4
    assert {a.created_by for a in annonces} == {organisateur}


def test_a_past_event_has_expired_annonces_and_nothing_scheduled():
    event, organisateur = event_running_from(-60, length=2, status=Event.Status.COMPLETED)

    ensure_annonces(event, organisateur=organisateur)

    assert sorted(states(event).values()) == ["expired", "expired", "expired", "published", "published"]


def test_an_upcoming_event_already_shows_its_welcome():
    event, organisateur = event_running_from(30, status=Event.Status.UPCOMING)

    ensure_annonces(event, organisateur=organisateur)

    published = [title for title, state in states(event).items() if state == "published"]
    assert published == ["Bienvenue ! Programme et informations pratiques"]


def test_re_running_creates_no_duplicate_and_follows_the_event_dates():
    event, organisateur = event_running_from(-1)
    first = ensure_annonces(event, organisateur=organisateur)
    Annonce.objects.filter(pk=first[0].pk).update(is_pinned=False, content="modifiée à la main")
    event.start_date += timedelta(days=1)
    event.end_date += timedelta(days=1)
    event.save()
    messages = []

    second = ensure_annonces(event, organisateur=organisateur, log=messages.append)

    assert [a.pk for a in second] == [a.pk for a in first]
    assert Annonce.objects.filter(event=event).count() == len(ANNONCES)
    welcome = Annonce.objects.get(pk=first[0].pk)
    assert (welcome.is_pinned, welcome.content) == (True, ANNONCES[0].content)
    assert welcome.publish_at == event.start_date - timedelta(days=40)
    assert len(messages) == len(ANNONCES) and all(m.startswith("reset annonce") for m in messages)
    assert ensure_annonces(event, organisateur=organisateur, log=messages.append) == second
    assert len(messages) == len(ANNONCES)  # the third run changes nothing
