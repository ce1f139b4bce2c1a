import os
from datetime import timedelta

import pytest

from accounts.tests.factories import UserFactory
from conftest import assert_same_queries, error_codes
from events.models import Event, Participant, Role, Session, UserEventAssignment
from events.tests.factories import AssignmentFactory, EventFactory
from events.tests.factories_programme import RoomFactory, SessionFactory
from events.tests.pdfs import pdf_bytes, pdf_upload

pytestmark = pytest.mark.django_db

ROLES = list(Role.values)


@pytest.fixture
def media_root(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    return tmp_path


def _stored_files(root):
    return sorted(os.path.relpath(os.path.join(d, f), root) for d, _, files in os.walk(root) for f in files)


# --- list / retrieve: every role sees its own events only -----------------------------------


@pytest.mark.parametrize("role", ROLES)
def test_list_shows_only_the_callers_events_with_its_role(member, event_a, event_b, role):
    client, _ = member(role, event_a)

    response = client.get("/api/events/")

    assert response.status_code == 200
    body = response.json()
    assert body["count"] == 1
    assert [(e["name"], e["my_role"]) for e in body["results"]] == [("TechSummit Algeria", role)]


@pytest.mark.parametrize("role", ROLES)
def test_retrieve_own_event_200_other_event_404(member, event_a, event_b, role):
    client, _ = member(role, event_a)

    own = client.get(f"/api/events/{event_a.pk}/")
    other = client.get(f"/api/events/{event_b.pk}/")

    assert own.status_code == 200
    assert own.json()["name"] == "TechSummit Algeria"
    assert other.status_code == 404
    assert error_codes(other) == ["not_found"]
    assert "StartupWeek" not in other.content.decode()


def test_list_requires_authentication(api_client, event_a):
    response = api_client.get("/api/events/")

    assert response.status_code == 401
    assert error_codes(response) == ["not_authenticated"]


def test_list_query_count_is_the_same_for_1_and_30_events(client_for):
    user = UserFactory()
    client = client_for(user)
    AssignmentFactory(user=user, role=Role.PARTICIPANT)
    one, many = assert_same_queries(  # user, count, page
        lambda: client.get("/api/events/?page_size=50").json()["count"],
        lambda: [AssignmentFactory(user=user, role=Role.EXPOSANT) for _ in range(29)],
        expected=3,
    )

    assert (one, many) == (1, 30)


def test_list_filters_search_and_paginates(member, event_a):
    client, user = member(Role.PARTICIPANT, event_a)
    for name, status in [("InnoFest Constantine", "completed"), ("Salon Béjaïa", "upcoming")]:
        AssignmentFactory(user=user, event=EventFactory(name=name, status=status), role=Role.PARTICIPANT)

    by_status = client.get("/api/events/?status=completed").json()
    by_search = client.get("/api/events/?search=béjaïa").json()
    paged = client.get("/api/events/?page_size=2&ordering=name").json()

    assert [e["name"] for e in by_status["results"]] == ["InnoFest Constantine"]
    assert [e["name"] for e in by_search["results"]] == ["Salon Béjaïa"]
    assert (paged["count"], len(paged["results"]), paged["next"] is not None) == (3, 2, True)


# --- create / update / delete -----------------------------------------------------------------


def test_any_authenticated_user_creates_an_event_and_becomes_organisateur(client_for):
    user = UserFactory()
    response = client_for(user).post(
        "/api/events/",
        {
            "name": "Salon de l'Agriculture Sétif",
            "start_date": "2026-12-10T08:00:00+01:00",
            "end_date": "2026-12-12T18:00:00+01:00",
            "location": "Sétif",
            "themes": ["Agritech", " Irrigation "],
        },
    )

    assert response.status_code == 201
    body = response.json()
    assert (body["my_role"], body["themes"], body["total_participants"]) == (
        "organisateur",
        ["Agritech", "Irrigation"],
        0,
    )
    assert body["created_by"] == user.pk
    assert UserEventAssignment.objects.get(event_id=body["id"]).role == Role.ORGANISATEUR
    assert UserEventAssignment.objects.get(event_id=body["id"]).user == user


def test_create_rejects_end_before_start(client_for, user):
    response = client_for(user).post(
        "/api/events/", {"name": "X", "start_date": "2026-12-10T08:00:00Z", "end_date": "2026-12-09T08:00:00Z"}
    )

    assert response.status_code == 400
    assert [(e["attr"], e["code"]) for e in response.json()["errors"]] == [("end_date", "end_before_start")]
    assert Event.objects.count() == 0


@pytest.mark.parametrize(
    ("payload", "errors"),
    [
        ({"name": "", "start_date": "2026-12-10T08:00:00Z", "end_date": "2026-12-11T08:00:00Z"}, [("name", "blank")]),
        ({"name": "X", "start_date": "demain", "end_date": "2026-12-11T08:00:00Z"}, [("start_date", "invalid")]),
        (
            {"name": "X", "start_date": "2026-12-10T08:00:00Z", "end_date": "2026-12-11T08:00:00Z", "status": "open"},
            [("status", "invalid_choice")],
        ),
        (
            {"name": "X", "start_date": "2026-12-10T08:00:00Z", "end_date": "2026-12-11T08:00:00Z", "themes": [1]},
            [("themes", "invalid_themes")],
        ),
        (
            {"name": "X", "start_date": "2026-12-10T08:00:00Z", "end_date": "2026-12-11T08:00:00Z", "settings": []},
            [("settings", "not_an_object")],
        ),
    ],
)
def test_create_bad_input_is_400_witherror_codes(client_for, user, payload, errors):
    response = client_for(user).post("/api/events/", payload)

    assert response.status_code == 400
    assert response.json()["type"] == "validation_error"
    assert [(e["attr"], e["code"]) for e in response.json()["errors"]] == errors


@pytest.mark.parametrize("role", ROLES)
def test_update_is_reserved_to_the_events_organisateurs(member, event_a, role):
    client, _ = member(role, event_a)

    response = client.patch(f"/api/events/{event_a.pk}/", {"president": "Pr. Meriem Bouzid"})

    event_a.refresh_from_db()
    if role == Role.ORGANISATEUR:
        assert response.status_code == 200
        assert response.json()["president"] == "Pr. Meriem Bouzid"
        assert event_a.president == "Pr. Meriem Bouzid"
    else:
        assert response.status_code == 403
        assert error_codes(response) == ["insufficient_role"]
        assert event_a.president == ""


@pytest.mark.parametrize("role", ROLES)
def test_update_of_another_event_is_404(member, event_a, event_b, role):
    client, _ = member(role, event_a)

    response = client.patch(f"/api/events/{event_b.pk}/", {"name": "Hacked"})

    assert response.status_code == 404
    event_b.refresh_from_db()
    assert event_b.name == "StartupWeek Oran"


def test_counters_are_read_only_through_the_api(member, event_a):
    client, _ = member(Role.ORGANISATEUR, event_a)

    response = client.patch(f"/api/events/{event_a.pk}/", {"total_participants": 999, "total_rooms": 5})

    assert response.status_code == 200
    event_a.refresh_from_db()
    assert (event_a.total_participants, event_a.total_rooms) == (0, 0)


def test_delete_empty_event_by_organisateur(member, event_a):
    client, _ = member(Role.ORGANISATEUR, event_a)

    response = client.delete(f"/api/events/{event_a.pk}/")

    assert response.status_code == 204
    assert not Event.objects.filter(pk=event_a.pk).exists()


def test_delete_event_with_members_needs_confirmation(member, event_a):
    client, _ = member(Role.ORGANISATEUR, event_a)
    AssignmentFactory(event=event_a, role=Role.PARTICIPANT)

    refused = client.delete(f"/api/events/{event_a.pk}/")
    assert refused.status_code == 409
    assert error_codes(refused) == ["event_has_data"]
    assert Event.objects.filter(pk=event_a.pk).exists()

    confirmed = client.delete(f"/api/events/{event_a.pk}/?confirm=true")
    assert confirmed.status_code == 204
    assert not Event.objects.filter(pk=event_a.pk).exists()
    assert UserEventAssignment.objects.filter(event_id=event_a.pk).count() == 0


def test_delete_event_with_sessions_deletes_its_programme(member, event_a):
    # Found by the isolation matrix: rooms PROTECT their sessions, the cascade from the event crashed (500).
    client, _ = member(Role.ORGANISATEUR, event_a)
    session = SessionFactory(room=RoomFactory(event=event_a))

    response = client.delete(f"/api/events/{event_a.pk}/?confirm=true")

    assert response.status_code == 204
    assert not Event.objects.filter(pk=event_a.pk).exists()
    assert not Session.objects.filter(pk=session.pk).exists()


@pytest.mark.parametrize("role", [r for r in ROLES if r != Role.ORGANISATEUR])
def test_delete_refused_to_other_roles(member, event_a, role):
    client, _ = member(role, event_a)

    response = client.delete(f"/api/events/{event_a.pk}/")

    assert response.status_code == 403
    assert Event.objects.filter(pk=event_a.pk).exists()


def test_delete_of_another_event_is_404(member, event_a, event_b):
    client, _ = member(Role.ORGANISATEUR, event_a)

    assert client.delete(f"/api/events/{event_b.pk}/?confirm=true").status_code == 404
    assert Event.objects.filter(pk=event_b.pk).exists()


# --- statistics ---------------------------------------------------------------------------------


def test_statistics_for_organisateur(member, event_a):
    from events.calendar import event_day_bounds as day_bounds
    from events.calendar import event_today as algiers_today
    from events.counters import recount_scan_counts
    from events.models import Room, RoomAccess

    client, _ = member(Role.ORGANISATEUR, event_a)
    for assignment in AssignmentFactory.create_batch(3, event=event_a, role=Role.PARTICIPANT):
        Participant.objects.create(event=event_a, user=assignment.user)
    Participant.objects.create(
        event=event_a, user=AssignmentFactory(event=event_a, role=Role.EXPOSANT).user, kind="exposant"
    )
    AssignmentFactory(event=event_a, role=Role.PARTICIPANT, is_active=False)
    room = RoomFactory(event=event_a, name="Salle Atlas", capacity=8)
    other = AssignmentFactory(role=Role.PARTICIPANT)  # another event
    Participant.objects.create(event=other.event, user=other.user)
    # Door scans: today (Algiers) two granted, two denied; yesterday 23:30 and another event's do not count.
    Participant.objects.filter(event=event_a, kind="participant").update(current_room=room)
    Room.objects.filter(pk=room.pk).update(current_participants=3)
    midnight = day_bounds()[0]
    for minutes, status, reason, scan_room in [
        (600, "granted", "", room),
        (610, "granted", "", room),
        (620, "denied", "room_full", room),
        (630, "denied", "not_allowed_room", room),
        (-30, "granted", "", room),
        (600, "denied", "room_full", RoomFactory(event=other.event)),
    ]:
        RoomAccess.objects.create(
            room=scan_room,
            status=status,
            denial_reason=reason,
            badge_input="ZZZZZZZZ",
            scanned_at=midnight + timedelta(minutes=minutes),
        )
    recount_scan_counts()  # rows written without the door scan: the statistics' counters rebuilt from them

    # Q&A: one session with three questions (one answered, one hidden), one session without any.
    from events.tests.factories_programme import SessionFactory
    from events.tests.factories_questions import SessionQuestionFactory

    talk = SessionFactory(room=room, title="Keynote")
    SessionFactory(room=room, start_time=talk.end_time)
    SessionQuestionFactory(session=talk, upvote_count=9, is_hidden=True)
    top = SessionQuestionFactory(session=talk, text="Et le cloud souverain ?", upvote_count=4)
    SessionQuestionFactory(session=talk, upvote_count=4, answer="Oui.", answered_at=midnight)
    SessionQuestionFactory(session=SessionFactory(room=RoomFactory(event=other.event)))  # another event

    response = client.get(f"/api/events/{event_a.pk}/statistics/")

    assert response.status_code == 200
    assert response.json() == {
        "event": {"id": str(event_a.pk), "name": "TechSummit Algeria", "status": "active"},
        "totals": {"participants": 3, "exhibitors": 1, "rooms": 1},
        "members": {
            "by_role": {
                "organisateur": 1,
                "gestionnaire_des_salles": 0,
                "controlleur_des_badges": 0,
                "participant": 3,
                "exposant": 1,
            },
            "active": 5,
            "inactive": 1,
        },
        "files": {"programme": False, "guide": False},
        "rooms": [
            {
                "id": str(room.pk),
                "name": "Salle Atlas",
                "capacity": 8,
                "current_participants": 3,
                "occupancy_percentage": 37.5,
                "is_active": True,
            }
        ],
        "scans_today": {
            "date": algiers_today().isoformat(),
            "granted": 2,
            "denied": 2,
            "denied_by_reason": {
                "invalid_badge": 0,
                "revoked": 0,
                "wrong_event": 0,
                "room_closed": 0,
                "not_allowed_room": 1,
                "payment_required": 0,
                "not_registered": 0,
                "room_full": 1,
            },
        },
        "questions": [
            {
                "session_id": str(talk.pk),
                "title": "Keynote",
                "asked": 3,
                "answered": 1,
                "hidden": 1,
                "top_question": {"id": top.pk, "text": "Et le cloud souverain ?", "upvote_count": 4},
            }
        ],
    }


@pytest.mark.parametrize("role", [r for r in ROLES if r != Role.ORGANISATEUR])
def test_statistics_refused_to_other_roles(member, event_a, role):
    client, _ = member(role, event_a)

    response = client.get(f"/api/events/{event_a.pk}/statistics/")

    assert response.status_code == 403
    assert error_codes(response) == ["insufficient_role"]


def test_statistics_of_another_event_is_404(member, event_a, event_b):
    client, _ = member(Role.ORGANISATEUR, event_a)

    assert client.get(f"/api/events/{event_b.pk}/statistics/").status_code == 404


def test_statistics_query_count_does_not_grow_with_members(member, event_a):
    client, _ = member(Role.ORGANISATEUR, event_a)
    assert_same_queries(
        lambda: client.get(f"/api/events/{event_a.pk}/statistics/"),
        lambda: AssignmentFactory.create_batch(25, event=event_a, role=Role.PARTICIPANT),
    )


# --- files ------------------------------------------------------------------------------------


def test_upload_and_download_programme(member, event_a, media_root):
    client, _ = member(Role.ORGANISATEUR, event_a)
    content = pdf_bytes(pages=2)

    response = client.patch(
        f"/api/events/{event_a.pk}/", {"programme_file": pdf_upload("Mon programme.pdf", content)}, format="multipart"
    )

    assert response.status_code == 200
    assert response.json()["programme_file"] == f"http://testserver/api/events/{event_a.pk}/programme/"
    stored = _stored_files(media_root)
    assert len(stored) == 1
    assert stored[0].startswith("events/programmes/") and stored[0].endswith(".pdf")
    assert "Mon programme" not in stored[0]
    participant, _ = member(Role.PARTICIPANT, event_a)
    download = participant.get(f"/api/events/{event_a.pk}/programme/")
    assert download.status_code == 200
    assert download["Content-Type"] == "application/pdf"
    assert int(download["Content-Length"]) == len(content)
    assert b"".join(download.streaming_content) == content


def test_download_requires_membership_of_that_event(member, event_a, event_b, media_root):
    owner, _ = member(Role.ORGANISATEUR, event_b)
    owner.patch(f"/api/events/{event_b.pk}/", {"guide_file": pdf_upload("guide.pdf")}, format="multipart")
    outsider, _ = member(Role.ORGANISATEUR, event_a)

    assert outsider.get(f"/api/events/{event_b.pk}/guide/").status_code == 404
    assert owner.get(f"/api/events/{event_b.pk}/guide/").status_code == 200


def test_download_missing_document_is_404(member, event_a):
    client, _ = member(Role.PARTICIPANT, event_a)

    response = client.get(f"/api/events/{event_a.pk}/guide/")

    assert response.status_code == 404
    assert error_codes(response) == ["file_not_found"]


def test_download_requires_authentication(api_client, event_a):
    assert api_client.get(f"/api/events/{event_a.pk}/programme/").status_code == 401


@pytest.mark.parametrize(
    ("upload", "code"),
    [
        (lambda: pdf_upload("programme.txt"), "invalid_extension"),
        (lambda: pdf_upload("programme.pdf", b"GIF89a definitely not a pdf"), "not_a_pdf"),
        (lambda: pdf_upload("programme.pdf", b"%PDF-1.7\n garbage without any page"), "not_a_pdf"),
        (lambda: pdf_upload("programme.pdf", b""), "empty"),
        (lambda: pdf_upload("programme.pdf", pdf_bytes() + b"\0" * 2048), "file_too_large"),
    ],
)
def test_bad_uploads_are_refused_and_nothing_is_stored(member, event_a, media_root, settings, upload, code):
    settings.MAX_UPLOAD_SIZE = 2048
    client, _ = member(Role.ORGANISATEUR, event_a)

    response = client.patch(f"/api/events/{event_a.pk}/", {"programme_file": upload()}, format="multipart")

    assert response.status_code == (413 if code == "file_too_large" else 400)  # too large: 413 (README)
    assert [(e["attr"], e["code"]) for e in response.json()["errors"]] == [("programme_file", code)]
    assert _stored_files(media_root) == []
    event_a.refresh_from_db()
    assert not event_a.programme_file


def test_replacing_a_file_deletes_the_old_one(member, event_a, media_root, django_capture_on_commit_callbacks):
    client, _ = member(Role.ORGANISATEUR, event_a)
    with django_capture_on_commit_callbacks(execute=True):
        client.patch(f"/api/events/{event_a.pk}/", {"guide_file": pdf_upload("v1.pdf")}, format="multipart")
    first = _stored_files(media_root)

    with django_capture_on_commit_callbacks(execute=True):
        response = client.patch(f"/api/events/{event_a.pk}/", {"guide_file": pdf_upload("v2.pdf")}, format="multipart")

    assert response.status_code == 200
    second = _stored_files(media_root)
    assert len(first) == len(second) == 1
    assert first != second
    event_a.refresh_from_db()
    assert event_a.guide_file.name == second[0]


def test_clearing_a_file_deletes_it(member, event_a, media_root, django_capture_on_commit_callbacks):
    client, _ = member(Role.ORGANISATEUR, event_a)
    with django_capture_on_commit_callbacks(execute=True):
        client.patch(f"/api/events/{event_a.pk}/", {"guide_file": pdf_upload()}, format="multipart")

    with django_capture_on_commit_callbacks(execute=True):
        response = client.patch(f"/api/events/{event_a.pk}/", {"guide_file": None})

    assert response.status_code == 200
    assert response.json()["guide_file"] is None
    assert _stored_files(media_root) == []


def test_deleting_an_event_deletes_its_files(member, event_a, media_root, django_capture_on_commit_callbacks):
    client, _ = member(Role.ORGANISATEUR, event_a)
    with django_capture_on_commit_callbacks(execute=True):
        client.patch(f"/api/events/{event_a.pk}/", {"guide_file": pdf_upload()}, format="multipart")
    assert len(_stored_files(media_root)) == 1

    with django_capture_on_commit_callbacks(execute=True):
        assert client.delete(f"/api/events/{event_a.pk}/").status_code == 204

    assert _stored_files(media_root) == []


def test_event_dates_constraint_holds_in_the_database(event_a):
    from django.db import IntegrityError, transaction

    with pytest.raises(IntegrityError), transaction.atomic():
        Event.objects.filter(pk=event_a.pk).update(end_date=event_a.start_date - timedelta(days=1))
