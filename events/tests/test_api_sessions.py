from datetime import timedelta
from decimal import Decimal

import pytest
from django.db import IntegrityError, connection, transaction
from django.utils import timezone

from conftest import assert_same_queries, error_codes
from events.models import Participant, Role, Session, SessionAccess
from events.tests.factories import AssignmentFactory
from events.tests.factories_programme import RoomFactory, SessionFactory

pytestmark = pytest.mark.django_db

ROLES = list(Role.values)
NOT_ORGANISATEUR = [r for r in ROLES if r != Role.ORGANISATEUR]
YT = "https://youtu.be/dQw4w9WgXcQ"


@pytest.fixture
def room(event_a):
    return RoomFactory(event=event_a, name="Salle Atlas", capacity=10)


def _payload(event, room, **overrides):
    start = event.start_date + timedelta(hours=3)
    data = {
        "room": str(room.pk),
        "title": "Atelier Django",
        "start_time": start.isoformat(),
        "end_time": (start + timedelta(hours=2)).isoformat(),
        "speaker_name": "Sofiane Amrani",
        "session_type": "conference",
    }
    data.update(overrides)
    return data


@pytest.mark.parametrize("role", ROLES)
def test_members_read_the_programme_of_their_event_only(member, event_a, event_b, room, role):
    SessionFactory(room=room, title="Keynote")
    foreign = SessionFactory(room=RoomFactory(event=event_b), title="Ailleurs")
    client, _ = member(role, event_a)

    listing = client.get("/api/sessions/")
    other = client.get(f"/api/sessions/{foreign.pk}/")

    assert listing.status_code == 200
    assert [s["title"] for s in listing.json()["results"]] == ["Keynote"]
    assert listing.json()["results"][0]["room_detail"]["name"] == "Salle Atlas"
    assert other.status_code == 404


def test_sessions_need_a_selected_event(client_for, user):
    response = client_for(user).get("/api/sessions/")

    assert response.status_code == 403
    assert error_codes(response) == ["event_not_selected"]


def test_organisateur_creates_a_paid_atelier(member, event_a, room):
    client, user = member(Role.ORGANISATEUR, event_a)

    response = client.post(
        "/api/sessions/",
        _payload(event_a, room, session_type="atelier", is_paid=True, price="1500.00", youtube_live_url=YT),
    )

    assert response.status_code == 201
    body = response.json()
    assert (body["session_type"], body["is_paid"], body["price"], body["status"]) == (
        "atelier",
        True,
        "1500.00",
        "scheduled",
    )
    assert (body["youtube_video_id"], body["youtube_embed_url"]) == (
        "dQw4w9WgXcQ",
        "https://www.youtube.com/embed/dQw4w9WgXcQ",
    )
    assert (body["duration_minutes"], body["places_left"], body["my_access_status"]) == (120, 10, None)
    assert Session.objects.get(pk=body["id"]).created_by == user


@pytest.mark.parametrize("role", NOT_ORGANISATEUR)
def test_other_roles_cannot_write_sessions(member, event_a, room, role):
    session = SessionFactory(room=room)
    client, _ = member(role, event_a)

    statuses = [
        client.post("/api/sessions/", _payload(event_a, room)).status_code,
        client.patch(f"/api/sessions/{session.pk}/", {"title": "X"}).status_code,
        client.delete(f"/api/sessions/{session.pk}/").status_code,
        client.post(f"/api/sessions/{session.pk}/mark_live/").status_code,
        client.post(f"/api/sessions/{session.pk}/mark_completed/").status_code,
        client.post(f"/api/sessions/{session.pk}/cancel/").status_code,
    ]

    assert statuses == [403] * 6
    session.refresh_from_db()
    assert (session.title.startswith("Conférence"), session.status) == (True, "scheduled")


@pytest.mark.parametrize(
    ("overrides", "code"),
    [
        ({"is_paid": True, "price": "500"}, "paid_conference"),
        ({"session_type": "atelier", "is_paid": True, "price": "0"}, "price_required"),
        ({"session_type": "atelier", "is_paid": False, "price": "300"}, "price_without_payment"),
        ({"youtube_live_url": "https://vimeo.com/123456"}, "invalid_youtube_url"),
        ({"youtube_live_url": "https://www.youtube.com.evil.dz/watch?v=dQw4w9WgXcQ"}, "invalid_youtube_url"),
    ],
)
def test_session_business_rules(member, event_a, room, overrides, code):
    client, _ = member(Role.ORGANISATEUR, event_a)

    response = client.post("/api/sessions/", _payload(event_a, room, **overrides))

    assert response.status_code == 400
    assert error_codes(response) == [code]
    assert Session.objects.count() == 0


