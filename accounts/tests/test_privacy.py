"""Account deletion and data export (accounts/privacy.py): GET /api/auth/me/export/, DELETE /api/auth/me/."""

from datetime import timedelta

import pytest
from django.core.files.base import ContentFile
from django.core.management import call_command
from django.db import connection
from django.utils import timezone
from rest_framework.test import APIClient

from accounts.models import AccountCode, LoginSession, User
from accounts.privacy import delete_account, export_user_data
from accounts.tests.factories import UserFactory
from annonces.services import mark_read
from annonces.tests.factories import AnnonceFactory, AnnonceReadFactory
from conftest import DEFAULT_PASSWORD, assert_same_queries, error_codes, outcomes_of
from events.models import (
    Event,
    Participant,
    QuestionUpvote,
    Role,
    RoomAccess,
    RoomAssignment,
    RoomScanCount,
    SessionAccess,
    SessionQuestion,
    UserEventAssignment,
)
from events.services.access import verify_room_access
from events.services.questions import ask_question, toggle_upvote
from events.tests.factories import AssignmentFactory, EventFactory, badge_holder
from events.tests.factories_ateliers import AtelierFactory, SessionAccessFactory
from events.tests.factories_participants import ParticipantFactory
from events.tests.factories_programme import RoomFactory, SessionFactory
from events.tests.factories_questions import QuestionUpvoteFactory, SessionQuestionFactory
from events.tests.factories_staff import RoomAssignmentFactory
from exposants.models import Exposant, ExposantScan
from exposants.services import record_scan
from exposants.tests.factories import ExposantFactory, ExposantScanFactory
from makeplus.errors import AppError

pytestmark = pytest.mark.django_db

EXPORT = "/api/auth/me/export/"
ME = "/api/auth/me/"


def iso(value):
    return None if value is None else timezone.localtime(value).isoformat()


def _event(event):
    return {"id": str(event.pk), "name": event.name}


def _room(room):
    return {"id": str(room.pk), "name": room.name}


def _session(session):
    return {"id": str(session.pk), "title": session.title}


@pytest.fixture
def world(event_a, event_b):
    """Event A running now: two rooms, a conference in Atlas, a paid atelier in Béjaïa; its organisateur,
    a controller on duty at Atlas, an exposant with its stand; Amina (the caller of most tests) and Bilal,
    participants who were scanned at the doors and at the stand, asked and voted; an annonce."""
    atlas = RoomFactory(event=event_a, name="Salle Atlas", capacity=10)
    bejaia = RoomFactory(event=event_a, name="Salle Béjaïa", capacity=20)
    # Over before the scans (the door scans below are for no session).
    talk = SessionFactory(room=atlas, title="Ouverture", start_time=event_a.start_date + timedelta(minutes=10))
    atelier = AtelierFactory(room=bejaia, title="Atelier IoT", paid=True)
    organiser = AssignmentFactory(event=event_a, role=Role.ORGANISATEUR).user
    controller = RoomAssignmentFactory(room=atlas).user
    exposant_badge = badge_holder(event_a, kind=Participant.Kind.EXPOSANT, first_name="Karim", last_name="Haddad")
    stand = Exposant.objects.get(event=event_a, user=exposant_badge.user)
    amina_badge = badge_holder(
        event_a,
        access_all_rooms=False,
        allowed_rooms=[atlas],
        first_name="Amina",
        last_name="Kaci",
        phone="+213550112233",
        email="amina@example.dz",
    )
    amina = amina_badge.user
    amina.company = "Sonatrach"
    amina.save(update_fields=["company"])
    bilal_badge = badge_holder(event_a, first_name="Bilal", last_name="Kaci", email="bilal@example.dz")
    bilal = bilal_badge.user
    place = SessionAccessFactory(session=atelier, participant=amina_badge, paid=True)
    SessionAccessFactory(session=atelier, participant=bilal_badge)
    entry = verify_room_access(room=atlas, verifier=controller, qr_code=amina_badge.qr_code_data).access
    denied = verify_room_access(room=bejaia, verifier=organiser, qr_code=amina_badge.qr_code_data).access
    verify_room_access(room=atlas, verifier=controller, qr_code=bilal_badge.qr_code_data)
    lead = record_scan(exposant=stand, qr_code=amina_badge.qr_code_data, notes="Intéressée par l'offre", rating=4)
    record_scan(exposant=stand, qr_code=bilal_badge.qr_code_data, notes="À rappeler")
    asked = ask_question(session=talk, user=amina, text="Quand sort la version 2 ?")
    other_question = ask_question(session=talk, user=bilal, text="Y a-t-il un replay ?", is_anonymous=True)
    toggle_upvote(question=other_question, user=amina)
    toggle_upvote(question=asked, user=bilal)
    annonce = AnnonceFactory(event=event_a, created_by=organiser, title="Bienvenue")
    read = mark_read(annonce=annonce, user=amina)
    mark_read(annonce=annonce, user=bilal)
    code = AccountCode.objects.create(
        purpose=AccountCode.Purpose.PASSWORD_RESET,
        email=amina.email,
        user=amina,
        code_hash="pbkdf2$secret-hash",
        password_hash="md5$pending",
        expires_at=timezone.now() + timedelta(minutes=15),
    )
    AccountCode.objects.create(
        purpose=AccountCode.Purpose.PASSWORD_RESET,
        email=bilal.email,
        user=bilal,
        code_hash="x",
        expires_at=timezone.now() + timedelta(minutes=15),
    )
    # Event B: Bilal only (Amina's export shows nothing of it).
    badge_holder(event_b, email="bilal.b@example.dz")
    for row in (amina_badge, bilal_badge):
        row.refresh_from_db()
    return locals()


