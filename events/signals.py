"""Counter upkeep for UserEventAssignment (connected in apps.py).

The state an instance had when loaded is remembered at post_init, so a save knows
which counter it leaves and which it joins. Services lock the row before changing
it (select_for_update), so that remembered state is the committed one.
"""

from django.db.models.signals import post_delete, post_init, post_save

from events.counters import assignment_counter, bump, recount_events
from events.models import UserEventAssignment


def _remember(sender, instance, **kwargs):
    # Deferred fields are not loaded here (that would cost a query per row); such an
    # instance is remembered as "unknown" and a save of it counts from the database.
    loaded = "role" in instance.__dict__ and "is_active" in instance.__dict__
    instance._counted_as = assignment_counter(instance) if loaded else _UNKNOWN


_UNKNOWN = object()


def _after_save(sender, instance, created, raw=False, **kwargs):
    if raw:  # fixtures loading: recount afterwards
        return
    before = None if created else instance._counted_as
    if before is _UNKNOWN:
        recount_events([instance.event_id])
        instance._counted_as = assignment_counter(instance)
        return
    after = assignment_counter(instance)
    if before != after:
        if before:
            bump(instance.event_id, before, -1)
        if after:
            bump(instance.event_id, after, +1)
    instance._counted_as = after


def _after_delete(sender, instance, **kwargs):
    counted = getattr(instance, "_counted_as", None)
    if counted is _UNKNOWN:
        recount_events([instance.event_id])
    elif counted:
        bump(instance.event_id, counted, -1)


def connect():
    post_init.connect(_remember, sender=UserEventAssignment, dispatch_uid="assignment_remember")
    post_save.connect(_after_save, sender=UserEventAssignment, dispatch_uid="assignment_counters_save")
    post_delete.connect(_after_delete, sender=UserEventAssignment, dispatch_uid="assignment_counters_delete")
