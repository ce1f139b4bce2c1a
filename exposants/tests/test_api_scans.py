"""GET/PATCH /api/exposant/scans/ and the CSV export: own leads only, consent-aware."""

import csv
import io
from datetime import datetime
from zoneinfo import ZoneInfo

import pytest

from conftest import assert_same_queries, error_codes
from events.models import Role
from events.tests.factories import badge_holder
from exposants.models import ExposantScan
from exposants.services import record_scan
from exposants.tests.factories import ExposantScanFactory

pytestmark = pytest.mark.django_db

ALGIERS = ZoneInfo("Africa/Algiers")
SCANS = "/api/exposant/scans/"
EXPORT = "/api/exposant/scans/export/"


def at(text: str) -> datetime:
    return datetime.fromisoformat(text).replace(tzinfo=ALGIERS)


def scan(exposant, visitor, when=None, **fields):
    return record_scan(exposant=exposant.profile, qr_code=visitor.qr_code_data, scanned_at=when, **fields).scan


def csv_rows(response) -> list[list[str]]:
    text = response.content.decode("utf-8")
    assert text.startswith("\ufeff")
    return list(csv.reader(io.StringIO(text[1:]), delimiter=";"))


# --- list and detail ---------------------------------------------------------------------------


def test_list_shows_own_leads_newest_first(exposant, visitor, event_a):
    shy = badge_holder(event_a, share_contact_with_exposants=False, first_name="Walid", last_name="Cherif")
    first = scan(exposant, visitor, at("2025-05-04T10:00"), rating=3)
    second = scan(exposant, shy, at("2025-05-04T11:00"))
    third = scan(exposant, visitor, at("2025-05-04T12:00"), notes="Revenue")

    response = exposant.client.get(SCANS)

    assert response.status_code == 200
    results = response.json()["results"]
    assert [r["id"] for r in results] == [third.pk, second.pk, first.pk]
    assert [r["visit_number"] for r in results] == [2, 1, 1]
    assert results[0]["visitor"] == {
        "full_name": "Amina Kaci",
        "name": "Amina Kaci",
        "contact_shared": True,
        "email": "amina.kaci@example.dz",
        "phone": "+213 555 12 34 56",
        "company": "Tell Distribution SPA",
    }
    assert results[1]["visitor"] == {"full_name": "Walid Cherif", "name": "Walid Cherif", "contact_shared": False}


def test_withdrawn_consent_hides_the_contact_of_past_leads(exposant, visitor):
    scan(exposant, visitor)
    visitor.user.share_contact_with_exposants = False
    visitor.user.save()

    response = exposant.client.get(SCANS)

    assert response.json()["results"][0]["visitor"] == {
        "full_name": "Amina Kaci",
        "name": "Amina Kaci",
        "contact_shared": False,
    }


def test_an_exposant_never_sees_another_exposants_leads(exposant, make_exposant, visitor, event_a):
    other = make_exposant(event_a)
    theirs = scan(other, visitor, notes="Leur lead")
    mine = scan(exposant, visitor)

    listed = exposant.client.get(SCANS)
    detail = exposant.client.get(f"{SCANS}{theirs.pk}/")
    patch = exposant.client.patch(f"{SCANS}{theirs.pk}/", {"notes": "piraté"})
    export = exposant.client.get(EXPORT)

    assert [r["id"] for r in listed.json()["results"]] == [mine.pk]
    assert (detail.status_code, patch.status_code) == (404, 404)
    assert len(csv_rows(export)) == 2  # header and my lead
    theirs.refresh_from_db()
    assert theirs.notes == "Leur lead"


def test_leads_of_another_event_are_404(exposant, make_exposant, event_b):
    elsewhere = make_exposant(event_b)
    theirs = scan(elsewhere, badge_holder(event_b))

    assert exposant.client.get(f"{SCANS}{theirs.pk}/").status_code == 404


