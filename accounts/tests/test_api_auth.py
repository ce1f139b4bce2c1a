import pytest
from rest_framework.throttling import SimpleRateThrottle

from accounts.models import User
from accounts.tests.factories import UserFactory
from conftest import DEFAULT_PASSWORD
from makeplus.errors import SUMMARY_KEYS

pytestmark = pytest.mark.django_db

STRONG = "Tassili-Hoggar-2025"


def _codes(response):
    return [(e["attr"], e["code"]) for e in response.json()["errors"]]


# --- register ---------------------------------------------------------------------


def test_register_creates_account_and_returns_tokens(api_client):
    response = api_client.post(
        "/api/auth/register/",
        {"email": "Amina.Kaci@Example.DZ", "password": STRONG, "first_name": "Amina", "last_name": "Kaci"},
    )

    assert response.status_code == 201
    body = response.json()
    assert body["user"]["email"] == "amina.kaci@example.dz"
    assert body["user"]["full_name"] == "Amina Kaci"
    assert body["user"]["share_contact_with_exposants"] is False  # opt-in: asked in the profile
    assert set(body) == {"access", "refresh", "user", "events", "current_event", "requires_event_selection"}
    assert (body["events"], body["current_event"], body["requires_event_selection"]) == ([], None, False)
    assert User.objects.get().email == "amina.kaci@example.dz"
    profile = api_client.get("/api/auth/profile/", HTTP_AUTHORIZATION=f"Bearer {body['access']}")
    assert profile.json()["email"] == "amina.kaci@example.dz"


def test_register_duplicate_email_in_another_case_is_refused(api_client):
    UserFactory(email="karim@example.dz")

    response = api_client.post("/api/auth/register/", {"email": "KARIM@Example.dz", "password": STRONG})

    assert response.status_code == 400
    assert response.json()["type"] == "validation_error"
    assert _codes(response) == [("email", "email_taken")]
    assert User.objects.count() == 1


@pytest.mark.parametrize(
    ("password", "codes"),
    [
        ("xq7", [("password", "password_too_short")]),
        ("password123", [("password", "password_too_common")]),
        ("8419203746", [("password", "password_entirely_numeric")]),
    ],
)
def test_register_weak_password_is_refused(api_client, password, codes):
    response = api_client.post("/api/auth/register/", {"email": "new@example.dz", "password": password})

    assert response.status_code == 400
    assert _codes(response) == codes
    assert User.objects.count() == 0


def test_register_password_similar_to_email_is_refused(api_client):
    response = api_client.post(
        "/api/auth/register/", {"email": "yacine.meziane@example.dz", "password": "yacinemeziane"}
    )

    assert response.status_code == 400
    assert _codes(response) == [("password", "password_too_similar")]


def test_register_bad_input_gets_field_errors(api_client):
    response = api_client.post("/api/auth/register/", {"email": "not-an-email"})

    assert response.status_code == 400
    assert _codes(response) == [("email", "invalid"), ("password", "required")]


# --- login ------------------------------------------------------------------------


def test_login_returns_tokens_and_user(api_client, user):
    response = api_client.post("/api/auth/login/", {"email": user.email, "password": DEFAULT_PASSWORD})

    assert response.status_code == 200
    body = response.json()
    assert body["user"]["id"] == user.id
    assert body["user"]["email"] == user.email
    assert body["access"] and body["refresh"]


def test_login_is_case_insensitive_on_email(api_client):
    UserFactory(email="nadia@example.dz")

    response = api_client.post("/api/auth/login/", {"email": "  NADIA@example.DZ ", "password": DEFAULT_PASSWORD})

    assert response.status_code == 200
    assert response.json()["user"]["email"] == "nadia@example.dz"


def test_login_wrong_password_is_401(api_client, user):
    response = api_client.post("/api/auth/login/", {"email": user.email, "password": "wrong-password"})

    assert response.status_code == 401
    assert response.json() == {
        "type": "client_error",
        "errors": [
            {"code": "invalid_credentials", "detail": "Adresse e-mail ou mot de passe incorrect.", "attr": None}
        ],
        **dict.fromkeys(SUMMARY_KEYS, "Adresse e-mail ou mot de passe incorrect."),
    }


