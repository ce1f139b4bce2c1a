"""Password reset by emailed code (/api/auth/password-reset/request|resend|verify/) and by web link
(/api/auth/password-reset/ and the /account/reset/ page), through a real SMTP server."""

from datetime import timedelta

import pytest
from django.test import Client
from django.utils import timezone

from accounts.models import AccountCode, User
from accounts.tests.factories import UserFactory
from accounts.tests.mailbox import code_in, last_to, link_in, text_of
from conftest import DEFAULT_PASSWORD, error_codes

NEW = "Hoggar-Nouveau-77"


@pytest.fixture
def post(api_client, django_capture_on_commit_callbacks):
    def _post(url, data, **extra):
        with django_capture_on_commit_callbacks(execute=True):
            return api_client.post(url, data, format="json", **extra)

    return _post


@pytest.fixture
def owner(db):
    return UserFactory(email="karim@makeplus.test", first_name="Karim")


def _request(post, email="karim@makeplus.test", password=NEW):
    return post("/api/auth/password-reset/request/", {"email": email, "new_password": password})


@pytest.mark.django_db
def test_reset_then_sign_in_with_the_new_password(post, smtp_server, owner, login, api_client):
    old_session = login(owner)  # a session opened before the reset
    response = _request(post, email="Karim@MakePlus.test")

    assert response.status_code == 200
    assert response.json() == {
        "success": True,
        "message": "Si un compte utilise karim@makeplus.test, un code à 6 chiffres lui a été envoyé.",
    }
    owner.refresh_from_db()
    assert owner.check_password(DEFAULT_PASSWORD)  # nothing changes before the code is verified
    message = last_to(smtp_server, owner.email)
    assert message["Subject"].endswith("est votre code de réinitialisation du mot de passe MakePlus")
    assert "Bonjour Karim," in text_of(message)
    row = AccountCode.objects.get()
    assert row.purpose == "password_reset" and NEW not in row.password_hash

    response = post("/api/auth/password-reset/verify/", {"email": owner.email, "code": code_in(message)})

    assert response.status_code == 200, response.content
    assert response.json() == {
        "success": True,
        "message": "Votre mot de passe a été changé : connectez-vous avec le nouveau.",
    }
    owner.refresh_from_db()
    assert owner.check_password(NEW)
    # every session is cut: the old refresh token and the old access token are refused
    refresh = api_client.post("/api/auth/token/refresh/", {"refresh": old_session["refresh"]})
    assert (refresh.status_code, error_codes(refresh)) == (401, ["token_not_valid"])
    api_client.credentials(HTTP_AUTHORIZATION=f"Bearer {old_session['access']}")
    assert api_client.get("/api/auth/profile/").status_code == 401
    api_client.credentials()
    assert login(owner, NEW)["access"]


@pytest.mark.django_db
def test_the_same_answer_without_an_account(post, smtp_server, owner):
    known = _request(post)
    unknown = _request(post, email="nobody@makeplus.test")

    assert known.status_code == unknown.status_code == 200
    assert unknown.json()["message"] == known.json()["message"].replace(owner.email, "nobody@makeplus.test")
    assert [m["To"] for m in smtp_server.messages] == [owner.email]  # nothing to an address without account
    # and the unknown address behaves like a known one: wrong codes, limits
    response = post("/api/auth/password-reset/verify/", {"email": "nobody@makeplus.test", "code": "123456"})
    assert (response.status_code, error_codes(response)) == (400, ["invalid_code"])
    assert error_codes(_request(post, email="nobody@makeplus.test")) == ["resend_too_early"]
    assert error_codes(_request(post)) == ["resend_too_early"]


@pytest.mark.django_db
def test_wrong_codes_lock_the_code(post, smtp_server, owner):
    _request(post)
    code = code_in(last_to(smtp_server, owner.email))
    wrong = f"{(int(code) + 7) % 1000000:06d}"
    answers = [
        error_codes(post("/api/auth/password-reset/verify/", {"email": owner.email, "code": wrong})) for _ in range(5)
    ]
    assert answers == [["invalid_code"]] * 4 + [["code_locked"]]
    response = post("/api/auth/password-reset/verify/", {"email": owner.email, "code": code})
    assert (response.status_code, error_codes(response)) == (400, ["code_locked"])
    owner.refresh_from_db()
    assert owner.check_password(DEFAULT_PASSWORD)