# --- export -----------------------------------------------------------------------------------------


def test_export_is_exactly_the_callers_data(world, client_for, event_a):
    amina, badge = world["amina"], world["amina_badge"]
    client = client_for(amina, event_a)

    response = client.get(EXPORT)

    assert response.status_code == 200
    assert response["Cache-Control"] == "no-store"
    assert response["Content-Disposition"] == f'attachment; filename="makeplus-data-{amina.pk}.json"'
    data = response.json()
    assert data["format"] == "makeplus-export/1"
    amina.refresh_from_db()
    assert data["profile"] == {
        "id": amina.pk,
        "email": "amina@example.dz",
        "first_name": "Amina",
        "last_name": "Kaci",
        "phone": "+213550112233",
        "company": "Sonatrach",
        "photo": None,
        "share_contact_with_exposants": True,
        "language": "",
        "is_active": True,
        "date_joined": iso(amina.date_joined),
        "last_login": None,
    }
    assignment = amina.event_assignments.get()
    assert data["event_roles"] == [
        {"event": _event(event_a), "role": "participant", "is_active": True, "assigned_at": iso(assignment.assigned_at)}
    ]
    assert data["staff_shifts"] == []
    entry, denied, place, lead = world["entry"], world["denied"], world["place"], world["lead"].scan
    atlas, bejaia, stand = world["atlas"], world["bejaia"], world["stand"]
    assert data["badges"] == [
        {
            "event": _event(event_a),
            "kind": "participant",
            "badge_id": badge.badge_id,
            "badge_version": 1,
            "created_at": iso(badge.created_at),
            "registration": {"first_name": "Amina", "last_name": "Kaci", "phone": "+213550112233"},
            "access_all_rooms": False,
            "allowed_rooms": [_room(atlas)],
            "presence": {
                "is_checked_in": True,
                "checked_in_at": iso(badge.checked_in_at),
                "current_room": _room(atlas),
            },
            "ateliers": [
                {
                    "session": _session(world["atelier"]),
                    "status": "paid",
                    "amount": "1500.00",
                    "payment_method": "cash",
                    "paid_at": iso(place.paid_at),
                    "registered_at": iso(place.created_at),
                }
            ],
            "door_log": [
                {
                    "room": _room(atlas),
                    "session": None,
                    "direction": "entry",
                    "status": "granted",
                    "denial_reason": "",
                    "already_inside": False,
                    "offline": False,
                    "scanned_at": iso(entry.scanned_at),
                },
                {
                    "room": _room(bejaia),
                    "session": None,
                    "direction": "entry",
                    "status": "denied",
                    "denial_reason": "not_allowed_room",
                    "already_inside": False,
                    "offline": False,
                    "scanned_at": iso(denied.scanned_at),
                },
            ],
            # The fact and the stand; the exposant's notes and rating are not the visitor's data.
            "stand_visits": [
                {
                    "exposant": {"id": stand.pk, "company_name": stand.company_name, "stand_number": ""},
                    "scanned_at": iso(lead.scanned_at),
                }
            ],
        }
    ]
    assert data["door_scans_recorded"] == []
    asked = world["asked"]
    asked.refresh_from_db()
    assert data["questions"] == [
        {
            "id": asked.pk,
            "event": _event(event_a),
            "session": _session(world["talk"]),
            "text": "Quand sort la version 2 ?",
            "is_anonymous": False,
            "is_hidden": False,
            "upvote_count": 1,
            "answer": "",
            "answered_at": None,
            "created_at": iso(asked.created_at),
        }
    ]
    vote = QuestionUpvote.objects.get(user=amina)
    assert data["question_votes"] == [
        {
            "event": _event(event_a),
            "session": _session(world["talk"]),
            "question": {"id": world["other_question"].pk, "text": "Y a-t-il un replay ?"},
            "created_at": iso(vote.created_at),
        }
    ]
    assert data["exposant_profiles"] == []
    assert data["annonces_created"] == []
    assert data["annonces_read"] == [
        {
            "event": _event(event_a),
            "annonce": {"id": str(world["annonce"].pk), "title": "Bienvenue"},
            "read_at": iso(world["read"].read_at),
        }
    ]
    code = world["code"]
    assert data["emailed_codes"] == [
        {
            "purpose": "password_reset",
            "email": "amina@example.dz",
            "event": None,
            "sent_at": iso(code.sent_at),
            "expires_at": iso(code.expires_at),
            "used_at": None,
        }
    ]
    assert [row["revoked"] for row in data["sign_ins"]] == [False]
    assert data["app_sessions"] == []
    text = response.content.decode()
    for secret in ("secret-hash", "md5$pending", amina.password, client.tokens["refresh"]):
        assert secret not in text
    # Nothing of Bilal, nor the exposant's notes about her.
    for other in ("Bilal", "bilal@example.dz", "À rappeler", "Intéressée"):
        assert other not in text


