from datetime import timedelta

import pytest
from django.utils import timezone

from accounts.tests.factories import UserFactory
from annonces.models import Annonce, AnnonceRead
from annonces.tests.factories import AnnonceFactory, AnnonceReadFactory
from events.models import Role
from events.tests.factories import AssignmentFactory

pytestmark = pytest.mark.django_db


def form_data(event, **overrides) -> dict:
    publish_at = timezone.localtime() - timedelta(minutes=5)
    data = {
        "event": str(event.pk),
        "title": "Changement de salle",
        "content": "L'atelier passe en salle B.",
        "target_roles": [Role.PARTICIPANT],
        "publish_at_0": publish_at.strftime("%Y-%m-%d"),
        "publish_at_1": publish_at.strftime("%H:%M:%S"),
        "expires_at_0": "",
        "expires_at_1": "",
    }
    return data | overrides


def test_organiser_sees_only_its_events_annonces_and_receipts(organisateur_admin, event_a, event_b):
    own = AnnonceFactory(event=event_a, title="Chez nous")
    foreign = AnnonceFactory(event=event_b, title="Ailleurs")
    AnnonceReadFactory(annonce=own)
    AnnonceReadFactory(annonce=foreign)
    client = organisateur_admin.client

    annonces = client.get("/admin/annonces/annonce/")
    receipts = client.get("/admin/annonces/annonceread/")

    assert [a.title for a in annonces.context["cl"].result_list] == ["Chez nous"]
    assert [r.annonce.title for r in receipts.context["cl"].result_list] == ["Chez nous"]
    assert client.get(f"/admin/annonces/annonce/{foreign.pk}/change/").status_code == 302


def test_organiser_creates_an_annonce_through_the_service(organisateur_admin, event_a):
    me = organisateur_admin.user
    response = organisateur_admin.client.post("/admin/annonces/annonce/add/", form_data(event_a))

    assert response.status_code == 302, response.context["adminform"].form.errors
    annonce = Annonce.objects.get()
    assert (annonce.title, annonce.target_roles, annonce.created_by) == (
        "Changement de salle",
        ["participant"],
        me,
    )
    assert list(AnnonceRead.objects.values_list("user", flat=True)) == [me.pk]


def test_the_admin_form_applies_the_annonce_rules(organisateur_admin, event_a):
    past = timezone.localtime() - timedelta(hours=1)
    data = form_data(event_a, expires_at_0=past.strftime("%Y-%m-%d"), expires_at_1=past.strftime("%H:%M:%S"))

    response = organisateur_admin.client.post("/admin/annonces/annonce/add/", data)

    assert response.status_code == 200
    assert response.context["adminform"].form.errors["__all__"] == ["Une annonce doit expirer après sa publication."]
    assert not Annonce.objects.exists()


def test_only_the_author_changes_an_annonce_in_the_admin(organisateur_admin, event_a):
    colleague = UserFactory(is_staff=True)
    AssignmentFactory(user=colleague, event=event_a, role=Role.ORGANISATEUR)
    annonce = AnnonceFactory(event=event_a, created_by=colleague, title="De ma collègue")
    client = organisateur_admin.client

    page = client.get(f"/admin/annonces/annonce/{annonce.pk}/change/")
    post = client.post(f"/admin/annonces/annonce/{annonce.pk}/change/", form_data(event_a, title="Volée"))
    delete = client.post(f"/admin/annonces/annonce/{annonce.pk}/delete/", {"post": "yes"})

    assert page.status_code == 200
    assert page.context["has_change_permission"] is False
    assert (post.status_code, delete.status_code) == (403, 403)
    annonce.refresh_from_db()
    assert annonce.title == "De ma collègue"


def test_the_author_edits_its_annonce_and_sees_its_read_statistics(organisateur_admin, event_a):
    annonce = AnnonceFactory(event=event_a, created_by=organisateur_admin.user, target_roles=[Role.PARTICIPANT])
    reader = AssignmentFactory(event=event_a, role=Role.PARTICIPANT).user
    AssignmentFactory(event=event_a, role=Role.PARTICIPANT)
    AnnonceReadFactory(annonce=annonce, user=reader)
    client = organisateur_admin.client

    page = client.get(f"/admin/annonces/annonce/{annonce.pk}/change/")
    data = form_data(event_a, title="Corrigée")
    del data["event"]
    response = client.post(f"/admin/annonces/annonce/{annonce.pk}/change/", data)

    assert "1 sur 2 membres ciblés" in page.content.decode()
    assert response.status_code == 302
    annonce.refresh_from_db()
    assert annonce.title == "Corrigée"


def test_csv_export_of_annonces(organisateur_admin, event_a):
    annonce = AnnonceFactory(event=event_a, title="Export", target_roles=[Role.EXPOSANT, Role.PARTICIPANT])

    response = organisateur_admin.client.post(
        "/admin/annonces/annonce/", {"action": "export_as_csv", "_selected_action": [str(annonce.pk)]}
    )

    assert response.status_code == 200
    lines = response.content.decode("utf-8-sig").splitlines()
    assert len(lines) == 2
    assert lines[1].startswith("Export;")
    assert "Participant, Exposant" in lines[1]
