import pytest

from conftest import assert_same_queries, error_codes
from events.models import Participant, Role, Room
from events.tests.factories import AssignmentFactory
from events.tests.factories_programme import RoomFactory, SessionFactory

pytestmark = pytest.mark.django_db

ROLES = list(Role.values)
NOT_ORGANISATEUR = [r for r in ROLES if r != Role.ORGANISATEUR]


@pytest.mark.parametrize("role", ROLES)
def test_members_list_their_events_rooms_only(member, event_a, event_b, role):
    RoomFactory(event=event_a, name="Salle Atlas", capacity=80)
    RoomFactory(event=event_b, name="Salle Oran")
    client, _ = member(role, event_a)

    response = client.get("/api/rooms/")

    assert response.status_code == 200
    assert [
        (r["name"], r["capacity"], r["current_participants"], r["occupancy_percentage"])
        for r in response.json()["results"]
    ] == [("Salle Atlas", 80, 0, 0.0)]


@pytest.mark.parametrize("role", ROLES)
def test_another_events_room_is_404(member, event_a, event_b, role):
    foreign = RoomFactory(event=event_b)
    client, _ = member(role, event_a)
    # Reads are 404 for everyone; writes are refused by role first (403) unless organisateur.
    write_status = 404 if role == Role.ORGANISATEUR else 403
    participants_status = 404 if role in (Role.ORGANISATEUR, Role.GESTIONNAIRE_DES_SALLES) else 403

    statuses = [
        client.get(f"/api/rooms/{foreign.pk}/").status_code,
        client.get(f"/api/rooms/{foreign.pk}/sessions/").status_code,
        client.patch(f"/api/rooms/{foreign.pk}/", {"capacity": 5}).status_code,
        client.delete(f"/api/rooms/{foreign.pk}/").status_code,
        client.get(f"/api/rooms/{foreign.pk}/participants/").status_code,
    ]

    assert statuses == [404, 404, write_status, write_status, participants_status]
    foreign.refresh_from_db()
    assert foreign.capacity == 100


def test_rooms_need_a_selected_event(client_for, user):
    response = client_for(user).get("/api/rooms/")

    assert response.status_code == 403
    assert error_codes(response) == ["event_not_selected"]


def test_rooms_require_authentication(api_client):
    assert api_client.get("/api/rooms/").status_code == 401


def test_organisateur_creates_a_room(member, event_a):
    client, user = member(Role.ORGANISATEUR, event_a)

    response = client.post("/api/rooms/", {"name": " Salle Émir Abdelkader ", "capacity": 250, "location": "RDC"})

    assert response.status_code == 201
    body = response.json()
    assert (body["name"], body["capacity"], body["event"], body["current_participants"]) == (
        "Salle Émir Abdelkader",
        250,
        str(event_a.pk),
        0,
    )
    room = Room.objects.get(pk=body["id"])
    assert room.created_by == user
    event_a.refresh_from_db()
    assert event_a.total_rooms == 1


@pytest.mark.parametrize("role", NOT_ORGANISATEUR)
def test_other_roles_cannot_write_rooms(member, event_a, role):
    room = RoomFactory(event=event_a)
    client, _ = member(role, event_a)

    created = client.post("/api/rooms/", {"name": "X", "capacity": 10})
    changed = client.patch(f"/api/rooms/{room.pk}/", {"capacity": 5})
    deleted = client.delete(f"/api/rooms/{room.pk}/")

    assert [created.status_code, changed.status_code, deleted.status_code] == [403, 403, 403]
    assert error_codes(created) == ["insufficient_role"]
    assert Room.objects.filter(event=event_a).count() == 1


@pytest.mark.parametrize(
    ("payload", "errors"),
    [
        ({"name": "Salle A", "capacity": 0}, [("capacity", "min_value")]),
        ({"name": "Salle A", "capacity": -3}, [("capacity", "min_value")]),
        ({"name": "   ", "capacity": 10}, [("name", "blank")]),
        ({"capacity": 10}, [("name", "required")]),
        ({"name": "Salle A", "capacity": "many"}, [("capacity", "invalid")]),
    ],
)
def test_room_bad_input(member, event_a, payload, errors):
    client, _ = member(Role.ORGANISATEUR, event_a)

    response = client.post("/api/rooms/", payload)

    assert response.status_code == 400
    assert [(e["attr"], e["code"]) for e in response.json()["errors"]] == errors


def test_room_name_unique_per_event_case_insensitive(member, event_a, event_b):
    RoomFactory(event=event_a, name="Salle Atlas")
    RoomFactory(event=event_b, name="Salle Hoggar")
    client, _ = member(Role.ORGANISATEUR, event_a)

    duplicate = client.post("/api/rooms/", {"name": "salle atlas", "capacity": 10})
    same_name_other_event = client.post("/api/rooms/", {"name": "Salle Hoggar", "capacity": 10})

    assert duplicate.status_code == 400
    assert error_codes(duplicate) == ["room_name_taken"]
    assert same_name_other_event.status_code == 201