def test_login_inactive_user_is_401(api_client):
    inactive = UserFactory(is_active=False)

    response = api_client.post("/api/auth/login/", {"email": inactive.email, "password": DEFAULT_PASSWORD})

    assert response.status_code == 401
    assert _codes(response) == [(None, "invalid_credentials")]


def test_login_is_throttled_per_address(api_client, user, monkeypatch):
    # The default is sized for a venue (LOGIN_THROTTLE_RATE, 300/min); the mechanism is the same at 10.
    monkeypatch.setattr(SimpleRateThrottle, "THROTTLE_RATES", {**SimpleRateThrottle.THROTTLE_RATES, "login": "10/min"})
    statuses = [
        api_client.post("/api/auth/login/", {"email": f"x{i}@example.dz", "password": "nope"}).status_code
        for i in range(11)
    ]

    assert statuses == [401] * 10 + [429]
    blocked = api_client.post("/api/auth/login/", {"email": user.email, "password": DEFAULT_PASSWORD})
    assert blocked.status_code == 429
    assert _codes(blocked) == [(None, "throttled")]
    assert int(blocked["Retry-After"]) > 0


def test_login_is_throttled_per_account_across_addresses(api_client, user):
    statuses = [
        api_client.post(
            "/api/auth/login/", {"email": user.email, "password": "nope"}, REMOTE_ADDR=f"10.0.0.{i}"
        ).status_code
        for i in range(11)
    ]

    assert statuses == [401] * 10 + [429]


# --- refresh and logout -----------------------------------------------------------


def test_refresh_rotates_and_blacklists_the_old_token(api_client, login, user):
    tokens = login(user)

    first = api_client.post("/api/auth/token/refresh/", {"refresh": tokens["refresh"]})
    replay = api_client.post("/api/auth/token/refresh/", {"refresh": tokens["refresh"]})

    assert first.status_code == 200
    assert set(first.json()) == {"access", "refresh"}
    assert first.json()["refresh"] != tokens["refresh"]
    assert replay.status_code == 401
    assert _codes(replay) == [(None, "token_not_valid")]
    second = api_client.post("/api/auth/token/refresh/", {"refresh": first.json()["refresh"]})
    assert second.status_code == 200


def test_refresh_garbage_token_is_401(api_client):
    response = api_client.post("/api/auth/token/refresh/", {"refresh": "not.a.token"})

    assert response.status_code == 401
    assert _codes(response) == [(None, "token_not_valid")]


def test_refresh_of_deleted_user_is_401(api_client, login, user):
    tokens = login(user)
    user.delete()

    response = api_client.post("/api/auth/token/refresh/", {"refresh": tokens["refresh"]})

    assert response.status_code == 401
    assert _codes(response) == [(None, "token_not_valid")]


def test_logout_blacklists_refresh_token(api_client, login, user):
    tokens = login(user)
    api_client.credentials(HTTP_AUTHORIZATION=f"Bearer {tokens['access']}")

    response = api_client.post("/api/auth/logout/", {"refresh": tokens["refresh"]})

    assert response.status_code == 204
    refresh = api_client.post("/api/auth/token/refresh/", {"refresh": tokens["refresh"]})
    assert refresh.status_code == 401
    assert _codes(refresh) == [(None, "token_not_valid")]


def test_logout_with_another_users_token_is_refused(api_client, login, user):
    other_tokens = login(UserFactory())
    api_client.credentials(HTTP_AUTHORIZATION=f"Bearer {login(user)['access']}")

    response = api_client.post("/api/auth/logout/", {"refresh": other_tokens["refresh"]})

    assert response.status_code == 400
    assert _codes(response) == [(None, "token_not_owned")]
    assert api_client.post("/api/auth/token/refresh/", {"refresh": other_tokens["refresh"]}).status_code == 200


def test_logout_requires_authentication(api_client):
    response = api_client.post("/api/auth/logout/", {"refresh": "x"})

    assert response.status_code == 401
    assert _codes(response) == [(None, "not_authenticated")]


def test_logout_bad_token_is_401_like_every_token_not_valid(auth_client, user):
    # token_not_valid has one status (makeplus.errors): 401, as on a refresh with a bad token.
    response = auth_client(user).post("/api/auth/logout/", {"refresh": "garbage"})

    assert response.status_code == 401
    assert _codes(response) == [(None, "token_not_valid")]


# --- profile ----------------------------------------------------------------------


