import base64
import io
from decimal import Decimal
from types import SimpleNamespace

import pytest
from django.db import connection
from django.urls import reverse
from django.utils import timezone
from PIL import Image
from pypdf import PdfReader

import events.admin_participants  # noqa: F401  (registers the admin until events/admin.py imports it)
from accounts.models import User
from accounts.tests.factories import UserFactory
from conftest import assert_same_queries, error_codes, outcomes_of
from events import badges
from events.models import Event, EventBadgeKey, Participant, Role, SessionAccess, UserEventAssignment
from events.serializers.participants import ParticipantSerializer
from events.services.participants import add_participant
from events.tests.factories import AssignmentFactory, badge_holder
from events.tests.factories_participants import ParticipantFactory
from events.tests.factories_programme import RoomFactory, SessionFactory

pytestmark = pytest.mark.django_db

ROLES = list(Role.values)
NOT_ORGANISATEUR = [r for r in ROLES if r != Role.ORGANISATEUR]
STAFF = [Role.ORGANISATEUR, Role.GESTIONNAIRE_DES_SALLES, Role.CONTROLLEUR_DES_BADGES]
BADGE_ROLES = [Role.PARTICIPANT, Role.EXPOSANT]


def counters(event) -> tuple[int, int]:
    event = Event.objects.get(pk=event.pk)
    return event.total_participants, event.total_exhibitors


def shape(errors_response) -> list[tuple]:
    return [(e["attr"], e["code"]) for e in errors_response.json()["errors"]]


# --- role matrix ---------------------------------------------------------------------------

ORGANISER_ENDPOINTS = [
    ("get", "/api/participants/"),
    ("post", "/api/participants/"),
    ("get", "/api/participants/{id}/"),
    ("patch", "/api/participants/{id}/"),
    ("delete", "/api/participants/{id}/"),
    ("get", "/api/participants/{id}/badge/png/"),
    ("post", "/api/qr/generate/"),
]


@pytest.mark.parametrize("role", NOT_ORGANISATEUR)
@pytest.mark.parametrize(("method", "path"), ORGANISER_ENDPOINTS)
def test_organiser_endpoints_refuse_other_roles(member, event_a, role, method, path):
    client, _ = member(role, event_a)
    target = badge_holder(event_a)
    payload = {"email": "x@example.dz", "participant_id": target.pk, "access_all_rooms": False}

    response = getattr(client, method)(path.format(id=target.pk), payload)

    assert response.status_code == 403
    assert error_codes(response) == ["insufficient_role"]
    target.refresh_from_db()
    assert (target.badge_version, target.access_all_rooms) == (1, True)
    assert Participant.objects.filter(event=event_a).count() == 1


@pytest.mark.parametrize(("method", "path"), ORGANISER_ENDPOINTS)
def test_organiser_endpoints_need_a_selected_event(client_for, event_a, method, path):
    user = AssignmentFactory(event=event_a, role=Role.ORGANISATEUR).user

    response = getattr(client_for(user), method)(path.format(id=1), {})

    assert response.status_code == 403
    assert error_codes(response) == ["event_not_selected"]


@pytest.mark.parametrize(
    "path", ["/api/participants/", "/api/participants/me/", "/api/qr/generate/", "/api/participants/me/badge/png/"]
)
def test_anonymous_is_401(api_client, path):
    # qr/generate/ is POST only: a GET there is 405 for everyone (README "API conventions").
    call = api_client.post if path == "/api/qr/generate/" else api_client.get
    assert call(path).status_code == 401


@pytest.mark.parametrize(
    ("method", "path"),
    [
        ("get", "/api/participants/{id}/"),
        ("patch", "/api/participants/{id}/"),
        ("delete", "/api/participants/{id}/"),
        ("get", "/api/participants/{id}/badge/png/"),
    ],
)
def test_another_events_participant_is_404(organisateur, event_b, method, path):
    foreign = badge_holder(event_b)

    response = getattr(organisateur.client, method)(path.format(id=foreign.pk), {"access_all_rooms": False})

    assert response.status_code == 404
    assert error_codes(response) == ["not_found"]
    foreign.refresh_from_db()
    assert foreign.access_all_rooms is True


def test_qr_generate_another_events_participant_is_404(organisateur, event_b):
    foreign = badge_holder(event_b)

    response = organisateur.client.post("/api/qr/generate/", {"participant_id": foreign.pk})

    assert response.status_code == 404
    assert error_codes(response) == ["not_found"]
    foreign.refresh_from_db()
    assert foreign.badge_version == 1


def test_deactivated_organiser_loses_access(organisateur, event_a):
    UserEventAssignment.objects.filter(user=organisateur.user, event=event_a).update(is_active=False)

    response = organisateur.client.get("/api/participants/")

    assert response.status_code == 403
    assert error_codes(response) == ["event_access_revoked"]


