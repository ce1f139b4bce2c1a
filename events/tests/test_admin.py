import csv
from datetime import UTC, datetime

import pytest
from django.contrib.messages import get_messages
from django.urls import reverse

from accounts.tests.factories import UserFactory
from conftest import assert_same_queries
from events.models import Event, Participant, Role, UserEventAssignment
from events.tests.factories import AssignmentFactory, EventFactory
from events.tests.pdfs import pdf_upload

EVENTS = reverse("admin:events_event_changelist")
ASSIGNMENTS = reverse("admin:events_usereventassignment_changelist")
LAST_ORGANISATEUR = "An event needs at least one active organisateur."
ALREADY_ASSIGNED = "This user already has a role in this event; change it instead."


def change_url(obj):
    return reverse(f"admin:events_{obj._meta.model_name}_change", args=[obj.pk])


def delete_url(obj):
    return reverse(f"admin:events_{obj._meta.model_name}_delete", args=[obj.pk])


def message_texts(response):
    return [str(m) for m in get_messages(response.wsgi_request)]


def event_form(event=None, *, team=(), **overrides):
    """POST data of the event change form; ``team`` lists (assignment, fields) rows of the inline."""
    data = {
        "name": event.name if event else "",
        "description": "",
        "status": event.status if event else Event.Status.UPCOMING,
        "start_date_0": "2025-06-01",
        "start_date_1": "09:00:00",
        "end_date_0": "2025-06-03",
        "end_date_1": "18:00:00",
        "location": "",
        "location_details": "",
        "president": "",
        "organizer_contact": "",
        "logo_url": "",
        "banner_url": "",
        "settings": "{}",
        "themes": "[]",
        "metadata": "{}",
        "assignments-TOTAL_FORMS": str(len(team)),
        "assignments-INITIAL_FORMS": str(sum(1 for assignment, _ in team if assignment is not None)),
        "assignments-MIN_NUM_FORMS": "0",
        "assignments-MAX_NUM_FORMS": "1000",
    }
    for i, (assignment, fields) in enumerate(team):
        if assignment is not None:
            data[f"assignments-{i}-id"] = str(assignment.pk)
            data[f"assignments-{i}-event"] = str(assignment.event_id)
        data.update({f"assignments-{i}-{name}": value for name, value in fields.items()})
    data.update(overrides)
    return data


@pytest.fixture
def event_a(db):
    return EventFactory(name="Salon Béjaïa", location="Béjaïa")


@pytest.fixture
def event_b(db):
    return EventFactory(name="Salon Oran", location="Oran")


@pytest.fixture
def organisateur_admin(organisateur_admin, event_b):
    """Also a mere participant of event B: a role there opens nothing of B in the admin."""
    AssignmentFactory(user=organisateur_admin.user, event=event_b, role=Role.PARTICIPANT)
    return organisateur_admin


@pytest.fixture
def superuser_client(client, db):
    client.force_login(UserFactory(is_staff=True, is_superuser=True))
    return client


# --- Scoping: what an organisateur sees ------------------------------------------------


def test_event_change_page_own_event_is_200(organisateur_admin, event_a):
    response = organisateur_admin.client.get(change_url(event_a))

    assert response.status_code == 200
    assert response.context["original"] == event_a


def test_event_change_page_other_event_redirects_like_a_missing_one(organisateur_admin, event_b):
    response = organisateur_admin.client.get(change_url(event_b), HTTP_ACCEPT_LANGUAGE="en")

    assert response.status_code == 302
    assert response["Location"] == reverse("admin:index")
    assert message_texts(response) == [f"event with ID “{event_b.pk}” doesn’t exist. Perhaps it was deleted?"]


def test_event_change_post_other_event_changes_nothing(organisateur_admin, event_b):
    response = organisateur_admin.client.post(change_url(event_b), event_form(event_b, name="Piraté"))

    assert response.status_code == 302
    assert response["Location"] == reverse("admin:index")
    event_b.refresh_from_db()
    assert event_b.name == "Salon Oran"


def test_event_delete_other_event_refused(organisateur_admin, event_b):
    response = organisateur_admin.client.post(delete_url(event_b), {"post": "yes"})

    assert response.status_code == 302
    assert response["Location"] == reverse("admin:index")
    assert Event.objects.filter(pk=event_b.pk).exists()


