"""Privacy by default (SPEC "Privacy", issue 23 item 5): adding someone by email reveals nothing about
their account; the event sees its registration data until the person accepts (invitation, or selecting
the event after signing in); the person may leave; contact sharing with exposants is opt-in."""

import pytest

from accounts.models import User
from accounts.tests.factories import UserFactory
from accounts.tests.mailbox import code_in, last_to
from conftest import DEFAULT_PASSWORD, assert_same_queries, error_codes
from events.models import Participant, Role, UserEventAssignment
from events.services.participants import add_participant
from events.tests.factories import AssignmentFactory, EventFactory, badge_holder
from events.tests.factories_programme import RoomFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def victim(db):
    """An account that exists, with its own profile, in no event."""
    return UserFactory(
        email="victim@example.dz",
        first_name="Nadia",
        last_name="Secrete",
        phone="+213661000001",
        share_contact_with_exposants=False,
    )


def _added(organisateur, email, **typed):
    response = organisateur.client.post("/api/participants/", {"email": email, **typed}, format="json")
    assert response.status_code == 201, response.content
    return response.json()


def _without_ids(body):
    body = {k: v for k, v in body.items() if k not in ("id", "badge_id", "qr_code_data", "created_at", "updated_at")}
    body["user"] = {k: v for k, v in body["user"].items() if k not in ("id", "email")}
    return body


def test_adding_a_known_email_answers_what_the_organiser_typed_like_an_unknown_one(organisateur, victim):
    typed = {"first_name": "N.", "last_name": "S.", "phone": "0550"}

    known = _added(organisateur, "victim@example.dz", **typed)
    unknown = _added(organisateur, "nobody@example.dz", **typed)

    assert known["user"] == {"id": victim.pk, "email": "victim@example.dz", "full_name": "N. S.", "phone": "0550"}
    assert known["accepted"] is False
    assert _without_ids(known) == _without_ids(unknown)
    assert "Nadia" not in str(known) and "+213661000001" not in str(known)
    victim.refresh_from_db()  # the account's own profile is untouched
    assert (victim.first_name, victim.last_name, victim.phone) == ("Nadia", "Secrete", "+213661000001")
    assert User.objects.get(email="nobody@example.dz").share_contact_with_exposants is False


def test_the_list_search_and_detail_show_only_registration_data_before_acceptance(organisateur, victim):
    _added(organisateur, "victim@example.dz", first_name="Inconnue")

    listed = organisateur.client.get("/api/participants/").json()["results"]
    found = organisateur.client.get("/api/participants/?search=Nadia").json()
    detail = organisateur.client.get(f"/api/participants/{listed[0]['id']}/").json()

    assert [(p["user"]["full_name"], p["user"]["phone"], p["accepted"]) for p in listed] == [("Inconnue", "", False)]
    assert found["count"] == 0  # searching the account's real name reveals nothing either
    assert detail["user"]["full_name"] == "Inconnue"


def test_user_assignments_answer_the_same_for_known_and_unknown_emails(organisateur, victim):
    client = organisateur.client
    known = client.post("/api/user-assignments/", {"email": "victim@example.dz", "role": "controlleur_des_badges"})
    unknown = client.post("/api/user-assignments/", {"email": "nobody@example.dz", "role": "controlleur_des_badges"})

    assert (known.status_code, unknown.status_code) == (201, 201)
    assert known.json()["user"] == {"id": victim.pk, "email": "victim@example.dz", "full_name": "victim@example.dz"}
    assert unknown.json()["user"]["full_name"] == "nobody@example.dz"
    assert (known.json()["accepted"], unknown.json()["accepted"]) == (False, False)
    assert User.objects.get(email="nobody@example.dz").has_usable_password() is False  # it got an invitation


def test_signing_in_asks_to_choose_an_unaccepted_event_and_selecting_accepts_it(organisateur, api_client, victim):
    event = organisateur.user.event_assignments.get().event
    _added(organisateur, "victim@example.dz", first_name="Inconnue", phone="0550")

    app = api_client.post("/api/auth/token/", {"email": victim.email, "password": DEFAULT_PASSWORD}).json()
    web = api_client.post("/api/auth/login/", {"email": victim.email, "password": DEFAULT_PASSWORD}).json()

    # The app's picker (one event) rather than opening the stranger's event by itself.
    assert (app["requires_event_selection"], app.get("access")) == (True, None)
    assert [e["name"] for e in app["available_events"]] == [event.name]
    assert (web["requires_event_selection"], web["current_event"]) == (True, None)
    assert [e["accepted"] for e in web["events"]] == [False]
    assert UserEventAssignment.objects.get(user=victim).accepted_at is None

    api_client.credentials(HTTP_AUTHORIZATION=f"Bearer {app['temp_token']}")
    selected = api_client.post("/api/auth/select-event/", {"event_id": str(event.pk)}, format="json")

    assert selected.status_code == 200
    listed = organisateur.client.get("/api/participants/").json()["results"]
    assert [(p["user"]["full_name"], p["user"]["phone"], p["accepted"]) for p in listed] == [
        ("Nadia Secrete", "+213661000001", True)
    ]
    api_client.credentials()
    again = api_client.post("/api/auth/login/", {"email": victim.email, "password": DEFAULT_PASSWORD}).json()
    assert (again["requires_event_selection"], again["current_event"]["id"]) == (False, str(event.pk))


