"""Visit statistics: exact on a constructed dataset, days and hours in Africa/Algiers."""

from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

import pytest
from django.utils import timezone

from conftest import assert_same_queries, error_codes
from events.models import Role
from events.tests.factories import AssignmentFactory, EventFactory
from events.tests.factories_participants import ParticipantFactory
from exposants.selectors import event_exposant_statistics, exposant_statistics
from exposants.services import ensure_exposant_profile
from exposants.tests.factories import ExposantFactory, ExposantScanFactory

pytestmark = pytest.mark.django_db

ALGIERS = ZoneInfo("Africa/Algiers")
STATISTICS = "/api/exposant/statistics/"

# (stand, visitor, day relative to "today", local time). Comments give the UTC date when it differs.
VISITS_A = [
    ("A", 1, -2, "12:00"),  # before the event: a day of its own
    ("A", 1, -1, "17:10"),
    ("A", 2, -1, "23:50"),  # 22:50 UTC, yesterday either way
    ("A", 1, 0, "00:20"),  # 23:20 UTC *yesterday*: today in Algiers
    ("A", 2, 0, "09:15"),
    ("A", 3, 0, "09:40"),
    ("A", 1, 0, "23:59"),
    ("A", 4, 1, "00:01"),  # 23:01 UTC *today*: tomorrow in Algiers
]
VISITS_B = [
    ("B", 1, 0, "10:00"),
    ("B", 3, 0, "10:30"),
]


def local(day: date, hhmm: str) -> datetime:
    return datetime.combine(day, time.fromisoformat(hhmm), tzinfo=ALGIERS)


@pytest.fixture
def dataset():
    """An event from yesterday 09:00 to tomorrow 18:00 (Algiers) with stands A, B and C (no visits)."""

    def build(today: date):
        event = EventFactory(
            start_date=local(today - timedelta(days=1), "09:00"), end_date=local(today + timedelta(days=1), "18:00")
        )
        stands = {}
        for name in "ABC":
            stands[name] = ExposantFactory(event=event, company_name=f"Stand {name}", stand_number=name)
            AssignmentFactory(user=stands[name].user, event=event, role=Role.EXPOSANT)
        visitors = {n: ParticipantFactory(event=event) for n in (1, 2, 3, 4)}
        for stand, visitor, day, hhmm in VISITS_A + VISITS_B:
            ExposantScanFactory(
                exposant=stands[stand],
                participant=visitors[visitor],
                scanned_at=local(today + timedelta(days=day), hhmm),
            )
        return event, stands

    return build


def hours(**visits) -> list[dict]:
    """24 hours, all zero except ``h<hour>=(visits, unique_visitors)``."""
    rows = [{"hour": h, "visits": 0, "unique_visitors": 0} for h in range(24)]
    for key, (count, unique) in visits.items():
        rows[int(key[1:])] = {"hour": int(key[1:]), "visits": count, "unique_visitors": unique}
    return rows


def days(today: date, *counts) -> list[dict]:
    """From the day before yesterday: (visits, unique_visitors) per day."""
    return [
        {"date": today + timedelta(days=offset), "visits": v, "unique_visitors": u}
        for offset, (v, u) in zip(range(-2, 2), counts, strict=True)
    ]


TODAY = date(2025, 5, 4)


def test_one_exposants_figures_are_exact(dataset):
    _event, stands = dataset(TODAY)

    figures = exposant_statistics(stands["A"], today=TODAY)

    assert figures == {
        "exposant": stands["A"],
        "date": TODAY,
        "total_visits": 8,
        "unique_visitors": 4,
        "today_visits": 4,
        "today_unique_visitors": 3,
        "returning_visitors": 2,
        "by_hour_today": hours(h0=(1, 1), h9=(2, 2), h23=(1, 1)),
        "by_day": days(TODAY, (1, 1), (2, 2), (4, 3), (1, 1)),
    }


