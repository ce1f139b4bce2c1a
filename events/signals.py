"""Counter upkeep for the source rows declared in events/counters.py (connected in apps.py).

The counters an instance feeds are remembered when it is loaded (post_init), so a save
knows which counters it leaves and which it joins. Services lock a row before changing
it, so that remembered state is the committed one.
"""

from django.db.models.signals import post_delete, post_init, post_save, pre_delete

from events.counters import bump, counters_for, recount_events

_UNKNOWN = object()


def _fed(instance) -> frozenset | object:
    counters = counters_for(type(instance))
    needed = {"event_id", *(name for c in counters for name in c.where)}
    # Deferred fields are not loaded here (a query per row); such an instance is "unknown"
    # and a later save or delete of it recounts its event from the database instead.
    if not needed <= instance.__dict__.keys():
        return _UNKNOWN
    return frozenset(c.field for c in counters if c.counts(instance))


def _remember(sender, instance, **kwargs):
    instance._counted_as = _fed(instance)


def _after_save(sender, instance, created, raw=False, **kwargs):
    if raw:  # fixtures loading: recount afterwards
        return
    before = frozenset() if created else instance._counted_as
    after = _fed(instance)
    if before is _UNKNOWN or after is _UNKNOWN:
        recount_events([instance.event_id])
    else:
        for name in before - after:
            bump(instance.event_id, name, -1)
        for name in after - before:
            bump(instance.event_id, name, +1)
    instance._counted_as = after


def _before_delete(sender, instance, **kwargs):
    # Last chance to read a deferred instance's fields: the row is gone at post_delete.
    if getattr(instance, "_counted_as", _UNKNOWN) is _UNKNOWN:
        counters = counters_for(sender)
        instance.refresh_from_db(fields=["event", *{name for c in counters for name in c.where}])
        instance._counted_as = _fed(instance)


def _after_delete(sender, instance, **kwargs):
    counted = getattr(instance, "_counted_as", _UNKNOWN)
    if counted is _UNKNOWN:
        recount_events([instance.event_id])
        return
    for name in counted:
        bump(instance.event_id, name, -1)


def connect():
    from events.counters import COUNTERS

    for model in {c.source for c in COUNTERS}:
        uid = model._meta.label_lower
        post_init.connect(_remember, sender=model, dispatch_uid=f"counters_remember_{uid}")
        post_save.connect(_after_save, sender=model, dispatch_uid=f"counters_save_{uid}")
        pre_delete.connect(_before_delete, sender=model, dispatch_uid=f"counters_before_delete_{uid}")
        post_delete.connect(_after_delete, sender=model, dispatch_uid=f"counters_delete_{uid}")
