"""Issue 20 item 4: rooms, sessions and shifts are written through the services; the session status only
through actions (mark live, completed, back to scheduled, cancel with a reason)."""

from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from conftest import assert_same_queries
from events.models import Room, RoomAssignment, Session
from events.tests.backoffice import in_page_language, is_login_page, message_texts, organiser, signed_in
from events.tests.factories import AssignmentFactory, badge_holder
from events.tests.factories_ateliers import SessionAccessFactory
from events.tests.factories_programme import RoomFactory, SessionFactory

pytestmark = pytest.mark.django_db

SESSIONS = reverse("admin:events_session_changelist")
ROOMS = reverse("admin:events_room_changelist")
SHIFTS = reverse("admin:events_roomassignment_changelist")


def _dt(value):
    value = timezone.localtime(value)  # the admin's widgets are in local time
    return {"0": value.strftime("%Y-%m-%d"), "1": value.strftime("%H:%M:%S")}


def session_form(session, **overrides):
    data = {
        "room": str(session.room_id),
        "title": session.title,
        "description": "",
        "start_time_0": _dt(session.start_time)["0"],
        "start_time_1": _dt(session.start_time)["1"],
        "end_time_0": _dt(session.end_time)["0"],
        "end_time_1": _dt(session.end_time)["1"],
        "speaker_name": "",
        "speaker_title": "",
        "speaker_bio": "",
        "speaker_photo_url": "",
        "theme": "",
        "session_type": session.session_type,
        "price": str(session.price),
        "youtube_live_url": "",
        "cover_image_url": "",
    }
    data.update(overrides)
    return data


@pytest.fixture
def programme(event_a, event_b):
    client, user = organiser(event_a)
    room = RoomFactory(event=event_a, name="Salle Atlas")
    keynote = SessionFactory(room=room, title="Keynote")
    theirs = SessionFactory(room=RoomFactory(event=event_b, name="Salle Tassili"), title="Ailleurs")
    return {"client": client, "user": user, "room": room, "keynote": keynote, "theirs": theirs}


def _act(client, action, *sessions, **extra):
    return client.post(SESSIONS, {"action": action, "_selected_action": [str(s.pk) for s in sessions], **extra})


def test_the_status_is_read_only_in_the_form(programme):
    keynote = programme["keynote"]
    url = reverse("admin:events_session_change", args=[keynote.pk])
    form = programme["client"].get(url).context["adminform"].form
    assert "status" not in form.fields
    programme["client"].post(url, session_form(keynote, status="completed"))
    assert Session.objects.get(pk=keynote.pk).status == "scheduled"


def test_mark_live_then_completed_through_the_service(programme):
    client, keynote = programme["client"], programme["keynote"]
    _act(client, "mark_live", keynote)
    assert Session.objects.get(pk=keynote.pk).status == "live"
    _act(client, "mark_completed", keynote)
    assert Session.objects.get(pk=keynote.pk).status == "completed"


def test_a_refused_transition_says_why_and_changes_nothing(programme):
    client, keynote = programme["client"], programme["keynote"]
    _act(client, "mark_live", keynote)
    _act(client, "mark_completed", keynote)
    response = _act(client, "mark_scheduled", keynote)  # completed is final
    assert Session.objects.get(pk=keynote.pk).status == "completed"
    texts = message_texts(response)
    assert texts[-1].startswith("Keynote: ")


def test_cancel_asks_a_reason_then_records_date_author_and_reason(programme):
    client, keynote = programme["client"], programme["keynote"]
    page = _act(client, "cancel_sessions", keynote)
    assert page.status_code == 200
    assert "Keynote" in page.content.decode()
    assert Session.objects.get(pk=keynote.pk).status == "scheduled"
    empty = _act(client, "cancel_sessions", keynote, apply="1", reason="")
    assert empty.status_code == 200 and "reason" in empty.context["form"].errors
    done = _act(client, "cancel_sessions", keynote, apply="1", reason="Orateur absent")
    assert done.status_code == 302
    keynote.refresh_from_db()
    assert (keynote.status, keynote.cancel_reason, keynote.cancelled_by) == (
        "cancelled",
        "Orateur absent",
        programme["user"],
    )
    assert keynote.cancelled_at is not None


def test_status_actions_on_another_events_session_do_nothing(programme):
    client, theirs = programme["client"], programme["theirs"]
    _act(client, "mark_live", theirs)
    _act(client, "cancel_sessions", theirs, apply="1", reason="x")
    assert Session.objects.get(pk=theirs.pk).status == "scheduled"


def test_session_edits_go_through_the_service_rules(programme, event_a):
    client, keynote = programme["client"], programme["keynote"]
    url = reverse("admin:events_session_change", args=[keynote.pk])
    response = client.post(url, session_form(keynote, title="Keynote d'ouverture"))
    assert response.status_code == 302
    assert Session.objects.get(pk=keynote.pk).title == "Keynote d'ouverture"
    outside = keynote.start_time + timedelta(days=30)
    bad = client.post(
        url, session_form(keynote, start_time_0=_dt(outside)["0"], end_time_0=_dt(outside + timedelta(hours=1))["0"])
    )
    assert bad.status_code == 200
    assert bad.context["adminform"].form.errors["__all__"] == [
        in_page_language(bad, "A session must take place within the event's dates.")
    ]


