"""The app's exposant screens replayed in the app's order (contract §3.6, §4 rows 11, 12, 19): sign-in,
scanner look-up, visit recorded, statistics, Excel export. Consent, refused badges, bad input, scoping."""

import io
from datetime import datetime, timedelta

import pytest
from django.utils import timezone
from openpyxl import load_workbook
from rest_framework.test import APIClient

from conftest import DEFAULT_PASSWORD, assert_same_queries, error_codes
from events.models import Participant, Role
from events.services.participants import reissue_badge
from events.tests.factories import badge_holder
from exposants.models import ExposantScan
from exposants.services import ensure_exposant_profile, record_scan
from mobile.exposants import XLSX

pytestmark = pytest.mark.django_db


def bearer(token: str) -> APIClient:
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Bearer {token}")
    return client


def app_sign_in(user) -> APIClient:
    """POST /auth/token/ as the app does (single-event user: the token carries its event)."""
    response = APIClient().post("/api/auth/token/", {"email": user.email, "password": DEFAULT_PASSWORD}, format="json")
    assert response.status_code == 200, response.content
    return bearer(response.json()["access"])


def assert_app_error(response, status: int, codes: list[str]) -> None:
    """Our format, with the strings the app's exposant service shows (``message`` then ``detail``)."""
    assert response.status_code == status, response.content
    body = response.json()
    assert error_codes(response) == codes
    assert isinstance(body["message"], str) and body["message"] == body["detail"] == body["errors"][0]["detail"]


def assert_app_scan(scan: dict) -> None:
    """ExposantScan.fromJson: ids any→str, scanned_at DateTime.parse, the named fields strings or null."""
    for key in ("id", "exposant", "scanned_participant", "event"):
        assert isinstance(scan[key], str) and scan[key], key
    assert datetime.fromisoformat(scan["scanned_at"]).utcoffset() is not None
    assert scan["notes"] is None or isinstance(scan["notes"], str)
    assert isinstance(scan["scanned_participant_name"], str)
    assert scan["scanned_participant_email"] is None or isinstance(scan["scanned_participant_email"], str)
    assert isinstance(scan["scanned_participant_badge"], str)
    # The email never falls back to a key the app would read instead (participant_email, scanned_participant.email).
    assert "participant_email" not in scan and not isinstance(scan["scanned_participant"], dict)


@pytest.fixture
def stand(event_a):
    """An exposant of event A with its badge and profile, signed in as the app does."""
    holder = badge_holder(event_a, kind=Participant.Kind.EXPOSANT, first_name="Yasmine", last_name="Hamidi")
    profile = ensure_exposant_profile(event=event_a, user=holder.user)
    profile.company_name = "Atlas Cloud Algérie"
    profile.save()
    return app_sign_in(holder.user), holder.user, profile


@pytest.fixture
def consenting(event_a):
    return badge_holder(
        event_a,
        first_name="Amina",
        last_name="Kaci",
        email="amina.kaci@example.dz",
        phone="+213 555 12 34 56",
        share_contact_with_exposants=True,
    )


@pytest.fixture
def private(event_a):
    return badge_holder(
        event_a, first_name="Karim", last_name="Saidi", email="karim@example.dz", share_contact_with_exposants=False
    )


def lookup(client, text):
    return client.get("/api/participants/", {"user_id": text})


def scan_participant(client, text, event, notes=None):
    body = {"qr_data": text, "event_id": str(event.pk), "notes": notes}
    return client.post("/api/exposant-scans/scan_participant/", body, format="json")


# --- the replay ----------------------------------------------------------------------------------------