def test_profile_get_returns_own_profile(auth_client, user):
    response = auth_client(user).get("/api/auth/profile/")

    assert response.status_code == 200
    assert response.json()["email"] == user.email
    assert response.json()["phone"] == "+213555000000"
    assert "password" not in response.json()


def test_profile_patch_updates_fields(auth_client, user):
    response = auth_client(user).patch(
        "/api/auth/profile/", {"first_name": "Lina", "phone": "+213661234567", "share_contact_with_exposants": False}
    )

    assert response.status_code == 200
    user.refresh_from_db()
    assert (user.first_name, user.phone, user.share_contact_with_exposants) == ("Lina", "+213661234567", False)


def test_profile_email_change_requires_current_password(auth_client, user):
    client = auth_client(user)

    missing = client.patch("/api/auth/profile/", {"email": "new@example.dz"})
    wrong = client.patch("/api/auth/profile/", {"email": "new@example.dz", "current_password": "bad"})
    ok = client.patch("/api/auth/profile/", {"email": "New@Example.dz", "current_password": DEFAULT_PASSWORD})

    assert (missing.status_code, _codes(missing)) == (400, [(None, "password_required")])
    assert (wrong.status_code, _codes(wrong)) == (400, [(None, "wrong_password")])
    assert ok.status_code == 200
    assert ok.json()["email"] == "new@example.dz"


def test_profile_email_change_to_taken_email_is_refused(auth_client, user):
    UserFactory(email="taken@example.dz")

    response = auth_client(user).patch(
        "/api/auth/profile/", {"email": "TAKEN@example.dz", "current_password": DEFAULT_PASSWORD}
    )

    assert response.status_code == 400
    assert _codes(response) == [(None, "email_taken")]
    user.refresh_from_db()
    assert user.email.startswith("user")


def test_profile_photo_must_be_an_image(auth_client, user):
    from django.core.files.uploadedfile import SimpleUploadedFile

    fake = SimpleUploadedFile("me.png", b"not an image", content_type="image/png")
    response = auth_client(user).patch("/api/auth/profile/", {"photo": fake}, format="multipart")

    assert response.status_code == 400
    assert _codes(response) == [("photo", "invalid_image")]


def test_profile_requires_authentication(api_client):
    response = api_client.get("/api/auth/profile/")

    assert response.status_code == 401
    assert _codes(response) == [(None, "not_authenticated")]


# --- change password ----------------------------------------------------------------


def test_change_password_revokes_old_tokens(api_client, login, user):
    old = login(user)
    other_device = login(user)
    api_client.credentials(HTTP_AUTHORIZATION=f"Bearer {old['access']}")

    response = api_client.post("/api/auth/change-password/", {"old_password": DEFAULT_PASSWORD, "new_password": STRONG})

    assert response.status_code == 200
    new = response.json()
    assert api_client.post("/api/auth/token/refresh/", {"refresh": old["refresh"]}).status_code == 401
    assert api_client.post("/api/auth/token/refresh/", {"refresh": other_device["refresh"]}).status_code == 401
    stale = api_client.get("/api/auth/profile/")
    assert stale.status_code == 401
    api_client.credentials(HTTP_AUTHORIZATION=f"Bearer {new['access']}")
    assert api_client.get("/api/auth/profile/").status_code == 200
    assert api_client.post("/api/auth/token/refresh/", {"refresh": new["refresh"]}).status_code == 200
    api_client.credentials()
    relog = api_client.post("/api/auth/login/", {"email": user.email, "password": STRONG})
    assert relog.status_code == 200


def test_change_password_wrong_old_password_is_refused(auth_client, user):
    response = auth_client(user).post("/api/auth/change-password/", {"old_password": "bad", "new_password": STRONG})

    assert response.status_code == 400
    assert _codes(response) == [(None, "wrong_password")]
    user.refresh_from_db()
    assert user.check_password(DEFAULT_PASSWORD)


def test_change_password_weak_new_password_is_refused(auth_client, user):
    response = auth_client(user).post(
        "/api/auth/change-password/", {"old_password": DEFAULT_PASSWORD, "new_password": "123"}
    )

    assert response.status_code == 400
    assert _codes(response) == [
        ("new_password", "password_too_short"),
        ("new_password", "password_too_common"),
        ("new_password", "password_entirely_numeric"),
    ]
