"""Factories for exposant tests: bare rows, no role or badge unless asked.

Tests of the real flow create badges with events.services.participants.add_participant and
scans with exposants.services.record_scan.
"""

import factory
from django.utils import timezone

from accounts.tests.factories import UserFactory
from events.models import Participant
from events.tests.factories import EventFactory
from events.tests.factories_participants import ParticipantFactory
from exposants.models import Exposant, ExposantScan


class ExposantFactory(factory.django.DjangoModelFactory):
    """A profile row (the user gets no role: use the ``member`` fixture or AssignmentFactory)."""

    class Meta:
        model = Exposant

    event = factory.SubFactory(EventFactory)
    user = factory.SubFactory(UserFactory)
    company_name = factory.Sequence(lambda n: f"Société {n}")
    stand_number = factory.Sequence(lambda n: f"A{n:02d}")


class ExposantScanFactory(factory.django.DjangoModelFactory):
    """A visit to the stand by a participant badge of the same event, now."""

    class Meta:
        model = ExposantScan

    exposant = factory.SubFactory(ExposantFactory)
    participant = factory.SubFactory(
        ParticipantFactory, event=factory.SelfAttribute("..exposant.event"), kind=Participant.Kind.PARTICIPANT
    )
    scanned_at = factory.LazyFunction(timezone.now)
