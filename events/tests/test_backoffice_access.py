"""Issue 20 item 1: an active organisateur assignment opens the back office, no staff flag, no superuser step."""

import pytest
from django.test import Client
from django.urls import reverse
from django.utils.html import escape

from accounts.tests.factories import UserFactory
from conftest import DEFAULT_PASSWORD
from events import services
from events.models import Role, UserEventAssignment
from events.tests.backoffice import LOGIN, in_page_language, is_login_page, organiser, signed_in
from events.tests.factories import AssignmentFactory, badge_holder
from events.tests.factories_programme import RoomFactory

INDEX = reverse("admin:index")
ROOMS = reverse("admin:events_room_changelist")
NOT_ORGANISER = "This account organises no event. Ask an organisateur of your event to add you to its team."


@pytest.mark.django_db
def test_an_organisateur_without_staff_flag_logs_in_with_the_admin_form(event_a):
    user = UserFactory(email="orga@makeplus.test", is_staff=False)
    AssignmentFactory(user=user, event=event_a, role=Role.ORGANISATEUR)
    client = Client()
    response = client.post(LOGIN, {"username": "orga@makeplus.test", "password": DEFAULT_PASSWORD, "next": INDEX})
    assert response.status_code == 302
    assert response["Location"] == INDEX
    page = client.get(INDEX)
    assert page.status_code == 200
    assert ROOMS in page.content.decode()
    user.refresh_from_db()
    assert user.is_staff is False  # nothing granted behind the scenes


@pytest.mark.django_db
@pytest.mark.parametrize(
    "role", [Role.PARTICIPANT, Role.EXPOSANT, Role.CONTROLLEUR_DES_BADGES, Role.GESTIONNAIRE_DES_SALLES]
)
def test_other_roles_are_refused_at_the_login_form(event_a, role):
    user = UserFactory(email="other@makeplus.test")
    AssignmentFactory(user=user, event=event_a, role=role)
    response = Client().post(LOGIN, {"username": "other@makeplus.test", "password": DEFAULT_PASSWORD})
    assert response.status_code == 200
    assert [error.code for error in response.context["form"].non_field_errors().as_data()] == ["not_organiser"]
    assert escape(in_page_language(response, NOT_ORGANISER)) in response.content.decode()


@pytest.mark.django_db
def test_a_participant_session_gets_the_login_page(event_a):
    holder = badge_holder(event_a)
    client = signed_in(holder.user)
    assert is_login_page(client.get(INDEX))
    assert is_login_page(client.get(ROOMS))


@pytest.mark.django_db
def test_deactivating_the_assignment_closes_the_back_office_at_the_next_request(event_a):
    client, user = organiser(event_a)
    AssignmentFactory(event=event_a, role=Role.ORGANISATEUR)  # another organisateur keeps the event
    assert client.get(ROOMS).status_code == 200
    assignment = UserEventAssignment.objects.get(user=user, event=event_a)
    services.update_assignment(assignment=assignment, actor=None, is_active=False)
    assert is_login_page(client.get(ROOMS))
    services.update_assignment(assignment=assignment, actor=None, is_active=True)
    assert client.get(ROOMS).status_code == 200
    services.remove_assignment(assignment=assignment, actor=None)
    assert is_login_page(client.get(INDEX))


@pytest.mark.django_db
def test_a_co_organiser_added_by_an_organisateur_gets_in_the_same_way(event_a):
    client, user = organiser(event_a)
    co = UserFactory(email="co@makeplus.test", is_staff=False)
    response = client.post(
        reverse("admin:events_usereventassignment_add"),
        {"user": "co@makeplus.test", "event": str(event_a.pk), "role": Role.ORGANISATEUR, "is_active": "on"},
    )
    assert response.status_code == 302
    co_client = Client()
    login = co_client.post(LOGIN, {"username": "co@makeplus.test", "password": DEFAULT_PASSWORD, "next": ROOMS})
    assert login.status_code == 302
    assert co_client.get(ROOMS).status_code == 200
    co.refresh_from_db()
    assert co.is_staff is False


@pytest.mark.django_db
def test_another_events_objects_are_absent_and_their_pages_404(event_a, event_b):
    client, _user = organiser(event_a)
    mine = RoomFactory(event=event_a, name="Salle Atlas")
    theirs = RoomFactory(event=event_b, name="Salle Hoggar")
    page = client.get(ROOMS).content.decode()
    assert "Salle Atlas" in page and "Salle Hoggar" not in page
    assert client.get(reverse("admin:events_room_change", args=[mine.pk])).status_code == 200
    response = client.get(reverse("admin:events_room_change", args=[theirs.pk]))
    # Django's admin treats an object out of get_queryset like a missing one: back to the index, nothing shown.
    assert response.status_code == 302
    assert "Salle Hoggar" not in client.get(response["Location"]).content.decode()


@pytest.mark.django_db
def test_the_organisateur_sees_only_the_back_office_models_not_users_or_groups(event_a):
    client, _user = organiser(event_a)
    assert client.get(reverse("admin:accounts_user_changelist")).status_code == 403
    assert client.get(reverse("admin:auth_group_changelist")).status_code == 403


@pytest.mark.django_db
def test_the_demo_organisateur_logs_in_at_the_admin_login():
    from django.core.management import call_command

    call_command("create_multi_event_data", verbosity=0)
    client = Client()
    response = client.post(LOGIN, {"username": "organisateur@techsummit.dz", "password": DEFAULT_PASSWORD})
    assert response.status_code == 302
    assert client.get(INDEX).status_code == 200
    assert "TechSummit" in client.get(reverse("admin:events_event_changelist")).content.decode()


@pytest.mark.django_db
def test_adding_a_team_member_goes_through_the_service_and_invites_an_account_without_password(
    event_a, mailoutbox, django_capture_on_commit_callbacks
):
    client, user = organiser(event_a)
    newcomer = UserFactory(email="newcomer@makeplus.test")
    newcomer.set_unusable_password()
    newcomer.save()
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(
            reverse("admin:events_usereventassignment_add"),
            {"user": "newcomer@makeplus.test", "event": str(event_a.pk), "role": Role.ORGANISATEUR, "is_active": "on"},
        )
    assert response.status_code == 302
    assignment = UserEventAssignment.objects.get(user=newcomer, event=event_a)
    assert (assignment.role, assignment.is_active, assignment.assigned_by) == (Role.ORGANISATEUR, True, user)
    assert [m.to for m in mailoutbox] == [["newcomer@makeplus.test"]]
