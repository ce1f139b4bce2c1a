"""Each error code answers with its one HTTP status (makeplus/errors.py), through the real handler.

The two codes that answered two statuses before the registry are pinned where they are met:
``no_badge`` 403 on GET /api/participants/me/
(events/tests/test_api_participants.py::test_me_without_a_badge_is_403_no_badge) and
``token_not_valid`` 401 on a logout with a bad refresh token
(accounts/tests/test_api_auth.py::test_logout_bad_token_is_401_like_every_token_not_valid).
"""

import ast
import collections
import json
from pathlib import Path

import pytest
from django.conf import settings
from rest_framework import exceptions
from rest_framework.test import APIRequestFactory
from rest_framework.views import APIView

from accounts.tests.factories import UserFactory
from conftest import error_codes
from events.models import Role
from events.tests.factories import AssignmentFactory
from makeplus.errors import CODES_BY_STATUS, STATUS_OF, SUMMARY_KEYS, AppError

REGISTRY = sorted(STATUS_OF.items())


def _refused(code: str, status: int) -> dict:
    """The body of a refusal whose text is "Refused.", repeated at the top for clients that read one string."""
    kind = "server_error" if status >= 500 else "client_error"
    errors = [{"code": code, "detail": "Refused.", "attr": None}]
    return {"type": kind, "errors": errors, **dict.fromkeys(SUMMARY_KEYS, "Refused.")}


def _answer(exc: Exception) -> tuple[int, dict]:
    """What the API answers when a view raises ``exc``: status and body."""

    class Raising(APIView):
        authentication_classes, permission_classes = [], []

        def get(self, request):
            raise exc

    response = Raising.as_view()(APIRequestFactory().get("/api/raising/"))
    response.render()
    return response.status_code, json.loads(response.content)


def test_no_code_is_listed_twice():
    listed = collections.Counter(code for codes in CODES_BY_STATUS.values() for code in codes)

    assert [code for code, times in listed.items() if times > 1] == []
    assert len(STATUS_OF) == sum(listed.values())


@pytest.mark.parametrize(("code", "status"), REGISTRY)
def test_an_app_error_answers_with_the_status_of_its_code(code, status):
    answer = _answer(AppError("Refused.", code))

    assert answer == (status, _refused(code, status))


@pytest.mark.parametrize(("code", "status"), REGISTRY)
@pytest.mark.parametrize("drf_error", [exceptions.NotFound, exceptions.PermissionDenied, exceptions.APIException])
def test_a_drf_error_carrying_a_registered_code_answers_with_its_status(drf_error, code, status):
    answer = _answer(drf_error("Refused.", code=code))

    assert answer == (status, _refused(code, status))


@pytest.mark.parametrize("in_event", [False, True], ids=["token_without_event", "token_with_event"])
def test_a_token_of_a_deleted_account_is_401_token_not_valid(client_for, event_a, in_event):
    user = UserFactory()
    if in_event:
        AssignmentFactory(user=user, event=event_a, role=Role.PARTICIPANT)
    client = client_for(user, event_a if in_event else None)
    user.delete()

    response = client.get("/api/auth/profile/")

    assert response.status_code == 401
    assert error_codes(response) == ["token_not_valid"]


def _services() -> list[Path]:
    root = Path(settings.BASE_DIR)
    return sorted({*root.glob("*/services.py"), *root.glob("*/services/*.py")} - set(root.glob(".venv/**/*.py")))


def test_services_know_nothing_of_django_rest_framework():
    """Services raise AppError; the API layer maps it (simplejwt's tokens are allowed in accounts)."""
    imports = []
    for path in _services():
        for node in ast.walk(ast.parse(path.read_text())):
            names = [alias.name for alias in node.names] if isinstance(node, ast.Import) else []
            if isinstance(node, ast.ImportFrom):
                names = [node.module or ""]
            imports += [(path.name, name) for name in names if name.split(".")[0] == "rest_framework"]

    assert len(_services()) >= 8  # the scan sees the services
    assert imports == []
