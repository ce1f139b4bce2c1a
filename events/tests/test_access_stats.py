"""Door statistics: GET /api/controller/room-stats/ (today, Algiers time)."""

from datetime import timedelta

import pytest

from conftest import assert_same_queries, error_codes
from events.calendar import event_day_bounds, event_today
from events.counters import recount_rooms
from events.models import Participant, Role, RoomAccess
from events.tests.factories import AssignmentFactory, badge_holder
from events.tests.factories_programme import RoomFactory
from events.tests.factories_staff import RoomAssignmentFactory

pytestmark = pytest.mark.django_db

URL = "/api/controller/room-stats/"
ZEROS = dict.fromkeys(
    [
        "invalid_badge",
        "revoked",
        "wrong_event",
        "room_closed",
        "not_allowed_room",
        "payment_required",
        "not_registered",
        "room_full",
    ],
    0,
)


def _today(hours, minutes=0):
    return event_day_bounds()[0] + timedelta(hours=hours, minutes=minutes)


def _hours(**counts):
    """24 rows; counts like h9=(2, 1) for hour 9: 2 granted, 1 denied."""
    rows = [{"hour": h, "granted": 0, "denied": 0} for h in range(24)]
    for key, (granted, denied) in counts.items():
        rows[int(key[1:])].update(granted=granted, denied=denied)
    return rows


def _log(room, at, verifier, participant=None, status="granted", reason="", **extra):
    return RoomAccess.objects.create(
        room=room,
        participant=participant,
        badge_input=extra.pop("badge_input", participant.badge_id if participant else "ZZZZZZZZ"),
        scanned_at=at,
        verified_by=verifier,
        status=status,
        denial_reason=reason,
        **extra,
    )


@pytest.fixture
def world(event_a, event_b):
    atlas = RoomFactory(event=event_a, name="Salle Atlas", capacity=10)
    bejaia = RoomFactory(event=event_a, name="Salle Béjaïa", capacity=50)
    foreign = RoomFactory(event=event_b, name="Salle Étrangère")
    organiser = AssignmentFactory(event=event_a, role=Role.ORGANISATEUR).user
    controller = RoomAssignmentFactory(room=atlas).user  # a shift around now: today
    gestionnaire = RoomAssignmentFactory(room=bejaia, role=Role.GESTIONNAIRE_DES_SALLES).user
    start_of_today = event_day_bounds()[0]
    yesterday_only = RoomAssignmentFactory(
        room=bejaia, start_time=start_of_today - timedelta(hours=10), end_time=start_of_today - timedelta(hours=6)
    ).user
    people = [badge_holder(event_a, first_name=f, last_name="Kaci") for f in ("Amina", "Bilal", "Chahra")]
    amina, bilal, chahra = people
    rows = {
        "offline_08_00": _log(atlas, _today(8), controller, amina, offline=True, server_reason="room_full"),
        "amina_09_10": _log(atlas, _today(9, 10), controller, amina),
        "bilal_09_50": _log(atlas, _today(9, 50), organiser, bilal),
        "full_09_55": _log(atlas, _today(9, 55), controller, chahra, "denied", "room_full"),
        "chahra_10_05": _log(atlas, _today(10, 5), controller, chahra, "denied", "not_registered"),
        "bilal_out_10_30": _log(atlas, _today(10, 30), organiser, bilal, direction="exit"),
        "unknown_23_59": _log(atlas, _today(23, 59), controller, None, "denied", "invalid_badge"),
        # Not today's scans: yesterday 23:30 and tomorrow 00:00 (Algiers), and a reset's exit.
        "yesterday_23_30": _log(atlas, _today(-1, 30), controller, amina),
        "tomorrow_00_00": _log(atlas, _today(24), controller, amina),
        "reset_11_00": _log(atlas, _today(11), organiser, amina, direction="exit", nonce="reset-abc-1"),
    }
    for i in range(12):
        _log(bejaia, _today(14, i), gestionnaire, people[i % 3])
    _log(foreign, _today(9), organiser, None, "denied", "invalid_badge")
    Participant.objects.filter(pk=amina.pk).update(current_room=atlas)
    recount_rooms()
    return {
        "atlas": atlas,
        "bejaia": bejaia,
        "foreign": foreign,
        "organiser": organiser,
        "controller": controller,
        "gestionnaire": gestionnaire,
        "yesterday_only": yesterday_only,
        "people": people,
        "rows": rows,
    }


def _scan(access, *, name=None):
    participant = access.participant
    return {
        "id": access.pk,
        "participant": None
        if participant is None
        else {
            "id": participant.pk,
            "full_name": participant.user.get_full_name(),
            "name": participant.user.get_full_name(),
            "badge_id": participant.badge_id,
            "kind": "participant",
        },
        "badge_input": "" if participant else access.badge_input,
        "direction": access.direction,
        "status": access.status,
        "reason": access.denial_reason or None,
        "offline": access.offline,
        "scanned_at": access.scanned_at.astimezone(event_day_bounds()[0].tzinfo).isoformat(),
        "verified_by": {
            "id": access.verified_by.pk,
            "full_name": access.verified_by.get_full_name(),
            "name": access.verified_by.get_full_name(),
        },
    }


