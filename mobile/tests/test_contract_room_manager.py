"""The mobile app's room manager (contract §3.4, §3.8; §4 rows 7, 8, 9, 16, 24): its calls in its order,
the type of every field it reads, and the rules kept: writes only in the rooms it manages now."""

from datetime import timedelta

import pytest
from django.utils import timezone

from conftest import assert_same_queries, error_codes
from events.models import Role, Session, UserEventAssignment
from events.tests.factories import AssignmentFactory
from events.tests.factories_programme import RoomFactory, SessionFactory
from events.tests.factories_staff import RoomAssignmentFactory

pytestmark = pytest.mark.django_db

GESTIONNAIRE = Role.GESTIONNAIRE_DES_SALLES
SWAP = "/api/sessions/swap-times/"

SESSION_MODEL = {
    "id": str,
    "title": str,
    "start_time": str,
    "end_time": str,
    "room": str,
    "room_name": str,
    "event": str,
    "status": str,
    "is_live": bool,
    "session_type": str,
    "is_paid": bool,
    "max_participants": int,
    "speaker_name": (str, type(None)),
    "speaker_title": (str, type(None)),
    "theme": (str, type(None)),
}
ROOM_MODEL = {
    "id": str,
    "name": str,
    "description": (str, type(None)),
    "capacity": int,
    "event": str,
    "sessions": list,
    "current_participants": int,
    "is_active": bool,
}


def assert_types(obj: dict, spec: dict) -> None:
    for key, types in spec.items():
        assert key in obj, key
        assert isinstance(obj[key], types), (key, obj[key])
        if isinstance(obj[key], bool):
            assert bool in (types if isinstance(types, tuple) else (types,)), key


def _slot(event, hour, minutes=60):
    start = event.start_date + timedelta(hours=hour)
    return {"start_time": start, "end_time": start + timedelta(minutes=minutes)}


def _shift(room, *, user=None, start=None, hours=1):
    start = start or timezone.now() - timedelta(hours=1)
    extra = {"user": user} if user is not None else {}
    return RoomAssignmentFactory(
        room=room, role=GESTIONNAIRE, start_time=start, end_time=start + timedelta(hours=hours + 1), **extra
    ).user


@pytest.fixture
def room(event_a):
    return RoomFactory(event=event_a, name="Salle Atlas", capacity=80)


@pytest.fixture
def manager(room):
    return _shift(room)


@pytest.fixture
def client(client_for, event_a, manager):
    return client_for(manager, event_a)


@pytest.fixture
def sessions(room, event_a):
    return [
        SessionFactory(room=room, title="Ouverture", **_slot(event_a, 3)),
        SessionFactory(room=room, title="Table ronde", speaker_name="", **_slot(event_a, 5, 90)),
    ]


def post(client, path, body=None):
    return client.post(path, body, format="json", HTTP_ACCEPT_LANGUAGE="en")


# --- the app's calls, in its order ----------------------------------------------------------------