# --- list ----------------------------------------------------------------------------------


def test_list_shows_only_the_current_events_badges(organisateur, event_a, event_b):
    room = RoomFactory(event=event_a, name="Salle A")
    amina = badge_holder(
        event_a, first_name="Amina", last_name="Zeroual", email="amina@example.dz", phone="+213555111111"
    )
    amina.allowed_rooms.set([room])
    karim = badge_holder(event_a, kind="exposant", first_name="Karim", last_name="Belkacem", email="karim@example.dz")
    badge_holder(event_b, email="other@example.dz")

    response = organisateur.client.get("/api/participants/")

    assert response.status_code == 200
    body = response.json()
    assert body["count"] == 2
    assert [p["user"]["email"] for p in body["results"]] == ["karim@example.dz", "amina@example.dz"]
    assert body["results"][1] == {
        "id": amina.pk,
        "user": {
            "id": amina.user.pk,
            "email": "amina@example.dz",
            "full_name": "Amina Zeroual",
            "phone": "+213555111111",
        },
        "accepted": True,
        "event": str(event_a.pk),
        "kind": "participant",
        "badge_id": amina.badge_id,
        "badge_version": 1,
        "is_checked_in": False,
        "checked_in_at": None,
        "access_all_rooms": True,
        "allowed_rooms": [str(room.pk)],
        "qr_code_data": amina.qr_code_data,
        "created_at": body["results"][1]["created_at"],
        "updated_at": body["results"][1]["updated_at"],
    }
    assert body["results"][0]["kind"] == "exposant"
    assert body["results"][0]["id"] == karim.pk
    assert "other@example.dz" not in response.content.decode()


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ("kind=exposant", ["karim@example.dz"]),
        ("kind=participant", ["amina@example.dz", "sofiane@example.dz"]),
        ("is_checked_in=true", ["sofiane@example.dz"]),
        ("access_all_rooms=false", ["amina@example.dz"]),
        ("search=zerou", ["amina@example.dz"]),
        ("search=KARIM@example", ["karim@example.dz"]),
        ("search=ABCDEFGH", ["sofiane@example.dz"]),
        ("ordering=-user__email", ["sofiane@example.dz", "karim@example.dz", "amina@example.dz"]),
        ("ordering=badge_id", ["sofiane@example.dz", "karim@example.dz", "amina@example.dz"]),
    ],
)
def test_list_filters_search_and_ordering(organisateur, event_a, query, expected):
    amina = badge_holder(event_a, first_name="Amina", last_name="Zeroual", email="amina@example.dz")
    Participant.objects.filter(pk=amina.pk).update(access_all_rooms=False, badge_id="ZZZZZZZZ")
    karim = badge_holder(event_a, kind="exposant", first_name="Karim", last_name="Belkacem", email="karim@example.dz")
    Participant.objects.filter(pk=karim.pk).update(badge_id="MMMMMMMM")
    sofiane = badge_holder(event_a, first_name="Sofiane", last_name="Aouadi", email="sofiane@example.dz")
    Participant.objects.filter(pk=sofiane.pk).update(is_checked_in=True, badge_id="ABCDEFGH")

    default_order = "" if "ordering" in query else "&ordering=user__email"
    response = organisateur.client.get(f"/api/participants/?{query}{default_order}")

    assert response.status_code == 200
    assert [p["user"]["email"] for p in response.json()["results"]] == expected


@pytest.mark.parametrize(
    ("query", "errors"),
    [
        ("kind=chef", [("kind", "invalid_choice")]),
        ("is_checked_in=maybe", [("is_checked_in", "invalid")]),
        ("page=99", [(None, "not_found")]),
    ],
)
def test_list_bad_query_is_4xx(organisateur, event_a, query, errors):
    badge_holder(event_a)

    response = organisateur.client.get(f"/api/participants/?{query}")

    assert response.status_code in (400, 404)
    assert shape(response) == errors


def test_list_query_count_is_the_same_for_1_and_50_rows(organisateur, event_a):
    rooms = [RoomFactory(event=event_a) for _ in range(3)]

    def make(n):
        for _ in range(n):
            participant = ParticipantFactory(event=event_a, signed=True)
            participant.allowed_rooms.set(rooms)

    make(1)
    few, many = assert_same_queries(
        lambda: organisateur.client.get("/api/participants/?page_size=100"), lambda: make(49)
    )

    assert (few.status_code, many.status_code) == (200, 200)
    assert few.json()["count"] == 1
    assert many.json()["count"] == 50


# --- create --------------------------------------------------------------------------------