def test_event_changelist_organisateur_sees_only_own_events(organisateur_admin, event_a, event_b):
    response = organisateur_admin.client.get(EVENTS)

    assert response.status_code == 200
    assert response.context["cl"].result_count == 1
    assert list(response.context["cl"].result_list) == [event_a]


def test_assignment_changelist_organisateur_sees_only_own_event_rows(organisateur_admin, event_a, event_b):
    member = AssignmentFactory(event=event_a)
    AssignmentFactory(event=event_b)

    response = organisateur_admin.client.get(ASSIGNMENTS)

    assert response.status_code == 200
    assert response.context["cl"].result_count == 2
    assert {a.pk for a in response.context["cl"].result_list} == {
        member.pk,
        UserEventAssignment.objects.get(user=organisateur_admin.user, event=event_a).pk,
    }


def test_assignment_changelist_event_filter_lists_only_own_events(organisateur_admin, event_a, event_b):
    event_c = EventFactory(name="Salon Annaba")
    AssignmentFactory(user=organisateur_admin.user, event=event_c, role=Role.ORGANISATEUR)

    response = organisateur_admin.client.get(ASSIGNMENTS)

    event_filter = next(f for f in response.context["cl"].filter_specs if f.field_path == "event")
    assert sorted(event_filter.lookup_choices, key=lambda c: c[1]) == [
        (event_c.pk, "Salon Annaba"),
        (event_a.pk, "Salon Béjaïa"),
    ]


def test_assignment_change_page_other_event_redirects(organisateur_admin, event_b):
    other = AssignmentFactory(event=event_b)

    response = organisateur_admin.client.get(change_url(other))

    assert response.status_code == 302
    assert response["Location"] == reverse("admin:index")


def test_assignment_add_form_offers_only_own_events(organisateur_admin, event_a, event_b):
    response = organisateur_admin.client.get(reverse("admin:events_usereventassignment_add"))

    assert response.status_code == 200
    assert list(response.context["adminform"].form.fields["event"].queryset) == [event_a]


def test_assignment_add_to_other_event_is_a_form_error(organisateur_admin, event_b):
    someone = UserFactory()

    response = organisateur_admin.client.post(
        reverse("admin:events_usereventassignment_add"),
        {"user": someone.email, "event": str(event_b.pk), "role": Role.PARTICIPANT, "is_active": "on"},
    )

    assert response.status_code == 200
    assert list(response.context["adminform"].form.errors) == ["event"]
    assert not UserEventAssignment.objects.filter(user=someone).exists()


def test_admin_index_organisateur_sees_events_app(organisateur_admin):
    response = organisateur_admin.client.get(reverse("admin:index"))

    apps = {app["app_label"]: {m["object_name"] for m in app["models"]} for app in response.context["app_list"]}
    assert apps == {
        "events": {
            "Event",
            "UserEventAssignment",
            "Room",
            "Session",
            "SessionAccess",
            "Participant",
            "RoomAssignment",
            "SessionQuestion",
            "EPoster",
            "RoomAccess",  # the door log (issue 20)
        },
        "annonces": {"Annonce", "AnnonceRead"},
        "exposants": {"Exposant", "ExposantScan"},
        "makeplus": {"Job"},  # progress and results of its bulk work (badge emails, PDFs, imports)
    }


# --- Who gets nothing, who gets everything ---------------------------------------------


def test_staff_without_organisateur_role_gets_nothing(client, event_a):
    staff = UserFactory(is_staff=True)
    AssignmentFactory(user=staff, event=event_a, role=Role.GESTIONNAIRE_DES_SALLES)
    client.force_login(staff)

    index = client.get(reverse("admin:index"))
    app_index = client.get(reverse("admin:app_list", args=["events"]))
    events = client.get(EVENTS)
    assignments = client.get(ASSIGNMENTS)
    add = client.get(reverse("admin:events_event_add"))

    assert index.status_code == 200
    assert index.context["app_list"] == []
    assert app_index.status_code == 404
    assert events.status_code == 403
    assert assignments.status_code == 403
    assert add.status_code == 403


def test_deactivated_organisateur_loses_admin_access(client, organisateur_admin, event_a):
    me = organisateur_admin.user
    UserEventAssignment.objects.filter(user=me, event=event_a).update(is_active=False)
    client.force_login(me)

    assert client.get(EVENTS).status_code == 403
    assert client.get(change_url(event_a)).status_code == 403


