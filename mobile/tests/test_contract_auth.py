"""The mobile app's sign-in, replayed as the app does it (contract §1, §2, §4 rows 1–4, 23), and its security cases."""

import time
import uuid
from datetime import datetime, timedelta

import pytest
from django.core import signing
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone
from rest_framework.test import APIClient
from rest_framework.throttling import SimpleRateThrottle
from rest_framework_simplejwt.tokens import AccessToken, RefreshToken

from accounts.models import LoginSession
from accounts.tests.factories import UserFactory
from accounts.tokens import SELECTION_SALT, selection_token
from conftest import DEFAULT_PASSWORD, error_codes
from events.models import Role, UserEventAssignment
from events.sql.auth import caller, caller_orm
from events.tests.factories import AssignmentFactory, EventFactory, badge_holder

pytestmark = pytest.mark.django_db

EVENT_KEYS = {
    "id", "name", "description", "start_date", "end_date", "location", "status", "role",
    "logo", "banner", "primary_color", "programme_file", "guide_file",
}  # fmt: skip


# --- the app's casts (contract §1.1, §1.4) -------------------------------------------------------------


def assert_user_model(user: dict) -> None:
    assert type(user["id"]) is int
    assert isinstance(user["email"], str) and "@" in user["email"]
    for key in ("first_name", "last_name", "username", "role"):
        assert isinstance(user[key], str), key
    assert user["profile_photo_url"] is None or user["profile_photo_url"].startswith("http")
    assert type(user["is_active"]) is bool
    assert user["qr_code"] is None or isinstance(user["qr_code"], dict)


def assert_event_model(event: dict) -> None:
    assert set(event) == EVENT_KEYS
    assert isinstance(event["id"], str) and uuid.UUID(event["id"])
    assert isinstance(event["name"], str)
    for key in ("start_date", "end_date"):
        assert datetime.fromisoformat(event[key]).utcoffset() is not None  # Dart DateTime.parse reads it
    for key in ("description", "location", "status", "role"):
        assert event[key] is None or isinstance(event[key], str), key
    for key in ("logo", "banner", "programme_file", "guide_file"):
        assert event[key] is None or event[key].startswith(("http://", "https://")), key
    assert event["primary_color"] is None or isinstance(event["primary_color"], str)


def assert_error(response, status: int, codes: list[str]) -> None:
    """Our format, with the top-level strings the app shows (AUTH client: ``error`` then ``detail``)."""
    assert response.status_code == status, response.content
    body = response.json()
    assert error_codes(response) == codes
    for key in ("message", "detail", "error"):
        assert body[key] == body["errors"][0]["detail"], key


def app_login(client, email, password=DEFAULT_PASSWORD):
    # The AUTH client sends no Authorization on /auth/token/ (contract §0).
    return client.post("/api/auth/token/", {"email": email.strip(), "password": password}, format="json")


def bearer(token: str) -> APIClient:
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Bearer {token}")
    return client


@pytest.fixture
def three_events_user():
    user = UserFactory(email="multi@makeplus.dz")
    events = [EventFactory(name=name) for name in ("TechSummit Algeria", "StartupWeek Oran", "InnoFest Constantine")]
    for event, role in zip(events, [Role.ORGANISATEUR, Role.PARTICIPANT, Role.EXPOSANT], strict=True):
        AssignmentFactory(user=user, event=event, role=role)
    return user, events


# --- login, one event ------------------------------------------------------------------------------


