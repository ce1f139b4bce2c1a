"""Issue 20 item 5: bulk work from the back office by an organisateur WITHOUT the staff flag: the participant
import (dry run then confirm), badges of a filter as a background job with progress and a download, badge
emails and invitations from a selection."""

import io

import pytest
from django.urls import reverse
from pypdf import PdfReader

from events import admin_participants
from events.models import Participant
from events.tests.backoffice import is_login_page, organiser, signed_in
from events.tests.factories import badge_holder
from events.tests.factories_programme import RoomFactory
from events.tests.test_import import csv_upload
from makeplus.models import Job

pytestmark = pytest.mark.django_db

PARTICIPANTS = reverse("admin:events_participant_changelist")
IMPORT = reverse("admin:events_participant_import")
JOBS = reverse("admin:makeplus_job_changelist")


def _act(client, action, participants, **extra):
    return client.post(PARTICIPANTS, {"action": action, "_selected_action": [str(p.pk) for p in participants], **extra})


@pytest.mark.django_db(transaction=True)  # the job runs once its start commits
def test_an_organisateur_without_staff_flag_imports_participants(event_a, event_b):
    RoomFactory(event=event_a, name="Salle A")
    client, _user = organiser(event_a)
    assert client.get(IMPORT).status_code == 200
    rows = [["amina@example.dz", "Amina", "Kaci", "", "", "", "Salle A", ""]]
    checked = client.post(IMPORT, {"event": str(event_a.pk), "file": csv_upload(rows)})
    assert (checked.context["report"]["created"], checked.context["report"]["errors"]) == (1, [])
    assert Participant.objects.count() == 0  # the check writes nothing
    done = client.post(IMPORT, {"token": checked.context["token"]})
    assert done.status_code == 302
    assert list(Participant.objects.values_list("event_id", "user__email")) == [(event_a.pk, "amina@example.dz")]
    # The other event is not a choice.
    refused = client.post(IMPORT, {"event": str(event_b.pk), "file": csv_upload(rows)})
    assert "event" in refused.context["form"].errors


def test_a_participant_gets_the_login_page_at_the_import(event_a):
    assert is_login_page(signed_in(badge_holder(event_a).user).get(IMPORT))


@pytest.mark.django_db(transaction=True)
def test_printing_a_large_selection_is_a_job_with_progress_and_a_download(event_a, event_b, monkeypatch):
    monkeypatch.setattr(admin_participants, "MAX_BADGES_PER_PDF", 2)
    client, user = organiser(event_a)
    chosen = [badge_holder(event_a) for _ in range(3)]
    badge_holder(event_a)  # not selected
    response = _act(client, "print_badges", chosen)
    assert response.status_code == 302
    job = Job.objects.get()
    assert (job.kind, job.status, job.total, job.progress, job.event_id, job.created_by) == (
        "badges_pdf_selection",
        "done",
        3,
        3,
        event_a.pk,
        user,
    )
    assert job.result["badges"] == 3
    listing = client.get(JOBS).content.decode()
    download_url = reverse("admin:makeplus_job_download", args=[job.pk])
    assert download_url in listing
    download = client.get(download_url)
    assert download.status_code == 200
    assert download["Content-Type"] == "application/pdf"
    assert len(PdfReader(io.BytesIO(b"".join(download.streaming_content))).pages) == 1
    # Another event's organisateur: no job, no download.
    other, _ = organiser(event_b)
    assert other.get(download_url).status_code == 404
    assert str(job.pk) not in other.get(JOBS).content.decode()


def test_a_small_selection_prints_at_once(event_a):
    client, _user = organiser(event_a)
    response = _act(client, "print_badges", [badge_holder(event_a)])
    assert response["Content-Type"] == "application/pdf"
    assert not Job.objects.exists()


def test_another_events_holders_are_never_printed(event_a, event_b):
    client, _user = organiser(event_a)
    theirs = badge_holder(event_b)
    response = _act(client, "print_badges", [theirs])
    assert response.status_code == 302  # nothing selected in the caller's rows: nothing printed
    assert not Job.objects.exists()


@pytest.mark.django_db(transaction=True)
def test_badge_emails_from_a_selection(event_a, mailoutbox):
    client, _user = organiser(event_a)
    chosen = [badge_holder(event_a, email=f"b{i}@example.dz") for i in range(2)]
    badge_holder(event_a, email="not-chosen@example.dz")
    _act(client, "email_badges", chosen)
    job = Job.objects.get(kind="send_badges")
    assert (job.status, job.result["sent"]) == ("done", 2)
    assert sorted(m.to[0] for m in mailoutbox) == ["b0@example.dz", "b1@example.dz"]


def test_invitations_from_a_selection(event_a, mailoutbox, django_capture_on_commit_callbacks):
    client, _user = organiser(event_a)
    new = badge_holder(event_a, email="new@example.dz")
    new.user.set_unusable_password()  # never chose a password: invited
    new.user.save()
    has_password = badge_holder(event_a, email="old@example.dz")
    mailoutbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        _act(client, "resend_invitations", [new, has_password])
    assert [m.to for m in mailoutbox] == [["new@example.dz"]]
