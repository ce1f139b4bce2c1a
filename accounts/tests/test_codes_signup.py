"""Sign-up by emailed code (/api/auth/signup/request|resend|verify/), through a real SMTP server."""

from datetime import timedelta

import pytest
from django.utils import timezone

from accounts.models import AccountCode, User
from accounts.tests.factories import UserFactory
from accounts.tests.mailbox import code_in, last_to, text_of
from conftest import DEFAULT_PASSWORD, error_codes

PASSWORD = "Tassili-2026!"
REQUEST = {"email": "Nadia.K@Makeplus.test", "first_name": "Nadia", "last_name": "Khelifi", "password": PASSWORD}
EMAIL = "nadia.k@makeplus.test"


@pytest.fixture
def post(api_client, django_capture_on_commit_callbacks):
    """POST through the API; what the request sends after commit goes out (to the SMTP server)."""

    def _post(url, data, **extra):
        with django_capture_on_commit_callbacks(execute=True):
            return api_client.post(url, data, format="json", **extra)

    return _post


def _sent_code(smtp_server, email=EMAIL) -> str:
    return code_in(last_to(smtp_server, email))


def _age_last_send(seconds=61):
    """As if the last code had been sent `seconds` ago (the resend interval is 60 s)."""
    AccountCode.objects.update(sent_at=timezone.now() - timedelta(seconds=seconds))


@pytest.mark.django_db
def test_sign_up_then_sign_in(post, smtp_server, api_client):
    response = post("/api/auth/signup/request/", REQUEST)

    assert response.status_code == 200, response.content
    assert response.json() == {
        "success": True,
        "message": "Un message a été envoyé à nadia.k@makeplus.test : saisissez le code à 6 chiffres qu'il contient.",
    }
    assert not User.objects.filter(email=EMAIL).exists()  # nothing before the code is verified
    row = AccountCode.objects.get()
    assert (row.purpose, row.email, row.attempts, row.resends) == ("signup", EMAIL, 0, 0)
    assert row.password_hash.startswith("md5$") and PASSWORD not in row.password_hash
    [message] = smtp_server.messages
    assert message["To"] == EMAIL
    code = code_in(message)
    assert row.code_hash != code and code not in row.code_hash
    assert "Bonjour Nadia," in text_of(message)

    response = post("/api/auth/signup/verify/", {"email": EMAIL, "code": code})

    assert response.status_code == 200, response.content
    body = response.json()
    assert body["success"] is True
    assert body["message"] == "Votre compte a été créé : vous pouvez vous connecter."
    assert set(body) == {"success", "message", "access", "refresh"}
    user = User.objects.get(email=EMAIL)
    assert (user.first_name, user.last_name, user.check_password(PASSWORD)) == ("Nadia", "Khelifi", True)
    login = api_client.post("/api/auth/login/", {"email": EMAIL, "password": PASSWORD})
    assert login.status_code == 200


@pytest.mark.django_db
def test_a_stale_bearer_is_ignored(post, smtp_server):
    response = post("/api/auth/signup/request/", REQUEST, HTTP_AUTHORIZATION="Bearer expired.token.value")
    assert response.status_code == 200
    code = _sent_code(smtp_server)
    response = post("/api/auth/signup/verify/", {"email": EMAIL, "code": code}, HTTP_AUTHORIZATION="Bearer x")
    assert response.status_code == 200


@pytest.mark.django_db
def test_an_address_with_an_account_gets_a_notice_and_the_same_answer(post, smtp_server):
    owner = UserFactory(email=EMAIL, first_name="Vraie")
    unknown = post("/api/auth/signup/request/", {**REQUEST, "email": "free@makeplus.test"})
    taken = post("/api/auth/signup/request/", REQUEST)

    assert taken.status_code == unknown.status_code == 200
    assert taken.json()["message"] == unknown.json()["message"].replace("free@makeplus.test", EMAIL)
    notice = last_to(smtp_server, EMAIL)
    assert notice["Subject"] == "Vous avez déjà un compte MakePlus"
    assert "Bonjour Vraie," in text_of(notice)
    assert "http://localhost:8000/account/password-reset/" in text_of(notice)
    # no code was sent; whatever is tried, the account keeps its password and its names
    for code in ("000000", "123456"):
        response = post("/api/auth/signup/verify/", {"email": EMAIL, "code": code})
        assert (response.status_code, error_codes(response)) == (400, ["invalid_code"])
    owner.refresh_from_db()
    assert owner.check_password(DEFAULT_PASSWORD) and owner.first_name == "Vraie"