def test_export_of_an_exposant_lists_its_stand_and_leads_with_consent(world, client_for, event_a):
    amina = world["amina"]
    bilal = world["bilal"]
    bilal.share_contact_with_exposants = False
    bilal.save(update_fields=["share_contact_with_exposants"])
    exposant = world["exposant_badge"].user

    data = client_for(exposant, event_a).get(EXPORT).json()

    stand = world["stand"]
    leads = {scan.participant.user_id: scan for scan in ExposantScan.objects.select_related("participant")}
    assert data["exposant_profiles"] == [
        {
            "id": stand.pk,
            "event": _event(event_a),
            "company_name": stand.company_name,
            "description": "",
            "stand_number": "",
            "stand_location": "",
            "website": "",
            "logo_url": "",
            "contact_email": stand.contact_email,
            "contact_phone": stand.contact_phone,
            "created_at": iso(stand.created_at),
            "leads": [
                {
                    "visitor": {
                        "full_name": "Amina Kaci",
                        "name": "Amina Kaci",
                        "contact_shared": True,
                        "email": "amina@example.dz",
                        "phone": "+213550112233",
                        "company": "Sonatrach",
                    },
                    "scanned_at": iso(leads[amina.pk].scanned_at),
                    "notes": "Intéressée par l'offre",
                    "rating": 4,
                },
                {
                    "visitor": {"full_name": "Bilal Kaci", "name": "Bilal Kaci", "contact_shared": False},
                    "scanned_at": iso(leads[bilal.pk].scanned_at),
                    "notes": "À rappeler",
                    "rating": None,
                },
            ],
        }
    ]
    assert [badge["kind"] for badge in data["badges"]] == ["exposant"]
    assert "bilal@example.dz" not in str(data)


