from datetime import UTC, datetime

import pytest
from django.core.exceptions import ValidationError
from django.db import IntegrityError, connection, transaction

from accounts.tests.factories import UserFactory
from conftest import run_together
from events.badges import sign_badge
from events.models import Role
from events.services.participants import reissue_badge
from events.tests.factories import AssignmentFactory, EventFactory, badge_holder
from events.tests.pdfs import pdf_upload
from exposants.models import Exposant, ExposantScan
from exposants.services import (
    create_exposant_profile,
    ensure_exposant_profile,
    record_scan,
    update_exposant_profile,
    update_scan,
)
from exposants.tests.factories import ExposantFactory, ExposantScanFactory
from makeplus.errors import AppError

pytestmark = pytest.mark.django_db


def codes(exc_info) -> str:
    return exc_info.value.get_codes()


# --- profiles ---------------------------------------------------------------------------------


def test_ensure_exposant_profile_creates_once(event_a):
    user = UserFactory(first_name="Nabil", last_name="Zerrouki", company="Hoggar Cybersécurité")

    first = ensure_exposant_profile(event=event_a, user=user)
    second = ensure_exposant_profile(event=event_a, user=user)

    assert first.pk == second.pk
    assert Exposant.objects.filter(event=event_a, user=user).count() == 1
    assert first.company_name == "Hoggar Cybersécurité"
    assert (first.contact_email, first.contact_phone, first.stand_number) == ("", "", "")


def test_ensure_exposant_profile_defaults_to_the_name_without_company(event_a):
    user = UserFactory(first_name="Nabil", last_name="Zerrouki", company="")

    assert ensure_exposant_profile(event=event_a, user=user).company_name == "Nabil Zerrouki"


def test_ensure_exposant_profile_is_per_event(event_a, event_b):
    user = UserFactory()

    assert ensure_exposant_profile(event=event_a, user=user) != ensure_exposant_profile(event=event_b, user=user)


def test_one_profile_per_user_and_event_in_the_database(event_a):
    profile = ExposantFactory(event=event_a)

    with pytest.raises(IntegrityError), transaction.atomic():
        Exposant.objects.create(event=event_a, user=profile.user)


def test_update_profile_refuses_a_taken_stand_number(event_a):
    ExposantFactory(event=event_a, stand_number="A12")
    profile = ExposantFactory(event=event_a, stand_number="B01")

    with pytest.raises(AppError) as exc:
        update_exposant_profile(exposant=profile, actor=None, stand_number="A12")

    assert codes(exc) == "stand_number_taken"
    assert exc.value.status_code == 409
    profile.refresh_from_db()
    assert profile.stand_number == "B01"


def test_stand_numbers_may_repeat_across_events_and_be_empty(event_a, event_b):
    ExposantFactory(event=event_a, stand_number="A12")
    ExposantFactory(event=event_a, stand_number="")
    other = ExposantFactory(event=event_b, stand_number="")

    update_exposant_profile(exposant=other, actor=None, stand_number="A12")
    ExposantFactory(event=event_a, stand_number="")

    assert Exposant.objects.filter(stand_number="").count() == 2


def test_update_profile_validates_fields(event_a):
    profile = ExposantFactory(event=event_a)

    with pytest.raises(ValidationError) as exc:
        update_exposant_profile(exposant=profile, actor=None, website="pas une adresse", contact_email="nope")

    assert set(exc.value.message_dict) == {"website", "contact_email"}


def test_update_profile_rejects_unknown_fields(event_a):
    with pytest.raises(TypeError):
        update_exposant_profile(exposant=ExposantFactory(event=event_a), actor=None, user=UserFactory())


def test_replacing_and_clearing_the_plan_removes_old_files(event_a, media_root, django_capture_on_commit_callbacks):
    profile = ExposantFactory(event=event_a)
    with django_capture_on_commit_callbacks(execute=True):
        first = update_exposant_profile(exposant=profile, actor=None, plan_file=pdf_upload("v1.pdf")).plan_file.name
    with django_capture_on_commit_callbacks(execute=True):
        second = update_exposant_profile(exposant=profile, actor=None, plan_file=pdf_upload("v2.pdf")).plan_file.name

    assert first != second
    assert first.startswith("exposants/plans/") and second.endswith(".pdf")
    assert not (media_root / first).exists()
    assert (media_root / second).exists()

    with django_capture_on_commit_callbacks(execute=True):
        cleared = update_exposant_profile(exposant=profile, actor=None, plan_file=None)

    assert not cleared.plan_file
    assert not (media_root / second).exists()


