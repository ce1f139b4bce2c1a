from datetime import timedelta

import pytest

from events.models import Session
from events.tests.factories_programme import RoomFactory, SessionFactory

pytestmark = pytest.mark.django_db


def test_organiser_sees_only_its_rooms_and_sessions(organisateur_admin, event_a, event_b):
    client = organisateur_admin.client
    own = RoomFactory(event=event_a, name="Salle Atlas")
    foreign = RoomFactory(event=event_b, name="Salle Oran")
    SessionFactory(room=own, title="Keynote")
    foreign_session = SessionFactory(room=foreign, title="Ailleurs")

    rooms = client.get("/admin/events/room/")
    sessions = client.get("/admin/events/session/")

    assert rooms.status_code == 200
    assert [r.name for r in rooms.context["cl"].result_list] == ["Salle Atlas"]
    assert [s.title for s in sessions.context["cl"].result_list] == ["Keynote"]
    assert client.get(f"/admin/events/room/{own.pk}/change/").status_code == 200
    assert client.get(f"/admin/events/room/{foreign.pk}/change/").status_code == 302
    assert client.get(f"/admin/events/session/{foreign_session.pk}/change/").status_code == 302


def test_session_form_applies_the_programme_rules(organisateur_admin, event_a):
    room = RoomFactory(event=event_a)
    existing = SessionFactory(room=room)
    start = existing.start_time + timedelta(minutes=30)

    response = organisateur_admin.client.post(
        "/admin/events/session/add/",
        {
            "event": str(event_a.pk),
            "room": str(room.pk),
            "title": "Chevauchement",
            "start_time_0": start.strftime("%Y-%m-%d"),
            "start_time_1": start.strftime("%H:%M:%S"),
            "end_time_0": (start + timedelta(hours=1)).strftime("%Y-%m-%d"),
            "end_time_1": (start + timedelta(hours=1)).strftime("%H:%M:%S"),
            "status": "scheduled",
            "session_type": "conference",
            "price": "0",
            "metadata": "{}",
        },
    )

    assert response.status_code == 200
    assert response.context["adminform"].form.errors["__all__"] == [
        "Une autre séance a lieu dans cette salle à ce moment-là."
    ]
    assert Session.objects.count() == 1


def test_organiser_sees_only_its_shifts(organisateur_admin, event_a, event_b):
    from events.tests.factories_staff import RoomAssignmentFactory

    own = RoomAssignmentFactory(room=RoomFactory(event=event_a))
    RoomAssignmentFactory(room=RoomFactory(event=event_b))

    response = organisateur_admin.client.get("/admin/events/roomassignment/")

    assert [a.pk for a in response.context["cl"].result_list] == [own.pk]
