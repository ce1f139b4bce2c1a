"""The app's annonces replayed as its four screens do (contract §3.7, §4 rows 10 and 15): the aliases
``description``/``target``/``creator_name``, the feed complete on page 1, a room manager publishing to
the staff only, bad input in our format."""

import time
import uuid
from datetime import datetime

import pytest
from rest_framework.test import APIClient

from annonces.models import Annonce
from annonces.services import create_annonce
from annonces.tests.factories import AnnonceFactory
from conftest import assert_same_queries, error_codes
from events.models import Role

pytestmark = pytest.mark.django_db

APP_TARGETS = {"all", "participants", "exposants", "gestionnaire", "controller"}


def app_list(client):
    """GET /annonces/?_t=<epoch ms>: no event filter, page 1 only, 200 only."""
    response = client.get("/api/annonces/", {"_t": int(time.time() * 1000)})
    assert response.status_code == 200, response.content
    body = response.json()
    items = body["results"] if isinstance(body, dict) else body
    for item in items:
        assert_app_annonce(item)
    return items


def assert_app_annonce(item: dict) -> None:
    """AnnouncementModel.fromJson: id/event any→str, strings, created_by int, dates DateTime.parse."""
    assert isinstance(item["id"], str) and uuid.UUID(item["id"])
    assert isinstance(item["event"], str) and uuid.UUID(item["event"])
    assert isinstance(item["title"], str)
    assert isinstance(item["description"], str)
    assert isinstance(item["target"], str)
    assert item["created_by"] is None or type(item["created_by"]) is int
    assert item["creator_name"] is None or isinstance(item["creator_name"], str)
    for key in ("created_at", "updated_at"):
        assert datetime.fromisoformat(item[key]).utcoffset() is not None


def assert_app_error(response, status: int, codes: list[str]) -> None:
    assert response.status_code == status, response.content
    body = response.json()
    assert error_codes(response) == codes
    assert isinstance(body["message"], str) and body["message"] == body["detail"] == body["errors"][0]["detail"]


# --- the replay: a room manager's screen -----------------------------------------------------------------------


def test_room_manager_replay(member, event_a):
    manager, manager_user = member(Role.GESTIONNAIRE_DES_SALLES, event_a)
    controller, _ = member(Role.CONTROLLEUR_DES_BADGES, event_a)
    participant, _ = member(Role.PARTICIPANT, event_a)
    manager_user.first_name, manager_user.last_name = "Nadia", "Brahimi"
    manager_user.save()
    # 1. the list (empty)
    assert app_list(manager) == []
    # 2. create, as the app sends it
    created = manager.post(
        "/api/annonces/",
        {
            "event": str(event_a.pk),
            "title": "Salle B fermée",
            "description": "Travaux jusqu'à 14h.",
            "target": "controller",
        },
        format="json",
    )
    assert created.status_code in (200, 201), created.content
    item = created.json()
    assert_app_annonce(item)
    assert (item["title"], item["description"], item["target"]) == (
        "Salle B fermée",
        "Travaux jusqu'à 14h.",
        "controller",
    )
    assert (item["content"], item["target_roles"]) == ("Travaux jusqu'à 14h.", [Role.CONTROLLEUR_DES_BADGES])
    assert (item["creator_name"], item["created_by"], item["event"]) == (
        "Nadia Brahimi",
        manager_user.pk,
        str(event_a.pk),
    )
    # 3. the list shows it to its author and to the controllers, not to participants
    assert [a["title"] for a in app_list(manager)] == ["Salle B fermée"]
    assert [a["title"] for a in app_list(controller)] == ["Salle B fermée"]
    assert app_list(participant) == []
    # 4. edit: 200 only
    edited = manager.patch(
        f"/api/annonces/{item['id']}/",
        {"title": "Salle B rouverte", "description": "Fin des travaux.", "target": "gestionnaire"},
        format="json",
    )
    assert edited.status_code == 200
    assert (edited.json()["title"], edited.json()["description"], edited.json()["target"]) == (
        "Salle B rouverte",
        "Fin des travaux.",
        "gestionnaire",
    )
    assert app_list(controller) == []
    # 5. delete: 200 or 204
    assert manager.delete(f"/api/annonces/{item['id']}/").status_code in (200, 204)
    assert Annonce.objects.count() == 0


