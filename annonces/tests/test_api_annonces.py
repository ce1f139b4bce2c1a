from datetime import timedelta

import pytest
from django.utils import timezone
from django.utils.dateparse import parse_datetime

from annonces.models import Annonce, AnnonceRead
from annonces.tests.factories import AnnonceFactory, AnnonceReadFactory
from conftest import assert_same_queries, error_codes
from events.models import Role
from events.tests.factories import AssignmentFactory

pytestmark = pytest.mark.django_db

ROLES = list(Role.values)
NOT_ORGANISATEUR = [r for r in ROLES if r != Role.ORGANISATEUR]


def attrs(response) -> list[tuple[str, str | None]]:
    return [(error["code"], error["attr"]) for error in response.json()["errors"]]


@pytest.fixture
def own_annonce(organisateur, event_a):
    return AnnonceFactory(event=event_a, created_by=organisateur[1], title="Atelier déplacé")


# --- role matrix: every endpoint, every role ------------------------------------------------------


@pytest.mark.parametrize("role", ROLES)
def test_every_endpoint_for_every_role(member, event_a, role):
    author_client, author = member(Role.ORGANISATEUR, event_a)
    annonce = AnnonceFactory(event=event_a, created_by=author, title="Pour tous")
    client, _ = member(role, event_a)
    organisateur = role == Role.ORGANISATEUR
    # Another organisateur of the event reads everything but changes only its own annonces.
    write = 403

    statuses = {
        "list": client.get("/api/annonces/").status_code,
        "retrieve": client.get(f"/api/annonces/{annonce.pk}/").status_code,
        "create": client.post("/api/annonces/", {"title": "Nouvelle"}).status_code,
        "update": client.patch(f"/api/annonces/{annonce.pk}/", {"title": "Changée"}).status_code,
        "delete": client.delete(f"/api/annonces/{annonce.pk}/").status_code,
        "read": client.post(f"/api/annonces/{annonce.pk}/read/").status_code,
        "read_all": client.post("/api/annonces/read_all/").status_code,
        "unread_count": client.get("/api/annonces/unread_count/").status_code,
    }

    assert statuses == {
        "list": 200,
        "retrieve": 200,
        "create": 201 if organisateur else 403,
        "update": write,
        "delete": write,
        "read": 200,
        "read_all": 200,
        "unread_count": 200,
    }
    refusal = client.patch(f"/api/annonces/{annonce.pk}/", {"title": "Changée"})
    # Organisateurs and room managers write annonces (a room manager to the staff only): not the author's.
    author_roles = (Role.ORGANISATEUR, Role.GESTIONNAIRE_DES_SALLES)
    assert error_codes(refusal) == ["not_owner" if role in author_roles else "insufficient_role"]
    if role == Role.GESTIONNAIRE_DES_SALLES:  # to everyone: not a room manager's audience
        assert error_codes(client.post("/api/annonces/", {"title": "Nouvelle"})) == ["target_not_allowed"]
    annonce.refresh_from_db()
    assert annonce.title == "Pour tous"
    assert Annonce.objects.filter(title="Nouvelle").count() == (1 if organisateur else 0)
    assert author_client.get("/api/annonces/").status_code == 200


@pytest.mark.parametrize(
    ("method", "path"),
    [
        ("get", "/api/annonces/"),
        ("post", "/api/annonces/"),
        ("get", "/api/annonces/{pk}/"),
        ("patch", "/api/annonces/{pk}/"),
        ("delete", "/api/annonces/{pk}/"),
        ("post", "/api/annonces/{pk}/read/"),
        ("post", "/api/annonces/read_all/"),
        ("get", "/api/annonces/unread_count/"),
    ],
)
def test_every_endpoint_needs_authentication_and_a_selected_event(api_client, client_for, user, event_a, method, path):
    annonce = AnnonceFactory(event=event_a)
    AssignmentFactory(user=user, event=event_a, role=Role.ORGANISATEUR)
    url = path.format(pk=annonce.pk)

    anonymous = getattr(api_client, method)(url)
    no_event = getattr(client_for(user), method)(url)

    assert anonymous.status_code == 401
    assert (no_event.status_code, error_codes(no_event)) == (403, ["event_not_selected"])