def test_single_event_login_has_every_key_the_app_reads(api_client):
    holder = badge_holder(EventFactory(name="TechSummit Algeria", logo_url="https://cdn.makeplus.dz/logo.png"))

    response = app_login(api_client, f"  {holder.user.email} ")

    assert response.status_code == 200
    body = response.json()
    assert body["requires_event_selection"] is False
    assert body["role"] == "participant"
    assert_user_model(body["user"])
    assert body["user"]["id"] == holder.user.pk
    assert body["user"]["role"] == "participant"
    assert_event_model(body["event"])
    assert body["event"] == body["current_event"]
    assert (body["event"]["id"], body["event"]["role"]) == (str(holder.event_id), "participant")
    assert body["event"]["logo"] == "https://cdn.makeplus.dz/logo.png"
    assert body["event"]["banner"] is None
    assert body["qr_code"] == {"user_id": holder.qr_code_data, "badge_id": holder.badge_id}
    assert body["qr_code"]["user_id"].startswith("MP1.")
    assert body["user"]["qr_code"] == body["qr_code"]
    access = AccessToken(body["access"])
    assert (access["event_id"], access["role"]) == (str(holder.event_id), "participant")
    assert access["sid"] == RefreshToken(body["refresh"])["sid"]
    assert LoginSession.objects.get(pk=access["sid"]).user == holder.user


def test_staff_without_badge_gets_no_qr_code(api_client, event_a):
    staff = AssignmentFactory(event=event_a, role=Role.CONTROLLEUR_DES_BADGES).user

    body = app_login(api_client, staff.email).json()

    assert body["qr_code"] is None
    assert (body["role"], body["event"]["role"], body["user"]["role"]) == ("controlleur_des_badges",) * 3


def test_a_user_in_no_event_signs_in_without_event(api_client):
    user = UserFactory()

    response = app_login(api_client, user.email)

    body = response.json()
    assert response.status_code == 200
    assert body["requires_event_selection"] is False
    assert (body["event"], body["current_event"], body["qr_code"], body["role"]) == (None, None, None, None)
    assert_user_model(body["user"])
    assert body["user"]["role"] == "participant"  # the app's default
    me = bearer(body["access"]).get("/api/auth/me/")
    assert me.status_code == 200
    assert (me.json()["event"], me.json()["participant"], me.json()["qr_code"]) == (None, None, None)


def test_the_bare_numeric_id_is_never_the_badge(api_client, event_a):
    holder = badge_holder(event_a)

    body = app_login(api_client, holder.user.email).json()
    me = bearer(body["access"]).get("/api/auth/me/").json()

    for qr_code in (body["qr_code"], body["user"]["qr_code"], me["qr_code"]):
        assert qr_code["user_id"] not in (holder.user.pk, str(holder.user.pk))
        assert qr_code["user_id"] == holder.qr_code_data
    assert "user_id" not in me["participant"]["qr_code_data"]


def test_a_badge_never_signed_is_signed_for_the_app(api_client, event_a):
    holder = badge_holder(event_a)
    type(holder).objects.filter(pk=holder.pk).update(qr_code_data="")

    body = app_login(api_client, holder.user.email).json()

    assert body["qr_code"]["user_id"] == holder.qr_code_data  # Ed25519 signatures are deterministic


def test_wrong_password_is_a_french_message_the_app_shows(api_client, user):
    response = app_login(api_client, user.email, "wrong-password")

    assert_error(response, 401, ["invalid_credentials"])
    assert response.json()["error"] == "Adresse e-mail ou mot de passe incorrect."


@pytest.mark.parametrize(
    ("body", "attr"),
    [
        ({}, "email"),
        ({"email": "not-an-email", "password": "x" * 8}, "email"),
        ({"email": "a@b.dz"}, "password"),
        ({"email": ["a@b.dz"], "password": "secret123"}, "email"),
        ({"email": "a@b.dz", "password": "p" * 129}, "password"),
    ],
)
def test_login_bad_input_is_400_in_our_format(api_client, body, attr):
    response = api_client.post("/api/auth/token/", body, format="json")

    assert response.status_code == 400
    assert response.json()["errors"][0]["attr"] == attr
    assert isinstance(response.json()["message"], str)


def test_login_is_throttled_like_ours(api_client, user, monkeypatch):
    monkeypatch.setattr(
        SimpleRateThrottle, "THROTTLE_RATES", {**SimpleRateThrottle.THROTTLE_RATES, "login_email": "2/min"}
    )

    statuses = [app_login(api_client, user.email, "bad-password").status_code for _ in range(2)]
    ours = api_client.post("/api/auth/login/", {"email": user.email, "password": "x"})
    blocked = app_login(api_client, user.email)

    assert statuses == [401, 401]
    assert ours.status_code == 429  # one budget for both login routes
    assert_error(blocked, 429, ["throttled"])


