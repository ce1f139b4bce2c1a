from datetime import timedelta

import factory
from django.utils import timezone

from accounts.tests.factories import UserFactory
from events.models import Event, Role, UserEventAssignment


class EventFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Event

    name = factory.Sequence(lambda n: f"Événement {n}")
    description = "Salon de démonstration"
    start_date = factory.LazyFunction(lambda: timezone.now() - timedelta(hours=2))
    end_date = factory.LazyAttribute(lambda e: e.start_date + timedelta(days=2))
    location = "Alger"
    status = Event.Status.ACTIVE


class AssignmentFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = UserEventAssignment

    user = factory.SubFactory(UserFactory)
    event = factory.SubFactory(EventFactory)
    role = Role.PARTICIPANT
    is_active = True
