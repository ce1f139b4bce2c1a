import factory

from accounts.tests.factories import UserFactory
from events.models import Participant
from events.tests.factories import EventFactory


class ParticipantFactory(factory.django.DjangoModelFactory):
    """A bare badge row (no role assignment, no signature unless ``signed=True``).

    Tests of the real flow use ``services.participants.add_participant`` instead.
    """

    class Meta:
        model = Participant
        skip_postgeneration_save = True

    user = factory.SubFactory(UserFactory)
    event = factory.SubFactory(EventFactory)
    # Registration data as the organisateur typed it: the account's names here.
    first_name = factory.LazyAttribute(lambda p: p.user.first_name)
    last_name = factory.LazyAttribute(lambda p: p.user.last_name)
    phone = factory.LazyAttribute(lambda p: p.user.phone)
    kind = Participant.Kind.PARTICIPANT

    @factory.post_generation
    def signed(obj, create, extracted, **kwargs):
        if create and extracted:
            from events.badges import sign_badge

            obj.qr_code_data = sign_badge(obj)
            obj.save(update_fields=["qr_code_data"])