# --- login, several events: temp_token and select-event ----------------------------------------------


def test_multi_event_login_then_select_event_then_me(api_client, three_events_user):
    user, (tech, startup, inno) = three_events_user
    holder = badge_holder(startup, email="other@makeplus.dz")  # another badge of that event
    from events.services.participants import add_participant

    badge = add_participant(event=startup, actor=None, user=user, kind="participant")

    login = app_login(api_client, user.email)

    body = login.json()
    assert login.status_code == 200
    assert body["requires_event_selection"] is True
    assert (body["access"], body["refresh"]) == (None, None)
    assert_user_model(body["user"])
    assert sorted((e["name"], e["role"], e["status"]) for e in body["available_events"]) == [
        ("InnoFest Constantine", "exposant", "active"),
        ("StartupWeek Oran", "participant", "active"),
        ("TechSummit Algeria", "organisateur", "active"),
    ]
    for event in body["available_events"]:
        assert_event_model(event)
    temp_token = body["temp_token"]
    assert isinstance(temp_token, str) and temp_token.count(".") != 2  # not a JWT

    # The app sends the chosen available_events[].id with Bearer <temp_token> (contract §1.3).
    selected = bearer(temp_token).post("/api/auth/select-event/", {"event_id": str(startup.pk)}, format="json")

    assert selected.status_code == 200
    chosen = selected.json()
    assert chosen["role"] == "participant"
    assert chosen["current_event"]["name"] == "StartupWeek Oran"  # our shape is kept
    assert_user_model(chosen["user"])
    assert chosen["user"]["role"] == "participant"
    assert_event_model(chosen["event"])
    assert (chosen["event"]["id"], chosen["event"]["role"]) == (str(startup.pk), "participant")
    assert chosen["qr_code"] == {"user_id": badge.qr_code_data, "badge_id": badge.badge_id}
    assert chosen["qr_code"]["user_id"] != holder.qr_code_data
    access = AccessToken(chosen["access"])
    assert (access["event_id"], access["role"]) == (str(startup.pk), "participant")
    assert access["sid"] == signing.loads(temp_token, salt=SELECTION_SALT)["s"]  # the login's session

    me = bearer(chosen["access"]).get("/api/auth/me/")
    assert me.status_code == 200
    assert me.json()["event"]["id"] == str(startup.pk)
    assert me.json()["qr_code"]["badge_id"] == badge.badge_id


def test_temp_token_is_refused_everywhere_but_select_event(api_client, three_events_user):
    user, (tech, *_) = three_events_user
    temp_token = app_login(api_client, user.email).json()["temp_token"]
    client = bearer(temp_token)

    refused = [
        client.get("/api/auth/me/"),
        client.get("/api/events/"),
        client.get("/api/auth/my-events/"),
        client.get("/api/dashboard/stats/"),
        client.post("/api/auth/switch-event/", {"event_id": str(tech.pk)}, format="json"),
        client.post("/api/auth/logout/", format="json"),
        client.patch("/api/auth/me/", {"first_name": "X"}, format="json"),
        client.delete("/api/auth/me/", {"password": DEFAULT_PASSWORD}, format="json"),
    ]

    for response in refused:
        assert_error(response, 401, ["token_not_valid"])
    as_refresh = APIClient().post("/api/auth/token/refresh/", {"refresh": temp_token}, format="json")
    assert_error(as_refresh, 401, ["token_not_valid"])
    user.refresh_from_db()
    assert user.first_name != "X"


def test_expired_temp_token_is_refused(api_client, three_events_user, settings):
    user, (tech, *_) = three_events_user
    temp_token = app_login(api_client, user.email).json()["temp_token"]

    settings.MOBILE_SELECTION_TOKEN_SECONDS = -1
    response = bearer(temp_token).post("/api/auth/select-event/", {"event_id": str(tech.pk)}, format="json")

    assert_error(response, 401, ["token_not_valid"])


