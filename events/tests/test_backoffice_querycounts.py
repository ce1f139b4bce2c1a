"""Back-office lists cost the same number of queries with one row or many (organisateur without staff flag)."""

from datetime import timedelta

import pytest
from django.urls import reverse

from annonces.tests.factories import AnnonceFactory
from conftest import assert_same_queries
from events.models import Role, RoomAccess
from events.tests.backoffice import organiser
from events.tests.factories import AssignmentFactory, EventFactory, badge_holder
from events.tests.factories_ateliers import AtelierFactory, SessionAccessFactory
from events.tests.factories_programme import RoomFactory
from events.tests.factories_staff import RoomAssignmentFactory

pytestmark = pytest.mark.django_db


def _row(event, n):
    room = RoomFactory(event=event)
    holder = badge_holder(event)
    SessionAccessFactory(session=AtelierFactory(room=room), participant=holder)
    RoomAccess.objects.create(
        room=room,
        participant=holder,
        badge_input=holder.badge_id,
        scanned_at=event.start_date + timedelta(minutes=n),
        verified_by=holder.user,
        status="granted",
    )
    RoomAssignmentFactory(room=room, user=holder.user, role="controlleur_des_badges")
    AnnonceFactory(event=event, created_by=holder.user)


@pytest.mark.parametrize(
    "url",
    [
        "admin:events_event_changelist",
        "admin:events_participant_changelist",
        "admin:events_room_changelist",
        "admin:events_session_changelist",
        "admin:events_sessionaccess_changelist",
        "admin:events_roomassignment_changelist",
        "admin:events_roomaccess_changelist",
        "admin:events_usereventassignment_changelist",
        "admin:annonces_annonce_changelist",
    ],
)
def test_changelist_queries_do_not_grow_with_rows(event_a, url):
    client, user = organiser(event_a)
    _row(event_a, 0)
    counter = iter(range(1, 100))

    def more():
        for _ in range(4):
            _row(event_a, next(counter))
            AssignmentFactory(user=user, event=EventFactory(), role=Role.ORGANISATEUR)  # more events too

    first, second = assert_same_queries(lambda: client.get(reverse(url)), more)
    assert first.status_code == second.status_code == 200
    assert len(second.context["cl"].result_list) > len(first.context["cl"].result_list)