def test_replay_room_manager(client, event_a, room, manager, sessions):
    first, second = sessions

    mine = client.get(f"/api/user-assignments/?user={manager.pk}&event={event_a.pk}&is_active=true")
    room_body = client.get(f"/api/rooms/{room.pk}/")
    listing = client.get(f"/api/sessions/?event={event_a.pk}&room={room.pk}")
    started = post(client, f"/api/sessions/{first.pk}/start/")
    reverted = post(client, f"/api/sessions/{first.pk}/cancel/")
    started_again = post(client, f"/api/sessions/{first.pk}/start/")
    ended = post(client, f"/api/sessions/{first.pk}/end/")
    swapped = post(client, SWAP, {"session_1_id": str(first.pk), "session_2_id": str(second.pk)})

    assert mine.status_code == 200
    [row] = mine.json()["results"]
    assert row["role"] == "gestionnaire_des_salles"
    assert row["room_assignment"] == {"room_id": str(room.pk), "room_name": "Salle Atlas"}

    assert room_body.status_code == 200
    assert_types(room_body.json(), ROOM_MODEL)
    assert [s["title"] for s in room_body.json()["sessions"]] == ["Ouverture", "Table ronde"]
    for session in room_body.json()["sessions"]:
        assert_types(session, SESSION_MODEL)

    assert listing.status_code == 200
    for session in listing.json()["results"]:
        assert_types(session, SESSION_MODEL)
    assert [(s["room_name"], s["max_participants"], s["speaker_name"]) for s in listing.json()["results"]] == [
        ("Salle Atlas", 80, "Dr. Leila Hamdi"),
        ("Salle Atlas", 80, None),  # no speaker: null, never "" (the app takes its first letter)
    ]

    for response, status in ((started, "live"), (reverted, "scheduled"), (started_again, "live"), (ended, "completed")):
        assert response.status_code == 200
        assert_types(response.json(), SESSION_MODEL)
        assert response.json()["status"] == status
    assert reverted.json()["cancelled_at"] is None

    assert swapped.status_code == 200
    body = swapped.json()
    assert (body["success"], body["message"]) == (True, "The two sessions swapped their times.")
    for session in body["sessions"]:
        assert_types(session, SESSION_MODEL)
    assert [(s["id"], s["start_time"]) for s in body["sessions"]] == [
        (str(first.pk), listing.json()["results"][1]["start_time"]),
        (str(second.pk), listing.json()["results"][0]["start_time"]),
    ]
    first.refresh_from_db()
    second.refresh_from_db()
    assert (first.start_time, first.end_time) == (
        _slot(event_a, 5, 90)["start_time"],
        _slot(event_a, 5, 90)["end_time"],
    )
    assert (second.start_time, second.end_time) == (_slot(event_a, 3)["start_time"], _slot(event_a, 3)["end_time"])
    assert (first.status, second.status) == ("completed", "scheduled")


# --- user-assignments: one's own row ----------------------------------------------------------------


def test_staff_list_only_their_own_role(client_for, event_a, room, manager):
    colleague = _shift(RoomFactory(event=event_a, name="Salle B"))
    controller = AssignmentFactory(event=event_a, role=Role.CONTROLLEUR_DES_BADGES).user
    client = client_for(manager, event_a)

    others = client.get(f"/api/user-assignments/?user={colleague.pk}&event={event_a.pk}&is_active=true")
    everything = client.get("/api/user-assignments/")
    theirs = client_for(controller, event_a).get("/api/user-assignments/")
    one_row = client.get(f"/api/user-assignments/{colleague.event_assignments.get().pk}/")

    assert (others.status_code, others.json()["count"], others.json()["results"]) == (200, 0, [])
    assert [r["user"]["id"] for r in everything.json()["results"]] == [manager.pk]
    assert [(r["user"]["id"], r["room_assignment"]) for r in theirs.json()["results"]] == [(controller.pk, None)]
    assert one_row.status_code == 403  # retrieving rows stays the organisateurs'
    assert colleague.email not in others.content.decode() + everything.content.decode()


@pytest.mark.parametrize("role", [Role.PARTICIPANT, Role.EXPOSANT])
def test_badge_holders_still_get_no_roles(member, event_a, role):
    client, me = member(role, event_a)

    response = client.get(f"/api/user-assignments/?user={me.pk}")

    assert response.status_code == 403
    assert error_codes(response) == ["insufficient_role"]


def test_organisateur_filters_by_user_without_an_account_oracle(organisateur, event_a, manager):
    client, _ = organisateur

    found = client.get(f"/api/user-assignments/?user={manager.pk}").json()
    unknown = client.get("/api/user-assignments/?user=999999")

    assert [(r["user"]["id"], r["role"]) for r in found["results"]] == [(manager.pk, GESTIONNAIRE)]
    assert (unknown.status_code, unknown.json()["count"]) == (200, 0)