def test_a_rolled_back_replacement_keeps_the_old_plan(event_a, media_root, django_capture_on_commit_callbacks):
    ExposantFactory(event=event_a, stand_number="A12")
    profile = ExposantFactory(event=event_a, stand_number="B01")
    with django_capture_on_commit_callbacks(execute=True):
        kept = update_exposant_profile(exposant=profile, actor=None, plan_file=pdf_upload()).plan_file.name

    with django_capture_on_commit_callbacks(execute=True), pytest.raises(AppError):
        update_exposant_profile(exposant=profile, actor=None, plan_file=pdf_upload("v2.pdf"), stand_number="A12")

    profile.refresh_from_db()
    assert profile.plan_file.name == kept
    assert (media_root / kept).exists()


def test_deleting_a_profile_or_its_event_deletes_the_plan(event_a, media_root, django_capture_on_commit_callbacks):
    profile = ExposantFactory(event=event_a)
    with django_capture_on_commit_callbacks(execute=True):
        name = update_exposant_profile(exposant=profile, actor=None, plan_file=pdf_upload()).plan_file.name
    assert (media_root / name).exists()

    with django_capture_on_commit_callbacks(execute=True):
        event_a.delete()

    assert not Exposant.objects.exists()
    assert not (media_root / name).exists()


def test_create_profile_requires_an_exposant_of_the_event(event_a):
    user = UserFactory()
    AssignmentFactory(user=user, event=event_a, role=Role.PARTICIPANT)

    with pytest.raises(AppError) as exc:
        create_exposant_profile(event=event_a, user=user, actor=None, company_name="X")

    assert codes(exc) == "not_an_exposant"


def test_create_profile_refuses_a_second_one(event_a):
    user = UserFactory()
    AssignmentFactory(user=user, event=event_a, role=Role.EXPOSANT)
    create_exposant_profile(event=event_a, user=user, actor=None, company_name="Cirta Solaire")

    with pytest.raises(AppError) as exc:
        create_exposant_profile(event=event_a, user=user, actor=None, company_name="Autre")

    assert codes(exc) == "profile_exists"


# --- scans ------------------------------------------------------------------------------------


def test_record_scan_by_qr_code(exposant, visitor):
    result = record_scan(exposant=exposant.profile, qr_code=visitor.qr_code_data, notes="Rappeler lundi", rating=4)

    assert result.created is True
    scan = ExposantScan.objects.get()
    assert (scan.exposant, scan.participant, scan.notes, scan.rating, scan.nonce) == (
        exposant.profile,
        visitor,
        "Rappeler lundi",
        4,
        None,
    )


def test_record_scan_by_typed_badge_id(exposant, visitor):
    typed = f"mp-{visitor.badge_id[:4].lower()} {visitor.badge_id[4:]}"

    result = record_scan(exposant=exposant.profile, badge_id=typed)

    assert result.scan.participant == visitor


def test_each_scan_is_a_visit(exposant, visitor):
    record_scan(exposant=exposant.profile, qr_code=visitor.qr_code_data)
    record_scan(exposant=exposant.profile, qr_code=visitor.qr_code_data)

    assert ExposantScan.objects.filter(participant=visitor).count() == 2


@pytest.mark.parametrize(
    ("badge", "code"),
    [
        (lambda visitor, other: {"qr_code": "MP1.NOT-A-BADGE"}, "invalid_badge"),
        (lambda visitor, other: {"qr_code": visitor.qr_code_data[:-4] + "AAAA"}, "invalid_badge"),
        (lambda visitor, other: {"badge_id": "ZZZZZZZZ"}, "invalid_badge"),
        (lambda visitor, other: {"qr_code": other.qr_code_data}, "wrong_event"),
        (lambda visitor, other: {"badge_id": other.badge_id}, "wrong_event"),
    ],
)
def test_record_scan_refuses_bad_badges(exposant, visitor, event_b, badge, code):
    other = badge_holder(event_b)

    with pytest.raises(AppError) as exc:
        record_scan(exposant=exposant.profile, **badge(visitor, other))

    assert codes(exc) == code
    assert exc.value.status_code == 400
    assert not ExposantScan.objects.exists()


def test_record_scan_refuses_a_revoked_badge(exposant, visitor):
    old_code = visitor.qr_code_data
    reissue_badge(participant=visitor, actor=None)

    with pytest.raises(AppError) as exc:
        record_scan(exposant=exposant.profile, qr_code=old_code)

    assert codes(exc) == "revoked"


def test_an_exposant_cannot_scan_itself(exposant):
    own_badge = exposant.user.badges.get()

    with pytest.raises(AppError) as exc:
        record_scan(exposant=exposant.profile, qr_code=sign_badge(own_badge))

    assert codes(exc) == "own_badge"


