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
    # People made here said yes to sharing their contact with exposants; a new account says no
    # until asked (the model's default, tested in test_api_auth and test_privacy_by_default).
    share_contact_with_exposants = True
    password = factory.django.Password("makeplus2025")
