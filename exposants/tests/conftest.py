from types import SimpleNamespace

import pytest

from accounts.tests.factories import UserFactory
from events.models import Role
from events.services.participants import add_participant
from exposants.services import ensure_exposant_profile


@pytest.fixture
def media_root(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    return tmp_path


@pytest.fixture
def make_exposant(member):
    """make_exposant(event, **user_fields) -> (client, user, profile): an exposant of the event with
    its own badge (exposants hold badges too) and its profile."""

    def _make(event, **user_fields):
        client, user = member(Role.EXPOSANT, event)
        if user_fields:
            for name, value in user_fields.items():
                setattr(user, name, value)
            user.save()
        add_participant(event=event, actor=None, user=user, kind="exposant")
        return SimpleNamespace(client=client, user=user, profile=ensure_exposant_profile(event=event, user=user))

    return _make


@pytest.fixture
def exposant(make_exposant, event_a):
    return make_exposant(event_a, first_name="Yasmine", last_name="Hamidi", company="Atlas Cloud Algérie")


@pytest.fixture
def make_visitor(db):
    """make_visitor(event, consent=True, **user_fields) -> a participant badge added the real way (signed)."""

    def _make(event, consent=True, **user_fields):
        user = UserFactory(share_contact_with_exposants=consent, **user_fields)
        return add_participant(event=event, actor=None, user=user)

    return _make


@pytest.fixture
def visitor(make_visitor, event_a):
    return make_visitor(
        event_a,
        first_name="Amina",
        last_name="Kaci",
        email="amina.kaci@example.dz",
        phone="+213 555 12 34 56",
        company="Tell Distribution SPA",
    )


@pytest.fixture
def organisateur(member, event_a):
    client, _user = member(Role.ORGANISATEUR, event_a)
    return client