def test_temp_token_older_than_ten_minutes_is_refused(three_events_user):
    user, (tech, *_) = three_events_user
    session = LoginSession.objects.create(user=user)

    class Eleven(signing.TimestampSigner):
        def timestamp(self):
            return signing.b62_encode(int(time.time()) - 11 * 60)

    fresh = selection_token(user=user, session_id=session.pk)
    old = Eleven(salt=SELECTION_SALT).sign_object(signing.loads(fresh, salt=SELECTION_SALT))

    response = bearer(old).post("/api/auth/select-event/", {"event_id": str(tech.pk)}, format="json")
    assert_error(response, 401, ["token_not_valid"])
    ok = bearer(fresh).post("/api/auth/select-event/", {"event_id": str(tech.pk)}, format="json")
    assert ok.status_code == 200


def test_temp_token_forged_or_of_a_changed_password_is_refused(api_client, three_events_user):
    user, (tech, *_) = three_events_user
    temp_token = app_login(api_client, user.email).json()["temp_token"]
    forged = signing.dumps({"u": user.pk, "h": "x", "s": str(uuid.uuid4())}, salt="another-salt")

    assert_error(bearer(forged).post("/api/auth/select-event/", {"event_id": str(tech.pk)}), 401, ["token_not_valid"])
    user.set_password("a-new-password-2026")
    user.save()
    stale = bearer(temp_token).post("/api/auth/select-event/", {"event_id": str(tech.pk)})
    assert_error(stale, 401, ["token_not_valid"])


def test_temp_token_of_another_users_event_is_404(api_client, three_events_user):
    user, _events = three_events_user
    temp_token = app_login(api_client, user.email).json()["temp_token"]

    response = bearer(temp_token).post("/api/auth/select-event/", {"event_id": str(EventFactory().pk)})

    assert_error(response, 404, ["event_not_found"])


@pytest.mark.parametrize("body", [{}, {"event_id": "not-a-uuid"}, {"event_id": None}, {"event_id": ["x"]}])
def test_select_event_bad_input_is_400(api_client, three_events_user, body):
    user, _events = three_events_user
    temp_token = app_login(api_client, user.email).json()["temp_token"]

    response = bearer(temp_token).post("/api/auth/select-event/", body, format="json")

    assert response.status_code == 400
    assert response.json()["errors"][0]["attr"] == "event_id"
    assert isinstance(response.json()["error"], str)


def test_our_jwt_select_and_switch_event_keep_working(client_for, three_events_user):
    user, (tech, startup, _inno) = three_events_user
    client = client_for(user)

    selected = client.post("/api/auth/select-event/", {"event_id": str(tech.pk)})

    assert selected.status_code == 200
    assert {"access", "refresh", "current_event", "role"} <= set(selected.json())
    assert "sid" not in AccessToken(selected.json()["access"])  # not a mobile login: 15-minute tokens
    lifetime = AccessToken(selected.json()["access"])["exp"] - AccessToken(selected.json()["access"])["iat"]
    assert lifetime == 15 * 60
    switched = bearer(selected.json()["access"]).post("/api/auth/switch-event/", {"event_id": str(startup.pk)})
    assert switched.status_code == 200
    assert switched.json()["current_event"]["name"] == "StartupWeek Oran"


def test_select_event_with_the_apps_jwt_keeps_its_session(api_client, event_a, event_b):
    user = AssignmentFactory(event=event_a).user
    body = app_login(api_client, user.email).json()
    AssignmentFactory(user=user, event=event_b, role=Role.EXPOSANT)

    switched = bearer(body["access"]).post("/api/auth/switch-event/", {"event_id": str(event_b.pk)})

    assert switched.status_code == 200
    assert AccessToken(switched.json()["access"])["sid"] == AccessToken(body["access"])["sid"]