def test_create_by_email_makes_an_account_a_role_and_a_signed_badge(organisateur, event_a):
    room = RoomFactory(event=event_a)

    response = organisateur.client.post(
        "/api/participants/",
        {
            "email": "Nadia@Example.dz",
            "first_name": " Nadia ",
            "last_name": "Khelifi",
            "access_all_rooms": False,
            "allowed_rooms": [str(room.pk)],
        },
    )

    assert response.status_code == 201
    body = response.json()
    user = User.objects.get(email="nadia@example.dz")
    assert (user.first_name, user.last_name, user.has_usable_password()) == ("Nadia", "Khelifi", False)
    assert body["user"] == {"id": user.pk, "email": "nadia@example.dz", "full_name": "Nadia Khelifi", "phone": ""}
    assert (body["kind"], body["badge_version"], body["access_all_rooms"], body["allowed_rooms"]) == (
        "participant",
        1,
        False,
        [str(room.pk)],
    )
    participant = Participant.objects.get(pk=body["id"])
    assert body["qr_code_data"] == participant.qr_code_data
    assert badges.verify_badge(body["qr_code_data"], event=event_a).participant.pk == participant.pk
    assignment = UserEventAssignment.objects.get(user=user, event=event_a)
    assert (assignment.role, assignment.is_active, assignment.assigned_by) == (
        Role.PARTICIPANT,
        True,
        organisateur.user,
    )
    assert counters(event_a) == (1, 0)


def test_create_by_email_of_an_existing_account_keeps_its_name(organisateur, event_a):
    existing = UserFactory(email="samir@example.dz", first_name="Samir", last_name="Haddad")

    response = organisateur.client.post(
        "/api/participants/", {"email": "SAMIR@example.dz", "first_name": "X", "last_name": "Y", "kind": "exposant"}
    )

    assert response.status_code == 201
    assert response.json()["user"]["id"] == existing.pk
    existing.refresh_from_db()
    assert (existing.first_name, existing.last_name, existing.has_usable_password()) == ("Samir", "Haddad", True)
    assert UserEventAssignment.objects.get(user=existing, event=event_a).role == Role.EXPOSANT
    assert counters(event_a) == (0, 1)


def test_create_from_a_member_by_user_id(organisateur, event_a):
    exposant = AssignmentFactory(event=event_a, role=Role.EXPOSANT).user

    response = organisateur.client.post("/api/participants/", {"user_id": exposant.pk, "kind": "exposant"})

    assert response.status_code == 201
    assert (response.json()["user"]["id"], response.json()["kind"]) == (exposant.pk, "exposant")
    assert UserEventAssignment.objects.filter(user=exposant, event=event_a).count() == 1


def test_create_reactivates_an_inactive_role(organisateur, event_a):
    former = AssignmentFactory(event=event_a, role=Role.PARTICIPANT, is_active=False)

    response = organisateur.client.post("/api/participants/", {"user_id": former.user.pk})

    assert response.status_code == 201
    former.refresh_from_db()
    assert (former.role, former.is_active) == (Role.PARTICIPANT, True)


def test_create_as_exposant_moves_a_participant_role(organisateur, event_a):
    assignment = AssignmentFactory(event=event_a, role=Role.PARTICIPANT)

    response = organisateur.client.post("/api/participants/", {"user_id": assignment.user.pk, "kind": "exposant"})

    assert response.status_code == 201
    assignment.refresh_from_db()
    assert (assignment.role, assignment.is_active) == (Role.EXPOSANT, True)


@pytest.mark.parametrize("role", STAFF)
def test_create_for_staff_is_a_role_conflict(organisateur, event_a, role):
    staff = AssignmentFactory(event=event_a, role=role).user

    response = organisateur.client.post("/api/participants/", {"email": staff.email})

    assert response.status_code == 400
    assert error_codes(response) == ["role_conflict"]
    assert not Participant.objects.exists()
    assert UserEventAssignment.objects.get(user=staff, event=event_a).role == role


def test_create_twice_is_already_participant(organisateur, event_a):
    existing = badge_holder(event_a, email="amina@example.dz")

    response = organisateur.client.post("/api/participants/", {"email": "amina@example.dz", "kind": "exposant"})

    assert response.status_code == 400
    assert error_codes(response) == ["already_participant"]
    assert Participant.objects.get(event=event_a).pk == existing.pk
    assert counters(event_a) == (1, 0)


def test_create_user_of_another_event_by_id_is_refused(organisateur, event_b):
    stranger = AssignmentFactory(event=event_b).user

    response = organisateur.client.post("/api/participants/", {"user_id": stranger.pk})

    assert response.status_code == 400
    assert shape(response) == [("user_id", "does_not_exist")]


