"""The mobile app's badge controller (contract §3.2, §3.3, §3.8; §4 rows 6, 7, 14): its calls in its
order, the type of every field it reads, and the rules kept (mobile/event_day.py)."""

import json
from datetime import timedelta
from decimal import Decimal

import pytest
from django.utils import timezone

from conftest import assert_same_queries, error_codes
from events.models import Role, RoomAccess
from events.services.access import verify_room_access
from events.services.participants import reissue_badge
from events.tests.factories import AssignmentFactory, badge_holder
from events.tests.factories_ateliers import AtelierFactory, SessionAccessFactory
from events.tests.factories_programme import RoomFactory, SessionFactory
from events.tests.factories_staff import RoomAssignmentFactory

pytestmark = pytest.mark.django_db

SCAN, STATS = "/api/participants/scan/", "/api/my-room/statistics/"
NUM = (int, float)


def assert_types(obj: dict, spec: dict) -> None:
    """Every key of ``spec`` is in ``obj`` with one of its types (the casts of the app's Dart models)."""
    for key, types in spec.items():
        assert key in obj, key
        assert isinstance(obj[key], types) and not (isinstance(obj[key], bool) and bool not in _tuple(types)), (
            key,
            obj[key],
        )


def _tuple(types):
    return types if isinstance(types, tuple) else (types,)


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
    "description": (str, type(None)),
    "youtube_live_url": (str, type(None)),
}
SCAN_SUCCESS = {
    "status": str,
    "message": str,
    "participant": dict,
    "event": dict,
    "paid_items": list,
    "total_paid_items": int,
    "total_amount": NUM,
}


def _shift(room, role=Role.CONTROLLEUR_DES_BADGES, user=None):
    now = timezone.now()
    extra = {"user": user} if user is not None else {}
    return RoomAssignmentFactory(
        room=room, role=role, start_time=now - timedelta(hours=1), end_time=now + timedelta(hours=1), **extra
    ).user


@pytest.fixture
def room(event_a):
    return RoomFactory(event=event_a, name="Salle Atlas", capacity=50)


@pytest.fixture
def controller(room):
    return _shift(room)


@pytest.fixture
def client(client_for, event_a, controller):
    return client_for(controller, event_a)


@pytest.fixture
def paid_holder(event_a, room):
    """Amina, with a paid place (1500 DA) in an atelier of another room."""
    holder = badge_holder(event_a, first_name="Amina", last_name="Kaci")
    atelier = AtelierFactory(room=RoomFactory(event=event_a), title="Atelier Flutter", paid=True)
    SessionAccessFactory(session=atelier, participant=holder, paid=True)
    return holder


def scan(client, text, **extra):
    return client.post(SCAN, {"qr_data": text}, format="json", HTTP_ACCEPT_LANGUAGE="en", **extra)


# --- the app's calls, in its order ----------------------------------------------------------------