def test_the_same_user_sees_the_leads_of_the_selected_event_only(exposant, client_for, event_b):
    from events.services.participants import add_participant
    from events.tests.factories import AssignmentFactory
    from exposants.services import ensure_exposant_profile

    AssignmentFactory(user=exposant.user, event=event_b, role=Role.EXPOSANT)
    add_participant(event=event_b, actor=None, user=exposant.user, kind="exposant")
    profile_b = ensure_exposant_profile(event=event_b, user=exposant.user)
    in_b = record_scan(exposant=profile_b, qr_code=badge_holder(event_b).qr_code_data).scan

    in_a = exposant.client.get(SCANS)
    in_b_client = client_for(exposant.user, event_b)

    assert in_a.json()["count"] == 0
    assert [r["id"] for r in in_b_client.get(SCANS).json()["results"]] == [in_b.pk]


def test_patch_notes_and_rating(exposant, visitor):
    lead = scan(exposant, visitor, rating=2)

    response = exposant.client.patch(f"{SCANS}{lead.pk}/", {"notes": "Devis envoyé le 12", "rating": 5})

    assert response.status_code == 200
    assert (response.json()["notes"], response.json()["rating"], response.json()["visit_number"]) == (
        "Devis envoyé le 12",
        5,
        1,
    )
    lead.refresh_from_db()
    assert (lead.notes, lead.rating) == ("Devis envoyé le 12", 5)


def test_patch_clears_the_rating_and_ignores_read_only_fields(exposant, visitor):
    lead = scan(exposant, visitor, rating=2)
    moment = lead.scanned_at

    response = exposant.client.patch(
        f"{SCANS}{lead.pk}/", {"rating": None, "scanned_at": "2020-01-01T00:00:00Z", "visitor": {"name": "X"}}
    )

    assert response.status_code == 200
    lead.refresh_from_db()
    assert (lead.rating, lead.scanned_at, lead.participant) == (None, moment, visitor)


@pytest.mark.parametrize(("rating", "code"), [(0, "min_value"), (6, "max_value"), ("beaucoup", "invalid")])
def test_patch_refuses_bad_ratings(exposant, visitor, rating, code):
    lead = scan(exposant, visitor)

    response = exposant.client.patch(f"{SCANS}{lead.pk}/", {"rating": rating})

    assert response.status_code == 400
    assert error_codes(response) == [code]


def test_scans_cannot_be_created_or_deleted_here(exposant, visitor):
    lead = scan(exposant, visitor)

    assert exposant.client.post(SCANS, {"badge_id": visitor.badge_id}).status_code == 405
    assert exposant.client.delete(f"{SCANS}{lead.pk}/").status_code == 405
    assert exposant.client.put(f"{SCANS}{lead.pk}/", {"notes": "x"}).status_code == 405


# --- filters and search -----------------------------------------------------------------------


def test_filter_by_day_counts_algiers_days(exposant, visitor):
    late = scan(exposant, visitor, at("2025-05-04T23:30"))  # 22:30 UTC on the 4th
    early = scan(exposant, visitor, at("2025-05-05T00:30"))  # 23:30 UTC on the 4th
    scan(exposant, visitor, at("2025-05-06T10:00"))

    on_4th = exposant.client.get(SCANS, {"day": "2025-05-04"}).json()["results"]
    on_5th = exposant.client.get(SCANS, {"day": "2025-05-05"}).json()["results"]

    assert [r["id"] for r in on_4th] == [late.pk]
    assert [r["id"] for r in on_5th] == [early.pk]


def test_filter_by_rating(exposant, visitor):
    scan(exposant, visitor, rating=2)
    four = scan(exposant, visitor, rating=4)
    five = scan(exposant, visitor, rating=5)
    scan(exposant, visitor)

    exact = exposant.client.get(SCANS, {"rating": 4}).json()["results"]
    at_least = exposant.client.get(SCANS, {"min_rating": 4, "ordering": "rating"}).json()["results"]

    assert [r["id"] for r in exact] == [four.pk]
    assert [r["id"] for r in at_least] == [four.pk, five.pk]


@pytest.mark.parametrize("query", [{"rating": 9}, {"day": "hier"}])
def test_bad_filters_are_400(exposant, query):
    assert exposant.client.get(SCANS, query).status_code == 400