def test_room_assignment_is_now_else_later_today_else_none(client_for, event_a, room):
    later = timezone.now() + timedelta(minutes=30)
    tomorrow = timezone.now() + timedelta(days=1, hours=2)
    next_up = _shift(room, start=later)
    RoomAssignmentFactory(
        room=RoomFactory(event=event_a, name="Demain"),
        role=GESTIONNAIRE,
        user=_shift(RoomFactory(event=event_a, name="Passé"), start=timezone.now() - timedelta(hours=5)),
        start_time=tomorrow,
        end_time=tomorrow + timedelta(hours=1),
    )
    past_then_tomorrow = UserEventAssignment.objects.get(user__room_assignments__room__name="Passé").user

    upcoming = client_for(next_up, event_a).get("/api/user-assignments/").json()["results"][0]["room_assignment"]
    none = client_for(past_then_tomorrow, event_a).get("/api/user-assignments/").json()["results"][0]

    # "later today" holds unless the test runs in the last half hour of the day in Algiers.
    if timezone.localdate(later) == timezone.localdate():
        assert upcoming == {"room_id": str(room.pk), "room_name": "Salle Atlas"}
    assert none["room_assignment"] is None


def test_a_deactivated_shift_or_role_gives_no_room(client_for, event_a, room, manager):
    manager.room_assignments.update(is_active=False)

    row = client_for(manager, event_a).get("/api/user-assignments/").json()["results"][0]

    assert row["room_assignment"] is None


def test_assignment_list_query_count_does_not_grow(organisateur, event_a, room):
    _shift(room)
    client, _ = organisateur

    def add_rows():
        for index in range(4):
            _shift(RoomFactory(event=event_a, name=f"Salle {index}"))

    one, many = assert_same_queries(lambda: client.get("/api/user-assignments/").json(), add_rows)

    assert (one["count"], many["count"]) == (2, 6)
    assert sum(1 for r in many["results"] if r["room_assignment"]) == 5


def test_written_rows_answer_their_room(organisateur, event_a, room, manager):
    client, _ = organisateur
    row = manager.event_assignments.get()

    response = client.patch(f"/api/user-assignments/{row.pk}/", {"is_active": True}, format="json")

    assert response.json()["room_assignment"] == {"room_id": str(room.pk), "room_name": "Salle Atlas"}


# --- rooms and sessions read by the app -------------------------------------------------------------


def test_the_whole_programme_is_on_page_one(client, event_a, room):
    for hour in range(25):
        SessionFactory(room=room, **_slot(event_a, hour + 1, 50))

    body = client.get(f"/api/sessions/?event={event_a.pk}").json()

    assert (body["count"], len(body["results"]), body["next"]) == (25, 25, None)


def test_speaker_name_null_or_blank_on_input_is_stored_blank(organisateur, event_a, room):
    client, _ = organisateur
    slot = _slot(event_a, 2)
    body = {
        "room": str(room.pk),
        "title": "Sans orateur",
        "start_time": slot["start_time"].isoformat(),
        "end_time": slot["end_time"].isoformat(),
        "speaker_name": None,
    }

    created = client.post("/api/sessions/", body, format="json")
    patched = client.patch(f"/api/sessions/{created.json()['id']}/", {"speaker_name": ""}, format="json")

    assert (created.status_code, created.json()["speaker_name"]) == (201, None)
    assert (patched.status_code, patched.json()["speaker_name"]) == (200, None)
    assert Session.objects.get(title="Sans orateur").speaker_name == ""


def test_room_detail_query_count_does_not_grow(client, event_a, room):
    SessionFactory(room=room, **_slot(event_a, 1))

    def add_rows():
        for hour in range(2, 7):
            SessionFactory(room=room, **_slot(event_a, hour, 50))

    one, many = assert_same_queries(lambda: client.get(f"/api/rooms/{room.pk}/").json(), add_rows)

    assert (len(one["sessions"]), len(many["sessions"])) == (1, 6)


def test_another_events_room_and_sessions_are_404(client, event_b):
    foreign_room = RoomFactory(event=event_b)
    foreign = SessionFactory(room=foreign_room)

    answers = [
        client.get(f"/api/rooms/{foreign_room.pk}/"),
        post(client, f"/api/sessions/{foreign.pk}/start/"),
        post(client, f"/api/sessions/{foreign.pk}/end/"),
        post(client, f"/api/sessions/{foreign.pk}/cancel/"),
        post(client, SWAP, {"session_1_id": str(foreign.pk), "session_2_id": str(foreign.pk)}),
    ]

    assert [r.status_code for r in answers] == [404] * 5
    assert all(isinstance(r.json()["message"], str) for r in answers)
    foreign.refresh_from_db()
    assert foreign.status == "scheduled"