def test_export_of_a_controller_counts_the_scans_it_recorded(world, client_for, event_a):
    controller = world["controller"]

    data = client_for(controller, event_a).get(EXPORT).json()

    shift = RoomAssignment.objects.get(user=controller)
    assert data["staff_shifts"] == [
        {
            "event": _event(event_a),
            "room": _room(world["atlas"]),
            "role": "controlleur_des_badges",
            "start_time": iso(shift.start_time),
            "end_time": iso(shift.end_time),
            "is_active": True,
            "notes": "",
        }
    ]
    assert data["door_scans_recorded"] == [
        {"event": _event(event_a), "room": _room(world["atlas"]), "granted": 2, "denied": 0}
    ]
    assert data["badges"] == []
    assert "Amina" not in str(data) and "Bilal" not in str(data)


def test_export_of_an_organisateur_lists_its_annonces(world, client_for, event_a):
    organiser, annonce = world["organiser"], world["annonce"]

    data = client_for(organiser, event_a).get(EXPORT).json()

    assert data["annonces_created"] == [
        {
            "id": str(annonce.pk),
            "event": _event(event_a),
            "title": "Bienvenue",
            "content": annonce.content,
            "publish_at": iso(annonce.publish_at),
            "expires_at": None,
            "created_at": iso(annonce.created_at),
        }
    ]
    assert data["door_scans_recorded"] == [
        {"event": _event(event_a), "room": _room(world["bejaia"]), "granted": 0, "denied": 1}
    ]


def test_export_needs_a_signed_in_caller(api_client):
    response = api_client.get(EXPORT)

    assert response.status_code == 401
    assert error_codes(response) == ["not_authenticated"]


def test_export_refuses_other_methods(auth_client, user):
    response = auth_client(user).post(EXPORT, {})

    assert response.status_code == 405
    assert error_codes(response) == ["method_not_allowed"]


def test_export_works_without_an_event_selected(auth_client, user):
    data = auth_client(user).get(EXPORT).json()

    assert data["profile"]["email"] == user.email
    assert data["badges"] == data["event_roles"] == data["questions"] == []


def _everything(user):
    """One more row of every kind the export lists, for ``user``, in a new event."""
    event = EventFactory()
    room = RoomFactory(event=event)
    AssignmentFactory(user=user, event=event, role=Role.PARTICIPANT)
    RoomAssignment.objects.create(  # inactive: a user's active shifts may not overlap
        user=user,
        room=room,
        role=Role.CONTROLLEUR_DES_BADGES,
        start_time=event.start_date,
        end_time=event.end_date,
        is_active=False,
    )
    badge = ParticipantFactory(user=user, event=event, access_all_rooms=False)
    badge.allowed_rooms.set([room, RoomFactory(event=event)])
    badge.current_room = room
    badge.save(update_fields=["current_room"])
    SessionAccessFactory(participant=badge, session=AtelierFactory(room=room), paid=True)
    for status, reason in (("granted", ""), ("denied", "room_full")):
        RoomAccess.objects.create(
            room=room, participant=badge, status=status, denial_reason=reason, scanned_at=timezone.now()
        )
        RoomAccess.objects.create(
            room=room, verified_by=user, status=status, denial_reason=reason, scanned_at=timezone.now()
        )
    ExposantScanFactory(participant=badge, exposant=ExposantFactory(event=event))
    question = SessionQuestionFactory(asked_by=user, session=SessionFactory(room=room))
    QuestionUpvoteFactory(user=user, question=SessionQuestionFactory(session=question.session))
    ExposantScanFactory.create_batch(2, exposant=ExposantFactory(user=user, event=event))
    AnnonceFactory(event=event, created_by=user)
    AnnonceReadFactory(user=user, annonce=AnnonceFactory(event=event))
    AccountCode.objects.create(
        purpose=AccountCode.Purpose.INVITATION,
        email=user.email,
        user=user,
        event=event,
        code_hash="x",
        expires_at=timezone.now(),
    )
    from accounts.services import issue_tokens

    issue_tokens(user=user)
    LoginSession.objects.create(user=user)


