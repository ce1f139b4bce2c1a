import factory

from accounts.models import User


class UserFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = User
        skip_postgeneration_save = True

    email = factory.Sequence(lambda n: f"user{n}@makeplus.test")
    first_name = factory.Sequence(lambda n: f"Prenom{n}")
    last_name = "Benali"
    phone = "+213555000000"
    password = factory.django.Password("makeplus2025")
