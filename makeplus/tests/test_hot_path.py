"""What the door scan no longer repeats on every request (makeplus/hot_path.py, makeplus/site_middleware.py;
issue 22), and that skipping it changes no answer."""

import threading
import time
from datetime import timedelta

import pytest
from rest_framework_simplejwt.tokens import AccessToken

from conftest import error_codes
from events.serializers.access import VerifyAccessSerializer
from events.tests.factories import AssignmentFactory, EventFactory
from events.tests.factories_programme import SessionFactory

pytestmark = pytest.mark.django_db


def test_scan_body_fields_are_copied_once_and_bound_to_each_request():
    session_a, session_b = SessionFactory(), SessionFactory()
    body = {"badge_id": "ABCDEFGH", "session": str(session_a.pk)}

    first = VerifyAccessSerializer(data=body, context={"event": session_a.event})
    assert first.is_valid(), first.errors
    assert first.validated_data["session"] == session_a
    second = VerifyAccessSerializer(data=body, context={"event": session_b.event})

    # Same field objects (not copied again), read against the second request's event: another event's
    # session is refused as if it did not exist.
    assert second.fields["session"] is first.fields["session"]
    assert not second.is_valid()
    assert [(name, [e.code for e in errors]) for name, errors in second.errors.items()] == [
        ("session", ["does_not_exist"])
    ]

    elsewhere = {}
    thread = threading.Thread(
        target=lambda: elsewhere.update(fields=VerifyAccessSerializer(data=body).fields["session"])
    )
    thread.start()
    thread.join()
    assert elsewhere["fields"] is not first.fields["session"]  # each thread its own copies


def _me(api_client, token):
    return api_client.get("/api/auth/me/", HTTP_AUTHORIZATION=f"Bearer {token}")


def test_a_token_remembered_as_valid_is_refused_once_expired(api_client):
    assignment = AssignmentFactory()
    token = AccessToken.for_user(assignment.user)
    token["event_id"] = str(assignment.event_id)
    token.set_exp(lifetime=timedelta(seconds=2))
    raw = str(token)

    assert _me(api_client, raw).status_code == 200
    assert _me(api_client, raw).status_code == 200  # from the process's memory of verified tokens
    time.sleep(2.2)
    response = _me(api_client, raw)

    assert response.status_code == 401
    assert error_codes(response) == ["token_not_valid"]


def test_a_forged_token_is_refused_every_time(api_client):
    assignment = AssignmentFactory()
    token = AccessToken.for_user(assignment.user)
    raw = str(token)
    forged = raw[:-4] + ("AAAA" if raw[-4:] != "AAAA" else "BBBB")

    assert _me(api_client, raw).status_code == 200
    for _ in range(2):
        response = _me(api_client, forged)
        assert (response.status_code, error_codes(response)) == (401, ["token_not_valid"])


def test_api_calls_carry_no_session_machinery_and_the_back_office_keeps_it(api_client, client):
    event = EventFactory()
    assignment = AssignmentFactory(event=event)
    token = AccessToken.for_user(assignment.user)

    api = api_client.get("/api/auth/me/", HTTP_AUTHORIZATION=f"Bearer {token}", HTTP_COOKIE="sessionid=abc")
    admin = client.get("/admin/login/")

    assert api.status_code == 200
    assert [hasattr(api.wsgi_request, name) for name in ("session", "_messages")] == [False, False]
    assert admin.status_code == 200
    assert [hasattr(admin.wsgi_request, name) for name in ("session", "_messages")] == [True, True]
