"""Issue 20 item 2: the event dashboard in the back office, the same numbers as the API statistics."""

from datetime import timedelta

import pytest
from django.urls import reverse

from conftest import assert_same_queries
from events.calendar import event_day_bounds
from events.counters import count_scan
from events.models import Participant, Role, Room, RoomAccess
from events.services.access import check_in_participant
from events.tests.backoffice import is_login_page, organiser, signed_in
from events.tests.factories import badge_holder
from events.tests.factories_ateliers import AtelierFactory, SessionAccessFactory
from events.tests.factories_programme import RoomFactory

pytestmark = pytest.mark.django_db


def page(event):
    return reverse("admin:events_event_dashboard", args=[event.pk])


def data(event):
    return reverse("admin:events_event_dashboard_data", args=[event.pk])


def _scan(room, hour, status="granted", reason=""):
    count_scan(
        room_id=room.pk,
        scanned_at=event_day_bounds()[0] + timedelta(hours=hour, minutes=5),
        status=status,
        denial_reason=reason,
    )


@pytest.fixture
def world(event_a, event_b):
    atlas = RoomFactory(event=event_a, name="Salle Atlas", capacity=4)
    hoggar = RoomFactory(event=event_a, name="Salle Hoggar", capacity=10)
    RoomFactory(event=event_b, name="Salle Tassili", capacity=10)
    holders = [badge_holder(event_a) for _ in range(3)]
    badge_holder(event_a, kind=Participant.Kind.EXPOSANT)
    check_in_participant(participant=holders[0])
    check_in_participant(participant=holders[1])
    Room.objects.filter(pk=atlas.pk).update(current_participants=4)
    Room.objects.filter(pk=hoggar.pk).update(current_participants=9)
    _scan(atlas, 9)
    _scan(atlas, 9)
    _scan(hoggar, 10, "denied", RoomAccess.Reason.ROOM_FULL)
    _scan(hoggar, 11, "denied", RoomAccess.Reason.REVOKED)
    atelier = AtelierFactory(room=hoggar, paid=True, title="Atelier Robotique")
    SessionAccessFactory(session=atelier, participant=holders[0], paid=True)
    SessionAccessFactory(session=atelier, participant=holders[1])
    return {"atlas": atlas, "hoggar": hoggar, "atelier": atelier}


def test_the_dashboard_shows_today_at_a_glance(event_a, world):
    client, _user = organiser(event_a)
    response = client.get(page(event_a))
    assert response.status_code == 200
    html = response.content.decode()
    assert "Salle Atlas" in html and "Salle Hoggar" in html
    assert "Salle Tassili" not in html
    assert html.count('<span class="mp-full">') == 1  # Atlas 4/4
    assert html.count('<span class="mp-nearly">') == 1  # Hoggar 9/10
    assert "Atelier Robotique" in html
    assert f'data-url="{data(event_a)}"' in html
    d = response.context["data"]
    assert d["checked_in"] == {"participants": 2, "expected_participants": 3, "exposants": 0, "expected_exposants": 1}
    assert d["ateliers"] == {"registered": 1, "paid": 1, "cancelled": 0, "revenue": "1500.00"}
    assert [(r["name"], r["current_participants"], r["occupancy_percentage"], r["full"]) for r in d["rooms"]] == [
        ("Salle Atlas", 4, 100.0, True),
        ("Salle Hoggar", 9, 90.0, False),
    ]
    hours = {h["hour"]: (h["granted"], h["denied"]) for h in d["scans_today"]["by_hour"] if h["granted"] or h["denied"]}
    assert hours == {9: (2, 0), 10: (0, 1), 11: (0, 1)}
    bars = {h["hour"]: (h["height"], h["denied_share"]) for h in d["scans_today"]["by_hour"]}
    assert (bars[9], bars[10], bars[12]) == ((100, 0), (50, 100), (0, 0))
    assert '<div class="mp-bar" data-hour="10" style="height: 50%"' in html
    denied = {r["reason"]: r["count"] for r in d["scans_today"]["denied_by_reason"] if r["count"]}
    assert denied == {"room_full": 1, "revoked": 1}
    assert d["top_sessions"][0]["title"] == "Atelier Robotique"
    assert d["top_sessions"][0]["places"] == 2


