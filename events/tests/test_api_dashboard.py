import pytest

from events.models import Participant, Role
from events.tests.factories import AssignmentFactory, EventFactory

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize("role", list(Role.values))
def test_dashboard_answers_for_the_callers_role(member, role):
    event = EventFactory(name="TechSummit Algeria")
    for assignment in AssignmentFactory.create_batch(2, event=event, role=Role.PARTICIPANT):
        Participant.objects.create(event=event, user=assignment.user)
    other = AssignmentFactory(role=Role.PARTICIPANT)  # another event: not counted
    Participant.objects.create(event=other.event, user=other.user)
    client, _ = member(role, event)

    response = client.get("/api/dashboard/stats/")

    assert response.status_code == 200
    body = response.json()
    assert body["role"] == role
    assert (body["event"]["id"], body["event"]["name"]) == (str(event.pk), "TechSummit Algeria")
    assert body["event"]["total_participants"] == 2
    if role == Role.ORGANISATEUR:
        assert body["members_by_role"] == {
            "organisateur": 1,
            "gestionnaire_des_salles": 0,
            "controlleur_des_badges": 0,
            "participant": 2,
            "exposant": 0,
        }
    else:
        assert "members_by_role" not in body


def test_dashboard_needs_a_selected_event(client_for, user):
    response = client_for(user).get("/api/dashboard/stats/")

    assert response.status_code == 403
    assert response.json()["errors"][0]["code"] == "event_not_selected"


def test_dashboard_requires_authentication(api_client):
    assert api_client.get("/api/dashboard/stats/").status_code == 401


def test_dashboard_with_a_forged_event_claim_is_refused(client_for, user):
    foreign = EventFactory()

    response = client_for(user, foreign, Role.ORGANISATEUR).get("/api/dashboard/stats/")

    assert response.status_code == 403
    assert response.json()["errors"][0]["code"] == "event_access_revoked"