@pytest.mark.parametrize(
    ("payload", "errors"),
    [
        ({}, [("non_field_errors", "user_or_email_required")]),
        ({"email": "a@example.dz", "user_id": "<me>"}, [("non_field_errors", "user_or_email_required")]),
        ({"email": "not-an-email"}, [("email", "invalid")]),
        ({"email": "a@example.dz", "kind": "chef"}, [("kind", "invalid_choice")]),
        ({"email": "a@example.dz", "access_all_rooms": "maybe"}, [("access_all_rooms", "invalid")]),
        ({"email": "a@example.dz", "allowed_rooms": ["nope"]}, [("allowed_rooms.0", "invalid")]),
        ({"email": "a@example.dz", "allowed_rooms": "nope"}, [("allowed_rooms", "not_a_list")]),
        ({"user_id": "abc"}, [("user_id", "incorrect_type")]),
        ({"email": "a@example.dz", "first_name": "x" * 151}, [("first_name", "max_length")]),
    ],
)
def test_create_bad_input(organisateur, payload, errors):
    if payload.get("user_id") == "<me>":  # a valid member id, given together with an email
        payload = {**payload, "user_id": organisateur.user.pk}

    response = organisateur.client.post("/api/participants/", payload)

    assert response.status_code == 400
    assert shape(response) == errors
    assert not Participant.objects.exists()


def test_create_with_another_events_room_is_refused(organisateur, event_b):
    foreign_room = RoomFactory(event=event_b)

    response = organisateur.client.post(
        "/api/participants/", {"email": "a@example.dz", "allowed_rooms": [str(foreign_room.pk)]}
    )

    assert response.status_code == 400
    assert error_codes(response) == ["room_not_in_event"]
    assert not Participant.objects.exists()
    assert not User.objects.filter(email="a@example.dz").exists()


def test_create_rejects_malformed_json(organisateur):
    response = organisateur.client.generic("POST", "/api/participants/", "{nope", content_type="application/json")

    assert response.status_code == 400
    assert error_codes(response) == ["parse_error"]


# --- retrieve, update, delete ----------------------------------------------------------------


def test_retrieve(organisateur, event_a):
    participant = badge_holder(event_a, email="amina@example.dz")

    response = organisateur.client.get(f"/api/participants/{participant.pk}/")

    assert response.status_code == 200
    assert (response.json()["id"], response.json()["badge_id"]) == (participant.pk, participant.badge_id)


@pytest.mark.parametrize(
    "path", ["/api/participants/abc/", "/api/participants/999999/", "/api/participants/99999999999999999999/"]
)
def test_unknown_participant_is_404(organisateur, path):
    response = organisateur.client.get(path)

    assert response.status_code == 404
    assert error_codes(response) == ["not_found"]


def test_patch_kind_moves_role_and_counters(organisateur, event_a):
    participant = badge_holder(event_a)
    assert counters(event_a) == (1, 0)

    response = organisateur.client.patch(f"/api/participants/{participant.pk}/", {"kind": "exposant"})

    assert response.status_code == 200
    assert response.json()["kind"] == "exposant"
    assert counters(event_a) == (0, 1)
    assert UserEventAssignment.objects.get(user=participant.user, event=event_a).role == Role.EXPOSANT


def test_patch_room_access(organisateur, event_a):
    client = organisateur.client
    first, second = RoomFactory(event=event_a, name="A"), RoomFactory(event=event_a, name="B")
    participant = badge_holder(event_a)

    response = client.patch(
        f"/api/participants/{participant.pk}/",
        {"access_all_rooms": False, "allowed_rooms": [str(second.pk), str(first.pk)]},
    )
    emptied = client.patch(f"/api/participants/{participant.pk}/", {"allowed_rooms": []})

    assert response.status_code == 200
    assert (response.json()["access_all_rooms"], response.json()["allowed_rooms"]) == (
        False,
        [str(first.pk), str(second.pk)],
    )
    assert (emptied.status_code, emptied.json()["allowed_rooms"]) == (200, [])
    participant.refresh_from_db()
    assert participant.may_enter(first) is False  # no rooms listed and not all rooms: no door opens


@pytest.mark.parametrize(
    ("payload", "errors"),
    [
        ({"is_checked_in": True}, [("is_checked_in", "read_only")]),
        ({"checked_in_at": "2025-06-01T10:00:00Z"}, [("checked_in_at", "read_only")]),
        ({"kind": "organisateur"}, [("kind", "invalid_choice")]),
        ({"allowed_rooms": ["nope"]}, [("allowed_rooms.0", "invalid")]),
        ({"access_all_rooms": None}, [("access_all_rooms", "null")]),
    ],
)
def test_patch_bad_input(organisateur, event_a, payload, errors):
    participant = badge_holder(event_a)

    response = organisateur.client.patch(f"/api/participants/{participant.pk}/", payload, format="json")

    assert response.status_code == 400
    assert shape(response) == errors
    participant.refresh_from_db()
    assert (participant.is_checked_in, participant.kind) == (False, "participant")