def test_deleting_a_session_with_registrations_is_refused_by_the_service(programme):
    client, keynote = programme["client"], programme["keynote"]
    atelier = SessionFactory(
        room=programme["room"],
        title="Atelier",
        session_type="atelier",
        start_time=keynote.end_time,
        end_time=keynote.end_time + timedelta(hours=1),
    )
    SessionAccessFactory(session=atelier, participant=badge_holder(programme["room"].event))
    response = client.post(reverse("admin:events_session_delete", args=[atelier.pk]), {"post": "yes"})
    assert response.status_code == 302
    assert Session.objects.filter(pk=atelier.pk).exists()
    assert message_texts(response) == [
        in_page_language(response, "Participants are registered for this session; cancel it instead.")
    ]


def test_room_add_goes_through_the_service_and_the_event_is_preselected(programme, event_a):
    client = programme["client"]
    add = client.get(reverse("admin:events_room_add"))
    assert add.context["adminform"].form.fields["event"].initial == event_a.pk
    response = client.post(
        reverse("admin:events_room_add"),
        {"event": str(event_a.pk), "name": "salle atlas", "capacity": "50", "description": "", "location": ""},
    )
    # The service's rule (names are unique case-insensitively), not a database constraint name.
    assert response.status_code == 302
    assert Room.objects.filter(event=event_a).count() == 1
    assert message_texts(response) == [
        in_page_language(response, "A room with this name already exists in this event.")
    ]
    ok = client.post(
        reverse("admin:events_room_add"),
        {"event": str(event_a.pk), "name": "Salle Hoggar", "capacity": "50", "description": "", "location": ""},
    )
    assert ok.status_code == 302
    assert Room.objects.get(name="Salle Hoggar").created_by == programme["user"]


def test_room_capacity_below_occupancy_is_refused(programme):
    room = programme["room"]
    Room.objects.filter(pk=room.pk).update(current_participants=20)
    response = programme["client"].post(
        reverse("admin:events_room_change", args=[room.pk]),
        {"name": room.name, "capacity": "10", "description": "", "location": "", "is_active": "on"},
    )
    assert response.status_code == 302
    assert Room.objects.get(pk=room.pk).capacity == 100


def test_the_session_form_offers_only_the_events_rooms(programme):
    form = programme["client"].get(reverse("admin:events_session_add")).context["adminform"].form
    assert [str(room) for room in form.fields["room"].queryset] == ["Salle Atlas"]
    assert [str(e) for e in form.fields["event"].queryset] == ["TechSummit Algeria"]


def test_the_shift_page_offers_only_the_events_rooms_and_names(programme, event_a, event_b):
    member = AssignmentFactory(
        event=event_a, role="controlleur_des_badges", user__first_name="Sami", user__last_name="Hadj"
    )
    AssignmentFactory(event=event_b, role="controlleur_des_badges", user__first_name="Karim", user__last_name="Oran")
    form = programme["client"].get(reverse("admin:events_roomassignment_add")).context["adminform"].form
    assert [str(r) for r in form.fields["room"].queryset] == ["Salle Atlas"]
    labels = [label for _value, label in form.fields["user"].choices]
    assert "Sami Hadj" in labels and not any("Oran" in str(label) for label in labels)
    start = programme["keynote"].start_time
    response = programme["client"].post(
        reverse("admin:events_roomassignment_add"),
        {
            "user": str(member.user.pk),
            "room": str(programme["room"].pk),
            "role": "controlleur_des_badges",
            "start_time_0": _dt(start)["0"],
            "start_time_1": _dt(start)["1"],
            "end_time_0": _dt(start + timedelta(hours=2))["0"],
            "end_time_1": _dt(start + timedelta(hours=2))["1"],
            "is_active": "on",
            "notes": "",
        },
    )
    assert response.status_code == 302
    shift = RoomAssignment.objects.get(user=member.user)
    assert shift.assigned_by == programme["user"]


def test_session_filters_list_only_the_events_rooms(programme, event_a):
    SessionFactory(room=RoomFactory(event=event_a, name="Salle Hoggar"), title="Atelier IA")
    response = programme["client"].get(SESSIONS)
    flat = " ".join(
        str(c["display"]) for spec in response.context["cl"].filter_specs for c in spec.choices(response.context["cl"])
    )
    assert "Salle Hoggar" in flat and "Tassili" not in flat


def test_a_participant_gets_the_login_page(programme, event_a):
    client = signed_in(badge_holder(event_a).user)
    assert is_login_page(client.get(SESSIONS))
    assert is_login_page(_act(client, "mark_live", programme["keynote"]))
    assert Session.objects.get(pk=programme["keynote"].pk).status == "scheduled"


def test_sessions_list_query_count_does_not_grow(programme, event_a):
    def more():
        for _hour in range(2, 6):
            room = RoomFactory(event=event_a)
            SessionFactory(room=room)

    assert_same_queries(lambda: programme["client"].get(SESSIONS).status_code, more)


def test_the_session_page_has_the_status_buttons_of_its_status(programme):
    client, keynote = programme["client"], programme["keynote"]
    url = reverse("admin:events_session_change", args=[keynote.pk])
    html = client.get(url).content.decode()
    assert 'id="mp-mark_live"' in html and 'id="mp-cancel_sessions"' in html
    assert html.count('class="mp-status"') == 3
    assert 'id="mp-mark_scheduled"' not in html
    _act(client, "mark_live", keynote)
    html = client.get(url).content.decode()
    assert 'id="mp-mark_scheduled"' in html and 'id="mp-mark_live"' not in html
    _act(client, "cancel_sessions", keynote, apply="1", reason="Salle inondée")
    html = client.get(url).content.decode()
    assert 'class="mp-status"' not in html  # cancelled: final, no button
    assert "Salle inondée" in html