def test_export_query_count_does_not_grow_with_rows():
    user = UserFactory()
    _everything(user)

    one, many = assert_same_queries(lambda: export_user_data(user), lambda: [_everything(user) for _ in range(2)])

    sections = [key for key, value in many.items() if isinstance(value, list)]
    assert {key: len(one[key]) for key in sections} == dict.fromkeys(sections, 1)
    assert {key: len(many[key]) for key in sections} == dict.fromkeys(sections, 3)
    assert [len(badge["door_log"]) for badge in many["badges"]] == [2, 2, 2]
    assert [len(badge["allowed_rooms"]) for badge in many["badges"]] == [2, 2, 2]
    assert [len(stand["leads"]) for stand in many["exposant_profiles"]] == [2, 2, 2]


# --- deletion: the password ---------------------------------------------------------------------------


@pytest.mark.parametrize("password", [None, "", 123, ["makeplus2025"], {"a": 1}])
def test_delete_without_a_password_is_refused(world, password):
    amina = world["amina"]

    with pytest.raises(AppError) as raised:
        delete_account(user=amina, password=password)

    assert raised.value.code == "password_required"
    assert User.objects.get(pk=amina.pk).email == "amina@example.dz"


def test_delete_with_a_wrong_password_is_refused_and_changes_nothing(world):
    amina = world["amina"]

    with pytest.raises(AppError) as raised:
        delete_account(user=amina, password="pas-le-bon")

    assert raised.value.code == "wrong_password"
    amina.refresh_from_db()
    assert (amina.email, amina.is_active, amina.first_name) == ("amina@example.dz", True, "Amina")
    assert ExposantScan.objects.filter(participant__user=amina).count() == 1


# The route's view (mobile/auth.py) may check the body's shape first (DRF's field codes, on "password")
# or leave it to the service (password_required): either way a 400 in our format, nothing deleted.
@pytest.mark.parametrize(
    ("body", "codes"),
    [
        ({}, {"password_required", "required"}),
        ({"password": ""}, {"password_required", "blank"}),
        ({"password": None}, {"password_required", "null"}),
        ({"password": ["x"]}, {"password_required", "invalid"}),
        ({"password": "x" * 5000}, {"wrong_password", "max_length"}),
        ([DEFAULT_PASSWORD], {"password_required", "invalid", "parse_error"}),
        ({"password": "pas-le-bon"}, {"wrong_password"}),
    ],
)
def test_delete_api_bad_input_is_a_400_in_our_format(world, client_for, event_a, body, codes):
    client = client_for(world["amina"], event_a)

    response = client.delete(ME, body, format="json")

    assert response.status_code == 400, response.content
    body = response.json()
    assert len(body["errors"]) == 1 and body["errors"][0]["code"] in codes
    assert body["error"] == body["message"] == body["errors"][0]["detail"]
    assert User.objects.get(pk=world["amina"].pk).is_active
    assert ExposantScan.objects.filter(participant__user=world["amina"]).count() == 1


def test_delete_api_needs_a_signed_in_caller(api_client):
    response = api_client.delete(ME, {"password": DEFAULT_PASSWORD}, format="json")

    assert response.status_code == 401


# --- deletion: the team rule ----------------------------------------------------------------------------


def test_sole_organisateur_of_a_running_event_is_refused(world, event_a):
    organiser = world["organiser"]

    with pytest.raises(AppError) as raised:
        delete_account(user=organiser, password=DEFAULT_PASSWORD)

    assert raised.value.code == "last_organisateur"
    assert event_a.name in raised.value.message
    assert User.objects.get(pk=organiser.pk).is_active
    assert UserEventAssignment.objects.get(user=organiser).is_active


def test_sole_organisateur_refused_through_the_api(world, client_for, event_a):
    response = client_for(world["organiser"], event_a).delete(ME, {"password": DEFAULT_PASSWORD}, format="json")

    assert response.status_code == 400
    assert error_codes(response) == ["last_organisateur"]