def test_negative_price_is_refused(member, event_a, room):
    client, _ = member(Role.ORGANISATEUR, event_a)

    response = client.post("/api/sessions/", _payload(event_a, room, session_type="atelier", is_paid=True, price="-5"))

    assert response.status_code == 400
    assert [(e["attr"], e["code"]) for e in response.json()["errors"]] == [("price", "min_value")]


def test_end_before_start_and_outside_event_dates(member, event_a, room):
    client, _ = member(Role.ORGANISATEUR, event_a)
    start = event_a.start_date + timedelta(hours=3)

    backwards = client.post(
        "/api/sessions/", _payload(event_a, room, end_time=(start - timedelta(minutes=1)).isoformat())
    )
    too_late = client.post(
        "/api/sessions/",
        _payload(
            event_a,
            room,
            start_time=(event_a.end_date - timedelta(hours=1)).isoformat(),
            end_time=(event_a.end_date + timedelta(hours=1)).isoformat(),
        ),
    )
    too_early = client.post(
        "/api/sessions/",
        _payload(
            event_a,
            room,
            start_time=(event_a.start_date - timedelta(hours=2)).isoformat(),
            end_time=(event_a.start_date + timedelta(hours=1)).isoformat(),
        ),
    )

    assert (backwards.status_code, error_codes(backwards)) == (400, ["end_before_start"])
    assert (too_late.status_code, error_codes(too_late)) == (400, ["outside_event_dates"])
    assert (too_early.status_code, error_codes(too_early)) == (400, ["outside_event_dates"])


def test_overlap_in_a_room_is_refused_but_not_in_another_room(member, event_a, room):
    client, _ = member(Role.ORGANISATEUR, event_a)
    start = event_a.start_date + timedelta(hours=3)
    client.post("/api/sessions/", _payload(event_a, room))

    overlapping = client.post(
        "/api/sessions/",
        _payload(
            event_a,
            room,
            title="B",
            start_time=(start + timedelta(hours=1)).isoformat(),
            end_time=(start + timedelta(hours=3)).isoformat(),
        ),
    )
    back_to_back = client.post(
        "/api/sessions/",
        _payload(
            event_a,
            room,
            title="C",
            start_time=(start + timedelta(hours=2)).isoformat(),
            end_time=(start + timedelta(hours=3)).isoformat(),
        ),
    )
    other_room = client.post("/api/sessions/", _payload(event_a, RoomFactory(event=event_a), title="D"))

    assert (overlapping.status_code, error_codes(overlapping)) == (409, ["room_busy"])
    assert back_to_back.status_code == 201
    assert other_room.status_code == 201


def test_a_cancelled_session_frees_its_slot(member, event_a, room):
    client, _ = member(Role.ORGANISATEUR, event_a)
    first = client.post("/api/sessions/", _payload(event_a, room)).json()
    client.post(f"/api/sessions/{first['id']}/cancel/", {"reason": "Intervenant absent"})

    replacement = client.post("/api/sessions/", _payload(event_a, room, title="Remplacement"))

    assert replacement.status_code == 201


def test_room_of_another_event_is_refused(member, event_a, event_b):
    client, _ = member(Role.ORGANISATEUR, event_a)
    foreign_room = RoomFactory(event=event_b)

    response = client.post("/api/sessions/", _payload(event_a, foreign_room))

    assert response.status_code == 400
    assert [(e["attr"], e["code"]) for e in response.json()["errors"]] == [("room", "does_not_exist")]


def test_update_keeps_the_rules(member, event_a, room):
    client, _ = member(Role.ORGANISATEUR, event_a)
    session = SessionFactory(room=room)

    ok = client.patch(f"/api/sessions/{session.pk}/", {"title": "Nouveau titre", "theme": "IA"})
    bad = client.patch(f"/api/sessions/{session.pk}/", {"is_paid": True, "price": "100"})
    status_ignored = client.patch(f"/api/sessions/{session.pk}/", {"status": "completed"})

    assert (ok.status_code, ok.json()["title"]) == (200, "Nouveau titre")
    assert (bad.status_code, error_codes(bad)) == (400, ["paid_conference"])
    assert status_ignored.json()["status"] == "scheduled"