def test_exposant_replay_in_the_apps_order(stand, consenting, private, event_a):
    client, _user, profile = stand
    # 1. the scanner reads the visitor's badge (the app's qr_code.user_id: our signed payload) and looks it up
    found = lookup(client, consenting.qr_code_data)
    assert found.status_code == 200
    (visitor,) = found.json()["results"]
    assert (visitor["full_name"], visitor["email"]) == ("Amina Kaci", "amina.kaci@example.dz")
    assert visitor["phone"] == "+213 555 12 34 56"
    assert visitor["badge_id"] == consenting.badge_id
    assert ExposantScan.objects.count() == 0  # looking up records nothing
    # 2. the remark dialog, then the visit is recorded with the scanned text verbatim
    recorded = scan_participant(client, consenting.qr_code_data, event_a, notes="Intéressée par le cloud")
    assert recorded.status_code in (200, 201)
    scan = recorded.json()["scan"]
    assert_app_scan(scan)
    assert (scan["scanned_participant_name"], scan["scanned_participant_email"]) == (
        "Amina Kaci",
        "amina.kaci@example.dz",
    )
    assert (scan["scanned_participant_badge"], scan["notes"]) == (consenting.badge_id, "Intéressée par le cloud")
    assert (scan["event"], scan["exposant"]) == (str(event_a.pk), str(profile.pk))
    # an empty remark is sent as null
    second = scan_participant(client, private.qr_code_data, event_a, notes=None)
    assert second.status_code in (200, 201)
    assert second.json()["scan"]["notes"] == ""
    # 3. statistics: 200 only, an object with every visit
    stats = client.get("/api/exposant-scans/my_scans/", {"event_id": str(event_a.pk)})
    assert stats.status_code == 200
    body = stats.json()
    assert (type(body["total_visits"]), type(body["today_visits"])) == (int, int)
    assert (body["total_visits"], body["today_visits"]) == (2, 2)
    assert [s["scanned_participant_name"] for s in body["scans"]] == ["Karim Saidi", "Amina Kaci"]
    for item in body["scans"]:
        assert_app_scan(item)
    # 4. the Excel export: 200 only, a real workbook
    export = client.get("/api/exposant-scans/export_excel/", HTTP_ACCEPT="*/*")
    assert export.status_code == 200
    assert export["Content-Type"] == XLSX
    assert export["Content-Disposition"].startswith('attachment; filename="leads-atlas-cloud-algerie-')
    assert export["Content-Disposition"].endswith('.xlsx"')
    rows = list(load_workbook(io.BytesIO(export.content)).active.iter_rows(values_only=True))
    assert rows[0][:3] == ("Scanné le", "Nom", "E-mail")  # the app sends no Accept-Language: French
    assert [row[1:4] for row in rows[1:]] == [
        ("Karim Saidi", None, None),
        ("Amina Kaci", "amina.kaci@example.dz", "+213 555 12 34 56"),
    ]
    assert isinstance(rows[1][0], datetime)
    assert rows[2][7] == "Intéressée par le cloud"


# --- consent ---------------------------------------------------------------------------------------------


def test_lookup_without_consent_names_the_visitor_only(stand, private):
    client, _user, _profile = stand
    response = lookup(client, private.qr_code_data)
    assert response.status_code == 200
    (visitor,) = response.json()["results"]
    assert visitor["full_name"] == "Karim Saidi"
    assert (visitor["email"], visitor["phone"], visitor["company"]) == (None, None, None)
    assert visitor["user"] == {"first_name": "Karim", "last_name": "Saidi", "email": None}
    assert visitor["contact_shared"] is False
    assert "karim@example.dz" not in response.content.decode()


def test_withdrawn_consent_hides_the_contact_of_past_leads(stand, consenting, event_a):
    client, _user, _profile = stand
    scan_participant(client, consenting.qr_code_data, event_a)
    consenting.user.share_contact_with_exposants = False
    consenting.user.save()
    (scan,) = client.get("/api/exposant-scans/my_scans/").json()["scans"]
    assert scan["scanned_participant_email"] is None
    export = client.get("/api/exposant-scans/export_excel/")
    assert "amina.kaci@example.dz" not in [
        cell for row in load_workbook(io.BytesIO(export.content)).active.iter_rows(values_only=True) for cell in row
    ]


# --- refused badges ----------------------------------------------------------------------------------------


def test_a_bare_numeric_user_id_is_not_a_badge(stand, consenting, event_a):
    client, _user, _profile = stand
    for text in (str(consenting.user.pk), str(consenting.pk), "42"):
        assert_app_error(lookup(client, text), 400, ["invalid_badge"])
        assert_app_error(scan_participant(client, text, event_a), 400, ["invalid_badge"])
    assert ExposantScan.objects.count() == 0


def test_a_typed_badge_id_only_when_the_event_allows_it(stand, consenting, event_a):
    client, _user, _profile = stand
    assert_app_error(lookup(client, consenting.badge_id), 400, ["invalid_badge"])
    event_a.settings = {"scan_accepts_badge_id": True}
    event_a.save()
    response = lookup(client, consenting.badge_id.lower())
    assert response.status_code == 200
    assert response.json()["results"][0]["full_name"] == "Amina Kaci"
    assert scan_participant(client, consenting.badge_id, event_a).status_code == 201