def test_an_inactive_co_organisateur_does_not_count(world, event_a):
    AssignmentFactory(event=event_a, role=Role.ORGANISATEUR, is_active=False)

    with pytest.raises(AppError) as raised:
        delete_account(user=world["organiser"], password=DEFAULT_PASSWORD)

    assert raised.value.code == "last_organisateur"


def test_organisateur_may_leave_once_a_co_organisateur_exists(world, event_a):
    organiser = world["organiser"]
    other = AssignmentFactory(event=event_a, role=Role.ORGANISATEUR).user

    delete_account(user=organiser, password=DEFAULT_PASSWORD)

    assert not User.objects.get(pk=organiser.pk).is_active
    assert list(
        UserEventAssignment.objects.filter(event=event_a, role=Role.ORGANISATEUR, is_active=True).values_list(
            "user_id", flat=True
        )
    ) == [other.pk]


@pytest.mark.parametrize("status", [Event.Status.COMPLETED, Event.Status.CANCELLED])
def test_sole_organisateur_of_a_finished_event_may_leave(world, event_a, status):
    Event.objects.filter(pk=event_a.pk).update(status=status)

    delete_account(user=world["organiser"], password=DEFAULT_PASSWORD)

    assert not User.objects.get(pk=world["organiser"].pk).is_active


def test_refused_for_one_running_event_among_several(world, event_a):
    organiser = world["organiser"]
    Event.objects.filter(pk=event_a.pk).update(status=Event.Status.COMPLETED)
    running = EventFactory(name="Salon Oran", status=Event.Status.UPCOMING)
    AssignmentFactory(user=organiser, event=running, role=Role.ORGANISATEUR)

    with pytest.raises(AppError) as raised:
        delete_account(user=organiser, password=DEFAULT_PASSWORD)

    assert (raised.value.code, "Salon Oran" in raised.value.message) == ("last_organisateur", True)
    assert UserEventAssignment.objects.filter(user=organiser, is_active=True).count() == 2


# --- deletion: what it does -----------------------------------------------------------------------------


def _door_state(event):
    return {
        "scan_counts": sorted(
            RoomScanCount.objects.filter(room__event=event).values_list(
                "room_id", "day", "hour", "status", "denial_reason", "count"
            )
        ),
        "log": sorted(
            RoomAccess.objects.filter(room__event=event).values_list(
                "pk", "room_id", "participant_id", "session_id", "direction", "status", "denial_reason", "scanned_at"
            )
        ),
        "event": Event.objects.filter(pk=event.pk).values("total_participants", "total_exhibitors", "total_rooms")[0],
        "occupancy": sorted(event.rooms.values_list("pk", "current_participants")),
        "questions": sorted(
            SessionQuestion.objects.filter(session__event=event).values_list("pk", "upvote_count", "text")
        ),
        "places": sorted(SessionAccess.objects.filter(session__event=event).values_list("pk", "status", "amount")),
    }


def _statistics(client, event):
    data = client.get(f"/api/events/{event.pk}/statistics/").json()
    data.pop("members")  # the deleted person no longer holds a role: the one part that changes
    return data


def _room_stats(client):
    data = client.get("/api/controller/room-stats/").json()
    for room in data["rooms"]:
        room.pop("last_scans")  # names the holders: anonymised, compared below
    return data


def test_participant_deletion_keeps_counts_and_door_statistics_exact(world, client_for, event_a):
    amina, organiser, controller = world["amina"], world["organiser"], world["controller"]
    organiser_client, controller_client = client_for(organiser, event_a), client_for(controller, event_a)
    before = (_door_state(event_a), _statistics(organiser_client, event_a), _room_stats(controller_client))
    last_before = organiser_client.get("/api/controller/room-stats/").json()["rooms"]

    delete_account(user=amina, password=DEFAULT_PASSWORD)

    after = (_door_state(event_a), _statistics(organiser_client, event_a), _room_stats(controller_client))
    assert after == before
    assert before[1]["totals"]["participants"] == 2 and before[0]["scan_counts"] != []
    call_command("recount", "--check")  # every counter agrees with its source rows
    # The log rows are kept, their holder anonymous and what was scanned cleared.
    rows = RoomAccess.objects.filter(participant__user=amina)
    assert sorted(rows.values_list("badge_input", flat=True)) == ["", ""]
    last_after = organiser_client.get("/api/controller/room-stats/").json()["rooms"]
    shown = [scan for room in last_after for scan in room["last_scans"]]
    assert len(shown) == sum(len(room["last_scans"]) for room in last_before) == 3
    assert "Amina" not in str(last_after) and "Amina" in str(last_before)