def test_a_stand_without_visits_has_zeros_on_every_event_day(dataset):
    _event, stands = dataset(TODAY)

    figures = exposant_statistics(stands["C"], today=TODAY)

    assert (figures["total_visits"], figures["unique_visitors"], figures["returning_visitors"]) == (0, 0, 0)
    assert figures["by_hour_today"] == hours()
    assert figures["by_day"] == [
        {"date": TODAY + timedelta(days=d), "visits": 0, "unique_visitors": 0} for d in (-1, 0, 1)
    ]


def test_event_overview_and_ranking_are_exact(dataset):
    event, stands = dataset(TODAY)

    figures = event_exposant_statistics(event, today=TODAY)
    ranking = figures.pop("ranking")

    assert figures == {
        "exposant": None,
        "date": TODAY,
        "total_visits": 10,
        "unique_visitors": 4,
        "today_visits": 6,
        "today_unique_visitors": 3,
        "returning_visitors": 2,
        "by_hour_today": hours(h0=(1, 1), h9=(2, 2), h10=(2, 2), h23=(1, 1)),
        "by_day": days(TODAY, (1, 1), (2, 2), (6, 3), (1, 1)),
    }
    names = ("rank", "company_name", "total_visits", "unique_visitors", "today_visits", "today_unique_visitors")
    assert [tuple(getattr(e, n) for n in (*names, "returning_visitors")) for e in ranking] == [
        (1, "Stand A", 8, 4, 4, 3, 2),
        (2, "Stand B", 2, 2, 2, 2, 0),
        (3, "Stand C", 0, 0, 0, 0, 0),
    ]


def test_statistics_in_utc_would_differ(dataset):
    """Guard for the test itself: the dataset really straddles midnight differently in UTC."""
    _event, stands = dataset(TODAY)
    scans = stands["A"].scans.all()

    utc_days = sorted({s.scanned_at.astimezone(ZoneInfo("UTC")).date() for s in scans})
    local_days = sorted({timezone.localtime(s.scanned_at, ALGIERS).date() for s in scans})

    assert utc_days == [TODAY - timedelta(days=2), TODAY - timedelta(days=1), TODAY]
    assert local_days == [TODAY + timedelta(days=d) for d in (-2, -1, 0, 1)]


# --- API --------------------------------------------------------------------------------------------


def exposant_client(client_for, profile):
    return client_for(profile.user, profile.event, Role.EXPOSANT)


def test_exposant_gets_its_own_figures_for_today(dataset, client_for):
    today = timezone.localdate(timezone=ALGIERS)
    _event, stands = dataset(today)

    response = exposant_client(client_for, stands["A"]).get(STATISTICS)

    assert response.status_code == 200
    body = response.json()
    assert body["exposant"] == {"id": stands["A"].pk, "company_name": "Stand A", "stand_number": "A"}
    assert body["date"] == today.isoformat()
    assert (body["total_visits"], body["unique_visitors"], body["today_visits"], body["today_unique_visitors"]) == (
        8,
        4,
        4,
        3,
    )
    assert body["returning_visitors"] == 2
    assert [(h["hour"], h["visits"]) for h in body["by_hour_today"] if h["visits"]] == [(0, 1), (9, 2), (23, 1)]
    assert [(d["date"], d["visits"], d["unique_visitors"]) for d in body["by_day"]] == [
        ((today + timedelta(days=n)).isoformat(), v, u) for n, v, u in ((-2, 1, 1), (-1, 2, 2), (0, 4, 3), (1, 1, 1))
    ]
    assert "ranking" not in body


def test_exposant_never_sees_another_exposants_figures(dataset, client_for):
    _event, stands = dataset(TODAY)
    client = exposant_client(client_for, stands["C"])

    own = client.get(STATISTICS, {"exposant": stands["C"].pk})
    other = client.get(STATISTICS, {"exposant": stands["A"].pk})

    assert own.status_code == 200
    assert own.json()["total_visits"] == 0
    assert other.status_code == 404


