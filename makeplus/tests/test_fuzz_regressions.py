"""Regressions found by the schema fuzzer (makeplus/tests/test_schema_fuzz.py), one plain test per fix.

1. Dates outside the years 2000-2099 are refused (400 ``date_out_of_range``, makeplus/datetimes.py)
   in bodies and in query filters, instead of a server error; so are date-times at the very edge of
   the calendar, which overflow when moved to UTC or to Algiers time.
2. ``youtube_live_url`` reads null when there is no stream (none, or not for the caller), and null
   is accepted on write.
3. The profile photo is an absolute URL in the profile and auth responses (null without a photo).
4. The per-account login throttle keys the cache with a hash of the e-mail, never the raw input.
5. Our error codes are documented in the served schema at their status (409, 413) and field.

The last section holds the bugs found while writing these tests.
"""

import hashlib
import io
from datetime import timedelta

import pytest
from django.core.cache import cache
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone
from PIL import Image

from accounts.tests.factories import UserFactory
from annonces.tests.factories import AnnonceFactory
from conftest import DEFAULT_PASSWORD, error_codes
from events.models import Participant, Role
from events.tests.factories import badge_holder
from events.tests.factories_programme import RoomFactory, SessionFactory
from exposants.services import ensure_exposant_profile
from makeplus.openapi import ERROR_CODES

pytestmark = pytest.mark.django_db

# Bad date-times in a body, with the codes they get. Parsed, then refused by the plausibility
# check (date_out_of_range); 9999-12-31T23:59:59Z has no Algiers time, which DRF's date-time
# field refuses itself (overflow); a five-digit year is no ISO 8601 for the parser (invalid).
BAD_BODY_DATETIMES = [
    ("0001-01-01T00:00:00Z", ["date_out_of_range"]),
    ("1999-12-31T23:59:59Z", ["date_out_of_range"]),
    ("2100-01-01T00:00:00Z", ["date_out_of_range"]),
    ("9999-12-31T00:00:00Z", ["date_out_of_range"]),
    ("9999-12-31T23:59:59Z", ["overflow"]),
    ("10000-01-01T00:00:00Z", ["invalid"]),
]
# The same as scan times: a time after now is also in the future.
BAD_SCAN_TIMES = [
    ("0001-01-01T00:00:00Z", ["date_out_of_range"]),
    ("1999-12-31T23:59:59Z", ["date_out_of_range"]),
    ("2100-01-01T00:00:00Z", ["date_out_of_range", "scanned_in_future"]),
    ("9999-12-31T00:00:00Z", ["date_out_of_range", "scanned_in_future"]),
    ("9999-12-31T23:59:59Z", ["overflow"]),
    ("10000-01-01T00:00:00Z", ["invalid"]),
]
# Query filters convert to UTC, not to Algiers time: 9999-12-31T23:59:59Z is only out of range there.
BAD_FILTER_DATETIMES = [
    ("0001-01-01T00:00:00Z", "date_out_of_range"),
    ("1999-12-31T23:59:59Z", "date_out_of_range"),
    ("2100-01-01T00:00:00Z", "date_out_of_range"),
    ("9999-12-31T23:59:59Z", "date_out_of_range"),
    ("10000-01-01T00:00:00Z", "invalid"),
]
BAD_FILTER_DATES = [
    ("0001-01-01", "date_out_of_range"),
    ("1999-12-31", "date_out_of_range"),
    ("2100-01-01", "date_out_of_range"),
    ("9999-12-31", "date_out_of_range"),
    ("10000-01-01", "invalid"),
]
# (list endpoint, date-time filter)
DATETIME_FILTERS = [
    ("/api/annonces/", "since"),
    ("/api/room-access/", "from"),
    ("/api/room-access/", "to"),
    ("/api/room-assignments/", "active_at"),
]
YT = "https://youtu.be/dQw4w9WgXcQ"


def _errors(response) -> list[tuple[str, str | None]]:
    return [(error["code"], error["attr"]) for error in response.json()["errors"]]


def _ago(minutes: int) -> str:
    return (timezone.now() - timedelta(minutes=minutes)).replace(microsecond=0).isoformat()


@pytest.fixture
def room(event_a):
    return RoomFactory(event=event_a, name="Salle Atlas", capacity=10)


@pytest.fixture
def badge(event_a) -> Participant:
    return badge_holder(event_a)