def test_a_deactivated_member_loses_the_annonces_at_once(member, event_a):
    AnnonceFactory(event=event_a)
    client, user = member(Role.PARTICIPANT, event_a)
    user.event_assignments.update(is_active=False)

    response = client.get("/api/annonces/")

    assert (response.status_code, error_codes(response)) == (403, ["event_access_revoked"])


# --- create ---------------------------------------------------------------------------------------


def test_organisateur_creates_an_annonce(organisateur, event_a):
    client, user = organisateur
    AssignmentFactory(event=event_a, role=Role.PARTICIPANT)

    response = client.post(
        "/api/annonces/",
        {
            "title": "  L'atelier de la salle B passe à 14h00 ",
            "content": "Atelier « IA générative » : même salle, nouvel horaire.",
            "target_roles": [Role.PARTICIPANT, Role.PARTICIPANT, Role.GESTIONNAIRE_DES_SALLES],
            "is_pinned": True,
        },
    )

    assert response.status_code == 201, response.content
    body = response.json()
    annonce = Annonce.objects.get(pk=body["id"])
    assert (body["title"], body["target_roles"], body["is_pinned"], body["state"]) == (
        "L'atelier de la salle B passe à 14h00",
        ["gestionnaire_des_salles", "participant"],
        True,
        "published",
    )
    assert (body["event"], body["created_by"], body["author_name"]) == (
        str(event_a.pk),
        user.pk,
        f"{user.first_name} {user.last_name}",
    )
    assert (body["is_read"], body["read_count"], body["target_count"]) == (True, 0, 1)
    assert parse_datetime(body["publish_at"]) == annonce.publish_at <= timezone.now()
    assert body["expires_at"] is None
    assert (annonce.created_by, annonce.target_roles) == (user, ["gestionnaire_des_salles", "participant"])
    assert list(annonce.reads.values_list("user", flat=True)) == [user.pk]


def test_an_annonce_with_a_future_publish_time_is_scheduled(organisateur, member, event_a):
    client, _ = organisateur
    participant, _ = member(Role.PARTICIPANT, event_a)
    publish_at = timezone.now() + timedelta(hours=2)

    response = client.post(
        "/api/annonces/",
        {"title": "Clôture", "publish_at": publish_at.isoformat(), "expires_at": (publish_at + timedelta(days=1))},
    )

    assert response.status_code == 201
    assert response.json()["state"] == "scheduled"
    assert participant.get("/api/annonces/").json()["results"] == []
    assert participant.get(f"/api/annonces/{response.json()['id']}/").status_code == 404


@pytest.mark.parametrize(
    ("payload", "expected"),
    [
        ({"title": "A", "target_roles": ["participant", "visiteur"]}, [("invalid_choice", "target_roles.1")]),
        ({"title": "A", "target_roles": "participant"}, [("not_a_list", "target_roles")]),
        ({"title": "A", "target_roles": None}, [("null", "target_roles")]),
        ({"title": ""}, [("blank", "title")]),
        ({"title": "   "}, [("blank", "title")]),
        ({"content": "Sans titre"}, [("required", "title")]),
        ({"title": "T" * 201}, [("max_length", "title")]),
        ({"title": "A", "content": "x" * 5001}, [("max_length", "content")]),
        ({"title": "A", "publish_at": "demain"}, [("invalid", "publish_at")]),
        ({"title": "A", "is_pinned": "peut-être"}, [("invalid", "is_pinned")]),
        ({"title": "A", "expires_at": "2000-01-01T10:00:00Z"}, [("expires_before_publish", None)]),
        (
            {"title": "A", "publish_at": "2030-01-02T10:00:00Z", "expires_at": "2030-01-01T10:00:00Z"},
            [("expires_before_publish", None)],
        ),
        (
            {"title": "A", "publish_at": "2030-01-02T10:00:00Z", "expires_at": "2030-01-02T10:00:00Z"},
            [("expires_before_publish", None)],
        ),
    ],
)
def test_bad_input_is_refused_with_codes_and_nothing_written(organisateur, payload, expected):
    client, _ = organisateur

    response = client.post("/api/annonces/", payload)

    assert response.status_code == 400
    assert attrs(response) == expected
    assert not Annonce.objects.exists()