@pytest.mark.parametrize("target", ["all", "participants", "exposants"])
def test_room_manager_may_not_publish_beyond_the_staff(member, event_a, target):
    manager, _ = member(Role.GESTIONNAIRE_DES_SALLES, event_a)
    response = manager.post(
        "/api/annonces/", {"event": str(event_a.pk), "title": "Pour tous", "description": "x", "target": target}
    )
    assert_app_error(response, 403, ["target_not_allowed"])
    assert Annonce.objects.count() == 0


def test_room_manager_may_not_widen_its_annonce(member, event_a):
    manager, user = member(Role.GESTIONNAIRE_DES_SALLES, event_a)
    annonce = create_annonce(
        event=event_a, actor=user, title="Équipe", target_roles=[Role.GESTIONNAIRE_DES_SALLES], author_role=None
    )
    response = manager.patch(f"/api/annonces/{annonce.pk}/", {"target": "all"}, format="json")
    assert_app_error(response, 403, ["target_not_allowed"])
    annonce.refresh_from_db()
    assert annonce.target_roles == [Role.GESTIONNAIRE_DES_SALLES]


def test_room_manager_changes_only_its_own(member, organisateur, event_a):
    manager, _ = member(Role.GESTIONNAIRE_DES_SALLES, event_a)
    theirs = create_annonce(
        event=event_a, actor=organisateur.user, title="Organisation", target_roles=[Role.GESTIONNAIRE_DES_SALLES]
    )
    assert_app_error(manager.patch(f"/api/annonces/{theirs.pk}/", {"title": "x"}, format="json"), 403, ["not_owner"])
    assert_app_error(manager.delete(f"/api/annonces/{theirs.pk}/"), 403, ["not_owner"])


@pytest.mark.parametrize("role", [Role.PARTICIPANT, Role.EXPOSANT, Role.CONTROLLEUR_DES_BADGES])
def test_read_only_roles_cannot_create(member, event_a, role):
    client, _ = member(role, event_a)
    response = client.post(
        "/api/annonces/", {"event": str(event_a.pk), "title": "x", "description": "y", "target": "controller"}
    )
    assert_app_error(response, 403, ["insufficient_role"])


# --- every role's feed ------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("role", "expected"),
    [
        (Role.PARTICIPANT, ["Pour tous", "Participants"]),
        (Role.EXPOSANT, ["Pour tous", "Exposants"]),
        (Role.GESTIONNAIRE_DES_SALLES, ["Pour tous", "Gestionnaires"]),
        (Role.CONTROLLEUR_DES_BADGES, ["Pour tous", "Contrôleurs"]),
    ],
)
def test_each_screen_gets_its_audience_with_the_apps_target(member, organisateur, event_a, event_b, role, expected):
    for title, target in [
        ("Contrôleurs", "controller"),
        ("Gestionnaires", "gestionnaire"),
        ("Exposants", "exposants"),
        ("Participants", "participants"),
        ("Pour tous", "all"),
    ]:
        response = organisateur.client.post(
            "/api/annonces/", {"event": str(event_a.pk), "title": title, "description": "…", "target": target}
        )
        assert response.status_code == 201, response.content
    AnnonceFactory(event=event_b, title="Autre salon")
    client, _ = member(role, event_a)
    items = app_list(client)
    assert [a["title"] for a in items] == expected
    assert {a["target"] for a in items} <= APP_TARGETS
    assert [a["target"] for a in items][0] == "all"