@pytest.fixture
def exposant_client(member, event_a):
    """An exposant of event A with its profile (its own visits list: /api/exposant/scans/)."""
    client, user = member(Role.EXPOSANT, event_a)
    ensure_exposant_profile(event=event_a, user=user)
    return client


def _sync_scan(room, badge, scanned_at) -> dict:
    return {
        "nonce": "device-1",
        "room": str(room.pk),
        "qr_code": badge.qr_code_data,
        "scanned_at": scanned_at,
        "device_status": "granted",
    }


# --- 1. implausible dates in bodies ------------------------------------------------------------------


@pytest.mark.parametrize("field", ["start_date", "end_date"])
@pytest.mark.parametrize(("value", "codes"), BAD_BODY_DATETIMES)
def test_event_dates_out_of_range_are_refused(organisateur, event_a, field, value, codes):
    client, _ = organisateur
    before = (event_a.start_date, event_a.end_date)

    response = client.patch(f"/api/events/{event_a.pk}/", {field: value})

    assert response.status_code == 400
    assert response.json()["type"] == "validation_error"
    assert _errors(response) == [(code, field) for code in codes]
    event_a.refresh_from_db()
    assert (event_a.start_date, event_a.end_date) == before


def test_event_dates_in_range_are_saved_up_to_the_bounds(organisateur, event_a):
    client, _ = organisateur

    response = client.patch(
        f"/api/events/{event_a.pk}/", {"start_date": "2000-01-01T00:00:00Z", "end_date": "2099-12-31T23:59:59Z"}
    )

    assert response.status_code == 200
    assert (response.json()["start_date"], response.json()["end_date"]) == (
        "2000-01-01T01:00:00+01:00",
        "2100-01-01T00:59:59+01:00",
    )


@pytest.mark.parametrize("field", ["publish_at", "expires_at"])
@pytest.mark.parametrize(("value", "codes"), BAD_BODY_DATETIMES)
def test_annonce_dates_out_of_range_are_refused(organisateur, event_a, field, value, codes):
    client, _ = organisateur

    response = client.post("/api/annonces/", {"title": "Programme modifié", field: value})

    assert response.status_code == 400
    assert _errors(response) == [(code, field) for code in codes]
    assert not event_a.annonces.exists()


def test_annonce_dates_in_range_are_saved(organisateur, event_a):
    client, _ = organisateur

    response = client.post(
        "/api/annonces/",
        {"title": "Programme modifié", "publish_at": "2030-05-01T09:00:00Z", "expires_at": "2030-05-02T09:00:00Z"},
    )

    assert response.status_code == 201
    body = response.json()
    assert (body["publish_at"], body["expires_at"], body["state"]) == (
        "2030-05-01T10:00:00+01:00",
        "2030-05-02T10:00:00+01:00",
        "scheduled",
    )


@pytest.mark.parametrize(("value", "codes"), BAD_SCAN_TIMES)
def test_offline_sync_scanned_at_out_of_range_is_refused(organisateur, room, badge, value, codes):
    client, _ = organisateur

    response = client.post("/api/scans/sync/", {"scans": [_sync_scan(room, badge, value)]})

    assert response.status_code == 400
    assert _errors(response) == [(code, "scans.0.scanned_at") for code in codes]
    assert not room.accesses.exists()


def test_offline_sync_scanned_at_in_range_is_applied(organisateur, room, badge):
    client, _ = organisateur

    response = client.post("/api/scans/sync/", {"scans": [_sync_scan(room, badge, _ago(30))]})

    assert response.status_code == 200
    assert [(r["nonce"], r["status"]) for r in response.json()["results"]] == [("device-1", "granted")]
    assert room.accesses.count() == 1


@pytest.mark.parametrize(("value", "codes"), BAD_SCAN_TIMES)
def test_manual_room_access_scanned_at_out_of_range_is_refused(organisateur, room, badge, value, codes):
    client, _ = organisateur

    response = client.post(
        "/api/room-access/", {"room": str(room.pk), "qr_code": badge.qr_code_data, "scanned_at": value}
    )

    assert response.status_code == 400
    assert _errors(response) == [(code, "scanned_at") for code in codes]
    assert not room.accesses.exists()


def test_manual_room_access_scanned_at_in_range_is_recorded(organisateur, room, badge):
    client, _ = organisateur

    response = client.post(
        "/api/room-access/", {"room": str(room.pk), "qr_code": badge.qr_code_data, "scanned_at": _ago(10)}
    )

    assert response.status_code == 201
    assert (response.json()["status"], response.json()["room"]["id"]) == ("granted", str(room.pk))


