"""The admin's "Import participants" page: check (dry run), confirm, scoping to the caller's events."""

import pytest
from django.contrib.messages import get_messages
from django.test import Client
from django.urls import reverse

from accounts.tests.factories import UserFactory
from events.models import Participant, Role
from events.tests.factories import AssignmentFactory
from events.tests.factories_programme import RoomFactory
from events.tests.test_import import csv_upload
from makeplus.models import Job

pytestmark = pytest.mark.django_db

PAGE = reverse("admin:events_participant_import")
CHANGELIST = reverse("admin:events_participant_changelist")
ROWS = [
    ["amina@example.dz", "Amina", "Kaci", "", "", "", "Salle A", ""],
    ["karim@example.dz", "Karim", "Haddad", "", "", "exposant", "", ""],
]


@pytest.fixture
def rooms(event_a, event_b):
    RoomFactory(event=event_a, name="Salle A")
    RoomFactory(event=event_b, name="Salle Oran")


def messages_of(response):
    return [str(m) for m in get_messages(response.wsgi_request)]


def check(client, event, rows, **extra):
    return client.post(PAGE, {"event": str(event.pk), "file": csv_upload(rows), **extra})


def test_the_participants_list_links_to_the_import_page(organisateur_admin):
    response = organisateur_admin.client.get(CHANGELIST)

    assert response.status_code == 200
    assert f'href="{PAGE}"' in response.content.decode()


def test_the_page_offers_only_the_callers_events(organisateur_admin, event_a, event_b):
    response = organisateur_admin.client.get(PAGE)

    assert response.status_code == 200
    assert list(response.context["form"].fields["event"].queryset) == [event_a]


def test_check_shows_the_errors_and_writes_nothing(organisateur_admin, event_a, rooms):
    rows = [*ROWS, ["bad@", "", "", "", "", "", "Salle Oran", ""]]

    response = check(organisateur_admin.client, event_a, rows)

    assert response.status_code == 200
    report = response.context["report"]
    assert [(e["line"], e["column"], e["code"]) for e in report["errors"]] == [
        (4, "Courriel", "invalid_email"),
        (4, "Salles", "unknown_room"),
    ]
    assert "token" not in response.context
    html = response.content.decode()
    assert "<td>4</td><td>Courriel</td><td><code>invalid_email</code></td>" in html
    assert 'id="import-confirm"' not in html
    assert Participant.objects.count() == 0


@pytest.mark.django_db(transaction=True)  # the job runs once its start commits
def test_check_then_confirm_imports_the_file(organisateur_admin, event_a, rooms):
    checked = check(organisateur_admin.client, event_a, ROWS)
    assert (checked.context["report"]["created"], checked.context["report"]["errors"]) == (2, [])
    assert Participant.objects.count() == 0

    response = organisateur_admin.client.post(PAGE, {"token": checked.context["token"]})

    assert response.status_code == 302
    assert response["Location"] == f"{CHANGELIST}?event__id__exact={event_a.pk}"
    assert messages_of(response) == ["Importation terminée : 2 créés, 0 mis à jour, 0 inchangés, 0 invités."]
    assert sorted(Participant.objects.filter(event=event_a).values_list("user__email", "kind")) == [
        ("amina@example.dz", "participant"),
        ("karim@example.dz", "exposant"),
    ]
    job = Job.objects.get()
    assert (job.kind, job.created_by, job.result["created"]) == ("import_participants", organisateur_admin.user, 2)


@pytest.mark.django_db(transaction=True)  # the job runs once its start commits
def test_a_confirmation_works_once(organisateur_admin, event_a, rooms):
    token = check(organisateur_admin.client, event_a, ROWS).context["token"]
    organisateur_admin.client.post(PAGE, {"token": token})

    again = organisateur_admin.client.post(PAGE, {"token": token})

    assert again.status_code == 302
    assert messages_of(again)[-1] == "Ce fichier a déjà été importé ou a expiré : vérifiez-le de nouveau."
    assert Job.objects.count() == 1


def test_a_forged_token_is_refused(organisateur_admin, event_a, rooms):
    response = organisateur_admin.client.post(PAGE, {"token": "forged"})

    assert response.status_code == 302
    assert messages_of(response) == [
        "Cette vérification est trop ancienne ou invalide : vérifiez de nouveau le fichier."
    ]


def test_another_organisateur_cannot_confirm_the_check(organisateur_admin, event_a, rooms):
    token = check(organisateur_admin.client, event_a, ROWS).context["token"]
    other = UserFactory(is_staff=True)
    AssignmentFactory(user=other, event=event_a, role=Role.ORGANISATEUR)
    client = Client()
    client.force_login(other)

    response = client.post(PAGE, {"token": token})

    assert response.status_code == 403
    assert Participant.objects.count() == 0


def test_another_events_import_is_refused(organisateur_admin, event_b, rooms):
    response = check(organisateur_admin.client, event_b, ROWS)

    assert response.status_code == 200
    assert "event" in response.context["form"].errors
    assert "report" not in response.context
    assert Participant.objects.count() == 0


def test_a_bad_file_is_a_form_error(organisateur_admin, event_a, rooms):
    response = organisateur_admin.client.post(
        PAGE, {"event": str(event_a.pk), "file": csv_upload([["x"]], header=["Nom"])}
    )

    assert response.status_code == 200
    assert response.context["form"].errors["file"] == [
        "Aucune colonne e-mail trouvée : la première ligne doit nommer les colonnes (e-mail, prénom, nom...)."
    ]


def test_staff_without_an_organised_event_is_refused(event_a):
    user = UserFactory(is_staff=True)
    AssignmentFactory(user=user, event=event_a, role=Role.GESTIONNAIRE_DES_SALLES)
    client = Client()
    client.force_login(user)

    assert client.get(PAGE).status_code == 403


def test_anonymous_goes_to_the_login_page(client, db):
    response = client.get(PAGE)

    assert response.status_code == 302
    assert response["Location"].startswith(reverse("admin:login"))
