"""Role × endpoint matrix for the exposant endpoints, in the caller's event and another one."""

import pytest

from events.models import Role
from events.tests.factories import AssignmentFactory
from exposants.tests.factories import ExposantFactory, ExposantScanFactory

pytestmark = pytest.mark.django_db

EXPOSANT, ORGANISATEUR = Role.EXPOSANT, Role.ORGANISATEUR
ALL = set(Role.values)

# (method, path, roles allowed); {profile} is a profile of the caller's event (not the caller's own).
MATRIX = [
    ("get", "/api/exposants/", ALL),
    ("get", "/api/exposants/{profile}/", ALL),
    ("patch", "/api/exposants/{profile}/", {ORGANISATEUR}),
    ("get", "/api/exposants/me/", {EXPOSANT}),
    ("patch", "/api/exposants/me/", {EXPOSANT}),
    ("post", "/api/exposant/scan/", {EXPOSANT}),
    ("get", "/api/exposant/scans/", {EXPOSANT}),
    ("get", "/api/exposant/scans/export/", {EXPOSANT}),
    ("get", "/api/exposant/statistics/", {EXPOSANT, ORGANISATEUR}),
]
OK = {"get": 200, "patch": 200, "post": 400}  # the scan's badge is unknown: allowed, then refused


def listed(event):
    profile = ExposantFactory(event=event)
    AssignmentFactory(user=profile.user, event=event, role=EXPOSANT)
    return profile


@pytest.mark.parametrize("role", sorted(ALL))
@pytest.mark.parametrize(("method", "path", "allowed"), MATRIX)
def test_role_matrix(member, event_a, role, method, path, allowed):
    client, _ = member(role, event_a)
    profile = listed(event_a)

    response = getattr(client, method)(path.format(profile=profile.pk), {"badge_id": "ZZZZZZZZ"})

    assert response.status_code == (OK[method] if role in allowed else 403), response.content


@pytest.mark.parametrize(("method", "path", "_allowed"), MATRIX)
def test_anonymous_is_401_everywhere(api_client, event_a, method, path, _allowed):
    profile = listed(event_a)

    assert getattr(api_client, method)(path.format(profile=profile.pk), {}).status_code == 401


@pytest.mark.parametrize("role", sorted(ALL))
@pytest.mark.parametrize(
    ("method", "path"),
    [
        ("get", "/api/exposants/{profile}/"),
        ("patch", "/api/exposants/{profile}/"),
        ("get", "/api/exposants/{profile}/plan/"),
        ("get", "/api/exposant/scans/{scan}/"),
        ("patch", "/api/exposant/scans/{scan}/"),
    ],
)
def test_another_events_objects_are_404_or_forbidden_by_role(member, event_a, event_b, role, method, path):
    client, _ = member(role, event_a)
    scan = ExposantScanFactory(exposant=listed(event_b))

    response = getattr(client, method)(path.format(profile=scan.exposant.pk, scan=scan.pk), {"notes": "x"})

    role_refused = "/scans/" in path and role != EXPOSANT
    assert response.status_code == (403 if role_refused else 404)
