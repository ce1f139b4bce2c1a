"""POST /api/exposant/scan/: a visitor's badge becomes a lead; contact only with consent."""

import pytest

from conftest import error_codes
from events.models import Role
from events.services.participants import reissue_badge
from events.tests.factories import badge_holder
from exposants.models import Exposant, ExposantScan

pytestmark = pytest.mark.django_db

SCAN = "/api/exposant/scan/"


def test_scan_creates_a_lead_with_the_visitors_contact(exposant, visitor):
    response = exposant.client.post(SCAN, {"qr_code": visitor.qr_code_data, "notes": "Démo jeudi", "rating": 4})

    assert response.status_code == 201
    body = response.json()
    scan = ExposantScan.objects.get()
    assert body == {
        "id": scan.pk,
        "visitor": {
            "full_name": "Amina Kaci",
            "name": "Amina Kaci",
            "contact_shared": True,
            "email": "amina.kaci@example.dz",
            "phone": "+213 555 12 34 56",
            "company": "Tell Distribution SPA",
        },
        "scanned_at": body["scanned_at"],
        "visit_number": 1,
        "notes": "Démo jeudi",
        "rating": 4,
        "updated_at": body["updated_at"],
    }
    assert (scan.exposant, scan.participant) == (exposant.profile, visitor)


def test_scan_without_consent_shows_only_the_name(exposant, event_a):
    shy = badge_holder(
        event_a,
        share_contact_with_exposants=False,
        first_name="Walid",
        last_name="Cherif",
        email="walid@example.dz",
        company="Cevital",
    )

    response = exposant.client.post(SCAN, {"badge_id": shy.badge_id})

    assert response.status_code == 201
    assert response.json()["visitor"] == {"full_name": "Walid Cherif", "name": "Walid Cherif", "contact_shared": False}


def test_a_nameless_visitor_without_consent_does_not_leak_its_email(exposant, event_a):
    nameless = badge_holder(
        event_a, share_contact_with_exposants=False, first_name="", last_name="", email="secret@example.dz"
    )

    response = exposant.client.post(SCAN, {"badge_id": nameless.badge_id})

    assert response.json()["visitor"] == {"full_name": "", "name": "", "contact_shared": False}
    assert "secret@example.dz" not in response.content.decode()


def test_repeat_visits_are_numbered(exposant, visitor):
    first = exposant.client.post(SCAN, {"qr_code": visitor.qr_code_data})
    second = exposant.client.post(SCAN, {"qr_code": visitor.qr_code_data})

    assert (first.json()["visit_number"], second.json()["visit_number"]) == (1, 2)
    assert ExposantScan.objects.count() == 2


def test_same_nonce_answers_200_with_the_stored_lead(exposant, visitor):
    first = exposant.client.post(SCAN, {"qr_code": visitor.qr_code_data, "nonce": "tel-1-0001", "rating": 2})
    retry = exposant.client.post(SCAN, {"qr_code": visitor.qr_code_data, "nonce": "tel-1-0001", "rating": 5})

    assert (first.status_code, retry.status_code) == (201, 200)
    assert retry.json() == first.json()
    assert ExposantScan.objects.count() == 1


@pytest.mark.parametrize(
    ("payload", "code"),
    [
        ({"qr_code": "MP1.ABCDEF"}, "invalid_badge"),
        ({"badge_id": "ABCD-EFGH"}, "invalid_badge"),
    ],
)
def test_invalid_badges_are_400_with_the_reason(exposant, payload, code):
    response = exposant.client.post(SCAN, payload)

    assert response.status_code == 400
    assert error_codes(response) == [code]
    assert not ExposantScan.objects.exists()


def test_another_events_badge_is_400_wrong_event(exposant, event_b):
    stranger = badge_holder(event_b)

    response = exposant.client.post(SCAN, {"qr_code": stranger.qr_code_data})

    assert response.status_code == 400
    assert error_codes(response) == ["wrong_event"]


def test_a_revoked_badge_is_400_revoked(exposant, visitor):
    old = visitor.qr_code_data
    reissue_badge(participant=visitor, actor=None)

    response = exposant.client.post(SCAN, {"qr_code": old})

    assert response.status_code == 400
    assert error_codes(response) == ["revoked"]


def test_scanning_ones_own_badge_is_refused(exposant):
    response = exposant.client.post(SCAN, {"badge_id": exposant.user.badges.get().badge_id})

    assert response.status_code == 400
    assert error_codes(response) == ["own_badge"]


@pytest.mark.parametrize(
    ("payload", "attr", "code"),
    [
        ({}, "non_field_errors", "badge_required"),
        ({"qr_code": "", "badge_id": ""}, "non_field_errors", "badge_required"),
        ({"badge_id": "X", "rating": 0}, "rating", "min_value"),
        ({"badge_id": "X", "rating": 6}, "rating", "max_value"),
        ({"badge_id": "X", "notes": "n" * 2001}, "notes", "max_length"),
        ({"badge_id": "X", "nonce": "n" * 65}, "nonce", "max_length"),
    ],
)
def test_bad_input_is_a_validation_error(exposant, payload, attr, code):
    response = exposant.client.post(SCAN, payload)

    assert response.status_code == 400
    assert [(e["attr"], e["code"]) for e in response.json()["errors"]] == [(attr, code)]


def test_first_scan_creates_the_missing_profile(member, visitor, event_a):
    client, user = member(Role.EXPOSANT, event_a)

    response = client.post(SCAN, {"qr_code": visitor.qr_code_data})

    assert response.status_code == 201
    assert ExposantScan.objects.get().exposant == Exposant.objects.get(event=event_a, user=user)


@pytest.mark.parametrize("role", [r for r in Role.values if r != Role.EXPOSANT])
def test_only_exposants_scan_leads(member, visitor, event_a, role):
    client, _ = member(role, event_a)

    response = client.post(SCAN, {"qr_code": visitor.qr_code_data})

    assert response.status_code == 403
    assert error_codes(response) == ["insufficient_role"]


def test_a_deactivated_exposant_cannot_scan(exposant, visitor):
    exposant.user.event_assignments.update(is_active=False)

    response = exposant.client.post(SCAN, {"qr_code": visitor.qr_code_data})

    assert response.status_code == 403
    assert error_codes(response) == ["event_access_revoked"]


def test_scanning_needs_a_selected_event(client_for, exposant, visitor):
    response = client_for(exposant.user).post(SCAN, {"qr_code": visitor.qr_code_data})

    assert response.status_code == 403
    assert error_codes(response) == ["event_not_selected"]


def test_scan_messages_follow_the_language_codes_do_not(exposant):
    english = exposant.client.post(SCAN, {"badge_id": "ZZZZZZZZ"}, HTTP_ACCEPT_LANGUAGE="en")

    assert error_codes(english) == ["invalid_badge"]
    assert english.json()["errors"][0]["detail"] == "This badge is not valid (unreadable, forged or unknown)."
