from types import SimpleNamespace

import pytest

from events.tests.factories import badge_holder
from exposants.services import ensure_exposant_profile


@pytest.fixture
def media_root(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    return tmp_path


@pytest.fixture
def make_exposant(client_for):
    """make_exposant(event, **user_fields) -> (client, user, profile): an exposant of the event with
    its own badge (exposants hold badges too) and its profile."""

    def _make(event, **user_fields):
        user = badge_holder(event, kind="exposant", **user_fields).user
        return SimpleNamespace(
            client=client_for(user, event), user=user, profile=ensure_exposant_profile(event=event, user=user)
        )

    return _make


@pytest.fixture
def exposant(make_exposant, event_a):
    return make_exposant(event_a, first_name="Yasmine", last_name="Hamidi", company="Atlas Cloud Algérie")


@pytest.fixture
def visitor(event_a):
    return badge_holder(
        event_a,
        first_name="Amina",
        last_name="Kaci",
        email="amina.kaci@example.dz",
        phone="+213 555 12 34 56",
        company="Tell Distribution SPA",
    )
