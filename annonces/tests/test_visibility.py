"""Who sees which annonce: each role × target set × state (scheduled, published, expired)."""

import itertools
from datetime import timedelta

import pytest
from django.utils import timezone

from annonces.models import Annonce
from annonces.selectors import annonces_for_member, feed_for, unread_count
from annonces.tests.factories import AnnonceFactory, AnnonceReadFactory
from events.models import Role
from events.tests.factories import AssignmentFactory

pytestmark = pytest.mark.django_db

ROLES = list(Role.values)
TARGET_SETS = [
    (),
    (Role.PARTICIPANT,),
    (Role.EXPOSANT,),
    (Role.GESTIONNAIRE_DES_SALLES, Role.CONTROLLEUR_DES_BADGES),
    (Role.ORGANISATEUR,),
    tuple(Role.values),
]
STATES = ["scheduled", "published", "expired"]


def times(state: str, now) -> dict:
    return {
        "scheduled": {"publish_at": now + timedelta(hours=1), "expires_at": None},
        "published": {"publish_at": now - timedelta(hours=1), "expires_at": now + timedelta(hours=1)},
        "expired": {"publish_at": now - timedelta(hours=2), "expires_at": now - timedelta(hours=1)},
    }[state]


def sees(role: str, targets, state: str) -> bool:
    """The rule of SPEC §9, written out once for the tests."""
    if role == Role.ORGANISATEUR:
        return True
    return state == "published" and (not targets or role in targets)


def in_feed(role: str, targets, state: str) -> bool:
    """What counts as unread: published, and aimed at the role (organisateurs included)."""
    return state == "published" and (not targets or role in targets)


@pytest.mark.parametrize(
    ("role", "targets", "state"),
    list(itertools.product(ROLES, TARGET_SETS, STATES)),
    ids=lambda value: "everyone" if value == () else "+".join(value) if isinstance(value, tuple) else value,
)
def test_visibility_table(member, event_a, role, targets, state):
    annonce = AnnonceFactory(event=event_a, target_roles=list(targets), **times(state, timezone.now()))
    client, _ = member(role, event_a)

    listed = [a["id"] for a in client.get("/api/annonces/").json()["results"]]
    detail = client.get(f"/api/annonces/{annonce.pk}/")
    unread = client.get("/api/annonces/unread_count/").json()["unread_count"]

    expected = sees(role, targets, state)
    assert listed == ([str(annonce.pk)] if expected else [])
    assert detail.status_code == (200 if expected else 404)
    if expected:
        assert (detail.json()["state"], detail.json()["is_read"]) == (state, False)
    assert unread == (1 if in_feed(role, targets, state) else 0)


ALL_SUBSETS = [combo for n in range(len(ROLES) + 1) for combo in itertools.combinations(ROLES, n)]


@pytest.mark.parametrize("role", ROLES)
def test_every_target_subset_and_state_with_unread_count_consistent_with_is_read(member, event_a, role):
    client, user = member(role, event_a)
    now = timezone.now()
    expected, expected_unread = set(), 0
    for index, targets in enumerate(ALL_SUBSETS):
        for state in STATES:
            annonce = AnnonceFactory(
                event=event_a, title=f"{state} {'+'.join(targets)}", target_roles=list(targets), **times(state, now)
            )
            read = index % 2 == 0
            if read:
                AnnonceReadFactory(annonce=annonce, user=user)
            if sees(role, targets, state):
                expected.add(annonce.title)
            expected_unread += in_feed(role, targets, state) and not read
    assert len(ALL_SUBSETS) * len(STATES) == 96

    results = client.get("/api/annonces/?page_size=100").json()["results"]
    unread = client.get("/api/annonces/unread_count/").json()["unread_count"]

    assert {a["title"] for a in results} == expected
    assert all(a["state"] == a["title"].split(" ")[0] for a in results)
    assert all(a["is_read"] == (ALL_SUBSETS.index(tuple(a["target_roles"])) % 2 == 0) for a in results)
    unread_listed = [a for a in results if not a["is_read"] and in_feed(role, a["target_roles"], a["state"])]
    assert unread == len(unread_listed) == expected_unread > 0
    if role != Role.ORGANISATEUR:  # everything a member lists is in its feed
        assert unread == len([a for a in results if not a["is_read"]])