def test_a_non_json_body_is_a_400_not_a_crash(organisateur):
    client, _ = organisateur

    response = client.post("/api/annonces/", "{pas du json", content_type="application/json")

    assert (response.status_code, error_codes(response)) == (400, ["parse_error"])


# --- update and delete ----------------------------------------------------------------------------


def test_the_author_edits_its_annonce(organisateur, own_annonce):
    client, _ = organisateur
    AnnonceReadFactory(annonce=own_annonce)
    before = own_annonce.updated_at

    response = client.patch(
        f"/api/annonces/{own_annonce.pk}/",
        {"title": "Atelier déplacé en salle C", "target_roles": [Role.EXPOSANT], "is_pinned": True},
    )

    assert response.status_code == 200, response.content
    own_annonce.refresh_from_db()
    assert (own_annonce.title, own_annonce.target_roles, own_annonce.is_pinned) == (
        "Atelier déplacé en salle C",
        ["exposant"],
        True,
    )
    assert own_annonce.updated_at > before
    assert parse_datetime(response.json()["updated_at"]) == own_annonce.updated_at
    assert own_annonce.reads.count() == 1  # read receipts survive an edit


def test_publishing_a_scheduled_annonce_now_with_null(organisateur, event_a):
    client, user = organisateur
    annonce = AnnonceFactory(event=event_a, created_by=user, publish_at=timezone.now() + timedelta(days=1))

    response = client.patch(f"/api/annonces/{annonce.pk}/", {"publish_at": None}, format="json")

    assert response.status_code == 200
    assert response.json()["state"] == "published"
    annonce.refresh_from_db()
    assert annonce.publish_at <= timezone.now()


def test_an_edit_is_checked_against_the_stored_values(organisateur, event_a):
    client, user = organisateur
    publish_at = timezone.now() + timedelta(days=1)
    annonce = AnnonceFactory(event=event_a, created_by=user, publish_at=publish_at)

    too_early = client.patch(f"/api/annonces/{annonce.pk}/", {"expires_at": publish_at - timedelta(hours=1)})
    blank = client.patch(f"/api/annonces/{annonce.pk}/", {"title": " "})

    assert (too_early.status_code, attrs(too_early)) == (400, [("expires_before_publish", None)])
    assert (blank.status_code, attrs(blank)) == (400, [("blank", "title")])
    annonce.refresh_from_db()
    assert annonce.expires_at is None
    assert annonce.title.startswith("Annonce")


def test_put_is_not_offered(organisateur, own_annonce):
    client, _ = organisateur

    response = client.put(f"/api/annonces/{own_annonce.pk}/", {"title": "Tout remplacer"})

    assert (response.status_code, error_codes(response)) == (405, ["method_not_allowed"])


def test_another_organisateur_reads_but_cannot_edit_or_delete(member, event_a, own_annonce):
    other, _ = member(Role.ORGANISATEUR, event_a)

    detail = other.get(f"/api/annonces/{own_annonce.pk}/")
    edit = other.patch(f"/api/annonces/{own_annonce.pk}/", {"title": "Pas à moi"})
    delete = other.delete(f"/api/annonces/{own_annonce.pk}/")

    assert detail.status_code == 200
    assert (edit.status_code, error_codes(edit)) == (403, ["not_owner"])
    assert (delete.status_code, error_codes(delete)) == (403, ["not_owner"])
    own_annonce.refresh_from_db()
    assert own_annonce.title == "Atelier déplacé"


def test_an_organisateur_of_another_event_gets_404(member, event_b, own_annonce):
    foreign, _ = member(Role.ORGANISATEUR, event_b)

    statuses = [
        foreign.get(f"/api/annonces/{own_annonce.pk}/").status_code,
        foreign.patch(f"/api/annonces/{own_annonce.pk}/", {"title": "Ailleurs"}).status_code,
        foreign.delete(f"/api/annonces/{own_annonce.pk}/").status_code,
        foreign.post(f"/api/annonces/{own_annonce.pk}/read/").status_code,
    ]

    assert statuses == [404, 404, 404, 404]
    assert Annonce.objects.filter(pk=own_annonce.pk, title="Atelier déplacé").exists()