# --- status changes: only in the rooms it manages now -----------------------------------------------


@pytest.mark.parametrize("action", ["start", "end", "cancel"])
def test_manager_outside_its_room_is_refused(client, event_a, action):
    elsewhere = SessionFactory(room=RoomFactory(event=event_a), status="live")

    response = post(client, f"/api/sessions/{elsewhere.pk}/{action}/")

    assert response.status_code == 403
    assert error_codes(response) == ["not_assigned_to_room"]
    assert response.json()["message"] == "You are not on duty at this room now."
    elsewhere.refresh_from_db()
    assert elsewhere.status == "live"


@pytest.mark.parametrize("action", ["start", "end", "cancel"])
def test_manager_after_its_shift_is_refused(client_for, event_a, room, action):
    manager = _shift(room, start=timezone.now() - timedelta(hours=5))  # ended 3 hours ago
    session = SessionFactory(room=room, status="live")

    response = post(client_for(manager, event_a), f"/api/sessions/{session.pk}/{action}/")

    assert (response.status_code, error_codes(response)) == (403, ["not_assigned_to_room"])


@pytest.mark.parametrize("role", [Role.CONTROLLEUR_DES_BADGES, Role.PARTICIPANT, Role.EXPOSANT])
@pytest.mark.parametrize("action", ["start", "end", "cancel"])
def test_other_roles_cannot_change_a_status(member, event_a, room, role, action):
    session = SessionFactory(room=room)
    client, _ = member(role, event_a)

    response = post(client, f"/api/sessions/{session.pk}/{action}/")

    assert (response.status_code, error_codes(response)) == (403, ["insufficient_role"])


@pytest.mark.parametrize(
    ("status", "action"),
    [
        ("scheduled", "cancel"),
        ("completed", "cancel"),
        ("cancelled", "cancel"),
        ("live", "start"),
        ("completed", "end"),
    ],
)
def test_impossible_transitions_are_409(client, room, status, action):
    session = SessionFactory(room=room, status=status)

    response = post(client, f"/api/sessions/{session.pk}/{action}/")

    assert (response.status_code, error_codes(response)) == (409, ["invalid_transition"])
    assert isinstance(response.json()["message"], str)


def test_organisateurs_cancel_stays_a_real_cancel(organisateur, room):
    session = SessionFactory(room=room)

    response = organisateur.client.post(f"/api/sessions/{session.pk}/cancel/", {"reason": "Orateur absent"})

    assert (response.status_code, response.json()["status"], response.json()["cancel_reason"]) == (
        200,
        "cancelled",
        "Orateur absent",
    )


def test_organisateurs_may_start_and_end_through_the_aliases(organisateur, room):
    session = SessionFactory(room=room)

    statuses = [
        post(organisateur.client, f"/api/sessions/{session.pk}/{a}/").json()["status"] for a in ("start", "end")
    ]

    assert statuses == ["live", "completed"]


def test_bad_session_ids_in_the_path_are_404_in_our_format(client):
    response = post(client, "/api/sessions/not-a-uuid/start/")

    assert response.status_code == 404
    assert isinstance(response.json()["message"], str)


# --- swap-times -------------------------------------------------------------------------------------


def test_swap_outside_its_room_is_refused(client, event_a, sessions):
    other_room = RoomFactory(event=event_a)
    a = SessionFactory(room=other_room, **_slot(event_a, 3))
    b = SessionFactory(room=other_room, **_slot(event_a, 5))

    response = post(client, SWAP, {"session_1_id": str(a.pk), "session_2_id": str(b.pk)})

    assert (response.status_code, error_codes(response)) == (403, ["not_assigned_to_room"])
    a.refresh_from_db()
    assert a.start_time == _slot(event_a, 3)["start_time"]


