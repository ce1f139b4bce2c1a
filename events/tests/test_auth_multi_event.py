import pytest
from rest_framework_simplejwt.tokens import AccessToken, RefreshToken

from accounts.tests.factories import UserFactory
from conftest import DEFAULT_PASSWORD, error_codes
from events.models import Role, UserEventAssignment
from events.tests.factories import AssignmentFactory, EventFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def three_events_user():
    user = UserFactory(email="multi@makeplus.dz")
    events = [EventFactory(name=name) for name in ("TechSummit Algeria", "StartupWeek Oran", "InnoFest Constantine")]
    for event, role in zip(events, [Role.ORGANISATEUR, Role.PARTICIPANT, Role.EXPOSANT], strict=True):
        AssignmentFactory(user=user, event=event, role=role)
    return user, events


def _login(api_client, email="multi@makeplus.dz"):
    response = api_client.post("/api/auth/login/", {"email": email, "password": DEFAULT_PASSWORD})
    assert response.status_code == 200
    return response.json()


def test_login_with_three_events_requires_selection(api_client, three_events_user):
    user, events = three_events_user

    body = _login(api_client)

    assert body["requires_event_selection"] is True
    assert body["current_event"] is None
    assert sorted((e["name"], e["role"]) for e in body["events"]) == [
        ("InnoFest Constantine", "exposant"),
        ("StartupWeek Oran", "participant"),
        ("TechSummit Algeria", "organisateur"),
    ]
    assert "event_id" not in AccessToken(body["access"])
    assert "event_id" not in RefreshToken(body["refresh"])


def test_login_with_one_event_selects_it(api_client):
    assignment = AssignmentFactory(role=Role.CONTROLLEUR_DES_BADGES)

    body = _login(api_client, assignment.user.email)

    assert body["requires_event_selection"] is False
    assert body["current_event"]["id"] == str(assignment.event_id)
    assert body["current_event"]["role"] == "controlleur_des_badges"
    access = AccessToken(body["access"])
    assert (access["event_id"], access["role"]) == (str(assignment.event_id), "controlleur_des_badges")


def test_login_ignores_inactive_assignments(api_client, three_events_user):
    user, events = three_events_user
    UserEventAssignment.objects.filter(user=user).exclude(event=events[0]).update(is_active=False)

    body = _login(api_client)

    assert [e["name"] for e in body["events"]] == ["TechSummit Algeria"]
    assert body["requires_event_selection"] is False
    assert body["current_event"]["name"] == "TechSummit Algeria"


def test_two_step_login_then_switch_without_relogin(api_client, three_events_user):
    user, (tech, startup, inno) = three_events_user
    body = _login(api_client)
    api_client.credentials(HTTP_AUTHORIZATION=f"Bearer {body['access']}")

    before = api_client.get("/api/dashboard/stats/")
    selected = api_client.post("/api/auth/select-event/", {"event_id": str(tech.pk)})

    assert before.status_code == 403
    assert error_codes(before) == ["event_not_selected"]
    assert selected.status_code == 200
    assert selected.json()["role"] == "organisateur"
    assert selected.json()["current_event"]["name"] == "TechSummit Algeria"
    api_client.credentials(HTTP_AUTHORIZATION=f"Bearer {selected.json()['access']}")
    assert api_client.get("/api/dashboard/stats/").json()["role"] == "organisateur"

    switched = api_client.post("/api/auth/switch-event/", {"event_id": str(startup.pk)})

    assert switched.status_code == 200
    assert AccessToken(switched.json()["access"])["event_id"] == str(startup.pk)
    api_client.credentials(HTTP_AUTHORIZATION=f"Bearer {switched.json()['access']}")
    dashboard = api_client.get("/api/dashboard/stats/").json()
    assert (dashboard["role"], dashboard["event"]["name"]) == ("participant", "StartupWeek Oran")


def test_switch_event_also_chooses_a_first_event(api_client, three_events_user):
    # Issue 21: it answered 403 event_not_selected to tokens without an event, which select-event accepts.
    user, events = three_events_user
    api_client.credentials(HTTP_AUTHORIZATION=f"Bearer {_login(api_client)['access']}")

    response = api_client.post("/api/auth/switch-event/", {"event_id": str(events[1].pk)})

    assert response.status_code == 200
    assert AccessToken(response.json()["access"])["event_id"] == str(events[1].pk)