# --- 1. implausible dates in query filters -----------------------------------------------------------


@pytest.mark.parametrize(("url", "name"), DATETIME_FILTERS)
@pytest.mark.parametrize(("value", "code"), BAD_FILTER_DATETIMES)
def test_datetime_filters_out_of_range_are_refused(organisateur, url, name, value, code):
    client, _ = organisateur

    response = client.get(url, {name: value})

    assert response.status_code == 400
    assert _errors(response) == [(code, name)]


@pytest.mark.parametrize(("value", "code"), BAD_FILTER_DATES)
def test_session_day_filter_out_of_range_is_refused(organisateur, value, code):
    client, _ = organisateur

    response = client.get("/api/sessions/", {"day": value})

    assert response.status_code == 400
    assert _errors(response) == [(code, "day")]


@pytest.mark.parametrize("url", ["/api/exposant/scans/", "/api/exposant/scans/export/"])
@pytest.mark.parametrize(("value", "code"), BAD_FILTER_DATES)
def test_exposant_visits_day_filter_out_of_range_is_refused(exposant_client, url, value, code):
    response = exposant_client.get(url, {"day": value})

    assert response.status_code == 400
    assert _errors(response) == [(code, "day")]


@pytest.mark.parametrize(("url", "name"), DATETIME_FILTERS)
@pytest.mark.parametrize("value", ["2000-01-01T00:00:00Z", "2099-12-31T23:59:59Z"])
def test_datetime_filters_accept_the_bounds(organisateur, url, name, value):
    client, _ = organisateur

    response = client.get(url, {name: value})

    assert response.status_code == 200


def test_filters_in_range_find_the_matching_rows(organisateur, exposant_client, event_a, room, badge):
    client, user = organisateur
    AnnonceFactory(event=event_a, created_by=user, title="Bienvenue")
    session = SessionFactory(room=room)
    recorded = client.post(
        "/api/room-access/", {"room": str(room.pk), "qr_code": badge.qr_code_data, "scanned_at": _ago(10)}
    )
    assert recorded.status_code == 201
    day = timezone.localdate(session.start_time).isoformat()

    counts = {
        "since": client.get("/api/annonces/", {"since": _ago(60)}).json()["count"],
        "from": client.get("/api/room-access/", {"from": _ago(60)}).json()["count"],
        "to": client.get("/api/room-access/", {"to": _ago(60)}).json()["count"],
        "day": client.get("/api/sessions/", {"day": day}).json()["count"],
        "exposant day": exposant_client.get("/api/exposant/scans/", {"day": "2099-12-31"}).json()["count"],
    }

    assert counts == {"since": 1, "from": 1, "to": 0, "day": 1, "exposant day": 0}


# --- 2. youtube_live_url -----------------------------------------------------------------------------


def test_session_with_stream_reads_its_url(organisateur, room):
    client, _ = organisateur
    session = SessionFactory(room=room, youtube_live_url=YT)

    body = client.get(f"/api/sessions/{session.pk}/").json()

    assert (body["youtube_live_url"], body["youtube_video_id"], body["youtube_embed_url"]) == (
        YT,
        "dQw4w9WgXcQ",
        "https://www.youtube.com/embed/dQw4w9WgXcQ",
    )


def test_youtube_live_url_null_is_accepted_and_clears_the_stream(organisateur, room):
    client, _ = organisateur
    session = SessionFactory(room=room, youtube_live_url=YT)

    response = client.patch(f"/api/sessions/{session.pk}/", {"youtube_live_url": None})

    assert response.status_code == 200
    assert (response.json()["youtube_video_id"], response.json()["youtube_embed_url"]) == (None, None)
    session.refresh_from_db()
    assert session.youtube_live_url == ""


def test_hidden_stream_reads_null(member, event_a, room):
    atelier = SessionFactory(room=room, session_type="atelier", is_paid=True, price="1500", youtube_live_url=YT)
    client, _ = member(Role.PARTICIPANT, event_a)

    body = client.get(f"/api/sessions/{atelier.pk}/").json()

    assert (body["youtube_live_url"], body["youtube_video_id"], body["youtube_embed_url"]) == (None, None, None)


# --- 3. profile photo: absolute URL ------------------------------------------------------------------


def _png() -> SimpleUploadedFile:
    buffer = io.BytesIO()
    Image.new("RGB", (4, 4), "red").save(buffer, format="PNG")
    return SimpleUploadedFile("moi.png", buffer.getvalue(), content_type="image/png")