def test_the_numbers_are_the_api_statistics(event_a, world, member):
    client, _user = organiser(event_a)
    mine = client.get(data(event_a)).json()
    api = member(Role.ORGANISATEUR, event_a).client.get(f"/api/events/{event_a.pk}/statistics/").json()
    assert mine["checked_in"]["expected_participants"] == api["totals"]["participants"] == 3
    assert mine["checked_in"]["expected_exposants"] == api["totals"]["exhibitors"] == 1
    assert mine["scans_today"]["granted"] == api["scans_today"]["granted"] == 2
    assert mine["scans_today"]["denied"] == api["scans_today"]["denied"] == 2
    assert {r["reason"]: r["count"] for r in mine["scans_today"]["denied_by_reason"]} == api["scans_today"][
        "denied_by_reason"
    ]
    assert [(r["id"], r["current_participants"], r["occupancy_percentage"]) for r in mine["rooms"]] == [
        (str(r["id"]), r["current_participants"], r["occupancy_percentage"]) for r in api["rooms"]
    ]
    # The hours add up to the day's totals.
    assert sum(h["granted"] for h in mine["scans_today"]["by_hour"]) == api["scans_today"]["granted"]


def test_the_page_refreshes_itself_from_the_json_endpoint(event_a, world):
    client, _user = organiser(event_a)
    html = client.get(page(event_a)).content.decode()
    assert "window.setInterval(poll" in html
    response = client.get(data(event_a))
    assert response.status_code == 200
    assert "no-store" in response["Cache-Control"]
    Room.objects.filter(pk=world["atlas"].pk).update(current_participants=1)
    rooms = {r["name"]: r["current_participants"] for r in client.get(data(event_a)).json()["rooms"]}
    assert rooms == {"Salle Atlas": 1, "Salle Hoggar": 9}


def test_the_event_page_links_to_the_dashboard(event_a):
    client, _user = organiser(event_a)
    html = client.get(reverse("admin:events_event_change", args=[event_a.pk])).content.decode()
    assert f'href="{page(event_a)}"' in html


def test_another_events_organisateur_gets_a_404(event_a, event_b, world):
    client, _user = organiser(event_b)
    assert client.get(page(event_a)).status_code == 404
    assert client.get(data(event_a)).status_code == 404


def test_a_participant_gets_the_login_page(event_a, world):
    client = signed_in(badge_holder(event_a).user)
    assert is_login_page(client.get(page(event_a)))
    assert is_login_page(client.get(data(event_a)))


def test_the_dashboard_costs_the_same_queries_with_one_room_or_many(event_a):
    client, _user = organiser(event_a)
    RoomFactory(event=event_a)

    def more():
        for hour in range(8, 12):
            room = RoomFactory(event=event_a)
            _scan(room, hour)
            badge_holder(event_a)
            SessionAccessFactory(session=AtelierFactory(room=room))

    assert_same_queries(lambda: client.get(data(event_a)).json(), more)


def test_the_events_list_links_to_each_dashboard_and_its_csv_leaves_the_link_out(event_a):
    client, _user = organiser(event_a)
    assert f'href="{page(event_a)}"' in client.get(reverse("admin:events_event_changelist")).content.decode()
    response = client.post(
        reverse("admin:events_event_changelist"), {"action": "export_as_csv", "_selected_action": [str(event_a.pk)]}
    )
    header = response.content.decode("utf-8-sig").splitlines()[0]
    # name, status, start, end, location, participants, exhibitors, rooms: no "dashboard" column
    assert len(header.split(";")) == 8