def test_revoked_forged_other_event_and_own_badges_are_refused(stand, consenting, event_a, event_b):
    client, user, _profile = stand
    old = consenting.qr_code_data
    reissue_badge(participant=consenting, actor=None)
    assert_app_error(lookup(client, old), 400, ["revoked"])
    forged = old[:-4] + ("AAAA" if not old.endswith("AAAA") else "BBBB")
    assert_app_error(lookup(client, forged), 400, ["invalid_badge"])
    elsewhere = badge_holder(event_b)
    assert_app_error(lookup(client, elsewhere.qr_code_data), 400, ["wrong_event"])
    own = Participant.objects.get(user=user, event=event_a)
    assert_app_error(lookup(client, own.qr_code_data), 400, ["own_badge"])
    assert_app_error(scan_participant(client, own.qr_code_data, event_a), 400, ["own_badge"])
    assert ExposantScan.objects.count() == 0


def test_scan_naming_another_event_is_refused(stand, consenting, event_b):
    client, _user, _profile = stand
    response = scan_participant(client, consenting.qr_code_data, event_b)
    assert_app_error(response, 400, ["wrong_event"])
    assert response.json()["errors"][0]["attr"] == "event_id"
    assert ExposantScan.objects.count() == 0
    stats = client.get("/api/exposant-scans/my_scans/", {"event_id": str(event_b.pk)})
    assert_app_error(stats, 400, ["wrong_event"])


# --- bad input: 4xx in our format, never 500 ---------------------------------------------------------------------


@pytest.mark.parametrize(
    ("body", "code", "attr"),
    [
        ({}, "required", "qr_data"),
        ({"qr_data": ""}, "blank", "qr_data"),
        ({"qr_data": None}, "null", "qr_data"),
        ({"qr_data": "x" * 513}, "max_length", "qr_data"),
        ({"qr_data": ["MP1."]}, "invalid", "qr_data"),
        ({"qr_data": "MP1.X", "event_id": "not-a-uuid"}, "invalid", "event_id"),
        ({"qr_data": "MP1.X", "notes": "n" * 2001}, "max_length", "notes"),
        ({"qr_data": "MP1.X", "notes": {"a": 1}}, "invalid", "notes"),
    ],
)
def test_scan_participant_bad_input(stand, body, code, attr):
    client, _user, _profile = stand
    response = client.post("/api/exposant-scans/scan_participant/", body, format="json")
    assert response.status_code == 400, response.content
    assert (response.json()["errors"][0]["code"], response.json()["errors"][0]["attr"]) == (code, attr)


def test_scan_participant_not_json(stand):
    client, _user, _profile = stand
    response = client.post("/api/exposant-scans/scan_participant/", "{oops", content_type="application/json")
    assert response.status_code == 400
    assert error_codes(response) == ["parse_error"]


@pytest.mark.parametrize(
    ("query", "code"),
    [({"user_id": ""}, "blank"), ({"user_id": "x" * 513}, "max_length"), ({"user_id": "MP1.ZZ"}, None)],
)
def test_lookup_bad_input(stand, query, code):
    client, _user, _profile = stand
    response = client.get("/api/participants/", query)
    assert response.status_code == 400
    assert error_codes(response) == [code or "invalid_badge"]


def test_my_scans_bad_event_id(stand):
    client, _user, _profile = stand
    response = client.get("/api/exposant-scans/my_scans/", {"event_id": "nope"})
    assert response.status_code == 400
    assert error_codes(response) == ["invalid"]


# --- who may --------------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "role", [Role.PARTICIPANT, Role.GESTIONNAIRE_DES_SALLES, Role.CONTROLLEUR_DES_BADGES, Role.ORGANISATEUR]
)
def test_only_exposants_use_the_exposant_routes(member, event_a, consenting, role):
    client, _user = member(role, event_a)
    for response in (
        scan_participant(client, consenting.qr_code_data, event_a),
        client.get("/api/exposant-scans/my_scans/"),
        client.get("/api/exposant-scans/export_excel/"),
    ):
        assert_app_error(response, 403, ["insufficient_role"])