# --- lifetimes, refresh, logout ---------------------------------------------------------------------


def test_app_tokens_outlive_a_restart_ours_keep_the_15_minute_cap(api_client, user, settings, login):
    app = AccessToken(app_login(api_client, user.email).json()["access"])
    ours = AccessToken(login(user)["access"])

    assert app["exp"] - app["iat"] == settings.MOBILE_ACCESS_HOURS * 3600 == 7 * 24 * 3600
    assert ours["exp"] - ours["iat"] == 15 * 60
    assert "sid" not in ours


def test_refresh_keeps_the_session_and_the_event(api_client, event_a):
    user = AssignmentFactory(event=event_a).user
    body = app_login(api_client, user.email).json()

    refreshed = APIClient().post("/api/auth/token/refresh/", {"refresh": body["refresh"]}, format="json")

    assert refreshed.status_code == 200
    access = AccessToken(refreshed.json()["access"])
    assert (access["sid"], access["event_id"]) == (AccessToken(body["access"])["sid"], str(event_a.pk))
    assert access["exp"] - access["iat"] == 7 * 24 * 3600


def test_logout_without_body_ends_that_login_only(api_client, event_a):
    user = AssignmentFactory(event=event_a).user
    phone = app_login(api_client, user.email).json()
    tablet = app_login(api_client, user.email).json()
    client = bearer(phone["access"])

    response = client.post("/api/auth/logout/")  # the app: no body (contract §1.7)

    assert response.status_code == 204
    assert_error(client.get("/api/auth/me/"), 401, ["session_revoked"])  # restore → login screen
    assert_error(client.get("/api/events/"), 401, ["session_revoked"])
    again = APIClient().post("/api/auth/token/refresh/", {"refresh": phone["refresh"]}, format="json")
    assert_error(again, 401, ["token_not_valid"])
    assert bearer(tablet["access"]).get("/api/auth/me/").status_code == 200
    assert APIClient().post("/api/auth/token/refresh/", {"refresh": tablet["refresh"]}).status_code == 200


def test_logout_ends_tokens_refreshed_before_it(api_client, event_a):
    user = AssignmentFactory(event=event_a).user
    body = app_login(api_client, user.email).json()
    rotated = APIClient().post("/api/auth/token/refresh/", {"refresh": body["refresh"]}).json()

    assert bearer(body["access"]).post("/api/auth/logout/").status_code == 204

    assert_error(bearer(rotated["access"]).get("/api/auth/me/"), 401, ["session_revoked"])
    assert_error(APIClient().post("/api/auth/token/refresh/", rotated), 401, ["token_not_valid"])


def test_our_logout_with_refresh_works_as_before(login, user):
    tokens = login(user)
    client = bearer(tokens["access"])

    missing = client.post("/api/auth/logout/", {}, format="json")
    done = client.post("/api/auth/logout/", {"refresh": tokens["refresh"]}, format="json")

    assert missing.status_code == 400
    assert [(e["code"], e["attr"]) for e in missing.json()["errors"]] == [("required", "refresh")]
    assert done.status_code == 204
    assert APIClient().post("/api/auth/token/refresh/", {"refresh": tokens["refresh"]}).status_code == 401


def test_logout_with_the_apps_refresh_ends_its_session(api_client, user):
    body = app_login(api_client, user.email).json()

    response = bearer(body["access"]).post("/api/auth/logout/", {"refresh": body["refresh"]}, format="json")

    assert response.status_code == 204
    assert_error(bearer(body["access"]).get("/api/auth/me/"), 401, ["session_revoked"])


@pytest.mark.parametrize("body", [{"refresh": "garbage"}, {"refresh": 12}, {"refresh": ""}])
def test_logout_bad_input_is_4xx(api_client, user, body):
    access = app_login(api_client, user.email).json()["access"]

    response = bearer(access).post("/api/auth/logout/", body, format="json")

    assert response.status_code in (400, 401)
    assert isinstance(response.json()["message"], str)


