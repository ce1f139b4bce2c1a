import pytest
from django.db import connection

from accounts.tests.factories import UserFactory
from conftest import assert_same_queries, error_codes, run_together
from events.models import Role, UserEventAssignment
from events.roles import SHIFT_ROLES
from events.tests.factories import AssignmentFactory, EventFactory

pytestmark = pytest.mark.django_db

ROLES = list(Role.values)
NOT_ORGANISATEUR = [r for r in ROLES if r != Role.ORGANISATEUR]


def test_organisateur_lists_only_its_events_assignments(organisateur, event_a, event_b):
    client, me = organisateur
    AssignmentFactory(event=event_a, role=Role.PARTICIPANT, user=UserFactory(email="amina@example.dz"))
    AssignmentFactory(event=event_b, role=Role.PARTICIPANT, user=UserFactory(email="other@example.dz"))

    response = client.get("/api/user-assignments/?ordering=user__email")

    assert response.status_code == 200
    assert [(a["user"]["email"], a["role"], a["event"]) for a in response.json()["results"]] == [
        ("amina@example.dz", "participant", str(event_a.pk)),
        (me.email, "organisateur", str(event_a.pk)),
    ]
    assert "other@example.dz" not in response.content.decode()


def _refused_calls():
    """(role, method, path) of every call refused to roles other than organisateur; the staff on shifts may list
    their own role (the mobile app's room lookup), not the others'."""
    calls = [("post", ""), ("get", "{id}/"), ("patch", "{id}/"), ("delete", "{id}/")]
    listing = [(role, "get", "") for role in NOT_ORGANISATEUR if role not in SHIFT_ROLES]
    return listing + [(role, method, path) for role in NOT_ORGANISATEUR for method, path in calls]


@pytest.mark.parametrize(("role", "method", "path"), _refused_calls())
def test_other_roles_are_refused_everywhere(member, event_a, role, method, path):
    client, me = member(role, event_a)
    target = AssignmentFactory(event=event_a)

    response = getattr(client, method)(f"/api/user-assignments/{path.format(id=target.pk)}", {})

    assert response.status_code == 403
    assert error_codes(response) == ["insufficient_role"]
    assert UserEventAssignment.objects.filter(pk=target.pk, role=Role.PARTICIPANT, is_active=True).exists()


@pytest.mark.parametrize("role", SHIFT_ROLES)
def test_staff_on_shifts_list_only_their_own_role(member, event_a, role):
    client, me = member(role, event_a)
    AssignmentFactory(event=event_a, role=Role.PARTICIPANT, user=UserFactory(email="amina@example.dz"))

    everyone = client.get("/api/user-assignments/")
    someone_else = client.get("/api/user-assignments/", {"user": UserFactory().pk})

    assert everyone.status_code == 200
    assert [(a["user"]["email"], a["role"]) for a in everyone.json()["results"]] == [(me.email, role)]
    assert (someone_else.status_code, someone_else.json()["results"]) == (200, [])


@pytest.mark.parametrize(("method", "expected"), [("get", 404), ("patch", 404), ("delete", 404)])
def test_another_events_assignment_is_invisible(organisateur, event_b, method, expected):
    client, _ = organisateur
    foreign = AssignmentFactory(event=event_b, role=Role.ORGANISATEUR)

    response = getattr(client, method)(f"/api/user-assignments/{foreign.pk}/", {"role": "participant"})

    assert response.status_code == expected
    foreign.refresh_from_db()
    assert (foreign.role, foreign.is_active) == (Role.ORGANISATEUR, True)


def test_requires_a_selected_event(client_for, event_a):
    assignment = AssignmentFactory(event=event_a, role=Role.ORGANISATEUR)

    response = client_for(assignment.user).get("/api/user-assignments/")

    assert response.status_code == 403
    assert error_codes(response) == ["event_not_selected"]


def test_requires_authentication(api_client):
    assert api_client.get("/api/user-assignments/").status_code == 401


def test_add_user_by_email(organisateur, event_a):
    client, me = organisateur
    UserFactory(email="karim@example.dz", first_name="Karim", last_name="Belkacem")

    response = client.post("/api/user-assignments/", {"email": "KARIM@example.dz", "role": "controlleur_des_badges"})

    assert response.status_code == 201
    body = response.json()
    assert body["user"]["email"] == "karim@example.dz"
    # Privacy by default: the account's name stays its own until Karim accepts the event.
    assert (body["user"]["full_name"], body["accepted"]) == ("karim@example.dz", False)
    assert (body["role"], body["is_active"], body["assigned_by"]["email"]) == ("controlleur_des_badges", True, me.email)
    assert body["event"] == str(event_a.pk)


@pytest.mark.parametrize(
    ("payload", "errors"),
    [
        ({"email": "karim@example.dz", "role": "chef"}, [("role", "invalid_choice")]),
        ({"email": "karim", "role": "participant"}, [("email", "invalid")]),
        ({}, [("email", "required"), ("role", "required")]),
    ],
)
def test_add_bad_input(organisateur, payload, errors):
    client, _ = organisateur
    UserFactory(email="karim@example.dz")

    response = client.post("/api/user-assignments/", payload)

    assert response.status_code == 400
    assert [(e["attr"], e["code"]) for e in response.json()["errors"]] == errors


def test_never_two_roles_per_user_per_event(organisateur, event_a):
    client, _ = organisateur
    existing = AssignmentFactory(event=event_a, role=Role.PARTICIPANT, is_active=False)

    response = client.post("/api/user-assignments/", {"email": existing.user.email, "role": "exposant"})

    assert response.status_code == 409
    assert error_codes(response) == ["already_assigned"]
    assert UserEventAssignment.objects.filter(user=existing.user, event=event_a).count() == 1