@pytest.mark.django_db
def test_expired_and_reused_codes(post, smtp_server, owner):
    _request(post)
    code = code_in(last_to(smtp_server, owner.email))
    AccountCode.objects.update(expires_at=timezone.now() - timedelta(seconds=1))
    response = post("/api/auth/password-reset/verify/", {"email": owner.email, "code": code})
    assert (response.status_code, error_codes(response)) == (400, ["code_expired"])
    assert response.json()["message"] == "Le code a expiré : demandez-en un nouveau."

    AccountCode.objects.update(sent_at=timezone.now() - timedelta(minutes=2))
    _request(post)
    code = code_in(last_to(smtp_server, owner.email))
    assert post("/api/auth/password-reset/verify/", {"email": owner.email, "code": code}).status_code == 200
    response = post("/api/auth/password-reset/verify/", {"email": owner.email, "code": code})
    assert (response.status_code, error_codes(response)) == (400, ["invalid_code"])


@pytest.mark.django_db
def test_resend_waits_then_sends_a_new_code(post, smtp_server, owner):
    _request(post)
    response = post("/api/auth/password-reset/resend/", {"email": owner.email, "new_password": NEW})
    assert (response.status_code, error_codes(response)) == (429, ["resend_too_early"])
    wait = response.json()["wait_seconds"]
    assert isinstance(wait, int) and 0 < wait <= 60
    assert isinstance(response.json()["message"], str)

    AccountCode.objects.update(sent_at=timezone.now() - timedelta(seconds=61))
    other = "Atlas-Autre-2026"
    response = post("/api/auth/password-reset/resend/", {"email": owner.email, "new_password": other})
    assert response.status_code == 200 and response.json()["success"] is True
    assert len(smtp_server.messages) == 2
    code = code_in(smtp_server.messages[-1])
    assert post("/api/auth/password-reset/verify/", {"email": owner.email, "code": code}).status_code == 200
    owner.refresh_from_db()
    assert owner.check_password(other)  # the password of the last send


@pytest.mark.django_db
def test_a_reset_also_claims_an_account_without_password(post, smtp_server):
    prepared = User.objects.create_user("prep@makeplus.test", password=None)
    _request(post, email=prepared.email)
    code = code_in(last_to(smtp_server, prepared.email))
    assert post("/api/auth/password-reset/verify/", {"email": prepared.email, "code": code}).status_code == 200
    prepared.refresh_from_db()
    assert prepared.check_password(NEW)


@pytest.mark.django_db
def test_an_inactive_account_gets_nothing(post, smtp_server):
    UserFactory(email="off@makeplus.test", is_active=False)
    assert _request(post, email="off@makeplus.test").status_code == 200
    assert smtp_server.messages == []


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("url", "body", "attr", "code"),
    [
        ("/api/auth/password-reset/request/", {"email": "karim@makeplus.test"}, "new_password", "required"),
        ("/api/auth/password-reset/request/", {"email": "bad", "new_password": NEW}, "email", "invalid"),
        (
            "/api/auth/password-reset/request/",
            {"email": "karim@makeplus.test", "new_password": "abc"},
            "new_password",
            "password_too_short",
        ),
        ("/api/auth/password-reset/resend/", {"email": "", "new_password": NEW}, "email", "blank"),
        ("/api/auth/password-reset/verify/", {"email": "karim@makeplus.test", "code": ""}, "code", "blank"),
        ("/api/auth/password-reset/verify/", {"email": "karim@makeplus.test", "code": {"a": 1}}, "code", "invalid"),
        ("/api/auth/password-reset/", {"email": 12}, "email", "invalid"),
        ("/api/auth/password-reset/", {}, "email", "required"),
    ],
)
def test_bad_input_is_a_400_in_our_format(post, smtp_server, owner, url, body, attr, code):
    response = post(url, body)
    assert response.status_code == 400, response.content
    data = response.json()
    assert (data["type"], data["errors"][0]["attr"], data["errors"][0]["code"]) == ("validation_error", attr, code)
    assert data["message"] == data["detail"] == data["error"] == data["errors"][0]["detail"]
    assert smtp_server.messages == []


