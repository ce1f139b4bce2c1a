from datetime import datetime, time, timedelta
from io import StringIO

import pytest
from django.core.management import call_command
from django.utils import timezone

from accounts.models import User
from events.counters import counters_disagreeing
from events.models import Event, UserEventAssignment
from events.services import update_assignment, update_event
from seeds.common import ALGIERS, algiers_today

pytestmark = pytest.mark.django_db

PASSWORD = "makeplus2025"

# The documented world, spelled out here rather than imported from seeds/demo.py.
MULTI_EVENT_DATA = {
    "TechSummit Algeria": ("techsummit.dz", "active"),
    "StartupWeek Oran": ("startupweek.dz", "upcoming"),
    "InnoFest Constantine": ("innofest.dz", "completed"),
}
ROLE_BY_LOCAL_PART = {
    "organisateur": "organisateur",
    "controlleur": "controlleur_des_badges",
    "gestionnaire": "gestionnaire_des_salles",
    "participant1": "participant",
    "participant2": "participant",
    "exposant1": "exposant",
    "exposant2": "exposant",
}
MULTI_EVENT_USERS = {
    "multi.organisateur@makeplus.dz": {
        ("TechSummit Algeria", "organisateur"),
        ("StartupWeek Oran", "participant"),
        ("InnoFest Constantine", "exposant"),
    },
    "multi.staff@makeplus.dz": {
        ("TechSummit Algeria", "controlleur_des_badges"),
        ("StartupWeek Oran", "gestionnaire_des_salles"),
    },
}
LEGACY_ROLES = {
    "organisateur@makeplus.dz": "organisateur",
    "gestionnaire@makeplus.dz": "gestionnaire_des_salles",
    "controlleur@makeplus.dz": "controlleur_des_badges",
    "participant1@makeplus.dz": "participant",
    "participant2@makeplus.dz": "participant",
    "exposant1@makeplus.dz": "exposant",
    "exposant2@makeplus.dz": "exposant",
}


def run(command):
    out = StringIO()
    call_command(command, stdout=out)
    return out.getvalue()


def documented_roles(domain):
    return {f"{local}@{domain}": role for local, role in ROLE_BY_LOCAL_PART.items()}


def active_roles(event):
    return dict(UserEventAssignment.objects.filter(event=event, is_active=True).values_list("user__email", "role"))


def world_counts():
    return (User.objects.count(), Event.objects.count(), UserEventAssignment.objects.count())


def assert_documented_multi_event_data():
    assert {e.name: e.status for e in Event.objects.all()} == {
        name: status for name, (_, status) in MULTI_EVENT_DATA.items()
    }
    emails = {email for domain, _ in MULTI_EVENT_DATA.values() for email in documented_roles(domain)}
    assert set(User.objects.values_list("email", flat=True)) == emails
    assert len(emails) == 21
    for name, (domain, _) in MULTI_EVENT_DATA.items():
        event = Event.objects.get(name=name)
        assert UserEventAssignment.objects.filter(event=event).count() == 7
        assert active_roles(event) == documented_roles(domain)
        assert (event.total_participants, event.total_exhibitors) == (2, 2)
    assert counters_disagreeing() == []


def test_create_multi_event_data_builds_the_documented_world():
    today = algiers_today()

    output = run("create_multi_event_data")

    assert_documented_multi_event_data()
    now = timezone.now()
    techsummit = Event.objects.get(name="TechSummit Algeria")
    assert techsummit.start_date <= now <= techsummit.end_date
    assert techsummit.start_date == datetime.combine(today - timedelta(days=1), time(9), tzinfo=ALGIERS)
    assert techsummit.end_date == datetime.combine(today + timedelta(days=1), time(18), tzinfo=ALGIERS)
    assert techsummit.location == "Alger"
    startupweek = Event.objects.get(name="StartupWeek Oran")
    assert startupweek.start_date > now
    assert startupweek.start_date == datetime.combine(today + timedelta(days=30), time(9), tzinfo=ALGIERS)
    assert startupweek.end_date == datetime.combine(today + timedelta(days=32), time(18), tzinfo=ALGIERS)
    assert startupweek.location == "Oran"
    innofest = Event.objects.get(name="InnoFest Constantine")
    assert innofest.end_date < now
    assert innofest.start_date == datetime.combine(today - timedelta(days=60), time(9), tzinfo=ALGIERS)
    assert innofest.end_date == datetime.combine(today - timedelta(days=59), time(18), tzinfo=ALGIERS)
    assert innofest.location == "Constantine"
    for name, (domain, _) in MULTI_EVENT_DATA.items():
        event = Event.objects.get(name=name)
        organisateur = User.objects.get(email=f"organisateur@{domain}")
        assert event.created_by == organisateur
        assert set(UserEventAssignment.objects.filter(event=event).values_list("assigned_by", flat=True)) == {
            organisateur.pk
        }
        assert event.description and event.location_details and event.president and event.themes
        assert event.organizer_contact == f"contact@{domain}"
    assert all(user.check_password(PASSWORD) for user in User.objects.all())
    assert "participant1@techsummit.dz" in output and PASSWORD in output