def test_superuser_sees_every_event(superuser_client, event_a, event_b):
    response = superuser_client.get(EVENTS)

    assert response.context["cl"].result_count == 2
    assert set(response.context["cl"].result_list) == {event_a, event_b}
    assert superuser_client.get(change_url(event_b)).status_code == 200


# --- Writes through the services ------------------------------------------------------


def test_event_add_by_organisateur_makes_it_organisateur(organisateur_admin):
    me = organisateur_admin.user
    client = organisateur_admin.client
    response = client.post(reverse("admin:events_event_add"), event_form(name="Salon Émir Abdelkader"))

    assert response.status_code == 302
    event = Event.objects.get(name="Salon Émir Abdelkader")
    assert event.created_by == me
    assignment = UserEventAssignment.objects.get(event=event)
    assert (assignment.user, assignment.role, assignment.is_active, assignment.assigned_by) == (
        me,
        Role.ORGANISATEUR,
        True,
        me,
    )
    assert client.get(change_url(event)).status_code == 200
    assert client.get(EVENTS).context["cl"].result_count == 2


def test_event_add_with_team_inline_listing_the_creator(organisateur_admin):
    me = organisateur_admin.user
    colleague = UserFactory()
    team = [
        (None, {"user": me.email, "role": Role.CONTROLLEUR_DES_BADGES, "is_active": "on"}),
        (None, {"user": colleague.email.upper(), "role": Role.ORGANISATEUR, "is_active": "on"}),
    ]

    response = organisateur_admin.client.post(
        reverse("admin:events_event_add"), event_form(name="Salon Tlemcen", team=team)
    )

    assert response.status_code == 302
    event = Event.objects.get(name="Salon Tlemcen")
    roles = dict(UserEventAssignment.objects.filter(event=event, is_active=True).values_list("user__email", "role"))
    assert roles == {me.email: Role.ORGANISATEUR, colleague.email: Role.ORGANISATEUR}


def test_event_change_updates_fields(organisateur_admin, event_a):
    response = organisateur_admin.client.post(change_url(event_a), event_form(event_a, location="Béjaïa, port"))

    assert response.status_code == 302
    event_a.refresh_from_db()
    assert event_a.location == "Béjaïa, port"


def test_event_change_replacing_programme_deletes_old_file(
    organisateur_admin, event_a, settings, tmp_path, django_capture_on_commit_callbacks
):
    client = organisateur_admin.client
    settings.MEDIA_ROOT = tmp_path
    client.post(change_url(event_a), event_form(event_a, programme_file=pdf_upload("v1.pdf")))
    event_a.refresh_from_db()
    old_name = event_a.programme_file.name

    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(change_url(event_a), event_form(event_a, programme_file=pdf_upload("v2.pdf")))

    assert response.status_code == 302
    event_a.refresh_from_db()
    assert event_a.programme_file.name != old_name
    assert (tmp_path / event_a.programme_file.name).exists()
    assert not (tmp_path / old_name).exists()


def test_assignment_add_by_email(organisateur_admin, event_a):
    someone = UserFactory(email="nadia@makeplus.test")

    response = organisateur_admin.client.post(
        reverse("admin:events_usereventassignment_add"),
        {"user": "Nadia@MakePlus.test", "event": str(event_a.pk), "role": Role.EXPOSANT, "is_active": "on"},
    )

    assert response.status_code == 302
    assignment = UserEventAssignment.objects.get(user=someone)
    assert (assignment.event, assignment.role, assignment.assigned_by) == (
        event_a,
        Role.EXPOSANT,
        organisateur_admin.user,
    )


def test_assignment_add_unknown_email_is_a_form_error(organisateur_admin, event_a):
    response = organisateur_admin.client.post(
        reverse("admin:events_usereventassignment_add"),
        {"user": "personne@makeplus.test", "event": str(event_a.pk), "role": Role.PARTICIPANT, "is_active": "on"},
        HTTP_ACCEPT_LANGUAGE="en",
    )

    assert response.status_code == 200
    assert response.context["adminform"].form.errors["user"] == [
        "No account uses this email. Ask the person to register first."
    ]


