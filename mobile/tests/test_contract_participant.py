"""A participant's session in the mobile app, call by call in the app's order (contract §1.5, §1.7, §1.10, §3.1,
§4 rows 3, 5, 17, 22, 23): login → restore (GET /auth/me/) → badge → paid items → profile → logout → restore."""

from datetime import datetime

import pytest
from django.core.files.base import ContentFile
from rest_framework.test import APIClient

from accounts.models import LoginSession, User
from conftest import DEFAULT_PASSWORD, assert_same_queries
from events.models import Event, Role, SessionAccess
from events.tests.factories import AssignmentFactory, EventFactory, badge_holder
from events.tests.factories_ateliers import AtelierFactory, SessionAccessFactory
from events.tests.factories_programme import RoomFactory
from events.tests.pdfs import pdf_bytes
from mobile.tests.test_contract_auth import app_login, assert_error, assert_event_model, assert_user_model, bearer

pytestmark = pytest.mark.django_db

PAID_ITEM_KEYS = {"type", "id", "title", "payment_status", "amount_paid", "has_access"}


@pytest.fixture
def event(db):
    event = EventFactory(name="TechSummit Algeria", banner_url="https://cdn.makeplus.dz/banner.jpg")
    event.programme_file.save("programme.pdf", ContentFile(pdf_bytes()))
    if hasattr(event, "primary_color"):
        Event.objects.filter(pk=event.pk).update(primary_color="#1A73E8")
    return Event.objects.get(pk=event.pk)


@pytest.fixture
def participant(event):
    holder = badge_holder(event, first_name="Amina", last_name="Khelifi", email="amina@makeplus.dz")

    def room():  # one room each: sessions of a room never overlap
        return RoomFactory(event=event, capacity=30)

    paid = SessionAccessFactory(session=AtelierFactory(room=room(), paid=True, title="Atelier IA"), participant=holder)
    SessionAccess.objects.filter(pk=paid.pk).update(status="paid", amount="1500.00", paid_at=event.start_date)
    SessionAccessFactory(session=AtelierFactory(room=room(), title="Atelier libre"), participant=holder)
    SessionAccessFactory(session=AtelierFactory(room=room(), paid=True, title="Atelier à payer"), participant=holder)
    SessionAccessFactory(
        session=AtelierFactory(room=room(), title="Annulé"), participant=holder, status=SessionAccess.Status.CANCELLED
    )
    return holder


def test_participant_replay(event, participant):
    # 1. Login (AUTH client, no Authorization).
    login = app_login(APIClient(), "amina@makeplus.dz")
    assert login.status_code == 200
    tokens = login.json()
    client = bearer(tokens["access"])  # the AUTH client's in-memory token

    # 2. Restore on start: GET /auth/me/ with the stored access token (no refresh in this client).
    me = client.get("/api/auth/me/")
    assert me.status_code == 200
    body = me.json()
    assert_user_model(body)
    assert (body["id"], body["email"], body["first_name"], body["last_name"], body["role"]) == (
        participant.user.pk,
        "amina@makeplus.dz",
        "Amina",
        "Khelifi",
        "participant",
    )
    assert_event_model(body["event"])
    assert (body["event"]["id"], body["event"]["role"]) == (str(event.pk), "participant")
    assert body["event"]["banner"] == "https://cdn.makeplus.dz/banner.jpg"
    assert body["event"]["logo"] is None
    assert body["event"]["primary_color"] == ("#1A73E8" if hasattr(event, "primary_color") else None)
    assert body["event"]["guide_file"] is None

    # 3. Badge: qr_code.user_id is the QR content — our signed payload, never the numeric id.
    assert body["qr_code"] == {"user_id": participant.qr_code_data, "badge_id": participant.badge_id}
    assert body["qr_code"]["user_id"].startswith("MP1.")

    # 4. Paid items ("Articles payés"): the atelier places that open the door; a place still to pay is left
    #    out (the app would label it "PAYÉ"), and so are cancelled ones.
    items = body["participant"]["qr_code_data"]["paid_items"]
    for item in items:
        assert set(item) == PAID_ITEM_KEYS
        assert isinstance(item["id"], str) and isinstance(item["title"], str)
        assert isinstance(item["amount_paid"], int | float) and type(item["has_access"]) is bool
    assert sorted((i["title"], i["payment_status"], i["amount_paid"], i["has_access"]) for i in items) == [
        ("Atelier IA", "paid", 1500.0, True),
        ("Atelier libre", "free", 0.0, True),
    ]
    assert all(item["type"] == "session" for item in items)
    session = client.get(f"/api/sessions/{items[0]['id']}/")  # the app then reads each session
    assert session.status_code == 200

    # 5. The programme PDF, fetched WITHOUT Authorization from the signed link.
    pdf = APIClient().get(body["event"]["programme_file"].removeprefix("http://testserver"))
    assert pdf.status_code == 200
    assert b"".join(pdf.streaming_content).startswith(b"%PDF")

    # 6. Profile: PATCH then GET /auth/me/.
    patched = client.patch("/api/auth/me/", {"first_name": "Amina ", "last_name": "Khelifi-Saadi"}, format="json")
    assert patched.status_code == 200
    assert client.get("/api/auth/me/").json()["last_name"] == "Khelifi-Saadi"

    # 7. Logout with no body, then a restart: the stored token no longer restores the session.
    assert client.post("/api/auth/logout/").status_code == 204
    restore = client.get("/api/auth/me/")
    assert_error(restore, 401, ["session_revoked"])
    refresh = APIClient().post("/api/auth/token/refresh/", {"refresh": tokens["refresh"]}, format="json")
    assert refresh.status_code == 401