def test_create_multi_event_data_twice_creates_no_duplicates():
    run("create_multi_event_data")
    counts = world_counts()

    run("create_multi_event_data")

    assert world_counts() == counts == (21, 3, 21)
    assert_documented_multi_event_data()


def test_create_multi_event_data_resets_drifted_accounts_roles_and_events():
    run("create_multi_event_data")
    organisateur = User.objects.get(email="organisateur@techsummit.dz")
    user = User.objects.get(email="participant1@techsummit.dz")
    user.set_password("changed-it")
    user.save()
    changed = UserEventAssignment.objects.get(user__email="participant2@techsummit.dz")
    update_assignment(assignment=changed, actor=organisateur, role="exposant")
    deactivated = UserEventAssignment.objects.get(user__email="exposant1@innofest.dz")
    update_assignment(assignment=deactivated, actor=deactivated.assigned_by, is_active=False)
    startupweek = Event.objects.get(name="StartupWeek Oran")
    documented_start = startupweek.start_date
    earlier = documented_start - timedelta(days=1)
    update_event(event=startupweek, actor=startupweek.created_by, status="cancelled", start_date=earlier)

    run("create_multi_event_data")

    user.refresh_from_db()
    assert user.check_password(PASSWORD)
    startupweek.refresh_from_db()
    assert (startupweek.status, startupweek.start_date) == ("upcoming", documented_start)
    assert world_counts() == (21, 3, 21)
    assert_documented_multi_event_data()


def test_create_multi_event_users_gives_each_its_documented_roles():
    run("create_multi_event_data")

    output = run("create_multi_event_users")
    run("create_multi_event_users")

    for email, pairs in MULTI_EVENT_USERS.items():
        user = User.objects.get(email=email)
        assert user.check_password(PASSWORD)
        assert set(user.event_assignments.filter(is_active=True).values_list("event__name", "role")) == pairs
        assert user.event_assignments.count() == len(pairs)
        assert email in output
    assert world_counts() == (23, 3, 26)
    assert counters_disagreeing() == []


def test_create_multi_event_users_seeds_the_events_when_missing():
    run("create_multi_event_users")

    assert set(Event.objects.values_list("name", flat=True)) == set(MULTI_EVENT_DATA)
    assert User.objects.count() == 23
    for email, pairs in MULTI_EVENT_USERS.items():
        assert set(UserEventAssignment.objects.filter(user__email=email).values_list("event__name", "role")) == pairs
    assert counters_disagreeing() == []


def test_create_multi_event_data_keeps_the_multi_event_users_roles():
    run("create_multi_event_users")

    run("create_multi_event_data")

    for email, pairs in MULTI_EVENT_USERS.items():
        assert set(UserEventAssignment.objects.filter(user__email=email).values_list("event__name", "role")) == pairs
    for name, (domain, _) in MULTI_EVENT_DATA.items():
        roles = active_roles(Event.objects.get(name=name))
        own = {email: role for email, role in roles.items() if email.endswith(f"@{domain}")}
        assert own == documented_roles(domain)