def test_patch_with_another_events_room_is_refused(organisateur, event_a, event_b):
    participant = badge_holder(event_a)
    own, foreign = RoomFactory(event=event_a), RoomFactory(event=event_b)

    response = organisateur.client.patch(
        f"/api/participants/{participant.pk}/", {"allowed_rooms": [str(own.pk), str(foreign.pk)]}
    )

    assert response.status_code == 400
    assert error_codes(response) == ["room_not_in_event"]
    assert list(participant.allowed_rooms.all()) == []


def test_put_is_not_allowed(organisateur, event_a):
    participant = badge_holder(event_a)

    response = organisateur.client.put(f"/api/participants/{participant.pk}/", {"kind": "exposant"})

    assert response.status_code == 405
    assert error_codes(response) == ["method_not_allowed"]


def test_delete_removes_badge_and_deactivates_role(organisateur, event_a):
    client = organisateur.client
    participant = badge_holder(event_a, kind="exposant")

    response = client.delete(f"/api/participants/{participant.pk}/")

    assert response.status_code == 204
    assert not Participant.objects.filter(pk=participant.pk).exists()
    assignment = UserEventAssignment.objects.get(user=participant.user, event=event_a)
    assert (assignment.role, assignment.is_active) == (Role.EXPOSANT, False)
    assert counters(event_a) == (0, 0)
    # Added again later: the same role comes back.
    again = client.post("/api/participants/", {"user_id": participant.user.pk, "kind": "exposant"})
    assert again.status_code == 201
    assignment.refresh_from_db()
    assert assignment.is_active is True


def test_delete_refused_while_ateliers_are_paid(organisateur, event_a):
    participant = badge_holder(event_a)
    atelier = SessionFactory(room=RoomFactory(event=event_a), session_type="atelier", is_paid=True, price=1500)
    SessionAccess.objects.create(
        participant=participant,
        session=atelier,
        status=SessionAccess.Status.PAID,
        amount=Decimal("1500"),
        paid_at=timezone.now(),
        recorded_by=organisateur.user,
    )

    response = organisateur.client.delete(f"/api/participants/{participant.pk}/")

    assert response.status_code == 409
    assert error_codes(response) == ["participant_has_payments"]
    assert Participant.objects.filter(pk=participant.pk).exists()
    assert UserEventAssignment.objects.get(user=participant.user, event=event_a).is_active is True


# --- the holder's own badge --------------------------------------------------------------------


@pytest.mark.parametrize("role", BADGE_ROLES)
def test_me_returns_own_badge_record(client_for, event_a, event_b, role):
    participant = badge_holder(event_a, kind=role, first_name="Amina", last_name="Zeroual")
    badge_holder(event_b, email="other@example.dz")

    response = client_for(participant.user, event_a).get("/api/participants/me/")

    assert response.status_code == 200
    body = response.json()
    assert (body["id"], body["kind"], body["qr_code_data"]) == (participant.pk, role, participant.qr_code_data)
    assert body["user"]["full_name"] == "Amina Zeroual"


@pytest.mark.parametrize("role", ROLES)
@pytest.mark.parametrize("path", ["me/", "me/badge/", "me/badge/png/"])
def test_me_without_a_badge_is_403_no_badge(member, event_a, role, path):
    # no_badge has one status (makeplus.errors): 403, as when registering for an atelier or asking a question.
    client, _ = member(role, event_a)

    response = client.get(f"/api/participants/{path}")

    assert response.status_code == 403
    assert error_codes(response) == ["no_badge"]
    assert response["Content-Type"] == "application/json"


def test_me_is_the_badge_of_the_tokens_event(client_for, event_a, event_b):
    user = UserFactory()
    add_participant(event=event_b, actor=None, user=user)
    AssignmentFactory(user=user, event=event_a, role=Role.PARTICIPANT)

    response = client_for(user, event_a).get("/api/participants/me/")

    assert response.status_code == 403
    assert error_codes(response) == ["no_badge"]


def test_me_needs_a_selected_event(client_for, event_a):
    participant = badge_holder(event_a)

    response = client_for(participant.user).get("/api/participants/me/")

    assert response.status_code == 403
    assert error_codes(response) == ["event_not_selected"]


@pytest.mark.parametrize("role", BADGE_ROLES)
def test_me_badge_json(client_for, event_a, role):
    participant = badge_holder(event_a, kind=role, first_name="Karim", last_name="Belkacem")

    response = client_for(participant.user, event_a).get("/api/participants/me/badge/")

    assert response.status_code == 200
    assert response.json() == {
        "participant_id": participant.pk,
        "badge_id": participant.badge_id,
        "badge_version": 1,
        "qr_code_data": participant.qr_code_data,
        "kind": role,
        "full_name": "Karim Belkacem",
        "holder_name": "Karim Belkacem",
        "event_id": str(event_a.pk),
        "event_name": "TechSummit Algeria",
    }


