from datetime import timedelta

import factory
from django.utils import timezone

from accounts.tests.factories import UserFactory
from annonces.models import Annonce, AnnonceRead
from events.tests.factories import EventFactory


class AnnonceFactory(factory.django.DjangoModelFactory):
    """A published annonce for everyone (no targets), published an hour ago, never expiring.

    Its author is a plain user who is not a member of the event: pass ``created_by`` when the
    author matters. Unlike the service, the factory records no read receipt for the author.
    """

    class Meta:
        model = Annonce

    event = factory.SubFactory(EventFactory)
    title = factory.Sequence(lambda n: f"Annonce {n}")
    content = "La conférence d'ouverture commence à 10h00 en salle plénière."
    target_roles = factory.LazyFunction(list)
    is_pinned = False
    publish_at = factory.LazyFunction(lambda: timezone.now() - timedelta(hours=1))
    expires_at = None
    created_by = factory.SubFactory(UserFactory)


class AnnonceReadFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = AnnonceRead

    annonce = factory.SubFactory(AnnonceFactory)
    user = factory.SubFactory(UserFactory)