def test_me_dates_and_participant_types(event, participant):
    body = bearer(app_login(APIClient(), "amina@makeplus.dz").json()["access"]).get("/api/auth/me/").json()

    assert isinstance(body["participant"]["id"], int)
    assert body["participant"]["badge_id"] == participant.badge_id
    assert body["participant"]["checked_in_at"] is None or datetime.fromisoformat(body["participant"]["checked_in_at"])
    assert body["participant"]["qr_code_data"]["total_amount"] == 1500.0


def test_me_without_event_selected_and_for_staff(event):
    staff = AssignmentFactory(event=event, role=Role.GESTIONNAIRE_DES_SALLES).user
    body = bearer(app_login(APIClient(), staff.email).json()["access"]).get("/api/auth/me/").json()

    assert body["role"] == "gestionnaire_des_salles"
    assert body["event"]["role"] == "gestionnaire_des_salles"
    assert (body["qr_code"], body["participant"]) == (None, None)


def test_me_requires_a_token(event):
    assert_error(APIClient().get("/api/auth/me/"), 401, ["not_authenticated"])
    assert_error(bearer("garbage").get("/api/auth/me/"), 401, ["token_not_valid"])


def test_me_query_count_does_not_grow_with_paid_items(event, participant):
    client = bearer(app_login(APIClient(), "amina@makeplus.dz").json()["access"])

    def add_rows():
        for _ in range(5):
            SessionAccessFactory(session=AtelierFactory(room=RoomFactory(event=event)), participant=participant)

    first, second = assert_same_queries(lambda: client.get("/api/auth/me/"), add_rows, expected=3)
    assert (
        len(second.json()["participant"]["qr_code_data"]["paid_items"]) == 7
    )  # 2 of the fixture (the unpaid place is not listed) + 5


@pytest.mark.parametrize(
    ("body", "attr"),
    [
        ({"first_name": "x" * 151}, "first_name"),
        ({"last_name": ["Khelifi"]}, "last_name"),
        ({"first_name": None}, "first_name"),
    ],
)
def test_patch_me_bad_input_is_400(event, participant, body, attr):
    client = bearer(app_login(APIClient(), "amina@makeplus.dz").json()["access"])

    response = client.patch("/api/auth/me/", body, format="json")

    assert response.status_code == 400
    assert response.json()["errors"][0]["attr"] == attr
    assert isinstance(response.json()["message"], str)


def test_patch_me_is_not_a_way_to_change_email_or_role(event, participant):
    client = bearer(app_login(APIClient(), "amina@makeplus.dz").json()["access"])

    response = client.patch("/api/auth/me/", {"email": "x@y.dz", "role": "organisateur", "is_staff": True})

    assert response.status_code == 200
    user = User.objects.get(pk=participant.user_id)
    assert (user.email, user.is_staff, response.json()["role"]) == ("amina@makeplus.dz", False, "participant")


def test_delete_me_with_wrong_password_shows_our_message(event, participant):
    client = bearer(app_login(APIClient(), "amina@makeplus.dz").json()["access"])

    wrong = client.delete("/api/auth/me/", {"password": "not-mine"}, format="json")
    missing = client.delete("/api/auth/me/", {}, format="json")

    assert wrong.status_code == 400
    assert isinstance(wrong.json()["error"], str)
    assert missing.status_code == 400
    assert [(e["code"], e["attr"]) for e in missing.json()["errors"]] == [("required", "password")]
    assert User.objects.get(pk=participant.user_id).is_active


def test_delete_me_ends_the_session(event, participant):
    tokens = app_login(APIClient(), "amina@makeplus.dz").json()
    client = bearer(tokens["access"])

    response = client.delete("/api/auth/me/", {"password": DEFAULT_PASSWORD}, format="json")

    assert response.status_code == 204
    assert LoginSession.objects.filter(user_id=participant.user_id, revoked_at__isnull=True).count() == 0
    assert client.get("/api/auth/me/").status_code == 401
    assert APIClient().post("/api/auth/token/refresh/", {"refresh": tokens["refresh"]}).status_code == 401
    assert app_login(APIClient(), "amina@makeplus.dz").status_code == 401