def test_the_author_of_another_event_cannot_reach_its_annonce_from_this_event(client_for, event_a, event_b):
    """Authorship alone opens nothing: the annonce must be of the token's event."""
    author = AssignmentFactory(event=event_a, role=Role.ORGANISATEUR).user
    AssignmentFactory(user=author, event=event_b, role=Role.ORGANISATEUR)
    annonce = AnnonceFactory(event=event_a, created_by=author)

    response = client_for(author, event_b).patch(f"/api/annonces/{annonce.pk}/", {"title": "Depuis B"})

    assert response.status_code == 404


def test_the_author_deletes_its_annonce_and_its_receipts(organisateur, own_annonce):
    client, _ = organisateur
    AnnonceReadFactory(annonce=own_annonce)

    response = client.delete(f"/api/annonces/{own_annonce.pk}/")

    assert response.status_code == 204
    assert not Annonce.objects.exists()
    assert not AnnonceRead.objects.exists()


def test_an_unknown_id_is_a_404_in_the_error_format(organisateur):
    client, _ = organisateur

    response = client.get("/api/annonces/00000000-0000-0000-0000-000000000000/")
    not_uuid = client.get("/api/annonces/pas-un-uuid/")

    assert (response.status_code, error_codes(response)) == (404, ["not_found"])
    assert (not_uuid.status_code, error_codes(not_uuid)) == (404, ["not_found"])


# --- read receipts --------------------------------------------------------------------------------


@pytest.mark.parametrize("role", ROLES)
def test_marking_read_is_idempotent(member, event_a, role):
    first, second = AnnonceFactory(event=event_a), AnnonceFactory(event=event_a)
    client, user = member(role, event_a)

    once = client.post(f"/api/annonces/{first.pk}/read/")
    twice = client.post(f"/api/annonces/{first.pk}/read/")
    listed = {a["id"]: a["is_read"] for a in client.get("/api/annonces/").json()["results"]}

    assert once.status_code == twice.status_code == 200
    assert once.json() == twice.json()
    assert (once.json()["annonce"], once.json()["unread_count"]) == (str(first.pk), 1)
    receipt = AnnonceRead.objects.get()
    assert (receipt.annonce, receipt.user) == (first, user)
    assert parse_datetime(once.json()["read_at"]) == receipt.read_at
    assert listed == {str(first.pk): True, str(second.pk): False}


@pytest.mark.parametrize("role", NOT_ORGANISATEUR)
def test_a_member_cannot_mark_what_it_cannot_see(member, event_a, role):
    other_role = Role.PARTICIPANT if role != Role.PARTICIPANT else Role.EXPOSANT
    hidden = [
        AnnonceFactory(event=event_a, target_roles=[other_role]),
        AnnonceFactory(event=event_a, publish_at=timezone.now() + timedelta(hours=1)),
        AnnonceFactory(
            event=event_a,
            publish_at=timezone.now() - timedelta(hours=2),
            expires_at=timezone.now() - timedelta(hours=1),
        ),
    ]
    client, _ = member(role, event_a)

    statuses = [client.post(f"/api/annonces/{annonce.pk}/read/").status_code for annonce in hidden]

    assert statuses == [404, 404, 404]
    assert not AnnonceRead.objects.exists()


@pytest.mark.parametrize("role", ROLES)
def test_read_all_marks_the_visible_unread_ones_only(member, event_a, role):
    now = timezone.now()
    client, user = member(role, event_a)
    visible = [AnnonceFactory(event=event_a), AnnonceFactory(event=event_a, target_roles=[role])]
    already = AnnonceFactory(event=event_a)
    AnnonceReadFactory(annonce=already, user=user)
    scheduled = AnnonceFactory(event=event_a, publish_at=now + timedelta(hours=1))
    other_role = Role.PARTICIPANT if role != Role.PARTICIPANT else Role.EXPOSANT
    not_mine = AnnonceFactory(event=event_a, target_roles=[other_role])

    response = client.post("/api/annonces/read_all/")
    again = client.post("/api/annonces/read_all/")

    assert response.status_code == 200
    assert response.json() == {"marked": 2, "unread_count": 0}
    assert again.json() == {"marked": 0, "unread_count": 0}
    read_ids = set(AnnonceRead.objects.filter(user=user).values_list("annonce_id", flat=True))
    assert read_ids == {visible[0].pk, visible[1].pk, already.pk}
    assert scheduled.pk not in read_ids and not_mine.pk not in read_ids