def test_me_badge_signs_a_badge_never_issued(client_for, event_a):
    AssignmentFactory(event=event_a, role=Role.PARTICIPANT, user=(user := UserFactory()))
    participant = ParticipantFactory(event=event_a, user=user)  # made by a bulk path: no signature yet
    assert participant.qr_code_data == ""

    response = client_for(user, event_a).get("/api/participants/me/badge/")

    assert response.status_code == 200
    assert badges.verify_badge(response.json()["qr_code_data"], event=event_a).participant.pk == participant.pk
    participant.refresh_from_db()
    assert (participant.qr_code_data, participant.badge_version) == (response.json()["qr_code_data"], 1)


@pytest.mark.parametrize("accept", [None, "image/png", "application/json"])
def test_me_badge_png(client_for, event_a, accept):
    participant = badge_holder(event_a)
    headers = {"HTTP_ACCEPT": accept} if accept else {}

    response = client_for(participant.user, event_a).get("/api/participants/me/badge/png/", **headers)

    assert response.status_code == 200
    assert response["Content-Type"] == "image/png"
    assert response["Cache-Control"] == "private, no-store"
    assert response["Content-Disposition"] == f'inline; filename="badge-{participant.badge_id}.png"'
    image = Image.open(io.BytesIO(response.content))
    assert (image.format, image.size) == ("PNG", (490, 490))
    assert response.content == badges.qr_png(participant.qr_code_data)


def test_organiser_gets_any_participants_png(organisateur, event_a):
    participant = badge_holder(event_a)

    response = organisateur.client.get(f"/api/participants/{participant.pk}/badge/png/", HTTP_ACCEPT="image/png")

    assert response.status_code == 200
    assert Image.open(io.BytesIO(response.content)).size == (490, 490)
    assert response.content == badges.qr_png(participant.qr_code_data)


def test_png_errors_stay_json_when_png_is_asked(organisateur):
    response = organisateur.client.get("/api/participants/999999/badge/png/", HTTP_ACCEPT="image/png")

    assert response.status_code == 404
    assert response["Content-Type"] == "application/json"
    assert error_codes(response) == ["not_found"]


def test_qr_code_data_only_for_organisers_and_the_holder(event_a):
    participant = badge_holder(event_a)
    staff = AssignmentFactory(event=event_a, role=Role.GESTIONNAIRE_DES_SALLES)
    organiser = AssignmentFactory(event=event_a, role=Role.ORGANISATEUR)

    def seen_by(assignment, user):
        request = SimpleNamespace(user=user, event_assignment=assignment)
        return ParticipantSerializer(participant, context={"request": request}).data

    assert seen_by(staff, staff.user)["qr_code_data"] is None
    assert ParticipantSerializer(participant).data["qr_code_data"] is None
    assert seen_by(organiser, organiser.user)["qr_code_data"] == participant.qr_code_data
    assert seen_by(None, participant.user)["qr_code_data"] == participant.qr_code_data


# --- /api/qr/generate/ -------------------------------------------------------------------------


def test_qr_generate_reissues(organisateur, event_a):
    participant = badge_holder(event_a, first_name="Amina", last_name="Zeroual")
    old_code = participant.qr_code_data

    response = organisateur.client.post("/api/qr/generate/", {"participant_id": participant.pk})

    assert response.status_code == 200
    participant.refresh_from_db()
    assert response.json() == {
        "participant_id": participant.pk,
        "badge_id": participant.badge_id,
        "badge_version": 2,
        "qr_code_data": participant.qr_code_data,
        "kind": "participant",
        "full_name": "Amina Zeroual",
        "holder_name": "Amina Zeroual",
        "event_id": str(event_a.pk),
        "event_name": "TechSummit Algeria",
    }
    assert badges.verify_badge(old_code, event=event_a).reason == "revoked"
    assert badges.verify_badge(participant.qr_code_data, event=event_a).ok


def test_qr_generate_issues_a_never_signed_badge_without_bumping(organisateur, event_a):
    participant = ParticipantFactory(event=event_a)

    response = organisateur.client.post("/api/qr/generate/", {"participant_id": participant.pk})

    assert response.status_code == 200
    assert (response.json()["badge_version"], response.json()["badge_id"]) == (1, participant.badge_id)


@pytest.mark.parametrize(
    ("payload", "status", "errors"),
    [
        ({}, 400, [("participant_id", "required")]),
        ({"participant_id": "abc"}, 400, [("participant_id", "invalid")]),
        ({"participant_id": 0}, 400, [("participant_id", "min_value")]),
        ({"participant_id": 2**64}, 400, [("participant_id", "max_value")]),
        ({"participant_id": 999999}, 404, [(None, "not_found")]),
    ],
)
def test_qr_generate_bad_input(organisateur, payload, status, errors):
    response = organisateur.client.post("/api/qr/generate/", payload, format="json")

    assert response.status_code == status
    assert shape(response) == errors


