from datetime import timedelta

import factory

from events.models import Role, RoomAssignment
from events.tests.factories import AssignmentFactory
from events.tests.factories_programme import RoomFactory


class RoomAssignmentFactory(factory.django.DjangoModelFactory):
    """A controller's shift covering the first four hours of the room's event (the user holds the role)."""

    class Meta:
        model = RoomAssignment

    room = factory.SubFactory(RoomFactory)
    role = Role.CONTROLLEUR_DES_BADGES
    user = factory.LazyAttribute(lambda a: AssignmentFactory(event=a.room.event, role=a.role).user)
    start_time = factory.LazyAttribute(lambda a: a.room.event.start_date)
    end_time = factory.LazyAttribute(lambda a: a.start_time + timedelta(hours=4))
