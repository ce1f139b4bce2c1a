"""Helpers of the back-office tests (events/tests/test_backoffice_*.py): organisateurs WITHOUT the staff flag."""

from django.contrib.messages import get_messages
from django.test import Client
from django.urls import reverse

from accounts.tests.factories import UserFactory
from events.models import Role
from events.tests.factories import AssignmentFactory

LOGIN = reverse("admin:login")


def organiser(event, **user_fields):
    """(client, user): an active organisateur of ``event``, no staff flag, signed in."""
    user = UserFactory(is_staff=False, **user_fields)
    AssignmentFactory(user=user, event=event, role=Role.ORGANISATEUR)
    client = Client()
    client.force_login(user)
    return client, user


def signed_in(user):
    client = Client()
    client.force_login(user)
    return client


def is_login_page(response) -> bool:
    return response.status_code == 302 and response["Location"].startswith(LOGIN)


def message_texts(response):
    return [str(m) for m in get_messages(response.wsgi_request)]


def in_page_language(response, text: str) -> str:
    """``text`` (an English msgid) as the page's language shows it."""
    from django.utils import translation

    with translation.override(getattr(response.wsgi_request, "LANGUAGE_CODE", None) or "en"):
        return translation.gettext(text)