def test_current_participants_is_read_only(member, event_a):
    room = RoomFactory(event=event_a)
    client, _ = member(Role.ORGANISATEUR, event_a)

    response = client.patch(f"/api/rooms/{room.pk}/", {"current_participants": 42, "capacity": 120})

    assert response.status_code == 200
    room.refresh_from_db()
    assert (room.current_participants, room.capacity) == (0, 120)


def test_capacity_cannot_go_below_occupancy(member, event_a):
    room = RoomFactory(event=event_a, capacity=50)
    Room.objects.filter(pk=room.pk).update(current_participants=30)
    client, _ = member(Role.ORGANISATEUR, event_a)

    response = client.patch(f"/api/rooms/{room.pk}/", {"capacity": 20})

    assert response.status_code == 400
    assert error_codes(response) == ["capacity_below_occupancy"]


def test_room_with_sessions_cannot_be_deleted_but_can_be_deactivated(member, event_a):
    room = RoomFactory(event=event_a)
    SessionFactory(room=room)
    client, _ = member(Role.ORGANISATEUR, event_a)

    refused = client.delete(f"/api/rooms/{room.pk}/")
    deactivated = client.patch(f"/api/rooms/{room.pk}/", {"is_active": False})

    assert refused.status_code == 409
    assert error_codes(refused) == ["room_in_use"]
    assert deactivated.json()["is_active"] is False


def test_empty_room_is_deleted_and_counter_follows(member, event_a):
    room = RoomFactory(event=event_a)
    client, _ = member(Role.ORGANISATEUR, event_a)

    assert client.delete(f"/api/rooms/{room.pk}/").status_code == 204
    event_a.refresh_from_db()
    assert event_a.total_rooms == 0


@pytest.mark.parametrize("role", ROLES)
def test_room_sessions(member, event_a, role):
    room = RoomFactory(event=event_a)
    SessionFactory(room=room, title="Keynote IA")
    SessionFactory(room=RoomFactory(event=event_a), title="Ailleurs")
    client, _ = member(role, event_a)

    response = client.get(f"/api/rooms/{room.pk}/sessions/")

    assert response.status_code == 200
    assert [s["title"] for s in response.json()["results"]] == ["Keynote IA"]


def test_room_participants_lists_who_may_enter(member, event_a):
    room, other_room = RoomFactory(event=event_a), RoomFactory(event=event_a)
    everywhere = Participant.objects.create(event=event_a, user=AssignmentFactory(event=event_a).user)
    only_here = Participant.objects.create(
        event=event_a, user=AssignmentFactory(event=event_a).user, access_all_rooms=False
    )
    only_here.allowed_rooms.add(room)
    elsewhere = Participant.objects.create(
        event=event_a, user=AssignmentFactory(event=event_a).user, access_all_rooms=False
    )
    elsewhere.allowed_rooms.add(other_room)
    Participant.objects.create(event=event_a, user=AssignmentFactory(event=event_a).user, access_all_rooms=False)
    client, _ = member(Role.ORGANISATEUR, event_a)

    response = client.get(f"/api/rooms/{room.pk}/participants/")

    assert response.status_code == 200
    assert sorted(p["badge_id"] for p in response.json()["results"]) == sorted(
        [everywhere.badge_id, only_here.badge_id]
    )
    assert everywhere.may_enter(room) and only_here.may_enter(room)
    assert not elsewhere.may_enter(room)


@pytest.mark.parametrize("role", NOT_ORGANISATEUR)
def test_room_participants_is_for_organisateurs_and_gestionnaires_on_duty(member, event_a, role):
    room = RoomFactory(event=event_a)
    client, _ = member(role, event_a)

    response = client.get(f"/api/rooms/{room.pk}/participants/")

    assert response.status_code == 403
    expected = "not_assigned_to_room" if role == Role.GESTIONNAIRE_DES_SALLES else "insufficient_role"
    assert error_codes(response) == [expected]


def test_rooms_list_query_count_is_constant(member, event_a):
    client, _ = member(Role.PARTICIPANT, event_a)
    RoomFactory(event=event_a)
    one, many = assert_same_queries(
        lambda: client.get("/api/rooms/?page_size=100").json()["count"],
        lambda: RoomFactory.create_batch(49, event=event_a),
    )

    assert (one, many) == (1, 50)


def test_room_participants_query_count_is_constant(member, event_a):
    room = RoomFactory(event=event_a)
    client, _ = member(Role.ORGANISATEUR, event_a)
    Participant.objects.create(event=event_a, user=AssignmentFactory(event=event_a).user)

    def add_rows():
        for assignment in AssignmentFactory.create_batch(49, event=event_a):
            Participant.objects.create(event=event_a, user=assignment.user)

    one, many = assert_same_queries(
        lambda: client.get(f"/api/rooms/{room.pk}/participants/?page_size=100").json()["count"], add_rows
    )

    assert (one, many) == (1, 50)