def test_qr_generate_get_is_405(organisateur):
    response = organisateur.client.get("/api/qr/generate/")

    assert response.status_code == 405
    assert error_codes(response) == ["method_not_allowed"]


# --- /api/events/{id}/badge-key/ ---------------------------------------------------------------


@pytest.mark.parametrize("role", STAFF)
def test_badge_key_for_staff(member, event_a, role):
    client, _ = member(role, event_a)

    response = client.get(f"/api/events/{event_a.pk}/badge-key/")

    assert response.status_code == 200
    key = EventBadgeKey.objects.get(event=event_a)
    assert response.json() == {
        "event_id": str(event_a.pk),
        "algorithm": "Ed25519",
        "key_id": badges.key_id(bytes(key.public_key)),
        "public_key": base64.b64encode(bytes(key.public_key)).decode(),
        "public_key_pem": badges.public_key_payload(event_a)["public_key_pem"],
        "payload_format": badges.PAYLOAD_FORMAT,
    }


@pytest.mark.parametrize("role", BADGE_ROLES)
def test_badge_key_refused_to_badge_holders(member, event_a, role):
    client, _ = member(role, event_a)

    response = client.get(f"/api/events/{event_a.pk}/badge-key/")

    assert response.status_code == 403
    assert error_codes(response) == ["insufficient_role"]
    assert not EventBadgeKey.objects.exists()


def test_badge_key_of_another_event_is_404(member, event_a, event_b):
    client, _ = member(Role.ORGANISATEUR, event_a)

    response = client.get(f"/api/events/{event_b.pk}/badge-key/")

    assert response.status_code == 404
    assert error_codes(response) == ["not_found"]


def test_badge_key_follows_the_database_not_the_token(client_for, event_a, event_b):
    controller = AssignmentFactory(event=event_a, role=Role.CONTROLLEUR_DES_BADGES).user
    AssignmentFactory(user=controller, event=event_b, role=Role.PARTICIPANT)
    client = client_for(controller, event_b)  # token carries event B, where it is a participant

    own = client.get(f"/api/events/{event_a.pk}/badge-key/")
    other = client.get(f"/api/events/{event_b.pk}/badge-key/")
    UserEventAssignment.objects.filter(user=controller, event=event_a).update(is_active=False)
    revoked = client.get(f"/api/events/{event_a.pk}/badge-key/")

    assert own.status_code == 200
    assert (other.status_code, error_codes(other)) == (403, ["insufficient_role"])
    assert (revoked.status_code, error_codes(revoked)) == (404, ["not_found"])


@pytest.mark.parametrize("path", ["/api/events/not-a-uuid/badge-key/", "/api/events/{unknown}/badge-key/"])
def test_badge_key_bad_event_id_is_404(organisateur, path):
    response = organisateur.client.get(path.format(unknown="2b1e0c8e-0000-4000-8000-000000000000"))

    assert response.status_code == 404
    assert error_codes(response) == ["not_found"]


def test_badge_key_anonymous_is_401(api_client, event_a):
    assert api_client.get(f"/api/events/{event_a.pk}/badge-key/").status_code == 401


# --- admin ---------------------------------------------------------------------------------------


def changelist() -> str:
    return reverse("admin:events_participant_changelist")


def test_admin_lists_only_organised_events_badges(organisateur_admin, event_a, event_b):
    own = badge_holder(event_a)
    badge_holder(event_b)

    response = organisateur_admin.client.get(changelist())

    assert response.status_code == 200
    assert list(response.context["cl"].result_list) == [own]


def test_admin_print_badges_pdf(organisateur_admin, event_a, event_b):
    selected = [badge_holder(event_a, first_name=f"Nom{i}", last_name="Benali").pk for i in range(9)]
    selected.append(ParticipantFactory(event=event_a).pk)  # never signed: signed for printing
    selected.append(badge_holder(event_b).pk)  # another event's: not printed

    response = organisateur_admin.client.post(
        changelist(), {"action": "print_badges", "_selected_action": [str(pk) for pk in selected]}
    )

    assert response.status_code == 200
    assert response["Content-Type"] == "application/pdf"
    assert response.content.startswith(b"%PDF")
    pages = PdfReader(io.BytesIO(response.content)).pages
    assert len(pages) == 2  # 10 badges, 8 per page
    assert [round(float(v)) for v in pages[0].mediabox[2:]] == [595, 842]  # A4 in points
    assert Participant.objects.filter(event=event_a, qr_code_data="").count() == 0


def test_admin_print_other_events_badges_only_is_refused(organisateur_admin, event_b):
    foreign = badge_holder(event_b)

    response = organisateur_admin.client.post(
        changelist(), {"action": "print_badges", "_selected_action": [str(foreign.pk)]}
    )

    assert response.status_code == 302
    assert response["Content-Type"].startswith("text/html")