def test_create_test_data_builds_the_legacy_event():
    run("create_test_data")
    organisateur = User.objects.get(email="organisateur@makeplus.dz")
    drifted = UserEventAssignment.objects.get(user__email="exposant2@makeplus.dz")
    update_assignment(assignment=drifted, actor=organisateur, is_active=False)

    output = run("create_test_data")

    event = Event.objects.get()
    assert event.name == "MakePlus Demo"
    assert event.status == "active"
    assert event.start_date <= timezone.now() <= event.end_date
    assert event.created_by == organisateur
    assert UserEventAssignment.objects.count() == 7
    assert active_roles(event) == LEGACY_ROLES
    assert (event.total_participants, event.total_exhibitors) == (2, 2)
    assert counters_disagreeing() == []
    admin = User.objects.get(email="admin@makeplus.dz")
    assert (admin.is_superuser, admin.event_assignments.count()) == (True, 0)
    assert User.objects.count() == 8
    assert "admin@makeplus.dz" in output


def test_create_test_data_after_create_test_users_reuses_the_accounts():
    run("create_test_users")

    run("create_test_data")

    assert User.objects.count() == 8
    assert UserEventAssignment.objects.count() == 7


def test_multi_event_data_has_programme_and_signed_badges():
    from events.badges import verify_badge
    from events.models import Participant, Room, Session

    call_command("create_multi_event_data", stdout=StringIO())
    call_command("create_multi_event_data", stdout=StringIO())

    for event in Event.objects.all():
        assert Room.objects.filter(event=event).count() == 4
        sessions = Session.objects.filter(event=event)
        assert sessions.count() == 3
        assert sessions.filter(session_type="atelier").count() == 2
        assert sessions.filter(is_paid=True).count() == 1
        badges = Participant.objects.filter(event=event)
        assert sorted(badges.values_list("kind", flat=True)) == ["exposant", "exposant", "participant", "participant"]
        assert all(verify_badge(b.qr_code_data, event=event).ok for b in badges)
        assert (event.total_rooms, event.total_participants, event.total_exhibitors) == (4, 2, 2)
    tech = Event.objects.get(name="TechSummit Algeria")
    now = timezone.now()
    today = timezone.localdate(now)
    assert {timezone.localdate(s.start_time) for s in Session.objects.filter(event=tech)} == {today}


def test_running_event_has_staff_on_duty_now_and_shifts_cover_sessions():
    from events.models import RoomAssignment, Session
    from events.selectors.staff import on_duty

    call_command("create_multi_event_data", stdout=StringIO())
    call_command("create_multi_event_data", stdout=StringIO())

    tech = Event.objects.get(name="TechSummit Algeria")
    for email in ("controlleur@techsummit.dz", "gestionnaire@techsummit.dz"):
        user = User.objects.get(email=email)
        shifts = RoomAssignment.objects.filter(user=user, room__event=tech)
        assert shifts.count() == 3
        assert any(on_duty(user=user, room_id=s.room_id) for s in shifts)
        for session in Session.objects.filter(event=tech):
            assert shifts.filter(
                room=session.room, start_time__lte=session.start_time, end_time__gte=session.end_time
            ).exists()


def test_running_event_has_live_questions():
    from events.models import QuestionUpvote, SessionQuestion

    call_command("create_multi_event_data", stdout=StringIO())
    call_command("create_multi_event_data", stdout=StringIO())

    tech = Event.objects.get(name="TechSummit Algeria")
    questions = SessionQuestion.objects.filter(session__event=tech)
    assert questions.count() == 2
    assert questions.filter(is_anonymous=True).count() == 1
    assert questions.exclude(answer="").count() == 1
    assert [q.upvote_count for q in questions] == [1, 1]
    assert QuestionUpvote.objects.filter(question__session__event=tech).count() == 2


def test_seeded_multi_event_user_logs_in_and_switches(api_client):
    call_command("create_multi_event_users", stdout=StringIO())

    login = api_client.post(
        "/api/auth/login/", {"email": "multi.organisateur@makeplus.dz", "password": "makeplus2025"}
    ).json()
    events = {e["name"]: e["id"] for e in login["events"]}
    api_client.credentials(HTTP_AUTHORIZATION=f"Bearer {login['access']}")
    selected = api_client.post("/api/auth/select-event/", {"event_id": events["TechSummit Algeria"]}).json()
    api_client.credentials(HTTP_AUTHORIZATION=f"Bearer {selected['access']}")
    switched = api_client.post("/api/auth/switch-event/", {"event_id": events["InnoFest Constantine"]}).json()

    assert login["requires_event_selection"] is True
    assert sorted(events) == ["InnoFest Constantine", "StartupWeek Oran", "TechSummit Algeria"]
    assert (selected["role"], switched["role"]) == ("organisateur", "exposant")