def test_a_user_can_hold_roles_in_several_events(organisateur, event_b):
    client, _ = organisateur
    elsewhere = AssignmentFactory(event=event_b, role=Role.ORGANISATEUR)

    response = client.post("/api/user-assignments/", {"email": elsewhere.user.email, "role": "participant"})

    assert response.status_code == 201
    assert UserEventAssignment.objects.filter(user=elsewhere.user).count() == 2


def test_change_role_and_deactivate(organisateur, event_a):
    client, _ = organisateur
    target = AssignmentFactory(event=event_a, role=Role.PARTICIPANT)

    changed = client.patch(f"/api/user-assignments/{target.pk}/", {"role": "gestionnaire_des_salles"})
    deactivated = client.patch(f"/api/user-assignments/{target.pk}/", {"is_active": False})

    assert (changed.status_code, changed.json()["role"]) == (200, "gestionnaire_des_salles")
    assert (deactivated.status_code, deactivated.json()["is_active"]) == (200, False)
    target.refresh_from_db()
    assert (target.role, target.is_active) == (Role.GESTIONNAIRE_DES_SALLES, False)


def test_patch_bad_input(organisateur, event_a):
    client, _ = organisateur
    target = AssignmentFactory(event=event_a)

    response = client.patch(f"/api/user-assignments/{target.pk}/", {"role": "boss", "is_active": "maybe"})

    assert response.status_code == 400
    assert [(e["attr"], e["code"]) for e in response.json()["errors"]] == [
        ("role", "invalid_choice"),
        ("is_active", "invalid"),
    ]


def test_put_is_not_allowed(organisateur, event_a):
    client, _ = organisateur
    target = AssignmentFactory(event=event_a)

    response = client.put(f"/api/user-assignments/{target.pk}/", {"role": "exposant"})

    assert response.status_code == 405
    assert error_codes(response) == ["method_not_allowed"]


@pytest.mark.parametrize("change", [{"role": "participant"}, {"is_active": False}, "delete"])
def test_last_active_organisateur_cannot_be_removed(organisateur, event_a, change):
    client, me = organisateur
    AssignmentFactory(event=event_a, role=Role.ORGANISATEUR, is_active=False)
    mine = UserEventAssignment.objects.get(user=me, event=event_a)

    if change == "delete":
        response = client.delete(f"/api/user-assignments/{mine.pk}/")
    else:
        response = client.patch(f"/api/user-assignments/{mine.pk}/", change)

    assert response.status_code == 400
    assert error_codes(response) == ["last_organisateur"]
    mine.refresh_from_db()
    assert (mine.role, mine.is_active) == (Role.ORGANISATEUR, True)


def test_an_organisateur_can_step_down_when_another_remains(organisateur, event_a):
    client, me = organisateur
    AssignmentFactory(event=event_a, role=Role.ORGANISATEUR)
    mine = UserEventAssignment.objects.get(user=me, event=event_a)

    response = client.patch(f"/api/user-assignments/{mine.pk}/", {"role": "participant"})

    assert response.status_code == 200
    assert client.get("/api/user-assignments/").status_code == 403  # its new role applies at once


def test_delete_assignment(organisateur, event_a):
    client, _ = organisateur
    target = AssignmentFactory(event=event_a, role=Role.EXPOSANT)

    response = client.delete(f"/api/user-assignments/{target.pk}/")

    assert response.status_code == 204
    assert not UserEventAssignment.objects.filter(pk=target.pk).exists()


def test_filters_and_search(organisateur, event_a):
    client, _ = organisateur
    AssignmentFactory(
        event=event_a, role=Role.EXPOSANT, user=UserFactory(email="rania@example.dz", last_name="Mansouri")
    )
    AssignmentFactory(event=event_a, role=Role.EXPOSANT, is_active=False)
    AssignmentFactory(event=event_a, role=Role.PARTICIPANT)

    by_role = client.get("/api/user-assignments/?role=exposant&is_active=true").json()
    by_search = client.get("/api/user-assignments/?search=mansouri").json()

    assert [a["user"]["email"] for a in by_role["results"]] == ["rania@example.dz"]
    assert [a["user"]["email"] for a in by_search["results"]] == ["rania@example.dz"]


def test_list_query_count_is_the_same_for_1_and_30_rows(organisateur, event_a):
    client, _ = organisateur
    one, many = assert_same_queries(  # user+assignment, count, page
        lambda: client.get("/api/user-assignments/?page_size=50").json()["count"],
        lambda: AssignmentFactory.create_batch(29, event=event_a, assigned_by=UserFactory()),
        expected=3,
    )

    assert (one, many) == (1, 30)


@pytest.mark.skipif(connection.vendor != "postgresql", reason="row locks need PostgreSQL (SQLite locks the file)")
@pytest.mark.django_db(transaction=True)
def test_two_organisateurs_demoting_each_other_at_once_leave_one():
    from events import services
    from makeplus.errors import AppError

    event = EventFactory()
    first, second = AssignmentFactory.create_batch(2, event=event, role=Role.ORGANISATEUR)

    def demote(assignment):
        services.update_assignment(assignment=assignment, actor=assignment.user, role=Role.PARTICIPANT)
        return "ok"

    results, errors = run_together([lambda a=a: demote(a) for a in (first, second)])
    outcomes = [r for r in results if r] + [e.get_codes() for e in errors if isinstance(e, AppError)]

    assert len(errors) == 1
    assert sorted(outcomes) == ["last_organisateur", "ok"]
    assert UserEventAssignment.objects.filter(event=event, role=Role.ORGANISATEUR, is_active=True).count() == 1