def test_replay_controller_on_duty(client, event_a, room, controller, paid_holder):
    SessionFactory(room=room, title="Keynote", speaker_name="")

    programme = client.get(f"/api/sessions/?event={event_a.pk}")
    scanned = scan(client, paid_holder.qr_code_data)
    stats = client.get(STATS)

    assert programme.status_code == 200
    sessions = programme.json()["results"]
    assert [s["title"] for s in sessions] == ["Keynote", "Atelier Flutter"]
    for session in sessions:
        assert_types(session, SESSION_MODEL)
    assert (sessions[0]["room_name"], sessions[0]["max_participants"], sessions[0]["speaker_name"]) == (
        "Salle Atlas",
        50,
        None,
    )

    assert scanned.status_code == 200
    body = scanned.json()
    assert_types(body, SCAN_SUCCESS)
    assert body["status"] == "success"
    assert body["message"] == "Access granted."
    assert body["participant"] == {"name": "Amina Kaci", "email": "", "badge_id": paid_holder.badge_id}
    assert body["event"] == {"id": str(event_a.pk), "name": "TechSummit Algeria"}
    assert body["paid_items"] == [
        {
            "type": "session",
            "id": str(paid_holder.session_accesses.get().session_id),
            "title": "Atelier Flutter",
            "payment_status": "paid",
            "amount_paid": 1500.0,
            "has_access": True,
        }
    ]
    assert (body["total_paid_items"], body["total_amount"]) == (1, 1500.0)
    assert (body["checkpoint"], body["decision"], body["reason"], body["already_inside"]) == (
        "door",
        "granted",
        None,
        False,
    )
    assert (body["room"]["id"], body["room"]["current_participants"]) == (str(room.pk), 1)
    assert (body["is_checked_in"], body["checked_in_now"]) == (True, True)
    access = RoomAccess.objects.get()
    assert (access.pk, access.room_id, access.verified_by_id, access.status) == (
        body["access_id"],
        room.pk,
        controller.pk,
        "granted",
    )

    assert stats.status_code == 200
    figures = stats.json()
    assert_types(figures, {"my_check_ins_today": int, "successful_scans_today": int, "recent_scans": list})
    assert (figures["my_check_ins_today"], figures["successful_scans_today"], figures["denied_scans_today"]) == (
        1,
        1,
        0,
    )
    [recent] = figures["recent_scans"]
    assert_types(
        recent,
        {
            "participant": dict,
            "status": str,
            "scanned_at": str,
            "error_message": type(None),
            "total_paid_items": NUM,
            "total_amount": NUM,
        },
    )
    assert_types(recent["participant"], {"name": str, "email": str, "badge_id": str})
    assert recent["participant"] == {"name": "Amina Kaci", "email": "", "badge_id": paid_holder.badge_id}
    assert (recent["status"], recent["total_paid_items"], recent["total_amount"]) == ("success", 1, 1500.0)
    assert recent["room"] == {"id": str(room.pk), "name": "Salle Atlas"}


def test_second_scan_at_the_door_is_already_inside(client, event_a, room):
    holder = badge_holder(event_a)
    scan(client, holder.qr_code_data)

    body = scan(client, holder.qr_code_data).json()

    assert (body["status"], body["already_inside"], body["message"]) == ("success", True, "Already inside this room.")
    assert (body["is_checked_in"], body["checked_in_now"], body["room"]["current_participants"]) == (True, False, 1)


def test_door_denial_is_a_200_error_with_our_wording(client, event_a, room):
    holder = badge_holder(event_a, access_all_rooms=False)

    response = scan(client, holder.qr_code_data)

    assert response.status_code == 200
    body = response.json()
    assert (body["status"], body["decision"], body["reason"], body["message"]) == (
        "error",
        "denied",
        "not_allowed_room",
        "This badge does not give access to this room.",
    )
    assert body["participant"]["badge_id"] == holder.badge_id  # a valid badge: its holder is named
    assert RoomAccess.objects.get().denial_reason == "not_allowed_room"


def test_off_duty_it_is_the_entrance_check_in(client_for, event_a, paid_holder):
    controller = AssignmentFactory(event=event_a, role=Role.CONTROLLEUR_DES_BADGES).user  # no shift now
    client = client_for(controller, event_a)

    first = scan(client, paid_holder.qr_code_data).json()
    second = scan(client, paid_holder.qr_code_data).json()

    assert (first["status"], first["checkpoint"], first["message"], first["checked_in_now"]) == (
        "success",
        "entrance",
        "Checked in.",
        True,
    )
    assert (first["room"], first["access_id"], first["total_amount"]) == (None, None, 1500.0)
    assert (second["message"], second["checked_in_now"], second["is_checked_in"]) == (
        "Already checked in.",
        False,
        True,
    )
    paid_holder.refresh_from_db()
    assert paid_holder.is_checked_in is True
    assert RoomAccess.objects.count() == 0  # the entrance is not a room


def test_a_shift_elsewhere_in_time_is_not_duty_now(client_for, event_a, room):
    later = timezone.now() + timedelta(hours=3)
    controller = RoomAssignmentFactory(room=room, start_time=later, end_time=later + timedelta(hours=1)).user

    body = scan(client_for(controller, event_a), badge_holder(event_a).qr_code_data).json()

    assert (body["status"], body["checkpoint"]) == ("success", "entrance")


# --- badges: only ours --------------------------------------------------------------------------


