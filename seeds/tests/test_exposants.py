from datetime import datetime, time, timedelta
from zoneinfo import ZoneInfo

import pytest
from django.utils import timezone

from events.models import Event
from exposants.models import Exposant, ExposantScan
from makeplus.uploads import validate_pdf
from seeds.demo import INNOFEST, STARTUPWEEK, TECHSUMMIT, seed_event, seed_multi_event_users
from seeds.exposants import ensure_exposants

pytestmark = pytest.mark.django_db

ALGIERS = ZoneInfo("Africa/Algiers")


def at(day, hhmm):
    return datetime.combine(day, time.fromisoformat(hhmm), tzinfo=ALGIERS)


def event_named(name) -> Event:
    return Event.objects.get(name=name)


def snapshot(event):
    return sorted(
        ExposantScan.objects.filter(exposant__event=event).values_list(
            "exposant__user__email", "participant__user__email", "scanned_at", "rating", "notes", "nonce"
        )
    )


@pytest.fixture
def media_root(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    return tmp_path


@pytest.fixture
def today():
    return timezone.localdate(timezone=ALGIERS)


def test_running_event_gets_profiles_plans_and_visits_today(media_root, today):
    seed_event(TECHSUMMIT, today=today)
    event = event_named(TECHSUMMIT.name)
    now = at(today, "16:00")

    profiles = ensure_exposants(event, now=now)

    assert [(p.user.email, p.company_name, p.stand_number) for p in profiles] == [
        ("exposant1@techsummit.dz", "Atlas Cloud Algérie", "A12"),
        ("exposant2@techsummit.dz", "Hoggar Cybersécurité", "B04"),
    ]
    for profile in profiles:
        with profile.plan_file.open("rb") as pdf:
            validate_pdf(pdf)
    scans = ExposantScan.objects.filter(exposant__event=event).select_related("participant__user")
    assert scans.count() == 7  # the third stand's visit has no stand here
    local_days = sorted(timezone.localtime(s.scanned_at, ALGIERS).date() for s in scans)
    assert local_days == [today - timedelta(days=1)] * 3 + [today] * 4
    assert all(s.scanned_at <= now and event.start_date <= s.scanned_at for s in scans)
    assert {s.participant.user.email for s in scans} == {"participant1@techsummit.dz", "participant2@techsummit.dz"}
    assert {s.participant.user.company for s in scans} == {
        "Groupe Numidia Services",
        "Bureau d'études El Djazair Conseil",
    }


def test_rerunning_changes_nothing(media_root, today):
    seed_event(TECHSUMMIT, today=today)
    event = event_named(TECHSUMMIT.name)
    ensure_exposants(event, now=at(today, "16:00"))
    before = snapshot(event)
    plans = sorted(Exposant.objects.values_list("plan_file", flat=True))

    ensure_exposants(event, now=at(today, "16:00"))

    assert snapshot(event) == before
    assert sorted(Exposant.objects.values_list("plan_file", flat=True)) == plans


def test_early_in_the_morning_todays_visits_are_before_now_and_still_today(media_root, today):
    seed_event(TECHSUMMIT, today=today)
    event = event_named(TECHSUMMIT.name)
    now = at(today, "08:00")

    ensure_exposants(event, now=now)

    todays = [
        s.scanned_at
        for s in ExposantScan.objects.filter(exposant__event=event)
        if timezone.localtime(s.scanned_at, ALGIERS).date() == today
    ]
    assert len(todays) == 4
    assert all(moment < now for moment in todays)
    assert len(set(todays)) == 4


def test_upcoming_event_gets_profiles_but_no_visits(media_root, today):
    seed_event(STARTUPWEEK, today=today)
    event = event_named(STARTUPWEEK.name)

    profiles = ensure_exposants(event)

    assert [p.company_name for p in profiles] == ["El Bahia Pay", "Oranie Startup Studio"]
    assert not ExposantScan.objects.exists()


def test_past_event_gets_all_its_visits(media_root, today):
    seed_event(INNOFEST, today=today)
    event = event_named(INNOFEST.name)

    ensure_exposants(event)

    assert ExposantScan.objects.filter(exposant__event=event).count() == 7  # two stands
    assert all(event.start_date <= s.scanned_at <= event.end_date for s in ExposantScan.objects.all())


def test_a_third_exposant_gets_the_third_stand(media_root, today):
    seed_multi_event_users(today=today)  # seeds the events, then makes multi.organisateur an exposant of InnoFest
    event = event_named(INNOFEST.name)

    profiles = ensure_exposants(event)

    assert [(p.user.email, p.stand_number) for p in profiles] == [
        ("exposant1@innofest.dz", "E07"),
        ("exposant2@innofest.dz", "E08"),
        ("multi.organisateur@makeplus.dz", "E09"),
    ]
    assert ExposantScan.objects.filter(exposant__event=event).count() == 8


def test_rerunning_another_day_moves_the_visits_with_the_event(media_root, today):
    seed_event(TECHSUMMIT, today=today)
    ensure_exposants(event_named(TECHSUMMIT.name), now=at(today, "16:00"))
    tomorrow = today + timedelta(days=1)

    seed_event(TECHSUMMIT, today=tomorrow)
    ensure_exposants(event_named(TECHSUMMIT.name), now=at(tomorrow, "16:00"))

    local_days = sorted(timezone.localtime(s.scanned_at, ALGIERS).date() for s in ExposantScan.objects.all())
    assert local_days == [today] * 3 + [tomorrow] * 4