def test_profile_photo_is_null_without_a_photo(auth_client, api_client, user):
    profile = auth_client(user).get("/api/auth/profile/")
    login = api_client.post("/api/auth/login/", {"email": user.email, "password": DEFAULT_PASSWORD})

    assert (profile.status_code, profile.json()["photo"]) == (200, None)
    assert (login.status_code, login.json()["user"]["photo"]) == (200, None)


def test_profile_photo_is_an_absolute_url(auth_client, api_client, user, settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path

    uploaded = auth_client(user).patch("/api/auth/profile/", {"photo": _png()}, format="multipart")
    user.refresh_from_db()
    url = f"http://testserver/media/{user.photo.name}"
    profile = auth_client(user).get("/api/auth/profile/")
    login = api_client.post("/api/auth/login/", {"email": user.email, "password": DEFAULT_PASSWORD})

    assert user.photo.name.startswith("users/photos/")
    assert user.photo.name.endswith(".png")
    assert (tmp_path / user.photo.name).exists()
    assert (uploaded.status_code, uploaded.json()["photo"]) == (200, url)
    assert (profile.status_code, profile.json()["photo"]) == (200, url)
    assert (login.status_code, login.json()["user"]["photo"]) == (200, url)


def test_register_response_photo_is_null(api_client):
    response = api_client.post("/api/auth/register/", {"email": "nadia@example.dz", "password": "Tassili-2025!"})

    assert response.status_code == 201
    assert response.json()["user"]["photo"] is None


# --- 4. login e-mail throttle: hashed cache keys -----------------------------------------------------

ODD_EMAILS = [
    "a b:c@example.dz",
    "x" * 300 + "@example.dz",
    "  :: \t{}%$ ",
    "é" * 250,
]


@pytest.mark.parametrize("email", ODD_EMAILS)
def test_login_with_odd_email_is_a_clean_400_and_the_cache_key_is_a_hash(api_client, email):
    response = api_client.post("/api/auth/login/", {"email": email, "password": "nope"})

    assert response.status_code == 400
    assert response.json()["type"] == "validation_error"
    assert [attr for _code, attr in _errors(response)] == ["email"]
    keys = sorted(cache._cache.keys())
    digest = hashlib.sha256(email.strip().lower().encode()).hexdigest()
    # One counter per client address (login) and one per hashed account (login_email).
    assert keys == [":1:throttle_login_127.0.0.1", f":1:throttle_login_email_{digest}"]


def test_login_email_throttle_counts_case_and_whitespace_variants_together(api_client, user):
    variants = [user.email, user.email.upper(), f"  {user.email}  ", f"\t{user.email.title()}\n"]

    statuses = [
        api_client.post(
            "/api/auth/login/", {"email": variants[i % 4], "password": "nope"}, REMOTE_ADDR=f"10.0.1.{i}"
        ).status_code
        for i in range(11)
    ]

    assert statuses == [401] * 10 + [429]
    blocked = api_client.post(
        "/api/auth/login/", {"email": user.email, "password": DEFAULT_PASSWORD}, REMOTE_ADDR="10.0.2.1"
    )
    assert blocked.status_code == 429
    assert error_codes(blocked) == ["throttled"]


def test_login_email_throttle_does_not_block_another_account(api_client, user):
    for i in range(10):
        api_client.post("/api/auth/login/", {"email": user.email, "password": "nope"}, REMOTE_ADDR=f"10.0.3.{i}")
    other = UserFactory()

    response = api_client.post(
        "/api/auth/login/", {"email": other.email, "password": DEFAULT_PASSWORD}, REMOTE_ADDR="10.0.4.1"
    )

    assert response.status_code == 200


# --- 5. error codes in the served schema -------------------------------------------------------------


@pytest.fixture
def schema(api_client) -> dict:
    response = api_client.get("/api/schema/", {"format": "json"})
    assert response.status_code == 200
    return response.json()


def _component(schema: dict, node: dict) -> dict:
    while "$ref" in node:
        node = schema["components"]["schemas"][node["$ref"].rsplit("/", 1)[1]]
    return node


def _documented_codes(schema: dict, path: str, method: str, status: str) -> list[str]:
    # One Error component; each error response lists its codes (makeplus/openapi.py: postprocess_one_error).
    response = schema["paths"][path][method]["responses"][status]
    assert response["content"]["application/json"]["schema"] == {"$ref": "#/components/schemas/Error"}
    return response["x-error-codes"]


def test_schema_documents_request_too_large_under_413(schema):
    # The profile takes a photo: a file too large is a 413 too (README "API conventions").
    assert _documented_codes(schema, "/api/auth/profile/", "patch", "413") == ["file_too_large", "request_too_large"]
    assert _documented_codes(schema, "/api/scans/sync/", "post", "413") == ["request_too_large"]


def test_schema_documents_room_in_use_under_409(schema):
    codes = _documented_codes(schema, "/api/rooms/{id}/", "delete", "409")

    assert "room_in_use" in codes
    assert codes == sorted(ERROR_CODES[409])


def test_schema_documents_date_out_of_range_on_date_fields_and_filters(schema):
    for path, method in [
        ("/api/events/{id}/", "patch"),
        ("/api/annonces/", "post"),
        ("/api/scans/sync/", "post"),
        ("/api/room-access/", "post"),
        ("/api/annonces/", "get"),
        ("/api/room-access/", "get"),
        ("/api/room-assignments/", "get"),
        ("/api/sessions/", "get"),
    ]:
        assert "date_out_of_range" in _documented_codes(schema, path, method, "400"), (method, path)
    assert {"date", "invalid", "make_aware", "overflow"} <= set(
        _documented_codes(schema, "/api/events/{id}/", "patch", "400")
    )


# --- bugs found while writing these tests ------------------------------------------------------------


def test_session_without_stream_reads_null_youtube_live_url(organisateur, room):
    client, _ = organisateur
    session = SessionFactory(room=room, youtube_live_url="")

    body = client.get(f"/api/sessions/{session.pk}/").json()

    assert (body["youtube_live_url"], body["youtube_video_id"], body["youtube_embed_url"]) == (None, None, None)


# An offset date-time at the edge of the calendar overflowed when moved to UTC (OverflowError, a 500);
# a naive one when made aware in Algiers time (+00:12 in year 1).
@pytest.mark.parametrize(("url", "name"), DATETIME_FILTERS)
@pytest.mark.parametrize("value", ["0001-01-01T00:00:00+05:00", "9999-12-31T23:59:59-05:00", "0001-01-01T00:00:00"])
def test_datetime_filters_refuse_edge_offsets(organisateur, url, name, value):
    client, _ = organisateur
    client.raise_request_exception = False

    response = client.get(url, {name: value})

    assert response.status_code == 400
    assert _errors(response) == [("date_out_of_range", name)]


# A naive 0001-01-01T00:00:00 is made aware in Africa/Algiers (+00:12 then): DRF's check of the result
# overflowed converting it to UTC (OverflowError, a 500) on every body date-time.
@pytest.mark.parametrize(
    "target", ["event", "annonce", "room-access", "sync", "session", "room-assignment", "questions-since"]
)
def test_naive_first_day_of_year_one_is_refused_in_bodies(organisateur, event_a, room, badge, target):
    client, user = organisateur
    client.raise_request_exception = False
    value = "0001-01-01T00:00:00"
    session = SessionFactory(room=room)
    requests = {
        "event": (lambda: client.patch(f"/api/events/{event_a.pk}/", {"start_date": value}), "start_date"),
        "annonce": (
            lambda: client.post("/api/annonces/", {"title": "Programme", "publish_at": value}),
            "publish_at",
        ),
        "room-access": (
            lambda: client.post(
                "/api/room-access/", {"room": str(room.pk), "qr_code": badge.qr_code_data, "scanned_at": value}
            ),
            "scanned_at",
        ),
        "sync": (
            lambda: client.post("/api/scans/sync/", {"scans": [_sync_scan(room, badge, value)]}),
            "scans.0.scanned_at",
        ),
        "session": (lambda: client.patch(f"/api/sessions/{session.pk}/", {"start_time": value}), "start_time"),
        "room-assignment": (
            lambda: client.post(
                "/api/room-assignments/",
                {
                    "room": str(room.pk),
                    "user": user.pk,
                    "role": Role.GESTIONNAIRE_DES_SALLES,
                    "start_time": value,
                    "end_time": "2030-01-01T10:00:00Z",
                },
            ),
            "start_time",
        ),
        "questions-since": (
            lambda: client.get(f"/api/sessions/{session.pk}/questions/", {"since": value}),
            "since",
        ),
    }
    request, attr = requests[target]

    response = request()

    assert response.status_code == 400
    assert _errors(response) == [("date_out_of_range", attr)]