def test_search_by_name_only(exposant, visitor, event_a):
    shy = badge_holder(
        event_a, share_contact_with_exposants=False, first_name="Walid", last_name="Cherif", email="walid@secret.dz"
    )
    amina = scan(exposant, visitor)
    walid = scan(exposant, shy)

    by_name = exposant.client.get(SCANS, {"search": "amina kaci"}).json()["results"]
    by_last = exposant.client.get(SCANS, {"search": "CHERIF"}).json()["results"]
    by_email = exposant.client.get(SCANS, {"search": "secret.dz"}).json()["results"]

    assert [r["id"] for r in by_name] == [amina.pk]
    assert [r["id"] for r in by_last] == [walid.pk]
    assert by_email == []  # no way to probe a hidden email


# --- export -------------------------------------------------------------------------------------


def test_export_is_excel_friendly_csv_with_consent(exposant, visitor, event_a):
    shy = badge_holder(
        event_a,
        share_contact_with_exposants=False,
        first_name="Walid",
        last_name="Cherif",
        email="walid@x.dz",
        phone="+213 661",
    )
    arabic = badge_holder(event_a, first_name="ياسين", last_name="بن علي", email="yacine@x.dz", phone="", company="")
    scan(exposant, visitor, at("2025-05-04T09:05"), rating=4, notes="Très intéressée ; rappeler")
    scan(exposant, shy, at("2025-05-04T10:15"), notes='=HYPERLINK("http://x")')
    scan(exposant, arabic, at("2025-05-04T23:40"))
    scan(exposant, visitor, at("2025-05-05T00:10"))

    response = exposant.client.get(EXPORT, {"ordering": "scanned_at"}, HTTP_ACCEPT_LANGUAGE="en")

    assert response.status_code == 200
    assert response["Content-Type"] == "text/csv; charset=utf-8"
    assert response["Content-Disposition"].startswith('attachment; filename="leads-atlas-cloud-algerie-')
    assert csv_rows(response) == [
        ["Scanned at", "Name", "Email", "Phone", "Company", "Visit", "Rating", "Notes"],
        [
            "2025-05-04 09:05",
            "Amina Kaci",
            "amina.kaci@example.dz",
            "+213 555 12 34 56",
            "Tell Distribution SPA",
            "1",
            "4",
            "Très intéressée ; rappeler",
        ],
        ["2025-05-04 10:15", "Walid Cherif", "", "", "", "1", "", '\'=HYPERLINK("http://x")'],
        ["2025-05-04 23:40", "ياسين بن علي", "yacine@x.dz", "", "", "1", "", ""],
        [
            "2025-05-05 00:10",
            "Amina Kaci",
            "amina.kaci@example.dz",
            "+213 555 12 34 56",
            "Tell Distribution SPA",
            "2",
            "",
            "",
        ],
    ]


def test_export_applies_the_list_filters(exposant, visitor):
    scan(exposant, visitor, at("2025-05-04T23:30"), rating=5)
    scan(exposant, visitor, at("2025-05-05T00:30"), rating=5)
    scan(exposant, visitor, at("2025-05-05T09:00"), rating=1)

    rows = csv_rows(exposant.client.get(EXPORT, {"day": "2025-05-05", "min_rating": 4}))

    assert [row[0] for row in rows[1:]] == ["2025-05-05 00:30"]


def test_export_ignores_the_accept_header(exposant, visitor):
    scan(exposant, visitor)

    response = exposant.client.get(EXPORT, HTTP_ACCEPT="text/csv")

    assert response.status_code == 200
    assert len(csv_rows(response)) == 2


# --- query counts ---------------------------------------------------------------------------------


@pytest.mark.parametrize("path", [SCANS, EXPORT])
def test_query_count_is_the_same_for_1_and_50_leads(exposant, event_a, path):
    ExposantScanFactory(exposant=exposant.profile)

    few, many = assert_same_queries(
        lambda: exposant.client.get(path, {"page_size": 100}),
        lambda: ExposantScanFactory.create_batch(49, exposant=exposant.profile),
    )

    assert (few.status_code, many.status_code) == (200, 200)
    assert ExposantScan.objects.count() == 50