def test_an_exposant_may_scan_another_exposants_badge(exposant, make_exposant, event_a):
    neighbour = make_exposant(event_a)

    result = record_scan(exposant=exposant.profile, badge_id=neighbour.user.badges.get().badge_id)

    assert result.created is True


def test_same_nonce_returns_the_stored_scan(exposant, visitor, event_a):
    first = record_scan(exposant=exposant.profile, qr_code=visitor.qr_code_data, nonce="n-1", rating=3)
    # A retry, even with another payload, is the same scan.
    retry = record_scan(exposant=exposant.profile, badge_id=badge_holder(event_a).badge_id, nonce="n-1", rating=5)

    assert (first.created, retry.created) == (True, False)
    assert retry.scan.pk == first.scan.pk
    assert retry.scan.rating == 3
    assert ExposantScan.objects.count() == 1


def test_nonces_are_per_exposant(exposant, make_exposant, visitor, event_a):
    other = make_exposant(event_a)

    record_scan(exposant=exposant.profile, qr_code=visitor.qr_code_data, nonce="n-1")
    result = record_scan(exposant=other.profile, qr_code=visitor.qr_code_data, nonce="n-1")

    assert result.created is True
    assert ExposantScan.objects.count() == 2


def test_empty_nonce_means_none(exposant, visitor):
    record_scan(exposant=exposant.profile, qr_code=visitor.qr_code_data, nonce="")
    record_scan(exposant=exposant.profile, qr_code=visitor.qr_code_data, nonce="")

    assert list(ExposantScan.objects.values_list("nonce", flat=True)) == [None, None]


def test_record_scan_keeps_a_given_time(exposant, visitor):
    moment = datetime(2025, 5, 4, 9, 30, tzinfo=UTC)

    assert record_scan(exposant=exposant.profile, qr_code=visitor.qr_code_data, scanned_at=moment).scan.scanned_at == (
        moment
    )


def test_rating_is_one_to_five(exposant, visitor):
    with pytest.raises(ValidationError):
        record_scan(exposant=exposant.profile, qr_code=visitor.qr_code_data, rating=6)
    scan = ExposantScanFactory(exposant=exposant.profile)

    with pytest.raises(IntegrityError), transaction.atomic():
        ExposantScan.objects.filter(pk=scan.pk).update(rating=0)
    with pytest.raises(IntegrityError), transaction.atomic():
        ExposantScan.objects.filter(pk=scan.pk).update(rating=6)


def test_nonce_is_unique_per_exposant_in_the_database(event_a):
    scan = ExposantScanFactory(exposant__event=event_a, nonce="n-1")

    with pytest.raises(IntegrityError), transaction.atomic():
        ExposantScanFactory(exposant=scan.exposant, nonce="n-1")


def test_update_scan_changes_notes_and_rating(event_a):
    scan = ExposantScanFactory(exposant__event=event_a, notes="", rating=2)

    update_scan(scan=scan, actor=None, notes="Devis envoyé", rating=None)

    scan.refresh_from_db()
    assert (scan.notes, scan.rating) == ("Devis envoyé", None)


def test_removing_a_badge_removes_its_visits(exposant, visitor):
    from events.services.participants import remove_participant

    record_scan(exposant=exposant.profile, qr_code=visitor.qr_code_data)

    remove_participant(participant=visitor, actor=None)

    assert not ExposantScan.objects.exists()


# --- concurrency (PostgreSQL) -----------------------------------------------------------------


@pytest.mark.skipif(connection.vendor != "postgresql", reason="concurrent writers need PostgreSQL")
@pytest.mark.django_db(transaction=True)
def test_concurrent_retries_of_one_scan_make_one_row():
    event = EventFactory()
    owner = UserFactory()
    AssignmentFactory(user=owner, event=event, role=Role.EXPOSANT)
    profile = ensure_exposant_profile(event=event, user=owner)
    badge = badge_holder(event)

    def scan():
        result = record_scan(exposant=Exposant.objects.get(pk=profile.pk), qr_code=badge.qr_code_data, nonce="n-42")
        return (result.created, result.scan.pk)

    outcomes, errors = run_together([scan] * 8)

    assert errors == []

    stored = ExposantScan.objects.get()
    assert sorted(outcomes) == [(False, stored.pk)] * 7 + [(True, stored.pk)]


@pytest.mark.skipif(connection.vendor != "postgresql", reason="concurrent writers need PostgreSQL")
@pytest.mark.django_db(transaction=True)
def test_concurrent_first_visits_make_one_profile():
    event = EventFactory()
    owner = UserFactory()

    outcomes, errors = run_together([lambda: ensure_exposant_profile(event=event, user=owner).pk] * 6)

    assert errors == []

    assert len(set(outcomes)) == 1
    assert Exposant.objects.filter(event=event, user=owner).count() == 1
