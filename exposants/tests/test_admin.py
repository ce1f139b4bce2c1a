import pytest
from django.contrib.messages import get_messages
from django.urls import reverse

from accounts.tests.factories import UserFactory
from events.models import Role
from events.tests.factories import AssignmentFactory
from events.tests.pdfs import pdf_upload
from exposants.models import Exposant, ExposantScan
from exposants.tests.factories import ExposantFactory, ExposantScanFactory

pytestmark = pytest.mark.django_db

PROFILES = reverse("admin:exposants_exposant_changelist")
SCANS = reverse("admin:exposants_exposantscan_changelist")
ADD = reverse("admin:exposants_exposant_add")


def change_url(obj):
    return reverse(f"admin:exposants_{obj._meta.model_name}_change", args=[obj.pk])


def profile_form(**overrides) -> dict:
    data = {
        "company_name": "Cirta Solaire",
        "description": "",
        "stand_number": "E07",
        "stand_location": "Esplanade",
        "website": "",
        "logo_url": "",
        "contact_email": "",
        "contact_phone": "",
    }
    data.update(overrides)
    return data


def test_lists_only_the_organised_events_rows(organisateur_admin, event_a, event_b):
    client = organisateur_admin.client
    own = ExposantScanFactory(exposant__event=event_a)
    ExposantScanFactory(exposant__event=event_b)

    profiles = client.get(PROFILES)
    scans = client.get(SCANS)

    assert list(profiles.context["cl"].result_list) == [own.exposant]
    assert list(scans.context["cl"].result_list) == [own]
    assert profiles.context["cl"].result_list[0].visit_count == 1


def test_another_events_profile_is_out_of_reach(organisateur_admin, event_b):
    client = organisateur_admin.client
    other = ExposantFactory(event=event_b, company_name="El Bahia Pay")

    page = client.get(change_url(other))
    post = client.post(change_url(other), profile_form(company_name="Piraté"))

    assert (page.status_code, page["Location"]) == (302, reverse("admin:index"))
    assert post.status_code == 302
    other.refresh_from_db()
    assert other.company_name == "El Bahia Pay"


def test_add_a_profile_for_an_exposant_of_the_event(organisateur_admin, event_a, media_root):
    user = UserFactory(email="rania@example.dz")
    AssignmentFactory(user=user, event=event_a, role=Role.EXPOSANT)

    response = organisateur_admin.client.post(
        ADD, profile_form(event=str(event_a.pk), user="Rania@Example.dz", plan_file=pdf_upload("plan.pdf"))
    )

    assert response.status_code == 302, response.context and response.context["adminform"].form.errors
    profile = Exposant.objects.get()
    assert (profile.event, profile.user, profile.stand_number) == (event_a, user, "E07")
    assert profile.plan_file.name.startswith("exposants/plans/")


def test_adding_a_profile_for_a_non_exposant_is_refused(organisateur_admin, event_a):
    user = UserFactory(email="karim@example.dz")
    AssignmentFactory(user=user, event=event_a, role=Role.PARTICIPANT)

    response = organisateur_admin.client.post(
        ADD, profile_form(event=str(event_a.pk), user="karim@example.dz"), HTTP_ACCEPT_LANGUAGE="en"
    )

    assert response.status_code == 302
    assert [str(m) for m in get_messages(response.wsgi_request)] == ["This user is not an exposant of this event."]
    assert not Exposant.objects.exists()


def test_change_goes_through_the_service(organisateur_admin, event_a, media_root, django_capture_on_commit_callbacks):
    client = organisateur_admin.client
    ExposantFactory(event=event_a, stand_number="A01")
    profile = ExposantFactory(event=event_a, stand_number="B01")

    taken = client.post(change_url(profile), profile_form(stand_number="A01"), HTTP_ACCEPT_LANGUAGE="en")
    with django_capture_on_commit_callbacks(execute=True):
        ok = client.post(change_url(profile), profile_form(plan_file=pdf_upload()))
    first = Exposant.objects.get(pk=profile.pk).plan_file.name
    with django_capture_on_commit_callbacks(execute=True):
        client.post(change_url(profile), profile_form(plan_file=pdf_upload("v2.pdf")))

    assert (taken.status_code, taken["Location"]) == (302, change_url(profile))
    assert [str(m) for m in get_messages(taken.wsgi_request)] == [
        "Another exposant already has this stand number in this event."
    ]
    assert ok.status_code == 302
    profile.refresh_from_db()
    assert (profile.company_name, profile.stand_number) == ("Cirta Solaire", "E07")
    assert profile.plan_file.name != first
    assert not (media_root / first).exists()


def test_scans_are_read_only_and_export_to_csv(organisateur_admin, event_a):
    client = organisateur_admin.client
    scan = ExposantScanFactory(
        exposant__event=event_a,
        exposant__company_name="Atlas Cloud",
        participant__user__first_name="Amina",
        participant__user__last_name="Kaci",
        notes="Rappeler",
        rating=4,
    )

    page = client.get(change_url(scan))
    export = client.post(
        SCANS, {"action": "export_as_csv", "_selected_action": [str(scan.pk)]}, HTTP_ACCEPT_LANGUAGE="en"
    )

    assert page.status_code == 200
    assert page.context["has_change_permission"] is False
    assert client.get(reverse("admin:exposants_exposantscan_add")).status_code == 403
    rows = export.content.decode("utf-8-sig").splitlines()
    assert rows[1].endswith(";Atlas Cloud;Amina Kaci;4;Rappeler")
    assert ExposantScan.objects.count() == 1


def test_add_and_change_pages_render(organisateur_admin, event_a):
    client = organisateur_admin.client
    profile = ExposantFactory(event=event_a)

    add = client.get(ADD)
    change = client.get(change_url(profile))

    assert add.status_code == 200
    assert list(add.context["adminform"].form.fields["event"].queryset) == [event_a]
    assert change.status_code == 200
    assert "event" not in change.context["adminform"].form.fields  # chosen once, read-only after