def test_organisateur_gets_the_overview_and_the_ranking(dataset, client_for):
    today = timezone.localdate(timezone=ALGIERS)
    event, stands = dataset(today)
    organiser = AssignmentFactory(event=event, role=Role.ORGANISATEUR).user

    response = client_for(organiser, event).get(STATISTICS)

    body = response.json()
    assert response.status_code == 200
    assert body["exposant"] is None
    assert (body["total_visits"], body["unique_visitors"], body["today_visits"], body["returning_visitors"]) == (
        10,
        4,
        6,
        2,
    )
    assert body["ranking"] == [
        {
            "rank": 1,
            "id": stands["A"].pk,
            "company_name": "Stand A",
            "stand_number": "A",
            "is_active": True,
            "total_visits": 8,
            "unique_visitors": 4,
            "today_visits": 4,
            "today_unique_visitors": 3,
            "returning_visitors": 2,
        },
        {
            "rank": 2,
            "id": stands["B"].pk,
            "company_name": "Stand B",
            "stand_number": "B",
            "is_active": True,
            "total_visits": 2,
            "unique_visitors": 2,
            "today_visits": 2,
            "today_unique_visitors": 2,
            "returning_visitors": 0,
        },
        {
            "rank": 3,
            "id": stands["C"].pk,
            "company_name": "Stand C",
            "stand_number": "C",
            "is_active": True,
            "total_visits": 0,
            "unique_visitors": 0,
            "today_visits": 0,
            "today_unique_visitors": 0,
            "returning_visitors": 0,
        },
    ]


def test_organisateur_gets_one_exposants_figures(dataset, client_for, event_b):
    event, stands = dataset(timezone.localdate(timezone=ALGIERS))
    organiser = AssignmentFactory(event=event, role=Role.ORGANISATEUR).user
    client = client_for(organiser, event)
    elsewhere = ExposantFactory(event=event_b)

    one = client.get(STATISTICS, {"exposant": stands["B"].pk})

    assert one.status_code == 200
    assert (one.json()["exposant"]["id"], one.json()["total_visits"]) == (stands["B"].pk, 2)
    assert client.get(STATISTICS, {"exposant": elsewhere.pk}).status_code == 404
    assert client.get(STATISTICS, {"exposant": "abc"}).status_code == 400


@pytest.mark.parametrize("role", [Role.PARTICIPANT, Role.CONTROLLEUR_DES_BADGES, Role.GESTIONNAIRE_DES_SALLES])
def test_other_roles_get_no_statistics(member, event_a, role):
    client, _ = member(role, event_a)

    response = client.get(STATISTICS)

    assert response.status_code == 403
    assert error_codes(response) == ["insufficient_role"]


def test_first_statistics_of_an_exposant_create_its_profile(member, event_a):
    client, user = member(Role.EXPOSANT, event_a)

    response = client.get(STATISTICS)

    assert response.status_code == 200
    assert response.json()["exposant"]["id"] == ensure_exposant_profile(event=event_a, user=user).pk
    assert response.json()["total_visits"] == 0


@pytest.mark.parametrize("role", [Role.EXPOSANT, Role.ORGANISATEUR])
def test_statistics_take_a_fixed_number_of_queries(dataset, client_for, role):
    today = timezone.localdate(timezone=ALGIERS)
    event, stands = dataset(today)
    user = stands["A"].user if role == Role.EXPOSANT else AssignmentFactory(event=event, role=role).user
    client = client_for(user, event, role)

    def add_rows():
        for name in "DEFG":
            profile = ExposantFactory(event=event, stand_number=name)
            AssignmentFactory(user=profile.user, event=event, role=Role.EXPOSANT)
            ExposantScanFactory.create_batch(5, exposant=profile)
        ExposantScanFactory.create_batch(30, exposant=stands["A"])

    few, many = assert_same_queries(lambda: client.get(STATISTICS), add_rows)

    assert (few.status_code, many.status_code) == (200, 200)