def test_assignment_add_user_already_in_event_is_a_form_error(organisateur_admin, event_a):
    member = AssignmentFactory(event=event_a)

    response = organisateur_admin.client.post(
        reverse("admin:events_usereventassignment_add"),
        {"user": member.user.email, "event": str(event_a.pk), "role": Role.EXPOSANT, "is_active": "on"},
        HTTP_ACCEPT_LANGUAGE="en",
    )

    assert response.status_code == 200
    assert response.context["adminform"].form.errors["user"] == [ALREADY_ASSIGNED]
    assert list(UserEventAssignment.objects.filter(user=member.user).values_list("role", flat=True)) == [
        Role.PARTICIPANT
    ]


def test_event_inline_add_user_already_in_event_is_a_form_error(organisateur_admin, event_a):
    me = organisateur_admin.user
    mine = UserEventAssignment.objects.get(user=me, event=event_a)
    member = AssignmentFactory(event=event_a)  # a participant: not listed in the team inline
    team = [
        (mine, {"user": me.email, "role": Role.ORGANISATEUR, "is_active": "on"}),
        (None, {"user": member.user.email, "role": Role.CONTROLLEUR_DES_BADGES, "is_active": "on"}),
    ]

    response = organisateur_admin.client.post(
        change_url(event_a), event_form(event_a, team=team), HTTP_ACCEPT_LANGUAGE="en"
    )

    assert response.status_code == 200
    forms = response.context["inline_admin_formsets"][0].formset.forms
    assert [form.errors.get("user") for form in forms] == [None, [ALREADY_ASSIGNED]]
    member.refresh_from_db()
    assert member.role == Role.PARTICIPANT


def test_assignment_deactivate_last_organisateur_refused(organisateur_admin, event_a):
    mine = UserEventAssignment.objects.get(user=organisateur_admin.user, event=event_a)

    response = organisateur_admin.client.post(change_url(mine), {"role": Role.ORGANISATEUR}, HTTP_ACCEPT_LANGUAGE="en")

    assert response.status_code == 302
    assert response["Location"] == change_url(mine)
    assert message_texts(response) == [LAST_ORGANISATEUR]
    mine.refresh_from_db()
    assert mine.is_active is True


def test_assignment_deactivate_organisateur_allowed_when_another_remains(organisateur_admin, event_a):
    other = AssignmentFactory(event=event_a, role=Role.ORGANISATEUR)

    response = organisateur_admin.client.post(change_url(other), {"role": Role.ORGANISATEUR})

    assert response.status_code == 302
    other.refresh_from_db()
    assert other.is_active is False


def test_assignment_delete_last_organisateur_refused(organisateur_admin, event_a):
    mine = UserEventAssignment.objects.get(user=organisateur_admin.user, event=event_a)

    response = organisateur_admin.client.post(delete_url(mine), {"post": "yes"}, HTTP_ACCEPT_LANGUAGE="en")

    assert response.status_code == 302
    assert message_texts(response) == [LAST_ORGANISATEUR]
    assert UserEventAssignment.objects.filter(pk=mine.pk, is_active=True).exists()


def test_assignment_bulk_delete_with_last_organisateur_deletes_nothing(organisateur_admin, event_a):
    mine = UserEventAssignment.objects.get(user=organisateur_admin.user, event=event_a)
    member = AssignmentFactory(event=event_a)

    response = organisateur_admin.client.post(
        ASSIGNMENTS,
        {"action": "delete_selected", "_selected_action": [member.pk, mine.pk], "post": "yes"},
        HTTP_ACCEPT_LANGUAGE="en",
    )

    assert response.status_code == 302
    assert message_texts(response) == [LAST_ORGANISATEUR]
    assert UserEventAssignment.objects.filter(pk__in=[member.pk, mine.pk]).count() == 2


def test_event_inline_deactivate_last_organisateur_refused(organisateur_admin, event_a):
    me = organisateur_admin.user
    mine = UserEventAssignment.objects.get(user=me, event=event_a)
    team = [(mine, {"user": me.email, "role": Role.ORGANISATEUR})]

    response = organisateur_admin.client.post(
        change_url(event_a), event_form(event_a, team=team, location="Ailleurs"), HTTP_ACCEPT_LANGUAGE="en"
    )

    assert response.status_code == 302
    assert response["Location"] == change_url(event_a)
    assert message_texts(response) == [LAST_ORGANISATEUR]
    mine.refresh_from_db()
    event_a.refresh_from_db()
    assert (mine.is_active, event_a.location) == (True, "Béjaïa")  # the whole save was undone


