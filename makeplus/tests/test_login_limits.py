"""Login limits that fit a venue: many attendees behind one address sign in, one account cannot be guessed at,
and a client cannot choose its own address with a forged X-Forwarded-For."""

import pytest
from rest_framework.throttling import SimpleRateThrottle

from accounts.tests.factories import UserFactory
from conftest import DEFAULT_PASSWORD, error_codes

pytestmark = pytest.mark.django_db


@pytest.fixture
def rates(monkeypatch):
    def use(**overrides):
        monkeypatch.setattr(SimpleRateThrottle, "THROTTLE_RATES", {**SimpleRateThrottle.THROTTLE_RATES, **overrides})

    return use


def _login(client, email, password=DEFAULT_PASSWORD, **extra):
    return client.post("/api/auth/login/", {"email": email, "password": password}, format="json", **extra)


def test_a_hundred_attendees_behind_one_address_all_sign_in(api_client):
    users = UserFactory.create_batch(100)

    statuses = [_login(api_client, user.email).status_code for user in users]

    assert statuses == [200] * 100


def test_one_account_is_limited_whatever_the_address(api_client, user, rates):
    rates(login_email="3/min")

    statuses = [
        _login(api_client, user.email, "wrong-password", REMOTE_ADDR=f"10.0.0.{i}").status_code for i in range(4)
    ]

    assert statuses == [401, 401, 401, 429]


def test_a_forged_forwarded_for_does_not_reset_the_address_limit(api_client, rates):
    rates(login="3/min")
    users = UserFactory.create_batch(4)

    answers = [_login(api_client, u.email, HTTP_X_FORWARDED_FOR=f"203.0.113.{i}") for i, u in enumerate(users)]

    assert [a.status_code for a in answers] == [200, 200, 200, 429]
    assert error_codes(answers[-1]) == ["throttled"]


def test_behind_a_trusted_proxy_the_forwarded_address_counts(api_client, rates, settings):
    settings.REST_FRAMEWORK = {**settings.REST_FRAMEWORK, "NUM_PROXIES": 1}
    rates(login="2/min")
    users = UserFactory.create_batch(4)

    # The proxy appends the address it saw; what the client put before it is ignored.
    first = [_login(api_client, u.email, HTTP_X_FORWARDED_FOR=f"1.1.1.1, 198.51.100.{i}") for i, u in enumerate(users)]
    same = [_login(api_client, u.email, HTTP_X_FORWARDED_FOR=f"9.9.9.{i}, 198.51.100.7") for i, u in enumerate(users)]

    assert [a.status_code for a in first] == [200, 200, 200, 200]
    assert [a.status_code for a in same] == [200, 200, 429, 429]