@pytest.mark.django_db
def test_an_account_created_by_an_organisateur_is_claimed(post, smtp_server):
    prepared = User.objects.create_user(EMAIL, password=None, first_name="Nadia", last_name="Khelifi-Benali")
    response = post("/api/auth/signup/request/", {**REQUEST, "last_name": "K."})
    assert response.status_code == 200
    response = post("/api/auth/signup/verify/", {"email": EMAIL, "code": _sent_code(smtp_server)})

    assert response.status_code == 200, response.content
    prepared.refresh_from_db()
    assert prepared.check_password(PASSWORD)
    assert prepared.last_name == "Khelifi-Benali"  # the organisateur's spelling is kept
    assert User.objects.filter(email=EMAIL).count() == 1


@pytest.mark.django_db
def test_register_claims_a_prepared_account_only_through_the_mailbox(post, smtp_server, api_client):
    prepared = User.objects.create_user(EMAIL, password=None)
    response = post("/api/auth/register/", {"email": EMAIL, "password": PASSWORD, "first_name": "Nadia"})

    # no email_taken wall, but no account handed to whoever knows the address either: a code goes to it
    assert (response.status_code, error_codes(response)) == (409, ["verification_required"])
    prepared.refresh_from_db()
    assert not prepared.has_usable_password()
    response = post("/api/auth/signup/verify/", {"email": EMAIL, "code": _sent_code(smtp_server)})
    assert response.status_code == 200
    prepared.refresh_from_db()
    assert prepared.check_password(PASSWORD)
    # and an account with a password stays email_taken
    response = post("/api/auth/register/", {"email": EMAIL, "password": "Another-pass-99"})
    assert (response.status_code, error_codes(response)) == (400, ["email_taken"])


@pytest.mark.django_db
def test_wrong_codes_then_the_code_is_dead(post, smtp_server):
    post("/api/auth/signup/request/", REQUEST)
    code = _sent_code(smtp_server)
    wrong = f"{(int(code) + 1) % 1000000:06d}"
    answers = [error_codes(post("/api/auth/signup/verify/", {"email": EMAIL, "code": wrong})) for _ in range(5)]

    assert answers == [["invalid_code"]] * 4 + [["code_locked"]]
    response = post("/api/auth/signup/verify/", {"email": EMAIL, "code": code})
    assert (response.status_code, error_codes(response)) == (400, ["code_locked"])
    assert response.json()["message"] == "Trop de codes erronés : demandez un nouveau code."
    assert AccountCode.objects.get().attempts == 5
    assert not User.objects.filter(email=EMAIL).exists()


@pytest.mark.django_db
def test_a_resend_keeps_the_wrong_attempts(post, smtp_server):
    post("/api/auth/signup/request/", REQUEST)
    for _ in range(4):
        post("/api/auth/signup/verify/", {"email": EMAIL, "code": "000000"})
    _age_last_send()
    post("/api/auth/signup/resend/", REQUEST)
    response = post("/api/auth/signup/verify/", {"email": EMAIL, "code": "000001"})
    assert error_codes(response) == ["code_locked"]


@pytest.mark.django_db
def test_an_expired_code(post, smtp_server):
    post("/api/auth/signup/request/", REQUEST)
    row = AccountCode.objects.get()
    assert row.expires_at - row.sent_at == timedelta(minutes=15)
    AccountCode.objects.update(expires_at=timezone.now() - timedelta(seconds=1))

    response = post("/api/auth/signup/verify/", {"email": EMAIL, "code": _sent_code(smtp_server)})

    assert (response.status_code, error_codes(response)) == (400, ["code_expired"])
    assert not User.objects.filter(email=EMAIL).exists()


@pytest.mark.django_db
def test_a_code_is_used_once(post, smtp_server):
    post("/api/auth/signup/request/", REQUEST)
    code = _sent_code(smtp_server)
    assert post("/api/auth/signup/verify/", {"email": EMAIL, "code": code}).status_code == 200
    response = post("/api/auth/signup/verify/", {"email": EMAIL, "code": code})
    assert (response.status_code, error_codes(response)) == (400, ["invalid_code"])