def test_password_change_ends_every_app_session(api_client, user):
    body = app_login(api_client, user.email).json()
    client = bearer(body["access"])

    changed = client.post(
        "/api/auth/change-password/",
        {"old_password": DEFAULT_PASSWORD, "new_password": "Une-phrase-de-passe-2026"},
        format="json",
    )

    assert changed.status_code == 200
    assert LoginSession.objects.get(pk=AccessToken(body["access"])["sid"]).revoked_at is not None
    assert client.get("/api/auth/me/").status_code == 401
    assert APIClient().post("/api/auth/token/refresh/", {"refresh": body["refresh"]}).status_code == 401


def test_deactivated_user_and_deactivated_assignment(api_client, event_a):
    assignment = AssignmentFactory(event=event_a, role=Role.PARTICIPANT)
    body = app_login(api_client, assignment.user.email).json()
    client = bearer(body["access"])

    UserEventAssignment.objects.filter(pk=assignment.pk).update(is_active=False)
    me = client.get("/api/auth/me/")
    assert me.status_code == 200
    assert me.json()["event"] is None  # no role there any more: the token's event is not shown
    type(assignment.user).objects.filter(pk=assignment.user_id).update(is_active=False)
    assert_error(client.get("/api/auth/me/"), 401, ["user_inactive"])


# --- the caller's statement: one query, SQL and ORM agree ---------------------------------------------


def _callers(user_id, event_id=None, session_id=None):
    by_sql, by_orm = caller(user_id, event_id, session_id), caller_orm(user_id, event_id, session_id)
    if by_sql is None or by_orm is None:
        assert by_sql is by_orm is None
        return None
    assert by_sql.user.pk == by_orm.user.pk and by_sql.user.password == by_orm.user.password
    assert (by_sql.assignment and by_sql.assignment.pk) == (by_orm.assignment and by_orm.assignment.pk)
    if by_sql.assignment is not None:
        assert by_sql.assignment.event.name == by_orm.assignment.event.name
    assert by_sql.session_open is by_orm.session_open
    return by_sql


def test_caller_sql_and_orm_agree_on_the_edge_cases(django_assert_num_queries):
    assignment = AssignmentFactory(role=Role.CONTROLLEUR_DES_BADGES)
    user = assignment.user
    session = LoginSession.objects.create(user=user)
    others = LoginSession.objects.create(user=UserFactory())
    ended = LoginSession.objects.create(user=user, revoked_at=timezone.now() - timedelta(minutes=1))

    with django_assert_num_queries(1):
        found = caller(user.pk, str(assignment.event_id), str(session.pk))
    assert (found.user.pk, found.assignment.role, found.session_open) == (user.pk, "controlleur_des_badges", True)
    assert found.assignment.user is found.user
    assert _callers(user.pk, str(assignment.event_id), str(session.pk)).session_open is True
    assert _callers(user.pk, None, None).assignment is None
    assert _callers(user.pk, str(assignment.event_id), str(ended.pk)).session_open is False
    assert _callers(user.pk, str(assignment.event_id), str(others.pk)).session_open is False
    assert _callers(user.pk, "not-a-uuid", "not-a-uuid").assignment is None
    assert _callers(user.pk, str(EventFactory().pk), str(uuid.uuid4())).session_open is False
    assert _callers("not-a-user", str(assignment.event_id)) is None
    assert _callers(10**9, str(assignment.event_id)) is None
    UserEventAssignment.objects.filter(pk=assignment.pk).update(is_active=False)
    assert _callers(user.pk, str(assignment.event_id), str(session.pk)).assignment is None


def test_authentication_is_one_statement_with_or_without_event_or_session(api_client, event_a, login):
    user = AssignmentFactory(event=event_a).user
    app = bearer(app_login(api_client, user.email).json()["access"])
    ours = bearer(login(user)["access"])  # no event, no session

    for client in (app, ours):
        with CaptureQueriesContext(connection) as queries:
            assert client.get("/api/auth/my-events/").status_code == 200
        assert len(queries) == 2  # the caller, then the view's list
