"""Storage follows deleted profiles (connected in apps.py).

Profiles are also deleted without a service: by the admin's delete, and by the cascade of a
deleted event or user. A receiver is the one place all of these pass, so the plan file of a
deleted profile leaves storage when the deletion commits (a rolled-back one keeps it).
"""

from django.db.models.signals import post_delete

from exposants.models import Exposant
from exposants.services import delete_plan_file_on_commit


def _plan_leaves_with_profile(sender, instance, **kwargs):
    delete_plan_file_on_commit(instance)


def connect() -> None:
    post_delete.connect(_plan_leaves_with_profile, sender=Exposant, dispatch_uid="exposants.plan_file_cleanup")
