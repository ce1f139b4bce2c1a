"""Invitations: accounts added by an organisateur without a password get a code and a link
(accounts/invitations.py), accepted by the app (/api/auth/invitation/accept/) or on the web page;
resent from the API (/api/auth/invitation/resend/) and the admin."""

from datetime import timedelta

import pytest
from django.test import Client
from django.utils import timezone

from accounts.invitations import invite_if_needed
from accounts.models import AccountCode, User
from accounts.tests.factories import UserFactory
from accounts.tests.mailbox import code_in, html_of, link_in, text_of
from conftest import DEFAULT_PASSWORD, error_codes
from events.models import Role
from events.tests.factories import AssignmentFactory, EventFactory

PASSWORD = "Djurdjura-2026!"


@pytest.fixture
def capture(django_capture_on_commit_callbacks):
    return lambda: django_capture_on_commit_callbacks(execute=True)


@pytest.fixture
def prepared(db):
    """An account an organisateur created (no usable password)."""
    return User.objects.create_user("salima@makeplus.test", password=None, first_name="Salima")


def _invite(capture, user, event):
    with capture():
        return invite_if_needed(user=user, event=event)


@pytest.mark.django_db
def test_the_invitation_message(smtp_server, capture, prepared, event_a):
    event_a.logo_url = "https://cdn.makeplus.test/techsummit.png"
    event_a.save()
    assert _invite(capture, prepared, event_a) is True

    [message] = smtp_server.messages
    assert message["To"] == prepared.email
    assert message["Subject"] == "Votre invitation à TechSummit Algeria"
    text, html = text_of(message), html_of(message)
    assert "Bonjour Salima," in text
    assert "Un compte a été créé pour vous pour TechSummit Algeria." in text
    code = code_in(message)
    assert link_in(message).startswith("http://localhost:8000/account/invitation/")
    assert code in html and '<img src="https://cdn.makeplus.test/techsummit.png"' in html
    row = AccountCode.objects.get()
    assert (row.purpose, row.user, row.event) == ("invitation", prepared, event_a)
    assert row.expires_at - row.sent_at == timedelta(days=7)


@pytest.mark.django_db
def test_event_language_then_user_language(smtp_server, capture, event_a):
    event_a.settings = {"language": "en"}
    event_a.save()
    _invite(capture, User.objects.create_user("en@makeplus.test", password=None), event_a)
    _invite(capture, User.objects.create_user("ar@makeplus.test", password=None, language="ar"), event_a)
    english, arabic = smtp_server.messages
    assert english["Subject"] == "Your invitation to TechSummit Algeria"
    assert "Hello," in text_of(english)
    assert arabic["Subject"].strip() == "دعوتك إلى TechSummit Algeria"
    assert '<html lang="ar" dir="rtl">' in html_of(arabic)


@pytest.mark.django_db
def test_nothing_for_an_account_with_a_password_or_already_invited(smtp_server, capture, prepared, event_a, event_b):
    assert _invite(capture, UserFactory(), event_a) is False
    assert _invite(capture, prepared, event_a) is True
    assert _invite(capture, prepared, event_b) is False  # a pending invitation is enough
    assert len(smtp_server.messages) == 1


@pytest.mark.django_db
def test_accept_with_the_code_answers_like_login(smtp_server, capture, api_client, prepared, event_a):
    AssignmentFactory(user=prepared, event=event_a, role=Role.PARTICIPANT)
    _invite(capture, prepared, event_a)
    code = code_in(smtp_server.messages[0])

    response = api_client.post(
        "/api/auth/invitation/accept/", {"email": "Salima@makeplus.test", "code": code, "password": PASSWORD}
    )

    assert response.status_code == 200, response.content
    body = response.json()
    assert {"access", "refresh", "user", "events", "current_event", "requires_event_selection"} <= set(body)
    assert body["current_event"]["id"] == str(event_a.pk)
    prepared.refresh_from_db()
    assert prepared.check_password(PASSWORD)
    # single use
    again = api_client.post(
        "/api/auth/invitation/accept/", {"email": prepared.email, "code": code, "password": PASSWORD}
    )
    assert (again.status_code, error_codes(again)) == (400, ["invalid_code"])