def test_admin_add_by_email_uses_the_service(organisateur_admin, event_a):
    room = RoomFactory(event=event_a)

    response = organisateur_admin.client.post(
        reverse("admin:events_participant_add"),
        {
            "email": "yasmine@example.dz",
            "first_name": "Yasmine",
            "last_name": "Saidi",
            "event": str(event_a.pk),
            "kind": "exposant",
            "access_all_rooms": "",
            "allowed_rooms": [str(room.pk)],
        },
    )

    assert response.status_code == 302
    participant = Participant.objects.get(user__email="yasmine@example.dz")
    assert (participant.kind, participant.access_all_rooms) == ("exposant", False)
    assert list(participant.allowed_rooms.all()) == [room]
    assert badges.verify_badge(participant.qr_code_data, event=event_a).ok
    assert UserEventAssignment.objects.get(user=participant.user, event=event_a).role == Role.EXPOSANT


def test_admin_add_refusal_is_a_message(organisateur_admin, event_a):
    staff = AssignmentFactory(event=event_a, role=Role.CONTROLLEUR_DES_BADGES).user

    response = organisateur_admin.client.post(
        reverse("admin:events_participant_add"),
        {"email": staff.email, "event": str(event_a.pk), "kind": "participant", "access_all_rooms": "on"},
        follow=True,
        HTTP_ACCEPT_LANGUAGE="en",
    )

    assert response.status_code == 200
    assert [str(m) for m in response.context["messages"]] == [
        "This person is on the event's staff (Contrôleur des badges); change that role before giving a badge."
    ]
    assert not Participant.objects.exists()


def test_admin_change_page_offers_only_the_events_rooms(organisateur_admin, event_a, event_b):
    participant = badge_holder(event_a)
    own = RoomFactory(event=event_a)
    RoomFactory(event=event_b)

    response = organisateur_admin.client.get(reverse("admin:events_participant_change", args=[participant.pk]))

    assert response.status_code == 200
    assert list(response.context["adminform"].form.fields["allowed_rooms"].queryset) == [own]
    assert "private_key" not in response.content.decode()


def test_admin_delete_deactivates_the_role(organisateur_admin, event_a):
    participant = badge_holder(event_a)

    response = organisateur_admin.client.post(
        reverse("admin:events_participant_delete", args=[participant.pk]), {"post": "yes"}
    )

    assert response.status_code == 302
    assert not Participant.objects.exists()
    assert UserEventAssignment.objects.get(user=participant.user, event=event_a).is_active is False


def test_signing_keys_are_not_in_the_admin(organisateur_admin):
    from django.contrib import admin

    assert EventBadgeKey not in admin.site._registry


@pytest.mark.skipif(connection.vendor != "postgresql", reason="row locks need PostgreSQL (SQLite locks the file)")
@pytest.mark.django_db(transaction=True)
def test_concurrent_adds_of_one_email_give_one_badge():
    from events.tests.factories import EventFactory

    event = EventFactory()

    def add(kind):
        add_participant(event=event, actor=None, email="rania@example.dz", kind=kind)

    outcomes = outcomes_of([lambda kind=kind: add(kind) for kind in ("participant", "exposant") * 2])

    assert sorted(outcomes) == ["already_participant"] * 3 + ["ok"]
    assert User.objects.filter(email="rania@example.dz").count() == 1
    participant = Participant.objects.get(event=event)
    assert UserEventAssignment.objects.get(event=event, user=participant.user).role == participant.kind
    assert counters(event) == ((1, 0) if participant.kind == "participant" else (0, 1))


def test_admin_add_page_offers_rooms_of_organised_events_only(organisateur_admin, event_a, event_b):
    own = RoomFactory(event=event_a, name="Salle Atlas")
    RoomFactory(event=event_b, name="Salle Oran")

    response = organisateur_admin.client.get(reverse("admin:events_participant_add"))

    assert response.status_code == 200
    field = response.context["adminform"].form.fields["allowed_rooms"]
    assert [field.label_from_instance(room) for room in field.queryset] == ["TechSummit Algeria — Salle Atlas"]
    assert list(field.queryset) == [own]


def test_admin_csv_export(organisateur_admin, event_a):
    participant = badge_holder(event_a, first_name="Amina", last_name="Zeroual", email="amina@example.dz")

    response = organisateur_admin.client.post(
        changelist(), {"action": "export_as_csv", "_selected_action": [str(participant.pk)]}, HTTP_ACCEPT_LANGUAGE="en"
    )

    assert response.status_code == 200
    rows = response.content.decode("utf-8-sig").splitlines()
    assert rows[1] == (f"Amina Zeroual;amina@example.dz;TechSummit Algeria;Participant;{participant.badge_id};1;No;")