@pytest.mark.django_db
@pytest.mark.parametrize(
    "url", ["/api/auth/password-reset/request/", "/api/auth/password-reset/verify/", "/api/auth/password-reset/"]
)
def test_a_body_that_is_not_json_is_a_400(api_client, url):
    response = api_client.post(url, "]", content_type="application/json")
    assert (response.status_code, error_codes(response)) == (400, ["parse_error"])


# --- the web link -----------------------------------------------------------------------------------


@pytest.mark.django_db
def test_web_link_reset(post, smtp_server, owner, login, api_client):
    session = login(owner)
    response = post("/api/auth/password-reset/", {"email": owner.email})
    assert response.status_code == 200
    assert response.json()["success"] is True
    message = last_to(smtp_server, owner.email)
    assert message["Subject"] == "Réinitialisez votre mot de passe MakePlus"
    assert "Le lien est valable 60 minutes et ne peut servir qu'une fois." in text_of(message)
    link = link_in(message)
    assert link.startswith("http://localhost:8000/account/reset/")

    browser = Client()
    page = browser.get(link.removeprefix("http://localhost:8000"), follow=True)
    assert page.status_code == 200
    assert "Choisir un nouveau mot de passe" in page.content.decode()
    form_url = page.redirect_chain[-1][0]  # the token left the address bar
    assert "set-password" in form_url
    refused = browser.post(form_url, {"new_password1": "abc", "new_password2": "abc"})
    assert refused.status_code == 200 and "errorlist" in refused.content.decode()
    done = browser.post(form_url, {"new_password1": NEW, "new_password2": NEW}, follow=True)
    assert done.status_code == 200
    assert "Mot de passe enregistré" in done.content.decode()
    owner.refresh_from_db()
    assert owner.check_password(NEW)
    refresh = api_client.post("/api/auth/token/refresh/", {"refresh": session["refresh"]})
    assert refresh.status_code == 401
    # used once: the same link is dead now
    again = Client().get(link.removeprefix("http://localhost:8000"), follow=True)
    assert "Ce lien n'est plus valable" in again.content.decode()


@pytest.mark.django_db
def test_web_link_without_account_and_its_limit(post, smtp_server, owner):
    assert post("/api/auth/password-reset/", {"email": "nobody@makeplus.test"}).status_code == 200
    assert smtp_server.messages == []
    for _ in range(3):
        assert post("/api/auth/password-reset/", {"email": owner.email}).status_code == 200
    response = post("/api/auth/password-reset/", {"email": owner.email})
    assert (response.status_code, error_codes(response)) == (429, ["too_many_codes"])
    assert response.json()["wait_seconds"] == 3600
    assert len(smtp_server.messages) == 3


@pytest.mark.django_db
def test_web_request_page(smtp_server, owner, django_capture_on_commit_callbacks):
    browser = Client()
    page = browser.get("/account/password-reset/")
    assert page.status_code == 200 and "Mot de passe oublié" in page.content.decode()
    assert browser.post("/account/password-reset/", {"email": "nope"}).status_code == 400
    with django_capture_on_commit_callbacks(execute=True):
        sent = browser.post("/account/password-reset/", {"email": owner.email})
    assert sent.status_code == 200
    assert "Consultez votre boîte de réception" in sent.content.decode()
    assert link_in(last_to(smtp_server, owner.email))


@pytest.mark.django_db
def test_web_pages_in_arabic_are_right_to_left(owner):
    page = Client().get("/account/password-reset/", HTTP_ACCEPT_LANGUAGE="ar")
    assert '<html lang="ar" dir="rtl">' in page.content.decode()
    assert "نسيت كلمة المرور" in page.content.decode()
