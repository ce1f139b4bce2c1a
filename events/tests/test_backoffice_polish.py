"""Issue 20 item 10: structured editing instead of raw JSON, the event preselected, names instead of emails,
no database constraint names in messages."""

import pytest
from django.urls import reverse

from events.models import Event, Participant
from events.tests.backoffice import in_page_language, message_texts, organiser
from events.tests.factories import badge_holder
from events.tests.test_admin import event_form

pytestmark = pytest.mark.django_db


def change(event):
    return reverse("admin:events_event_change", args=[event.pk])


def test_themes_and_settings_are_edited_without_json(event_a):
    Event.objects.filter(pk=event_a.pk).update(themes=["IA"], settings={"kiosk": "hall A"})
    client, _user = organiser(event_a)
    html = client.get(change(event_a)).content.decode()
    assert 'name="themes_text"' in html and 'name="scan_accepts_badge_id"' in html
    assert 'name="settings"' not in html and 'name="themes"' not in html and 'name="metadata"' not in html
    assert "kiosk: hall A" in html  # other settings shown, read-only
    data = event_form(Event.objects.get(pk=event_a.pk), themes_text="IA\n  Santé \n\nIA\n", scan_accepts_badge_id="on")
    response = client.post(change(event_a), data)
    assert response.status_code == 302
    event = Event.objects.get(pk=event_a.pk)
    assert event.themes == ["IA", "Santé"]
    assert event.settings == {"kiosk": "hall A", "scan_accepts_badge_id": True}
    client.post(change(event_a), event_form(event, themes_text="IA\nSanté"))  # box unticked
    assert Event.objects.get(pk=event_a.pk).settings == {"kiosk": "hall A", "scan_accepts_badge_id": False}


def test_the_event_is_preselected_when_the_organisateur_has_one(event_a, event_b):
    client, user = organiser(event_a)
    for name in ("participant", "room", "session", "annonce", "eposter"):
        app = "annonces" if name == "annonce" else "events"
        form = client.get(reverse(f"admin:{app}_{name}_add")).context["adminform"].form
        assert form["event"].value() in (event_a.pk, str(event_a.pk)), name
    # Two events: no guess.
    from events.models import Role
    from events.tests.factories import AssignmentFactory

    AssignmentFactory(user=user, event=event_b, role=Role.ORGANISATEUR)
    form = client.get(reverse("admin:events_room_add")).context["adminform"].form
    assert form["event"].value() is None


def test_a_second_badge_for_the_same_person_says_why_not_a_constraint_name(event_a):
    client, _user = organiser(event_a)
    holder = badge_holder(event_a, email="amine@example.dz")
    response = client.post(
        reverse("admin:events_participant_add"),
        {
            "email": "amine@example.dz",
            "first_name": "",
            "last_name": "",
            "event": str(event_a.pk),
            "kind": "participant",
            "access_all_rooms": "on",
        },
    )
    texts = " ".join(message_texts(response)) + response.content.decode()
    assert "participant_one_badge_per_event" not in texts and "UNIQUE" not in texts
    assert Participant.objects.filter(user=holder.user).count() == 1
    assert message_texts(response) == [in_page_language(response, "This person already holds a badge in this event.")]


def test_people_are_named_not_emailed_in_lists(event_a):
    client, user = organiser(event_a, first_name="Nadia", last_name="Kaci")
    badge_holder(event_a, first_name="Amine", last_name="Ziani", email="amine@example.dz")
    html = client.get(reverse("admin:events_usereventassignment_changelist")).content.decode()
    assert "Nadia Kaci" in html


def test_an_event_made_in_the_back_office_is_accepted_by_its_creator(event_a):
    from events.models import UserEventAssignment

    client, user = organiser(event_a)
    response = client.post(reverse("admin:events_event_add"), event_form(name="Salon Tlemcen"))
    assert response.status_code == 302
    mine = UserEventAssignment.objects.get(user=user, event__name="Salon Tlemcen")
    assert (mine.role, mine.is_active, mine.accepted_at is not None) == ("organisateur", True, True)