def test_swap_across_rooms_is_a_400_with_a_message(client, event_a, sessions):
    elsewhere = SessionFactory(room=RoomFactory(event=event_a), **_slot(event_a, 8))

    response = post(client, SWAP, {"session_1_id": str(sessions[0].pk), "session_2_id": str(elsewhere.pk)})

    assert (response.status_code, error_codes(response)) == (400, ["different_rooms"])
    assert response.json()["message"] == "Only two sessions of the same room can swap their times."


def test_swap_with_an_unknown_session_is_404(client, sessions):
    response = post(
        client, SWAP, {"session_1_id": str(sessions[0].pk), "session_2_id": "5c1b0d4e-0000-4000-8000-000000000000"}
    )

    assert response.status_code == 404
    assert response.json()["message"] == "One or both sessions were not found."


@pytest.mark.parametrize(
    ("body", "expected"),
    [
        ({}, [("session_1_id", "required"), ("session_2_id", "required")]),
        ({"session_1_id": "x", "session_2_id": None}, [("session_1_id", "invalid"), ("session_2_id", "null")]),
        ([1, 2], [("non_field_errors", "invalid")]),
    ],
)
def test_bad_swap_input_is_a_400(client, body, expected):
    response = post(client, SWAP, body)

    assert response.status_code == 400
    assert [(e["attr"], e["code"]) for e in response.json()["errors"]] == expected
    assert isinstance(response.json()["message"], str)


def test_swapping_a_session_with_itself_is_a_400(client, sessions):
    response = post(client, SWAP, {"session_1_id": str(sessions[0].pk), "session_2_id": str(sessions[0].pk)})

    assert (response.status_code, error_codes(response)) == (400, ["same_session"])


def test_swap_into_a_cancelled_slot_that_overlaps_is_room_busy(client, event_a, room, sessions):
    # A cancelled session's slot is free of the rule, so a live one placed there may overlap a third.
    Session.objects.filter(pk=sessions[0].pk).update(**_slot(event_a, 10))
    cancelled = SessionFactory(room=room, status="cancelled", **_slot(event_a, 3, 60))
    SessionFactory(room=room, title="Voisine", **_slot(event_a, 3, 30))  # clashes once Table ronde moves in

    response = post(client, SWAP, {"session_1_id": str(cancelled.pk), "session_2_id": str(sessions[1].pk)})

    assert (response.status_code, error_codes(response)) == (409, ["room_busy"])
    sessions[1].refresh_from_db()
    assert sessions[1].start_time == _slot(event_a, 5)["start_time"]


def test_organisateurs_swap_in_any_room(organisateur, event_a, sessions):
    response = post(
        organisateur.client, SWAP, {"session_1_id": str(sessions[1].pk), "session_2_id": str(sessions[0].pk)}
    )

    assert response.status_code == 200
    assert [s["title"] for s in response.json()["sessions"]] == ["Table ronde", "Ouverture"]


# --- the demo seed ----------------------------------------------------------------------------------


def test_demo_seed_gives_every_event_day_screen_something(client_for):
    from io import StringIO

    from django.core.management import call_command

    from accounts.models import User
    from events.models import Event, SessionAccess
    from events.selectors.access import duty_room_id, running_session

    for _ in range(2):  # idempotent: the second run changes nothing that matters
        call_command("create_test_data", stdout=StringIO())
    event = Event.objects.get(name="MakePlus Demo")
    manager = User.objects.get(email="gestionnaire@makeplus.dz")
    controller = User.objects.get(email="controlleur@makeplus.dz")
    client = client_for(manager, event)

    row = client.get(f"/api/user-assignments/?user={manager.pk}&event={event.pk}&is_active=true").json()["results"][0]
    room = client.get(f"/api/rooms/{row['room_assignment']['room_id']}/").json()
    running = running_session(event.rooms.get(pk=room["id"]), timezone.now())
    paid = SessionAccess.objects.filter(participant__user__email="participant1@makeplus.dz", status="paid")

    assert row["role"] == "gestionnaire_des_salles"
    assert running is not None and running.status == "live"
    assert str(running.pk) in [s["id"] for s in room["sessions"]]
    assert duty_room_id(user=controller, event=event) == running.room_id
    assert paid.count() >= 1
    assert Session.objects.filter(event=event, title="Session en direct : questions au panel").count() <= 1