def test_participant_deletion_anonymises_the_account(world):
    amina, badge = world["amina"], world["amina_badge"]
    old_badge_id, old_qr = badge.badge_id, badge.qr_code_data

    delete_account(user=amina, password=DEFAULT_PASSWORD)

    amina.refresh_from_db()
    assert amina.email.startswith(f"deleted-{amina.pk}-") and amina.email.endswith("@deleted.invalid")
    assert (amina.first_name, amina.last_name, amina.phone, amina.company, amina.photo.name) == ("", "", "", "", "")
    assert (amina.is_active, amina.is_staff, amina.has_usable_password()) == (False, False, False)
    assert amina.share_contact_with_exposants is False
    assert list(UserEventAssignment.objects.filter(user=amina).values_list("is_active", flat=True)) == [False]
    # The badge stays (counted) but no longer opens a door: new id, old QR code revoked.
    badge.refresh_from_db()
    assert badge.badge_id != old_badge_id and badge.badge_version == 2
    scan = verify_room_access(room=world["atlas"], verifier=world["controller"], qr_code=old_qr).access
    assert (scan.status, scan.denial_reason) == ("denied", "revoked")
    typed = verify_room_access(room=world["atlas"], verifier=world["controller"], badge_id=old_badge_id).access
    assert (typed.status, typed.denial_reason, typed.participant_id) == ("denied", "invalid_badge", None)
    # Leads about her are gone, Bilal's stay; her question stays, anonymous; votes stay.
    assert list(ExposantScan.objects.values_list("participant__user_id", flat=True)) == [world["bilal"].pk]
    asked = SessionQuestion.objects.get(pk=world["asked"].pk)
    assert (asked.is_anonymous, asked.text, asked.upvote_count) == (True, "Quand sort la version 2 ?", 1)
    assert SessionQuestion.objects.get(pk=world["other_question"].pk).upvote_count == 1
    # Codes emailed to her are gone, Bilal's stay; the paid atelier place stays (a payment record).
    assert list(AccountCode.objects.values_list("email", flat=True)) == ["bilal@example.dz"]
    assert SessionAccess.objects.get(pk=world["place"].pk).status == "paid"
    # Nothing personal is left in her export.
    text = str(export_user_data(amina))
    for personal in ("Amina", "amina@example.dz", "+213550112233", "Sonatrach", old_badge_id):
        assert personal not in text


def test_after_deletion_tokens_and_login_fail_and_the_email_is_free(world, api_client, login):
    amina = world["amina"]
    tokens = login(amina)
    app_session = LoginSession.objects.create(user=amina)  # a sign-in of the mobile app
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Bearer {tokens['access']}")
    assert client.get(EXPORT).status_code == 200

    delete_account(user=amina, password=DEFAULT_PASSWORD)

    app_session.refresh_from_db()
    assert app_session.revoked_at is not None
    assert client.get(EXPORT).status_code == 401
    assert client.get("/api/auth/profile/").status_code == 401
    refreshed = api_client.post("/api/auth/token/refresh/", {"refresh": tokens["refresh"]})
    assert (refreshed.status_code, error_codes(refreshed)) == (401, ["token_not_valid"])
    relogin = api_client.post("/api/auth/login/", {"email": "amina@example.dz", "password": DEFAULT_PASSWORD})
    assert (relogin.status_code, error_codes(relogin)) == (401, ["invalid_credentials"])
    registered = api_client.post(
        "/api/auth/register/", {"email": "Amina@Example.dz", "password": "Tassili-2025!", "first_name": "Amina"}
    )
    assert registered.status_code == 201, registered.content
    fresh = User.objects.get(email="amina@example.dz")
    assert fresh.pk != amina.pk
    data = export_user_data(fresh)
    assert data["badges"] == data["questions"] == data["event_roles"] == []