@pytest.mark.parametrize("on_duty", [True, False])
def test_a_bare_user_id_is_refused_as_a_badge(client_for, event_a, room, on_duty):
    holder = badge_holder(event_a)
    controller = _shift(room) if on_duty else AssignmentFactory(event=event_a, role=Role.CONTROLLEUR_DES_BADGES).user
    client = client_for(controller, event_a)
    old_json = json.dumps({"user_id": holder.user_id, "badge_id": holder.badge_id, "email": holder.user.email})

    answers = [scan(client, text) for text in (str(holder.user_id), old_json)]

    for response in answers:
        assert response.status_code == 200
        body = response.json()
        assert (body["status"], body["reason"], body["message"], body["participant"]) == (
            "error",
            "invalid_badge",
            "Unknown or unreadable badge.",
            None,
        )
        assert (body["paid_items"], body["total_paid_items"], body["total_amount"]) == ([], 0, 0.0)
    holder.refresh_from_db()
    assert holder.is_checked_in is False
    denied = RoomAccess.objects.filter(denial_reason="invalid_badge").count()
    assert denied == (2 if on_duty else 0)  # at a door every decision is logged


def test_a_typed_badge_id_only_where_the_event_allows_it(client, event_a):
    holder = badge_holder(event_a)

    refused = scan(client, holder.badge_id.lower()).json()
    event_a.settings = {"scan_accepts_badge_id": True}
    event_a.save(update_fields=["settings"])
    accepted = scan(client, holder.badge_id.lower()).json()
    bare_id = scan(client, str(holder.user_id)).json()

    assert (refused["status"], refused["reason"]) == ("error", "invalid_badge")
    assert (accepted["status"], accepted["participant"]["badge_id"]) == ("success", holder.badge_id)
    assert (bare_id["status"], bare_id["reason"]) == ("error", "invalid_badge")


def test_a_revoked_badge_names_nobody(client, event_a):
    holder = badge_holder(event_a)
    old = holder.qr_code_data
    reissue_badge(participant=holder, actor=None)

    body = scan(client, old).json()

    assert (body["status"], body["reason"], body["participant"]) == ("error", "revoked", None)


def test_a_badge_of_another_event_is_wrong_event(client, event_b):
    foreign = badge_holder(event_b)

    body = scan(client, foreign.qr_code_data).json()

    assert (body["status"], body["reason"], body["participant"], body["paid_items"]) == (
        "error",
        "wrong_event",
        None,
        [],
    )


def test_a_controller_of_another_event_scans_nothing_of_ours(client_for, event_a, event_b, paid_holder):
    other_room = RoomFactory(event=event_b)
    controller_b = _shift(other_room)

    body = scan(client_for(controller_b, event_b), paid_holder.qr_code_data).json()
    stats = client_for(controller_b, event_b).get(STATS, HTTP_ACCEPT_LANGUAGE="en").json()

    assert (body["status"], body["reason"], body["participant"], body["event"]["name"]) == (
        "error",
        "wrong_event",
        None,
        "StartupWeek Oran",
    )
    assert "Amina" not in json.dumps(body) and "Atelier Flutter" not in json.dumps(body)
    assert RoomAccess.objects.get().room_id == other_room.pk  # logged at its own door only
    assert [r["participant"]["name"] for r in stats["recent_scans"]] == ["Unknown badge"]


def test_organisateurs_see_the_holders_email(organisateur, event_a, paid_holder):
    body = scan(organisateur.client, paid_holder.qr_code_data).json()

    assert (body["checkpoint"], body["participant"]["email"]) == ("entrance", paid_holder.user.email)


@pytest.mark.parametrize("role", [Role.PARTICIPANT, Role.EXPOSANT])
def test_other_roles_cannot_scan_nor_read_statistics(member, event_a, role):
    client, _ = member(role, event_a)
    holder = badge_holder(event_a)

    responses = [client.post(SCAN, {"qr_data": holder.qr_code_data}, format="json"), client.get(STATS)]

    for response in responses:
        assert response.status_code == 403
        assert error_codes(response) == ["insufficient_role"]
        assert isinstance(response.json()["message"], str)
    assert RoomAccess.objects.count() == 0
    holder.refresh_from_db()
    assert holder.is_checked_in is False