@pytest.mark.parametrize("role", ROLES)
def test_unread_count(member, event_a, event_b, role):
    client, user = member(role, event_a)
    AnnonceFactory(event=event_a)
    AnnonceFactory(event=event_a, target_roles=[role])
    AnnonceReadFactory(annonce=AnnonceFactory(event=event_a), user=user)
    AnnonceFactory(event=event_b)

    response = client.get("/api/annonces/unread_count/")

    assert response.status_code == 200
    assert response.json() == {"unread_count": 2}


def test_reads_of_one_user_do_not_mark_it_read_for_another(member, event_a):
    annonce = AnnonceFactory(event=event_a)
    first, _ = member(Role.PARTICIPANT, event_a)
    second, _ = member(Role.PARTICIPANT, event_a)

    first.post(f"/api/annonces/{annonce.pk}/read/")

    assert second.get(f"/api/annonces/{annonce.pk}/").json()["is_read"] is False
    assert second.get("/api/annonces/unread_count/").json() == {"unread_count": 1}


# --- filters, search, ordering ---------------------------------------------------------------------


def test_pinned_filter(member, event_a):
    AnnonceFactory(event=event_a, title="épinglée", is_pinned=True)
    AnnonceFactory(event=event_a, title="normale")
    client, _ = member(Role.PARTICIPANT, event_a)

    pinned = client.get("/api/annonces/?pinned=true").json()["results"]
    unpinned = client.get("/api/annonces/?pinned=false").json()["results"]

    assert [a["title"] for a in pinned] == ["épinglée"]
    assert [a["title"] for a in unpinned] == ["normale"]


def test_since_returns_what_changed_or_appeared_after_the_previous_poll(member, event_a):
    now = timezone.now()
    client, _ = member(Role.PARTICIPANT, event_a)
    old = AnnonceFactory(event=event_a, title="ancienne", publish_at=now - timedelta(days=1))
    edited = AnnonceFactory(event=event_a, title="modifiée", publish_at=now - timedelta(days=1))
    became_public = AnnonceFactory(event=event_a, title="programmée, publiée depuis", publish_at=now)
    Annonce.objects.filter(pk__in=[old.pk, edited.pk, became_public.pk]).update(
        created_at=now - timedelta(days=2), updated_at=now - timedelta(days=2)
    )
    Annonce.objects.filter(pk=edited.pk).update(updated_at=now - timedelta(minutes=1))
    new = AnnonceFactory(event=event_a, title="nouvelle")
    previous_poll = (now - timedelta(minutes=10)).isoformat()

    response = client.get("/api/annonces/", {"since": previous_poll})

    assert response.status_code == 200
    assert {a["title"] for a in response.json()["results"]} == {edited.title, became_public.title, new.title}
    assert all("updated_at" in a for a in response.json()["results"])


def test_since_does_not_repeat_scheduled_annonces_to_organisateurs(organisateur, event_a):
    client, user = organisateur
    annonce = AnnonceFactory(event=event_a, created_by=user, publish_at=timezone.now() + timedelta(days=1))
    Annonce.objects.filter(pk=annonce.pk).update(updated_at=timezone.now() - timedelta(hours=1))

    response = client.get("/api/annonces/", {"since": (timezone.now() - timedelta(minutes=5)).isoformat()})

    assert response.json()["results"] == []


def test_a_bad_since_is_a_400(member, event_a):
    client, _ = member(Role.PARTICIPANT, event_a)

    response = client.get("/api/annonces/?since=hier")

    assert (response.status_code, attrs(response)) == (400, [("invalid", "since")])


def test_organisateurs_filter_by_state(organisateur, event_a):
    client, user = organisateur
    now = timezone.now()
    AnnonceFactory(event=event_a, title="programmée", publish_at=now + timedelta(hours=1))
    AnnonceFactory(event=event_a, title="publiée")
    AnnonceFactory(event=event_a, title="expirée", publish_at=now - timedelta(days=1), expires_at=now)

    titles = {
        state: [a["title"] for a in client.get(f"/api/annonces/?state={state}").json()["results"]]
        for state in ("scheduled", "published", "expired")
    }
    bad = client.get("/api/annonces/?state=archived")

    assert titles == {"scheduled": ["programmée"], "published": ["publiée"], "expired": ["expirée"]}
    assert (bad.status_code, attrs(bad)) == (400, [("invalid_choice", "state")])