def test_publish_and_expiry_boundaries(event_a):
    now = timezone.now()
    at_publish = AnnonceFactory(event=event_a, title="publiée à l'instant", publish_at=now)
    at_expiry = AnnonceFactory(
        event=event_a, title="expire à l'instant", publish_at=now - timedelta(hours=1), expires_at=now
    )
    organisateur = AssignmentFactory(event=event_a, role=Role.ORGANISATEUR)

    feed = feed_for(event=event_a, role=Role.PARTICIPANT, now=now)
    states = {a.title: a.state for a in annonces_for_member(organisateur, now=now)}

    assert list(feed) == [at_publish]
    assert states == {at_publish.title: "published", at_expiry.title: "expired"}
    assert at_publish.state_at(now) == "published"
    assert at_expiry.state_at(now) == "expired"
    assert at_publish.state_at(now - timedelta(microseconds=1)) == "scheduled"


def test_feed_is_pinned_first_then_newest(member, event_a):
    now = timezone.now()
    AnnonceFactory(event=event_a, title="ancienne", publish_at=now - timedelta(days=2))
    AnnonceFactory(event=event_a, title="épinglée ancienne", publish_at=now - timedelta(days=3), is_pinned=True)
    AnnonceFactory(event=event_a, title="récente", publish_at=now - timedelta(minutes=5))
    AnnonceFactory(event=event_a, title="épinglée récente", publish_at=now - timedelta(days=1), is_pinned=True)
    client, _ = member(Role.PARTICIPANT, event_a)

    titles = [a["title"] for a in client.get("/api/annonces/").json()["results"]]

    assert titles == ["épinglée récente", "épinglée ancienne", "récente", "ancienne"]


@pytest.mark.parametrize("role", ROLES)
def test_another_events_annonce_is_invisible_even_by_id(member, event_a, event_b, role):
    foreign = AnnonceFactory(event=event_b)
    client, _ = member(role, event_a)

    assert client.get("/api/annonces/").json()["results"] == []
    assert client.get(f"/api/annonces/{foreign.pk}/").status_code == 404
    assert client.post(f"/api/annonces/{foreign.pk}/read/").status_code == 404
    assert client.get("/api/annonces/unread_count/").json() == {"unread_count": 0}
    assert not foreign.reads.exists()


def test_a_member_of_two_events_sees_the_annonces_of_its_current_one(client_for, event_a, event_b):
    assignment = AssignmentFactory(event=event_a, role=Role.PARTICIPANT)
    AssignmentFactory(user=assignment.user, event=event_b, role=Role.EXPOSANT)
    AnnonceFactory(event=event_a, title="A pour participants", target_roles=[Role.PARTICIPANT])
    AnnonceFactory(event=event_b, title="B pour exposants", target_roles=[Role.EXPOSANT])
    AnnonceFactory(event=event_b, title="B pour participants", target_roles=[Role.PARTICIPANT])

    in_a = client_for(assignment.user, event_a).get("/api/annonces/").json()["results"]
    in_b = client_for(assignment.user, event_b).get("/api/annonces/").json()["results"]

    assert [a["title"] for a in in_a] == ["A pour participants"]
    assert [a["title"] for a in in_b] == ["B pour exposants"]


def test_the_role_counts_from_the_database_not_from_the_token(client_for, event_a):
    """A token still saying "organisateur" after a demotion gets the participant's view."""
    assignment = AssignmentFactory(event=event_a, role=Role.ORGANISATEUR)
    client = client_for(assignment.user, event_a)
    AnnonceFactory(event=event_a, title="programmée", publish_at=timezone.now() + timedelta(hours=1))
    assignment.role = Role.PARTICIPANT
    assignment.save()

    response = client.get("/api/annonces/")

    assert response.json()["results"] == []


def test_organisateurs_unread_count_covers_only_what_targets_them(member, event_a):
    now = timezone.now()
    AnnonceFactory(event=event_a, target_roles=[Role.ORGANISATEUR])
    AnnonceFactory(event=event_a, target_roles=[])
    AnnonceFactory(event=event_a, target_roles=[Role.PARTICIPANT])
    AnnonceFactory(event=event_a, target_roles=[Role.ORGANISATEUR], publish_at=now + timedelta(hours=1))
    client, user = member(Role.ORGANISATEUR, event_a)
    assignment = user.event_assignments.get()

    response = client.get("/api/annonces/unread_count/")

    assert response.json() == {"unread_count": 2}
    assert unread_count(assignment) == 2
    assert Annonce.objects.filter(event=event_a).count() == 4