def test_anonymous_is_refused(consenting, event_a):
    client = APIClient()
    assert lookup(client, consenting.qr_code_data).status_code == 401
    assert scan_participant(client, consenting.qr_code_data, event_a).status_code == 401
    assert client.get("/api/exposant-scans/my_scans/").status_code == 401
    assert client.get("/api/exposant-scans/export_excel/").status_code == 401


def test_our_participants_list_is_unchanged_for_organisateurs(organisateur, consenting):
    listed = organisateur.client.get("/api/participants/")
    assert listed.status_code == 200
    assert [p["id"] for p in listed.json()["results"]] == [consenting.pk]
    # user_id is no filter of ours: an organisateur gets its list as before.
    assert organisateur.client.get("/api/participants/", {"user_id": "1"}).json()["count"] == 1
    created = organisateur.client.post(
        "/api/participants/", {"email": "nouveau@example.dz", "first_name": "N", "last_name": "V"}, format="json"
    )
    assert created.status_code == 201, created.content


@pytest.mark.parametrize("role", [Role.PARTICIPANT, Role.CONTROLLEUR_DES_BADGES])
def test_other_members_get_our_refusal_on_participants(member, event_a, consenting, role):
    client, _user = member(role, event_a)
    assert_app_error(lookup(client, consenting.qr_code_data), 403, ["insufficient_role"])
    assert_app_error(client.get("/api/participants/"), 403, ["insufficient_role"])


def test_exposant_without_user_id_gets_our_refusal(stand):
    client, _user, _profile = stand
    assert_app_error(client.get("/api/participants/"), 403, ["insufficient_role"])


def test_scans_and_export_hold_only_the_callers_leads(stand, make_other_stand, consenting, private, event_a):
    client, _user, profile = stand
    other = make_other_stand()
    record_scan(exposant=other, qr_code=private.qr_code_data)
    scan_participant(client, consenting.qr_code_data, event_a)
    body = client.get("/api/exposant-scans/my_scans/").json()
    assert [s["scanned_participant_name"] for s in body["scans"]] == ["Amina Kaci"]
    assert body["total_visits"] == 1
    rows = list(load_workbook(io.BytesIO(client.get("/api/exposant-scans/export_excel/").content)).active.values)
    assert [row[1] for row in rows[1:]] == ["Amina Kaci"]


@pytest.fixture
def make_other_stand(event_a):
    def _make():
        holder = badge_holder(event_a, kind=Participant.Kind.EXPOSANT)
        return ensure_exposant_profile(event=event_a, user=holder.user)

    return _make


def test_today_visits_count_the_event_day_only(stand, consenting, private, event_a):
    client, _user, profile = stand
    record_scan(exposant=profile, qr_code=consenting.qr_code_data, scanned_at=timezone.now() - timedelta(days=2))
    record_scan(exposant=profile, qr_code=private.qr_code_data)
    body = client.get("/api/exposant-scans/my_scans/").json()
    assert (body["total_visits"], body["today_visits"]) == (2, 1)


def test_a_formula_in_a_note_stays_text_in_the_workbook(stand, consenting, event_a):
    client, _user, _profile = stand
    scan_participant(client, consenting.qr_code_data, event_a, notes='=HYPERLINK("http://x","y")')
    sheet = load_workbook(io.BytesIO(client.get("/api/exposant-scans/export_excel/").content)).active
    assert sheet.cell(row=2, column=8).data_type == "s"
    assert sheet.cell(row=2, column=8).value == '=HYPERLINK("http://x","y")'


# --- query counts ---------------------------------------------------------------------------------------------------


def _visitors(event, n):
    return [badge_holder(event) for _ in range(n)]


def test_my_scans_query_count_does_not_grow(stand, consenting, event_a):
    client, _user, profile = stand
    record_scan(exposant=profile, qr_code=consenting.qr_code_data)

    def add():
        for holder in _visitors(event_a, 3):
            record_scan(exposant=profile, qr_code=holder.qr_code_data)

    first, second = assert_same_queries(lambda: client.get("/api/exposant-scans/my_scans/"), add)
    assert (len(first.json()["scans"]), len(second.json()["scans"])) == (1, 4)


def test_export_excel_query_count_does_not_grow(stand, consenting, event_a):
    client, _user, profile = stand
    record_scan(exposant=profile, qr_code=consenting.qr_code_data)

    def add():
        for holder in _visitors(event_a, 3):
            record_scan(exposant=profile, qr_code=holder.qr_code_data)

    assert_same_queries(lambda: client.get("/api/exposant-scans/export_excel/"), add)