def test_is_read_filter_and_search(member, event_a):
    client, user = member(Role.EXPOSANT, event_a)
    read = AnnonceFactory(event=event_a, title="Montage des stands", content="Hall 1")
    AnnonceReadFactory(annonce=read, user=user)
    AnnonceFactory(event=event_a, title="Démontage", content="Hall 2 à partir de 18h")

    unread = client.get("/api/annonces/?is_read=false").json()["results"]
    found = client.get("/api/annonces/?search=hall 2").json()["results"]

    assert [a["title"] for a in unread] == ["Démontage"]
    assert [a["title"] for a in found] == ["Démontage"]


def test_ordering_by_title(member, event_a):
    for title in ("Beta", "Alpha", "Gamma"):
        AnnonceFactory(event=event_a, title=title)
    client, _ = member(Role.PARTICIPANT, event_a)

    titles = [a["title"] for a in client.get("/api/annonces/?ordering=title").json()["results"]]

    assert titles == ["Alpha", "Beta", "Gamma"]


# --- statistics -----------------------------------------------------------------------------------


def test_organisateurs_see_how_many_targeted_members_read_each_annonce(organisateur, member, event_a, event_b):
    client, _ = organisateur
    participants = [AssignmentFactory(event=event_a, role=Role.PARTICIPANT).user for _ in range(3)]
    exposant = AssignmentFactory(event=event_a, role=Role.EXPOSANT).user
    gone = AssignmentFactory(event=event_a, role=Role.PARTICIPANT, is_active=False).user
    for_participants = AnnonceFactory(event=event_a, title="participants", target_roles=[Role.PARTICIPANT])
    for_everyone = AnnonceFactory(event=event_a, title="tous")
    for reader in [*participants[:2], exposant, gone]:
        AnnonceReadFactory(annonce=for_participants, user=reader)
    AnnonceReadFactory(annonce=for_everyone, user=exposant)
    AssignmentFactory(event=event_b, role=Role.PARTICIPANT)  # another event's members count nowhere

    listed = {a["title"]: (a["read_count"], a["target_count"]) for a in client.get("/api/annonces/").json()["results"]}
    detail = client.get(f"/api/annonces/{for_participants.pk}/").json()

    # participants: 3 active (the inactive one and the exposant don't count); everyone: 5 active members.
    assert listed == {"participants": (2, 3), "tous": (1, 5)}
    assert (detail["read_count"], detail["target_count"]) == (2, 3)


@pytest.mark.parametrize("role", NOT_ORGANISATEUR)
def test_others_get_no_statistics(member, event_a, role):
    AnnonceFactory(event=event_a)
    client, _ = member(role, event_a)

    annonce = client.get("/api/annonces/").json()["results"][0]

    assert (annonce["read_count"], annonce["target_count"]) == (None, None)


# --- query counts ---------------------------------------------------------------------------------


@pytest.mark.parametrize("role", [Role.ORGANISATEUR, Role.PARTICIPANT])
def test_the_list_costs_the_same_queries_for_1_and_50_annonces(member, event_a, role):
    client, user = member(role, event_a)
    AnnonceReadFactory(annonce=AnnonceFactory(event=event_a, target_roles=[role]), user=user)

    def add_rows():
        for index in range(49):
            annonce = AnnonceFactory(event=event_a, target_roles=[role] if index % 2 else [], is_pinned=index % 5 == 0)
            if index % 3 == 0:
                AnnonceReadFactory(annonce=annonce, user=user)
            AnnonceReadFactory(annonce=annonce, user=AssignmentFactory(event=event_a, role=role).user)

    one, many = assert_same_queries(lambda: client.get("/api/annonces/?page_size=100").json(), add_rows)

    assert one["count"] == 1
    results = many["results"]
    assert len(results) == 50
    assert {a["is_read"] for a in results} == {True, False}
    assert len({a["author_name"] for a in results}) == 50