@pytest.mark.django_db
def test_accept_wrong_expired_and_locked(smtp_server, capture, api_client, prepared, event_a):
    _invite(capture, prepared, event_a)
    code = code_in(smtp_server.messages[0])
    body = {"email": prepared.email, "password": PASSWORD}
    wrong = f"{(int(code) + 3) % 1000000:06d}"
    # a refused password spends no attempt
    weak = api_client.post("/api/auth/invitation/accept/", {**body, "code": wrong, "password": "123"})
    assert (weak.status_code, weak.json()["errors"][0]["attr"]) == (400, "password")
    answers = [error_codes(api_client.post("/api/auth/invitation/accept/", {**body, "code": wrong})) for _ in range(5)]
    assert answers == [["invalid_code"]] * 4 + [["code_locked"]]
    assert error_codes(api_client.post("/api/auth/invitation/accept/", {**body, "code": code})) == ["code_locked"]

    other = User.objects.create_user("other@makeplus.test", password=None)
    _invite(capture, other, event_a)
    AccountCode.objects.filter(email=other.email).update(expires_at=timezone.now() - timedelta(seconds=1))
    response = api_client.post(
        "/api/auth/invitation/accept/", {**body, "email": other.email, "code": code_in(smtp_server.messages[-1])}
    )
    assert error_codes(response) == ["code_expired"]
    other.refresh_from_db()
    assert not other.has_usable_password()


@pytest.mark.django_db
def test_the_web_link_sets_the_password_once(smtp_server, capture, prepared, event_a, login):
    _invite(capture, prepared, event_a)
    path = link_in(smtp_server.messages[0]).removeprefix("http://localhost:8000")
    browser = Client()

    page = browser.get(path)
    assert page.status_code == 200
    content = page.content.decode()
    assert "Choisissez votre mot de passe" in content and "TechSummit Algeria" in content
    assert "salima@makeplus.test" in content
    mismatch = browser.post(path, {"new_password1": PASSWORD, "new_password2": PASSWORD + "x"})
    assert mismatch.status_code == 400
    done = browser.post(path, {"new_password1": PASSWORD, "new_password2": PASSWORD})
    assert done.status_code == 200 and "Mot de passe enregistré" in done.content.decode()
    prepared.refresh_from_db()
    assert prepared.check_password(PASSWORD)
    assert login(prepared, PASSWORD)["access"]
    # used: the link and the code are dead
    assert Client().get(path).status_code == 404
    assert (
        Client().post(path, {"new_password1": "Zz-other-pass-1", "new_password2": "Zz-other-pass-1"}).status_code == 404
    )


@pytest.mark.parametrize(("ticked", "shared"), [(False, False), (True, True)])
def test_the_web_link_asks_for_contact_sharing_unticked(smtp_server, capture, prepared, event_a, ticked, shared):
    AssignmentFactory(user=prepared, event=event_a, role=Role.PARTICIPANT, accepted_at=None)
    _invite(capture, prepared, event_a)
    path = link_in(smtp_server.messages[0]).removeprefix("http://localhost:8000")
    browser = Client()

    page = browser.get(path).content.decode()
    form = {"new_password1": PASSWORD, "new_password2": PASSWORD}
    if ticked:
        form["share_contact_with_exposants"] = "on"
    done = browser.post(path, form)

    assert '<input type="checkbox" name="share_contact_with_exposants" id="id_share_contact_with_exposants">' in page
    assert done.status_code == 200
    prepared.refresh_from_db()
    assert prepared.share_contact_with_exposants is shared
    # Using the invitation accepts its event: the event now shows the profile.
    assert prepared.event_assignments.get(event=event_a).accepted_at is not None


