"""Sign-ins give way to the rest of the server (issue 22, the 9:00 rush): a bounded number check a password at
once on the machine (accounts/login_gate.py)."""

import threading
import time

import pytest

from accounts.login_gate import login_slot
from accounts.tests.factories import UserFactory
from conftest import DEFAULT_PASSWORD, error_codes

pytestmark = pytest.mark.django_db


def _login(api_client, user):
    return api_client.post("/api/auth/login/", {"email": user.email, "password": DEFAULT_PASSWORD})


def test_a_sign_in_finding_every_slot_taken_is_a_retryable_503(api_client, settings):
    settings.LOGIN_CONCURRENCY, settings.LOGIN_SLOT_WAIT_MS = 1, 0
    user = UserFactory()
    api_client.raise_request_exception = False  # a 5xx is reported to Django's error signal

    with login_slot():  # another worker of this machine is checking a password
        busy = _login(api_client, user)
    after = _login(api_client, user)

    assert (busy.status_code, error_codes(busy), busy["Retry-After"]) == (503, ["busy"], "1")
    assert after.status_code == 200 and "access" in after.json()


def test_the_app_login_waits_for_a_slot_that_frees_up(api_client, settings):
    settings.LOGIN_CONCURRENCY, settings.LOGIN_SLOT_WAIT_MS = 2, 2000
    user = UserFactory()
    taken = threading.Event()

    def hold_both_slots_briefly():
        with login_slot(), login_slot():
            taken.set()
            time.sleep(0.3)

    holder = threading.Thread(target=hold_both_slots_briefly)
    holder.start()
    taken.wait()
    started = time.monotonic()
    response = api_client.post("/api/auth/token/", {"email": user.email, "password": DEFAULT_PASSWORD})
    waited = time.monotonic() - started
    holder.join()

    assert response.status_code == 200
    assert waited >= 0.2  # it waited for a slot rather than failing


def test_a_wrong_password_still_takes_its_turn_and_gives_the_slot_back(api_client, settings):
    settings.LOGIN_CONCURRENCY, settings.LOGIN_SLOT_WAIT_MS = 1, 0
    user = UserFactory()

    wrong = api_client.post("/api/auth/login/", {"email": user.email, "password": "not-the-password"})

    assert (wrong.status_code, error_codes(wrong)) == (401, ["invalid_credentials"])
    assert _login(api_client, user).status_code == 200