def test_status_transitions(member, event_a, room):
    client, _ = member(Role.ORGANISATEUR, event_a)
    session = SessionFactory(room=room)

    live = client.post(f"/api/sessions/{session.pk}/mark_live/")
    again = client.post(f"/api/sessions/{session.pk}/mark_live/")
    done = client.post(f"/api/sessions/{session.pk}/mark_completed/")
    back_live = client.post(f"/api/sessions/{session.pk}/mark_live/")
    cancel_done = client.post(f"/api/sessions/{session.pk}/cancel/")

    assert (live.status_code, live.json()["status"], live.json()["is_live"]) == (200, "live", True)
    assert (again.status_code, error_codes(again)) == (409, ["invalid_transition"])
    assert (done.status_code, done.json()["status"]) == (200, "completed")
    assert (back_live.status_code, error_codes(back_live)) == (409, ["invalid_transition"])
    assert (cancel_done.status_code, error_codes(cancel_done)) == (409, ["invalid_transition"])


def test_cancel_is_recorded(member, event_a, room):
    client, user = member(Role.ORGANISATEUR, event_a)
    session = SessionFactory(room=room)

    response = client.post(f"/api/sessions/{session.pk}/cancel/", {"reason": "Intervenant absent"})

    assert response.status_code == 200
    assert (response.json()["status"], response.json()["cancel_reason"]) == ("cancelled", "Intervenant absent")
    session.refresh_from_db()
    assert session.cancelled_by == user
    assert session.cancelled_at is not None


def test_cancel_bad_input(member, event_a, room):
    client, _ = member(Role.ORGANISATEUR, event_a)
    session = SessionFactory(room=room)

    response = client.post(f"/api/sessions/{session.pk}/cancel/", {"reason": "x" * 501})

    assert response.status_code == 400
    assert [(e["attr"], e["code"]) for e in response.json()["errors"]] == [("reason", "max_length")]


def test_delete_session(member, event_a, room):
    client, _ = member(Role.ORGANISATEUR, event_a)
    session = SessionFactory(room=room)

    assert client.delete(f"/api/sessions/{session.pk}/").status_code == 204
    assert not Session.objects.filter(pk=session.pk).exists()


def test_filters_and_search(member, event_a, room):
    client, _ = member(Role.PARTICIPANT, event_a)
    day1 = event_a.start_date + timedelta(hours=1)
    SessionFactory(room=room, title="Keynote IA", theme="IA", start_time=day1, end_time=day1 + timedelta(hours=1))
    SessionFactory(
        room=room,
        title="Atelier Flutter",
        session_type="atelier",
        is_paid=True,
        price=Decimal("2000"),
        start_time=day1 + timedelta(days=1),
        end_time=day1 + timedelta(days=1, hours=1),
        speaker_name="Nadia Saidi",
    )

    by_type = client.get("/api/sessions/?session_type=atelier").json()["results"]
    by_paid = client.get("/api/sessions/?is_paid=true").json()["results"]
    by_theme = client.get("/api/sessions/?theme=IA").json()["results"]
    by_search = client.get("/api/sessions/?search=saidi").json()["results"]
    local_day2 = timezone.localtime(day1 + timedelta(days=1)).date().isoformat()
    by_day = client.get(f"/api/sessions/?day={local_day2}").json()["results"]

    assert [s["title"] for s in by_type] == ["Atelier Flutter"]
    assert [s["title"] for s in by_paid] == ["Atelier Flutter"]
    assert [s["title"] for s in by_theme] == ["Keynote IA"]
    assert [s["title"] for s in by_search] == ["Atelier Flutter"]
    assert [s["title"] for s in by_day] == ["Atelier Flutter"]


def test_filter_by_another_events_room_answers_like_an_unknown_room(member, event_a, event_b, room):
    # Found by the isolation matrix: B's room was a valid choice (200, empty), an unknown room a 400.
    client, _ = member(Role.PARTICIPANT, event_a)
    SessionFactory(room=room)

    own = client.get("/api/sessions/", {"room": str(room.pk)})
    foreign = client.get("/api/sessions/", {"room": str(RoomFactory(event=event_b).pk)})

    assert own.status_code == 200 and own.json()["count"] == 1
    assert (foreign.status_code, error_codes(foreign)) == (400, ["invalid_choice"])