def test_scan_needs_a_selected_event(client_for, controller):
    response = client_for(controller).post(SCAN, {"qr_data": "x"}, format="json")

    assert response.status_code == 403
    assert error_codes(response) == ["event_not_selected"]


@pytest.mark.parametrize(
    ("body", "code"),
    [
        ({}, "required"),
        ({"qr_data": ""}, "blank"),
        ({"qr_data": "   "}, "blank"),
        ({"qr_data": None}, "null"),
        ({"qr_data": "A" * 513}, "max_length"),
        ({"qr_data": {"user_id": 3}}, "invalid"),
    ],
)
def test_bad_scan_input_is_a_400_with_a_message(client, body, code):
    response = client.post(SCAN, body, format="json", HTTP_ACCEPT_LANGUAGE="en")

    assert response.status_code == 400
    assert error_codes(response) == [code]
    assert isinstance(response.json()["message"], str) and response.json()["message"]
    assert RoomAccess.objects.count() == 0


def test_a_body_that_is_not_json_is_a_400(client):
    response = client.generic("POST", SCAN, "{not json", content_type="application/json")

    assert response.status_code == 400
    assert isinstance(response.json()["message"], str)


# --- statistics ---------------------------------------------------------------------------------


def test_statistics_are_the_callers_scans_of_today(client, event_a, room, controller):
    colleague = _shift(RoomFactory(event=event_a))
    holder = badge_holder(event_a)
    foreign = badge_holder(RoomFactory().event)
    now = timezone.now()
    verify_room_access(room=room, verifier=controller, qr_code=holder.qr_code_data)
    verify_room_access(room=room, verifier=controller, qr_code=foreign.qr_code_data)
    verify_room_access(room=room, verifier=controller, qr_code="garbage")
    verify_room_access(room=room, verifier=controller, qr_code=holder.qr_code_data, scanned_at=now - timedelta(days=1))
    verify_room_access(room=room, verifier=colleague, qr_code=holder.qr_code_data)

    body = client.get(STATS, HTTP_ACCEPT_LANGUAGE="en").json()

    assert (body["my_check_ins_today"], body["successful_scans_today"], body["denied_scans_today"]) == (3, 1, 2)
    assert [(r["status"], r["reason"], r["error_message"]) for r in body["recent_scans"]] == [
        ("error", "invalid_badge", "Unknown or unreadable badge."),
        ("not_registered", "wrong_event", "This badge belongs to another event."),
        ("success", None, None),
    ]
    assert body["recent_scans"][0]["participant"] == {"name": "Unknown badge", "email": "", "badge_id": ""}
    assert body["event"] == {"id": str(event_a.pk), "name": "TechSummit Algeria"}
    assert body["role"] == "controlleur_des_badges"


def test_statistics_query_count_does_not_grow(client, event_a, room, controller):
    def add_scan():
        holder = badge_holder(event_a)
        atelier = AtelierFactory(room=RoomFactory(event=event_a), paid=True, price=Decimal("700.00"))
        SessionAccessFactory(session=atelier, participant=holder, paid=True)
        verify_room_access(room=room, verifier=controller, qr_code=holder.qr_code_data)

    add_scan()

    one, many = assert_same_queries(lambda: client.get(STATS).json(), lambda: [add_scan() for _ in range(4)])

    assert (one["my_check_ins_today"], many["my_check_ins_today"]) == (1, 5)
    assert [r["total_amount"] for r in many["recent_scans"]] == [700.0] * 5


def test_sessions_list_query_count_does_not_grow(client, event_a, room):
    SessionFactory(room=room)

    def add_rows():
        for hour in range(2, 30):
            start = event_a.start_date + timedelta(hours=hour)
            SessionFactory(room=room, start_time=start, end_time=start + timedelta(minutes=50))

    one, many = assert_same_queries(lambda: client.get(f"/api/sessions/?event={event_a.pk}").json(), add_rows)

    assert (one["count"], len(many["results"]), many["next"]) == (1, 29, None)  # all on page 1