@pytest.mark.django_db
def test_resend_too_early_says_how_long_to_wait(post, smtp_server):
    post("/api/auth/signup/request/", REQUEST)
    first = _sent_code(smtp_server)

    response = post("/api/auth/signup/resend/", REQUEST)

    assert (response.status_code, error_codes(response)) == (429, ["resend_too_early"])
    body = response.json()
    assert isinstance(body["wait_seconds"], int) and 55 <= body["wait_seconds"] <= 60
    assert response["Retry-After"] == str(body["wait_seconds"])
    assert body["message"] == f"Veuillez patienter {body['wait_seconds']} secondes avant de demander un nouveau code."
    assert len(smtp_server.messages) == 1
    # a request too (no mail bombing through the first step)
    assert post("/api/auth/signup/request/", REQUEST).status_code == 429

    _age_last_send()
    response = post("/api/auth/signup/resend/", REQUEST)
    assert response.status_code == 200
    second = _sent_code(smtp_server)
    assert AccountCode.objects.get().resends == 1
    if second != first:  # the old code died with the resend
        assert error_codes(post("/api/auth/signup/verify/", {"email": EMAIL, "code": first})) == ["invalid_code"]
    assert post("/api/auth/signup/verify/", {"email": EMAIL, "code": second}).status_code == 200


@pytest.mark.django_db
def test_resends_and_codes_per_hour_are_bounded(post, smtp_server, settings):
    settings.ACCOUNT_CODE_MAX_RESENDS, settings.ACCOUNT_CODE_MAX_PER_HOUR = 2, 2
    sent = []
    for _ in range(6):
        _age_last_send()
        sent.append(post("/api/auth/signup/resend/", REQUEST).status_code)
    # a first code + 2 resends, a second code + 2 resends, then nothing more for an hour
    assert sent == [200] * 6
    rows = list(AccountCode.objects.order_by("created_at").values_list("resends", flat=True))
    assert rows == [2, 2]
    assert len(smtp_server.messages) == 6
    _age_last_send()
    response = post("/api/auth/signup/resend/", REQUEST)
    assert (response.status_code, error_codes(response)) == (429, ["too_many_codes"])
    assert 3500 <= response.json()["wait_seconds"] <= 3600
    assert response.json()["message"] == "Trop de codes ont été demandés pour cette adresse. Réessayez dans 60 minutes."


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("url", "body", "attr", "code"),
    [
        ("/api/auth/signup/request/", {**REQUEST, "email": "not-an-email"}, "email", "invalid"),
        ("/api/auth/signup/request/", {**REQUEST, "password": "short"}, "password", "password_too_short"),
        ("/api/auth/signup/request/", {**REQUEST, "password": "48291037561"}, "password", "password_entirely_numeric"),
        ("/api/auth/signup/request/", {"email": EMAIL}, "password", "required"),
        ("/api/auth/signup/request/", {**REQUEST, "first_name": ["a"]}, "first_name", "invalid"),
        ("/api/auth/signup/resend/", {**REQUEST, "email": "x" * 300 + "@makeplus.test"}, "email", "max_length"),
        ("/api/auth/signup/verify/", {"email": EMAIL, "code": "12ab56"}, "code", "invalid"),
        ("/api/auth/signup/verify/", {"email": EMAIL, "code": "1234567"}, "code", "invalid"),
        ("/api/auth/signup/verify/", {"email": EMAIL, "code": None}, "code", "null"),
        ("/api/auth/signup/verify/", {"code": "123456"}, "email", "required"),
    ],
)
def test_bad_input_is_a_400_in_our_format(post, smtp_server, url, body, attr, code):
    response = post(url, body)
    assert response.status_code == 400, response.content
    data = response.json()
    assert data["type"] == "validation_error"
    assert (data["errors"][0]["attr"], data["errors"][0]["code"]) == (attr, code)
    assert isinstance(data["message"], str) and data["message"] == data["errors"][0]["detail"]
    assert smtp_server.messages == []


@pytest.mark.django_db
@pytest.mark.parametrize("url", ["/api/auth/signup/request/", "/api/auth/signup/resend/", "/api/auth/signup/verify/"])
def test_a_body_that_is_not_json_is_a_400(api_client, url):
    response = api_client.post(url, "{not json", content_type="application/json")
    assert (response.status_code, error_codes(response)) == (400, ["parse_error"])
    response = api_client.post(url, [1, 2], format="json")
    assert response.status_code == 400


@pytest.mark.django_db
def test_arabic_when_the_app_asks_for_it(post, smtp_server):
    response = post("/api/auth/signup/request/", REQUEST, HTTP_ACCEPT_LANGUAGE="ar")
    assert response.status_code == 200
    message = last_to(smtp_server, EMAIL)
    assert message["Content-Language"] == "ar"
    assert 'dir="rtl"' in message.get_body(preferencelist=("html",)).get_content()