@pytest.mark.django_db
@pytest.mark.parametrize("token", ["garbage", "x" * 300, "eyJpIjoxfQ:1abc:def"])
def test_a_forged_link_is_a_404_page(db, token):
    response = Client().get(f"/account/invitation/{token}/")
    assert response.status_code == 404
    assert "Ce lien n'est plus valable" in response.content.decode()


# --- resend (API) ---------------------------------------------------------------------------------


@pytest.mark.django_db
def test_organisateur_resends_an_invitation(smtp_server, capture, organisateur, event_a, prepared):
    AssignmentFactory(user=prepared, event=event_a, role=Role.PARTICIPANT)
    _invite(capture, prepared, event_a)
    first_link = link_in(smtp_server.messages[0]).removeprefix("http://localhost:8000")
    AccountCode.objects.update(sent_at=timezone.now() - timedelta(seconds=61))

    with capture():
        response = organisateur.client.post("/api/auth/invitation/resend/", {"user_id": prepared.pk})

    assert response.status_code == 200, response.content
    assert response.json()["success"] is True
    assert response.json()["message"] == "L'invitation a été renvoyée à salima@makeplus.test."
    assert len(smtp_server.messages) == 2
    assert Client().get(first_link).status_code == 404  # the previous link died
    with capture():
        too_early = organisateur.client.post("/api/auth/invitation/resend/", {"email": prepared.email})
    assert (too_early.status_code, error_codes(too_early)) == (429, ["resend_too_early"])
    assert 0 < too_early.json()["wait_seconds"] <= 60


@pytest.mark.django_db
def test_resend_refusals(organisateur, event_a, event_b, prepared, smtp_server, member):
    foreign = User.objects.create_user("foreign@makeplus.test", password=None)
    AssignmentFactory(user=foreign, event=event_b, role=Role.PARTICIPANT)
    response = organisateur.client.post("/api/auth/invitation/resend/", {"user_id": foreign.pk})
    assert (response.status_code, error_codes(response)) == (404, ["not_found"])  # another event's person
    response = organisateur.client.post("/api/auth/invitation/resend/", {"email": "nobody@makeplus.test"})
    assert response.status_code == 404
    done = AssignmentFactory(event=event_a, role=Role.PARTICIPANT).user  # has a password
    response = organisateur.client.post("/api/auth/invitation/resend/", {"user_id": done.pk})
    assert (response.status_code, error_codes(response)) == (409, ["invitation_not_needed"])
    response = organisateur.client.post("/api/auth/invitation/resend/", {})
    assert (response.status_code, error_codes(response)) == (400, ["user_or_email_required"])
    response = organisateur.client.post("/api/auth/invitation/resend/", {"user_id": "abc"})
    assert (response.status_code, response.json()["errors"][0]["attr"]) == (400, "user_id")
    assert smtp_server.messages == []


@pytest.mark.django_db
@pytest.mark.parametrize("role", [r for r in Role if r != Role.ORGANISATEUR])
def test_resend_is_for_organisateurs_only(member, event_a, role, prepared):
    AssignmentFactory(user=prepared, event=event_a, role=Role.PARTICIPANT) if role != Role.PARTICIPANT else None
    client, _user = member(role, event_a)
    response = client.post("/api/auth/invitation/resend/", {"user_id": prepared.pk})
    assert (response.status_code, error_codes(response)) == (403, ["insufficient_role"])


@pytest.mark.django_db
def test_resend_needs_a_signed_in_caller(api_client, prepared):
    response = api_client.post("/api/auth/invitation/resend/", {"user_id": prepared.pk})
    assert response.status_code == 401


# --- resend (admin) -------------------------------------------------------------------------------


@pytest.mark.django_db
def test_admin_action_resends(smtp_server, capture, prepared):
    admin = UserFactory(is_staff=True, is_superuser=True)
    browser = Client()
    browser.force_login(admin)
    with_password = UserFactory()
    with capture():
        response = browser.post(
            "/admin/accounts/user/",
            {"action": "resend_invitations", "_selected_action": [prepared.pk, with_password.pk]},
            follow=True,
        )
    assert response.status_code == 200
    assert [m["To"] for m in smtp_server.messages] == [prepared.email]
    content = response.content.decode()
    assert "1 invitation envoyée." in content
    assert "1 personne ignorée" in content


