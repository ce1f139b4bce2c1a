"""Factories for atelier tests (rooms and sessions come from factories_programme)."""

from datetime import timedelta
from decimal import Decimal

import factory
from django.utils import timezone

from accounts.tests.factories import UserFactory
from events.models import Participant, Session, SessionAccess
from events.tests.factories import EventFactory
from events.tests.factories_programme import SessionFactory


class ParticipantFactory(factory.django.DjangoModelFactory):
    """A badge holder (kind participant) of an event; saved one by one so counters follow."""

    class Meta:
        model = Participant

    user = factory.SubFactory(UserFactory)
    event = factory.SubFactory(EventFactory)
    # Registration data as the organisateur typed it: the account's names here.
    first_name = factory.LazyAttribute(lambda p: p.user.first_name)
    last_name = factory.LazyAttribute(lambda p: p.user.last_name)
    phone = factory.LazyAttribute(lambda p: p.user.phone)


class AtelierFactory(SessionFactory):
    """A free atelier that has not started yet (starts three hours into the event, lasts one hour)."""

    title = factory.Sequence(lambda n: f"Atelier {n}")
    session_type = Session.Type.ATELIER
    start_time = factory.LazyAttribute(lambda s: s.room.event.start_date + timedelta(hours=3))

    class Params:
        paid = factory.Trait(is_paid=True, price=Decimal("1500.00"))


class SessionAccessFactory(factory.django.DjangoModelFactory):
    """A registered (unpaid) place; ``paid=True`` makes it paid at the atelier's price."""

    class Meta:
        model = SessionAccess

    session = factory.SubFactory(AtelierFactory)
    participant = factory.SubFactory(ParticipantFactory, event=factory.SelfAttribute("..session.event"))
    status = SessionAccess.Status.REGISTERED

    class Params:
        paid = factory.Trait(
            status=SessionAccess.Status.PAID,
            amount=factory.LazyAttribute(lambda a: a.session.price),
            payment_method=SessionAccess.Method.CASH,
            paid_at=factory.LazyFunction(timezone.now),
        )
