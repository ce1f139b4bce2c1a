from datetime import timedelta

import factory

from events.models import Room, Session
from events.tests.factories import EventFactory


class RoomFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Room

    event = factory.SubFactory(EventFactory)
    name = factory.Sequence(lambda n: f"Salle {n}")
    capacity = 100
    location = "Niveau 1"


class SessionFactory(factory.django.DjangoModelFactory):
    """A conference in its room, starting one hour into the event, lasting one hour."""

    class Meta:
        model = Session

    event = factory.LazyAttribute(lambda s: s.room.event)
    room = factory.SubFactory(RoomFactory)
    title = factory.Sequence(lambda n: f"Conférence {n}")
    start_time = factory.LazyAttribute(lambda s: s.room.event.start_date + timedelta(hours=1))
    end_time = factory.LazyAttribute(lambda s: s.start_time + timedelta(hours=1))
    speaker_name = "Dr. Leila Hamdi"