def test_event_inline_hands_over_to_a_new_organisateur(organisateur_admin, event_a):
    me = organisateur_admin.user
    mine = UserEventAssignment.objects.get(user=me, event=event_a)
    successor = UserFactory()
    team = [
        (mine, {"user": me.email, "role": Role.ORGANISATEUR, "DELETE": "on"}),
        (None, {"user": successor.email, "role": Role.ORGANISATEUR, "is_active": "on"}),
    ]

    response = organisateur_admin.client.post(change_url(event_a), event_form(event_a, team=team))

    assert response.status_code == 302
    assert list(UserEventAssignment.objects.filter(event=event_a).values_list("user", "role")) == [
        (successor.pk, Role.ORGANISATEUR)
    ]


# --- CSV export -----------------------------------------------------------------------


def test_event_csv_export_has_header_and_selected_rows(superuser_client, event_b):
    emir = EventFactory(
        name="Salle Émir Abdelkader",
        location="Béjaïa",
        start_date=datetime(2025, 6, 1, 8, 0, tzinfo=UTC),
        end_date=datetime(2025, 6, 3, 17, 30, tzinfo=UTC),
        status=Event.Status.UPCOMING,
    )
    Participant.objects.create(event=emir, user=AssignmentFactory(event=emir, role=Role.PARTICIPANT).user)

    response = superuser_client.post(
        EVENTS, {"action": "export_as_csv", "_selected_action": [emir.pk]}, HTTP_ACCEPT_LANGUAGE="en"
    )

    assert response.status_code == 200
    assert response["Content-Type"] == "text/csv; charset=utf-8"
    assert response["Content-Disposition"].startswith('attachment; filename="event-')
    assert response.content.startswith(b"\xef\xbb\xbf")
    assert response.content.decode("utf-8-sig") == (
        "Name;Status;Start date;End date;Location;Participants;Exhibitors;Rooms\r\n"
        "Salle Émir Abdelkader;Upcoming;2025-06-01 09:00;2025-06-03 18:30;Béjaïa;1;0;0\r\n"
    )


def test_assignment_csv_export_organisateur(organisateur_admin, event_a):
    me = organisateur_admin.user
    member = AssignmentFactory(
        event=event_a,
        role=Role.EXPOSANT,
        is_active=False,
        assigned_by=me,
        user=UserFactory(email="karim@makeplus.test", first_name="Karim", last_name="Aït Saïd"),
    )
    UserEventAssignment.objects.filter(pk=member.pk).update(assigned_at=datetime(2025, 5, 20, 9, 15, tzinfo=UTC))

    response = organisateur_admin.client.post(
        ASSIGNMENTS, {"action": "export_as_csv", "_selected_action": [member.pk]}, HTTP_ACCEPT_LANGUAGE="en"
    )

    assert response.status_code == 200
    assert response.content.decode("utf-8-sig") == (
        "Email;Name;Event;Role;Active;Assigned at;Assigned by\r\n"
        "karim@makeplus.test;Karim Aït Saïd;Salon Béjaïa;Exposant;No;2025-05-20 10:15;"
        f"{me.get_full_name()}\r\n"  # names, not emails (issue 20)
    )


def test_csv_export_neutralises_formulas_but_not_phone_numbers(superuser_client):
    event = EventFactory(name='=HYPERLINK("http://x")', location="+213 555 00 00 00")

    response = superuser_client.post(EVENTS, {"action": "export_as_csv", "_selected_action": [event.pk]})

    rows = list(csv.reader(response.content.decode("utf-8-sig").splitlines(), delimiter=";"))
    assert (rows[1][0], rows[1][4]) == ('\'=HYPERLINK("http://x")', "+213 555 00 00 00")


# --- Query counts ---------------------------------------------------------------------


def test_assignment_changelist_query_count_is_fixed(organisateur_admin, event_a):
    client, me = organisateur_admin
    AssignmentFactory(event=event_a, assigned_by=me)

    one, many = assert_same_queries(
        lambda: client.get(ASSIGNMENTS), lambda: AssignmentFactory.create_batch(29, event=event_a, assigned_by=me)
    )

    assert (one.status_code, many.status_code) == (200, 200)


def test_event_changelist_query_count_is_fixed(organisateur_admin):
    client, me = organisateur_admin

    one, many = assert_same_queries(
        lambda: client.get(EVENTS), lambda: [AssignmentFactory(user=me, role=Role.ORGANISATEUR) for _ in range(29)]
    )

    assert (one.status_code, many.status_code) == (200, 200)