def test_labels_the_app_uses_are_understood_when_written(organisateur):
    for written, stored in [
        ("controlleurs", [Role.CONTROLLEUR_DES_BADGES]),
        ("gestionnaires", [Role.GESTIONNAIRE_DES_SALLES]),
        ("ALL", []),
        ("exposant", [Role.EXPOSANT]),
    ]:
        response = organisateur.client.post("/api/annonces/", {"title": written, "target": written})
        assert response.status_code == 201, response.content
        assert response.json()["target_roles"] == stored


def test_several_target_roles_read_as_a_list_of_app_names(organisateur):
    response = organisateur.client.post(
        "/api/annonces/",
        {"title": "Staff", "target_roles": [Role.GESTIONNAIRE_DES_SALLES, Role.CONTROLLEUR_DES_BADGES]},
    )
    assert response.json()["target"] == "gestionnaire,controller"


def test_our_documented_fields_keep_working(organisateur):
    response = organisateur.client.post(
        "/api/annonces/", {"title": "Ours", "content": "Corps", "target_roles": [Role.PARTICIPANT]}, format="json"
    )
    assert response.status_code == 201
    body = response.json()
    assert (body["content"], body["description"], body["target_roles"], body["target"]) == (
        "Corps",
        "Corps",
        [Role.PARTICIPANT],
        "participants",
    )
    assert body["author_name"] == body["creator_name"]


def test_the_feed_is_complete_on_page_one(member, event_a):
    for n in range(60):
        AnnonceFactory(event=event_a, title=f"Annonce {n:02}")
    client, _ = member(Role.PARTICIPANT, event_a)
    assert len(app_list(client)) == 60
    capped = client.get("/api/annonces/", {"page_size": 1000}).json()
    assert len(capped["results"]) == 60 and capped["next"] is None


def test_feed_query_count_does_not_grow(member, event_a):
    AnnonceFactory(event=event_a)
    client, _ = member(Role.EXPOSANT, event_a)
    first, second = assert_same_queries(
        lambda: client.get("/api/annonces/", {"_t": 1}),
        lambda: [AnnonceFactory(event=event_a) for _ in range(3)],
    )
    assert (len(first.json()["results"]), len(second.json()["results"])) == (1, 4)


# --- bad input --------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("body", "status", "code", "attr"),
    [
        ({"title": "x", "target": "everyone"}, 400, "invalid_choice", "target"),
        ({"title": "x", "target": 3}, 400, "invalid_choice", "target"),
        ({"title": "x", "target": None}, 400, "null", "target"),
        ({"title": "x", "description": "d" * 5001}, 400, "max_length", "description"),
        ({"title": "x", "description": None}, 400, "null", "description"),
        ({"description": "sans titre", "target": "all"}, 400, "required", "title"),
        ({"title": "", "target": "all"}, 400, "blank", "title"),
        ({"title": "x", "event": str(uuid.uuid4())}, 400, "wrong_event", "event"),
        ({"title": "x", "event": "not-a-uuid"}, 400, "wrong_event", "event"),
    ],
)
def test_bad_input_is_a_4xx_in_our_format(organisateur, body, status, code, attr):
    response = organisateur.client.post("/api/annonces/", body, format="json")
    assert response.status_code == status, response.content
    assert (code, attr) in [(e["code"], e["attr"]) for e in response.json()["errors"]]
    assert isinstance(response.json()["message"], str)
    assert Annonce.objects.count() == 0


def test_another_events_annonce_is_a_404(member, event_a, event_b):
    theirs = AnnonceFactory(event=event_b, target_roles=[Role.GESTIONNAIRE_DES_SALLES])
    manager, _ = member(Role.GESTIONNAIRE_DES_SALLES, event_a)
    for response in (
        manager.patch(f"/api/annonces/{theirs.pk}/", {"title": "x"}, format="json"),
        manager.delete(f"/api/annonces/{theirs.pk}/"),
    ):
        assert_app_error(response, 404, ["not_found"])


def test_anonymous_is_refused():
    assert APIClient().get("/api/annonces/", {"_t": 1}).status_code == 401