def test_bad_filter_value_is_400(member, event_a):
    client, _ = member(Role.PARTICIPANT, event_a)

    response = client.get("/api/sessions/?day=tomorrow")

    assert response.status_code == 400
    assert [(e["attr"], e["code"]) for e in response.json()["errors"]] == [("day", "invalid")]


def _paid_atelier(room):
    return SessionFactory(room=room, session_type="atelier", is_paid=True, price=Decimal("1500"), youtube_live_url=YT)


@pytest.mark.parametrize(
    ("role", "access", "visible"),
    [
        (Role.PARTICIPANT, None, False),
        (Role.PARTICIPANT, "registered", False),
        (Role.PARTICIPANT, "paid", True),
        (Role.EXPOSANT, None, False),
        (Role.ORGANISATEUR, None, True),
        (Role.GESTIONNAIRE_DES_SALLES, None, True),
        (Role.CONTROLLEUR_DES_BADGES, None, True),
    ],
)
def test_paid_atelier_stream_only_for_paid_access_and_staff(member, event_a, room, role, access, visible):
    atelier = _paid_atelier(room)
    client, user = member(role, event_a)
    if access:
        badge = Participant.objects.create(event=event_a, user=user)
        SessionAccess.objects.create(
            participant=badge,
            session=atelier,
            status=access,
            amount=Decimal("1500") if access == "paid" else None,
            paid_at=atelier.start_time if access == "paid" else None,
        )

    detail = client.get(f"/api/sessions/{atelier.pk}/").json()
    listed = client.get("/api/sessions/").json()["results"][0]

    for body in (detail, listed):
        assert body["my_access_status"] == access
        if visible:
            assert (body["youtube_live_url"], body["youtube_video_id"]) == (YT, "dQw4w9WgXcQ")
        else:
            assert (body["youtube_live_url"], body["youtube_video_id"], body["youtube_embed_url"]) == (None, None, None)


def test_places_left_counts_non_cancelled_registrations(member, event_a, room):
    atelier = SessionFactory(room=room, session_type="atelier")
    for status in ("registered", "registered", "cancelled"):
        badge = Participant.objects.create(event=event_a, user=AssignmentFactory(event=event_a).user)
        SessionAccess.objects.create(participant=badge, session=atelier, status=status)
    client, _ = member(Role.PARTICIPANT, event_a)

    body = client.get(f"/api/sessions/{atelier.pk}/").json()

    assert body["places_left"] == 8


def test_sessions_list_query_count_is_constant(member, event_a, room):
    client, user = member(Role.PARTICIPANT, event_a)
    badge = Participant.objects.create(event=event_a, user=user)
    first = SessionFactory(room=room, session_type="atelier")
    SessionAccess.objects.create(participant=badge, session=first)
    start = event_a.start_date + timedelta(hours=3)

    def add_rows():
        for _ in range(49):
            session = SessionFactory(
                room=RoomFactory(event=event_a),
                session_type="atelier",
                start_time=start,
                end_time=start + timedelta(hours=1),
                youtube_live_url=YT,
            )
            SessionAccess.objects.create(participant=badge, session=session, status="registered")

    one, many = assert_same_queries(lambda: client.get("/api/sessions/?page_size=100").json(), add_rows)

    assert one["count"] == 1
    results = many["results"]
    assert len(results) == 50
    assert {s["my_access_status"] for s in results} == {"registered"}


@pytest.mark.skipif(connection.vendor != "postgresql", reason="the exclusion constraint exists on PostgreSQL only")
def test_the_database_refuses_overlapping_sessions_in_a_room(room):
    first = SessionFactory(room=room)

    with pytest.raises(IntegrityError), transaction.atomic():
        SessionFactory(
            room=room,
            start_time=first.start_time + timedelta(minutes=30),
            end_time=first.end_time + timedelta(minutes=30),
        )
    SessionFactory(room=room, status="cancelled", start_time=first.start_time, end_time=first.end_time)
    assert Session.objects.filter(room=room).count() == 2