def test_controller_sees_its_room_with_exact_figures(client_for, event_a, world):
    rows = world["rows"]

    response = client_for(world["controller"], event_a).get(URL)

    assert response.status_code == 200
    assert response.json() == {
        "date": event_today().isoformat(),
        "rooms": [
            {
                "room": {
                    "id": str(world["atlas"].pk),
                    "name": "Salle Atlas",
                    "capacity": 10,
                    "current_participants": 1,
                    "occupancy_percentage": 10.0,
                    "is_active": True,
                },
                "granted": 4,
                "denied": 3,
                "denied_by_reason": ZEROS | {"room_full": 1, "not_registered": 1, "invalid_badge": 1},
                "mine": {"granted": 2, "denied": 3},
                "by_hour": _hours(h8=(1, 0), h9=(2, 1), h10=(1, 1), h23=(0, 1)),
                "last_scans": [
                    _scan(rows[name])
                    for name in (
                        "unknown_23_59",
                        "bilal_out_10_30",
                        "chahra_10_05",
                        "full_09_55",
                        "bilal_09_50",
                        "amina_09_10",
                        "offline_08_00",
                    )
                ],
            }
        ],
    }


def test_organiser_sees_every_room_of_the_event(client_for, event_a, world):
    body = client_for(world["organiser"], event_a).get(URL).json()

    assert [r["room"]["name"] for r in body["rooms"]] == ["Salle Atlas", "Salle Béjaïa"]
    atlas, bejaia = body["rooms"]
    assert (atlas["granted"], atlas["denied"], atlas["mine"]) == (4, 3, {"granted": 2, "denied": 0})
    assert (bejaia["granted"], bejaia["denied"], bejaia["denied_by_reason"]) == (12, 0, ZEROS)
    assert bejaia["by_hour"] == _hours(h14=(12, 0))
    assert bejaia["mine"] == {"granted": 0, "denied": 0}
    # The last 10 of the day at the room, newest first: 14:11 down to 14:02.
    assert [s["scanned_at"][11:16] for s in bejaia["last_scans"]] == [f"14:{m:02d}" for m in range(11, 1, -1)]


def test_gestionnaire_sees_the_room_of_its_shift(client_for, event_a, world):
    body = client_for(world["gestionnaire"], event_a).get(URL).json()

    assert [(r["room"]["name"], r["granted"], r["mine"]["granted"]) for r in body["rooms"]] == [
        ("Salle Béjaïa", 12, 12)
    ]


def test_staff_without_a_shift_today_see_no_room(client_for, event_a, world):
    assert client_for(world["yesterday_only"], event_a).get(URL).json()["rooms"] == []


def test_an_inactive_shift_today_does_not_count(client_for, event_a, world):
    world["controller"].room_assignments.update(is_active=False)

    assert client_for(world["controller"], event_a).get(URL).json()["rooms"] == []


def test_room_filter(client_for, event_a, world):
    organiser = client_for(world["organiser"], event_a)
    controller = client_for(world["controller"], event_a)

    only_bejaia = organiser.get(URL, {"room": str(world["bejaia"].pk)})
    own = controller.get(URL, {"room": str(world["atlas"].pk)})
    not_theirs = controller.get(URL, {"room": str(world["bejaia"].pk)})
    foreign = organiser.get(URL, {"room": str(world["foreign"].pk)})
    garbage = organiser.get(URL, {"room": "salle-atlas"})

    assert [r["room"]["name"] for r in only_bejaia.json()["rooms"]] == ["Salle Béjaïa"]
    assert [r["room"]["name"] for r in own.json()["rooms"]] == ["Salle Atlas"]
    assert (not_theirs.status_code, error_codes(not_theirs)) == (404, ["not_found"])
    assert (foreign.status_code, error_codes(foreign)) == (404, ["not_found"])
    assert garbage.status_code == 400
    assert [(e["attr"], e["code"]) for e in garbage.json()["errors"]] == [("room", "invalid")]


@pytest.mark.parametrize("role", [Role.PARTICIPANT, Role.EXPOSANT])
def test_badge_holders_are_refused(member, event_a, role):
    client, _ = member(role, event_a)

    response = client.get(URL)

    assert (response.status_code, error_codes(response)) == (403, ["insufficient_role"])


def test_requires_authentication(api_client):
    assert api_client.get(URL).status_code == 401


def test_query_count_does_not_grow_with_rooms_or_scans(client_for, event_a, world):
    client = client_for(world["organiser"], event_a)

    def add_rows():
        for n in range(3):
            room = RoomFactory(event=event_a, name=f"Salle {n}")
            for minute in range(15):
                _log(room, _today(12, minute), world["organiser"], world["people"][minute % 3], "denied", "room_closed")

    small, body = assert_same_queries(  # assignment, rooms, counts by reason, by hour, last scans
        lambda: client.get(URL).json(), add_rows, expected=5
    )

    assert len(small["rooms"]) == 2
    assert len(body["rooms"]) == 5