def test_the_invitation_accepts_its_event(smtp_server, organisateur, api_client, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        _added(organisateur, "new@example.dz", first_name="Lina", last_name="Haddad")
    code = code_in(last_to(smtp_server, "new@example.dz"))

    response = api_client.post(
        "/api/auth/invitation/accept/",
        {"email": "new@example.dz", "code": code, "password": "Un-mot-de-passe-2026"},
        format="json",
    )

    assert response.status_code == 200, response.content
    assert UserEventAssignment.objects.get(user__email="new@example.dz").accepted_at is not None
    assert response.json()["current_event"]["accepted"] is True


def test_the_door_shows_the_registration_name_and_no_photo_before_acceptance(organisateur, victim, client_for):
    event = organisateur.user.event_assignments.get().event
    room = RoomFactory(event=event, capacity=10)
    victim.photo = "users/photos/nadia.jpg"
    victim.save(update_fields=["photo"])
    badge = add_participant(event=event, actor=organisateur.user, email=victim.email, first_name="Inconnue")

    response = organisateur.client.post(
        f"/api/rooms/{room.pk}/verify_access/", {"badge_id": badge.badge_id}, format="json"
    )

    assert response.status_code == 200
    assert response.json()["participant"]["name"] == "Inconnue"
    assert response.json()["participant"]["photo"] is None


def test_profile_changes_reach_accepted_events_only(organisateur, victim, client_for):
    event = organisateur.user.event_assignments.get().event
    other = EventFactory(name="Autre")
    accepted = badge_holder(event, email="amina@example.dz", first_name="Amina", last_name="Kaci")
    add_participant(event=other, actor=None, user=accepted.user, first_name="A.")

    response = client_for(accepted.user).patch("/api/auth/profile/", {"last_name": "Zeroual"}, format="json")

    assert response.status_code == 200
    assert Participant.objects.get(pk=accepted.pk).last_name == "Zeroual"
    assert Participant.objects.get(user=accepted.user, event=other).first_name == "A."


@pytest.mark.parametrize("role", [Role.PARTICIPANT, Role.EXPOSANT, Role.CONTROLLEUR_DES_BADGES])
def test_a_member_leaves_an_event(member, event_a, role):
    caller = member(role, event_a)
    if role in (Role.PARTICIPANT, Role.EXPOSANT):
        add_participant(event=event_a, actor=None, user=caller.user, kind=role)

    response = caller.client.post(f"/api/auth/my-events/{event_a.pk}/leave/")

    assert response.status_code == 204
    assert not UserEventAssignment.objects.filter(user=caller.user, event=event_a, is_active=True).exists()
    assert not Participant.objects.filter(user=caller.user, event=event_a).exists()
    assert caller.client.get("/api/auth/my-events/").json() == []


def test_the_last_organisateur_cannot_leave(organisateur, event_a):
    response = organisateur.client.post(f"/api/auth/my-events/{event_a.pk}/leave/")

    assert response.status_code == 400
    assert error_codes(response) == ["last_organisateur"]


def test_leaving_another_event_is_a_404_and_anonymous_is_a_401(member, event_a, event_b, api_client):
    caller = member(Role.PARTICIPANT, event_a)

    response = caller.client.post(f"/api/auth/my-events/{event_b.pk}/leave/")

    assert response.status_code == 404
    assert error_codes(response) == ["event_not_found"]
    assert api_client.post(f"/api/auth/my-events/{event_a.pk}/leave/").status_code == 401
    assert caller.client.post("/api/auth/my-events/not-a-uuid/leave/").status_code == 404


def test_my_events_reads_acceptance_in_the_same_query(member, event_a, django_assert_num_queries):
    caller = member(Role.PARTICIPANT, event_a)

    def fetch():
        return caller.client.get("/api/auth/my-events/").json()

    def add_rows():
        for n in range(3):
            AssignmentFactory(user=caller.user, event=EventFactory(name=f"E{n}"), accepted_at=None)

    before, after = assert_same_queries(fetch, add_rows)
    assert [e["accepted"] for e in after] == [True, False, False, False]


def test_searching_a_name_finds_members_only_once_they_accepted(organisateur, victim, event_a):
    organisateur.client.post("/api/user-assignments/", {"email": victim.email, "role": "controlleur_des_badges"})

    before = organisateur.client.get("/api/user-assignments/?search=Nadia").json()["count"]
    by_email = organisateur.client.get("/api/user-assignments/?search=victim@").json()["count"]
    UserEventAssignment.objects.filter(user=victim).update(accepted_at="2026-01-01T00:00:00Z")
    after = organisateur.client.get("/api/user-assignments/?search=Nadia").json()["count"]

    assert (before, by_email, after) == (0, 1, 1)


def test_the_shift_list_names_a_member_only_once_accepted(organisateur, victim, event_a):
    from events.tests.factories_staff import RoomAssignmentFactory

    AssignmentFactory(user=victim, event=event_a, role=Role.CONTROLLEUR_DES_BADGES, accepted_at=None)
    RoomAssignmentFactory(room=RoomFactory(event=event_a), user=victim, role=Role.CONTROLLEUR_DES_BADGES)

    shown = organisateur.client.get("/api/room-assignments/").json()["results"][0]["user_detail"]
    found = organisateur.client.get("/api/room-assignments/?search=Nadia").json()["count"]

    assert (shown["full_name"], found) == ("victim@example.dz", 0)
