"""End to end, with real commits and a real SMTP server: an organisateur adds an attendee by email,
the attendee reads the code in the received mail, chooses a password in the app, signs in and sees
the badge. Then forgets the password and resets it with a code."""

import pytest
from rest_framework.test import APIClient

from accounts.tests.mailbox import code_in, last_to, text_of
from conftest import error_codes

PASSWORD = "Tamanrasset-2026"


@pytest.mark.django_db(transaction=True)
def test_invite_accept_login_badge_then_reset(smtp_server, organisateur, event_a):
    response = organisateur.client.post(
        "/api/participants/", {"email": "Lina.Haddad@makeplus.test", "first_name": "Lina", "last_name": "Haddad"}
    )
    assert response.status_code == 201, response.content
    invitation = last_to(smtp_server, "lina.haddad@makeplus.test")  # sent after the request's commit
    assert invitation["Subject"] == "Votre invitation à TechSummit Algeria"
    assert "Bonjour Lina," in text_of(invitation)

    app = APIClient()
    # before the invitation is accepted the account cannot sign in
    refused = app.post("/api/auth/login/", {"email": "lina.haddad@makeplus.test", "password": PASSWORD})
    assert (refused.status_code, error_codes(refused)) == (401, ["invalid_credentials"])
    accepted = app.post(
        "/api/auth/invitation/accept/",
        {"email": "lina.haddad@makeplus.test", "code": code_in(invitation), "password": PASSWORD},
        HTTP_AUTHORIZATION="Bearer stale-token-from-a-previous-install",
    )
    assert accepted.status_code == 200, accepted.content

    login = app.post("/api/auth/login/", {"email": "lina.haddad@makeplus.test", "password": PASSWORD})
    assert login.status_code == 200
    assert login.json()["current_event"]["id"] == str(event_a.pk)
    app.credentials(HTTP_AUTHORIZATION=f"Bearer {login.json()['access']}")
    badge = app.get("/api/participants/me/badge/")
    assert badge.status_code == 200, badge.content
    assert badge.json()["badge_id"] == response.json()["badge_id"]

    # forgotten password: a code, then the new password; the old session is cut
    anonymous = APIClient()
    new_password = "Tassili-Encore-99"
    requested = anonymous.post(
        "/api/auth/password-reset/request/", {"email": "lina.haddad@makeplus.test", "new_password": new_password}
    )
    assert requested.status_code == 200 and requested.json()["success"] is True
    reset = last_to(smtp_server, "lina.haddad@makeplus.test")
    assert reset is not invitation
    verified = anonymous.post(
        "/api/auth/password-reset/verify/", {"email": "lina.haddad@makeplus.test", "code": code_in(reset)}
    )
    assert verified.status_code == 200, verified.content
    assert app.get("/api/participants/me/badge/").status_code == 401  # the old access token is revoked
    again = anonymous.post("/api/auth/login/", {"email": "lina.haddad@makeplus.test", "password": new_password})
    assert again.status_code == 200


@pytest.mark.django_db(transaction=True)
def test_sign_up_end_to_end(smtp_server):
    app = APIClient()
    body = {"email": "yanis@makeplus.test", "first_name": "Yanis", "last_name": "Ait", "password": PASSWORD}
    assert app.post("/api/auth/signup/request/", body).json()["success"] is True
    code = code_in(last_to(smtp_server, "yanis@makeplus.test"))
    verified = app.post("/api/auth/signup/verify/", {"email": "yanis@makeplus.test", "code": code})
    assert verified.status_code == 200 and verified.json()["success"] is True
    assert app.post("/api/auth/login/", {"email": "yanis@makeplus.test", "password": PASSWORD}).status_code == 200


@pytest.mark.django_db(transaction=True)
def test_a_rolled_back_addition_sends_no_invitation(smtp_server, organisateur, event_a):
    """The participant is added (the invitation prepared), then the transaction fails: no mail."""
    from django.db import transaction

    from accounts.models import AccountCode, User
    from events.services.participants import add_participant

    class Later(Exception):
        pass

    with pytest.raises(Later), transaction.atomic():
        add_participant(event=event_a, actor=organisateur.user, email="ghost@makeplus.test")
        assert AccountCode.objects.filter(email="ghost@makeplus.test").exists()
        raise Later
    assert not User.objects.filter(email="ghost@makeplus.test").exists()
    assert smtp_server.messages == []
    add_participant(event=event_a, actor=organisateur.user, email="real@makeplus.test")
    assert [m["To"] for m in smtp_server.messages] == ["real@makeplus.test"]