def test_select_event_of_another_user_is_404(client_for, three_events_user):
    user, events = three_events_user
    outsider = UserFactory()

    response = client_for(outsider).post("/api/auth/select-event/", {"event_id": str(events[0].pk)})

    assert response.status_code == 404
    assert error_codes(response) == ["event_not_found"]


def test_select_event_bad_input_is_400(client_for, user):
    response = client_for(user).post("/api/auth/select-event/", {"event_id": "not-a-uuid"})

    assert response.status_code == 400
    assert response.json()["errors"] == [{"code": "invalid", "detail": "Doit être un UUID valide.", "attr": "event_id"}]


def test_select_event_requires_authentication(api_client, three_events_user):
    response = api_client.post("/api/auth/select-event/", {"event_id": str(three_events_user[1][0].pk)})

    assert response.status_code == 401


def test_deactivated_assignment_loses_access_with_a_valid_token(client_for):
    assignment = AssignmentFactory(role=Role.ORGANISATEUR)
    client = client_for(assignment.user, assignment.event)
    assert client.get("/api/dashboard/stats/").status_code == 200

    UserEventAssignment.objects.filter(pk=assignment.pk).update(is_active=False)
    response = client.get("/api/dashboard/stats/")

    assert response.status_code == 403
    assert error_codes(response) == ["event_access_revoked"]
    assert client.get("/api/user-assignments/").status_code == 403


def test_deleted_assignment_loses_access_with_a_valid_token(client_for):
    assignment = AssignmentFactory(role=Role.PARTICIPANT)
    client = client_for(assignment.user, assignment.event)

    assignment.delete()
    response = client.get("/api/dashboard/stats/")

    assert response.status_code == 403
    assert error_codes(response) == ["event_access_revoked"]
    assert client.get("/api/auth/my-events/").json() == []


def test_role_change_takes_effect_at_once_whatever_the_token_says(client_for):
    assignment = AssignmentFactory(role=Role.ORGANISATEUR)
    client = client_for(assignment.user, assignment.event)

    UserEventAssignment.objects.filter(pk=assignment.pk).update(role=Role.PARTICIPANT)
    response = client.get("/api/user-assignments/")

    assert response.status_code == 403
    assert error_codes(response) == ["insufficient_role"]


def test_refresh_keeps_the_event_and_rereads_the_role(api_client, client_for):
    assignment = AssignmentFactory(role=Role.GESTIONNAIRE_DES_SALLES)
    client = client_for(assignment.user, assignment.event)
    UserEventAssignment.objects.filter(pk=assignment.pk).update(role=Role.CONTROLLEUR_DES_BADGES)

    response = api_client.post("/api/auth/token/refresh/", {"refresh": client.tokens["refresh"]})

    assert response.status_code == 200
    access, refresh = AccessToken(response.json()["access"]), RefreshToken(response.json()["refresh"])
    assert (access["event_id"], access["role"]) == (str(assignment.event_id), "controlleur_des_badges")
    assert (refresh["event_id"], refresh["role"]) == (str(assignment.event_id), "controlleur_des_badges")


def test_refresh_drops_an_event_the_user_lost(api_client, client_for):
    assignment = AssignmentFactory(role=Role.PARTICIPANT)
    client = client_for(assignment.user, assignment.event)
    UserEventAssignment.objects.filter(pk=assignment.pk).update(is_active=False)

    response = api_client.post("/api/auth/token/refresh/", {"refresh": client.tokens["refresh"]})

    assert response.status_code == 200
    assert "event_id" not in AccessToken(response.json()["access"])


def test_my_events_lists_active_events_with_roles(client_for, three_events_user):
    user, (tech, startup, inno) = three_events_user
    AssignmentFactory(role=Role.PARTICIPANT)  # someone else's event

    response = client_for(user).get("/api/auth/my-events/")

    assert response.status_code == 200
    assert [(e["id"], e["role"], e["status"]) for e in response.json()] == [
        (str(e.pk), role, "active")
        for e, role in sorted(
            [(tech, "organisateur"), (startup, "participant"), (inno, "exposant")],
            key=lambda pair: (pair[0].start_date, pair[0].name),
        )
    ]


def test_my_events_requires_authentication(api_client):
    assert api_client.get("/api/auth/my-events/").status_code == 401