def test_delete_api_answers_204_and_logs_out(world, client_for, event_a, api_client):
    client = client_for(world["amina"], event_a)

    response = client.delete(ME, {"password": DEFAULT_PASSWORD}, format="json")

    assert response.status_code == 204, response.content
    assert client.get(EXPORT).status_code == 401
    refreshed = api_client.post("/api/auth/token/refresh/", {"refresh": client.tokens["refresh"]})
    assert refreshed.status_code == 401


def test_deletion_removes_the_photo_from_storage(user, settings, tmp_path, django_capture_on_commit_callbacks):
    settings.MEDIA_ROOT = tmp_path
    user.photo.save("visage.png", ContentFile(b"\x89PNG fake"), save=True)
    stored = tmp_path / user.photo.name
    assert stored.exists()
    assert export_user_data(user)["profile"]["photo"] == f"/media/{user.photo.name}"

    with django_capture_on_commit_callbacks(execute=True):
        delete_account(user=user, password=DEFAULT_PASSWORD)

    assert not stored.exists()
    user.refresh_from_db()
    assert user.photo.name == ""


def test_exposant_deletion_keeps_its_stand_and_leads_without_its_contact(world, client_for, event_a):
    exposant = world["exposant_badge"].user
    stand = world["stand"]
    Exposant.objects.filter(pk=stand.pk).update(contact_email=exposant.email, contact_phone="+213770000000")
    assert stand.company_name == "Karim Haddad"
    organiser_client = client_for(world["organiser"], event_a)
    before = (_door_state(event_a), _statistics(organiser_client, event_a))

    delete_account(user=exposant, password=DEFAULT_PASSWORD)

    stand.refresh_from_db()
    # Its own email goes, the stand's phone stays; the stand was named after its person: unnamed.
    assert (stand.contact_email, stand.contact_phone, stand.company_name) == ("", "+213770000000", "")
    assert ExposantScan.objects.filter(exposant=stand).count() == 2
    assert (_door_state(event_a), _statistics(organiser_client, event_a)) == before
    call_command("recount", "--check")


def test_controller_deletion_keeps_the_scans_it_recorded(world, client_for, event_a):
    controller = world["controller"]
    organiser_client = client_for(world["organiser"], event_a)
    before = (_door_state(event_a), _statistics(organiser_client, event_a), _room_stats(organiser_client))
    recorded = list(RoomAccess.objects.filter(verified_by=controller).values_list("pk", flat=True))

    delete_account(user=controller, password=DEFAULT_PASSWORD)

    assert (_door_state(event_a), _statistics(organiser_client, event_a), _room_stats(organiser_client)) == before
    assert list(RoomAccess.objects.filter(verified_by=controller).values_list("pk", flat=True)) == recorded
    assert len(recorded) == 2
    assert list(RoomAssignment.objects.filter(user=controller).values_list("is_active", flat=True)) == [False]
    call_command("recount", "--check")


@pytest.mark.skipif(connection.vendor != "postgresql", reason="row locks need PostgreSQL (SQLite locks the file)")
@pytest.mark.django_db(transaction=True)
def test_two_co_organisateurs_deleting_their_accounts_at_once_leave_one():
    event = EventFactory()
    first, second = (a.user for a in AssignmentFactory.create_batch(2, event=event, role=Role.ORGANISATEUR))

    outcomes = outcomes_of(
        [lambda u=u: delete_account(user=u, password=DEFAULT_PASSWORD) or "ok" for u in (first, second)]
    )

    assert sorted(outcomes) == ["last_organisateur", "ok"]
    assert UserEventAssignment.objects.filter(event=event, role=Role.ORGANISATEUR, is_active=True).count() == 1
    assert User.objects.filter(pk__in=[first.pk, second.pk], is_active=True).count() == 1
