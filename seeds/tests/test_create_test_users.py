from io import StringIO

import pytest
from django.core.management import call_command

from accounts.models import User
from seeds.demo import TEST_USERS

pytestmark = pytest.mark.django_db


def test_create_test_users_is_idempotent_and_resets_passwords():
    call_command("create_test_users", stdout=StringIO())
    admin = User.objects.get(email="admin@makeplus.dz")
    admin.set_password("changed")
    admin.save()

    call_command("create_test_users", stdout=StringIO())

    assert User.objects.count() == len(TEST_USERS) == 8
    admin.refresh_from_db()
    assert admin.check_password("makeplus2025")
    assert (admin.is_superuser, admin.is_staff) == (True, True)
    assert User.objects.filter(is_superuser=True).count() == 1
