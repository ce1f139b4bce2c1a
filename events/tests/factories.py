from datetime import timedelta

import factory
from django.utils import timezone

from accounts.tests.factories import UserFactory
from events.models import Event, Participant, Role, UserEventAssignment
from events.services import update_assignment
from events.services.membership import accept_event
from events.services.participants import add_participant


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
    accepted_at = factory.LazyFunction(timezone.now)  # a member who accepted the event (the usual case)


def badge_holder(
    event,
    *,
    kind=Participant.Kind.PARTICIPANT,
    role=None,
    access_all_rooms=True,
    allowed_rooms=None,
    **user_fields,
) -> Participant:
    """A new user (``user_fields`` for UserFactory) holding a badge of ``event``, added the real way:
    add_participant gives the role of its kind and a signed badge. ``role`` then changes that role
    as an organisateur would (update_assignment): staff keep their badge, an exposant's badge follows.
    The holder has accepted the event (as after selecting it in the app)."""
    holder = add_participant(
        event=event,
        actor=None,
        user=UserFactory(**user_fields),
        kind=kind,
        access_all_rooms=access_all_rooms,
        allowed_rooms=allowed_rooms,
    )
    accept_event(user=holder.user, event_id=event.pk)  # the holder opened the event (the usual case)
    holder.refresh_from_db()
    if role is not None and role != kind:
        update_assignment(assignment=holder.user.event_assignments.get(event=event), actor=None, role=role)
        holder.refresh_from_db()
    return holder