# --- the services that add people invite them -------------------------------------------------------


@pytest.mark.django_db
def test_adding_people_sends_invitations(smtp_server, capture, organisateur, event_a):
    with capture():
        response = organisateur.client.post("/api/participants/", {"email": "new@makeplus.test", "first_name": "Amel"})
    assert response.status_code == 201, response.content
    with capture():
        response = organisateur.client.post(
            "/api/participants/", {"email": "exp@makeplus.test", "kind": "exposant", "first_name": "Rafik"}
        )
    assert response.status_code == 201, response.content
    # an existing account with a password gets no invitation
    known = UserFactory(email="known@makeplus.test")
    with capture():
        assert organisateur.client.post("/api/participants/", {"email": known.email}).status_code == 201
    # staff added by user-assignments (an account prepared earlier, without a password)
    staff = User.objects.create_user("staff@makeplus.test", password=None)
    with capture():
        response = organisateur.client.post(
            "/api/user-assignments/", {"email": staff.email, "role": Role.CONTROLLEUR_DES_BADGES}
        )
    assert response.status_code == 201, response.content

    assert sorted(m["To"] for m in smtp_server.messages) == [
        "exp@makeplus.test",
        "new@makeplus.test",
        "staff@makeplus.test",
    ]
    assert all(m["Subject"] == "Votre invitation à TechSummit Algeria" for m in smtp_server.messages)


@pytest.mark.django_db
def test_an_account_with_a_password_is_never_taken_over(smtp_server, capture, api_client, event_a):
    owner = UserFactory(email="owner@makeplus.test")
    assert _invite(capture, owner, event_a) is False
    for url, body in [
        ("/api/auth/invitation/accept/", {"email": owner.email, "code": "000000", "password": PASSWORD}),
        ("/api/auth/signup/verify/", {"email": owner.email, "code": "000000"}),
    ]:
        assert api_client.post(url, body).status_code == 400
    owner.refresh_from_db()
    assert owner.check_password(DEFAULT_PASSWORD)


@pytest.mark.django_db
@pytest.mark.parametrize(
    "body",
    [
        {},
        {"email": "x@makeplus.test", "code": "123456"},
        {"email": "x@makeplus.test", "code": "12345", "password": PASSWORD},
        {"email": ["x"], "code": "123456", "password": PASSWORD},
        {"email": "x@makeplus.test", "code": "123456", "password": "x" * 200},
    ],
)
def test_accept_bad_input_is_a_400(api_client, body):
    response = api_client.post("/api/auth/invitation/accept/", body, format="json")
    assert response.status_code == 400
    assert response.json()["type"] == "validation_error"


@pytest.mark.django_db
def test_accept_stale_bearer_and_not_json(api_client):
    api_client.credentials(HTTP_AUTHORIZATION="Bearer stale")
    response = api_client.post(
        "/api/auth/invitation/accept/", {"email": "x@makeplus.test", "code": "123456", "password": PASSWORD}
    )
    assert (response.status_code, error_codes(response)) == (400, ["invalid_code"])
    response = api_client.post("/api/auth/invitation/accept/", "{", content_type="application/json")
    assert (response.status_code, error_codes(response)) == (400, ["parse_error"])


@pytest.mark.django_db
def test_an_event_deleted_later_keeps_the_invitation_usable(smtp_server, capture, api_client, prepared):
    event = EventFactory(name="Éphémère")
    _invite(capture, prepared, event)
    event.delete()
    code = code_in(smtp_server.messages[0])
    response = api_client.post(
        "/api/auth/invitation/accept/", {"email": prepared.email, "code": code, "password": PASSWORD}
    )
    assert response.status_code == 200
