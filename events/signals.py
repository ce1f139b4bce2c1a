"""Upkeep of the event totals (``EVENT_TOTALS`` in events/counters.py) and of the upvote counts when a
vote row goes (``UPVOTES``), connected in apps.py.

Rooms and badges are saved and deleted from many places (services, admin, cascades), so the
totals follow every save and delete of their source rows here. The totals an instance feeds
are remembered when it is loaded (post_init), so a save knows which it leaves and which it
joins. Services lock a row before changing it, so that remembered state is the committed one.
"""

from functools import cache

from django.apps import apps
from django.db.models.signals import post_delete, post_init, post_save, pre_delete
from django.utils import timezone

from events.counters import EVENT_TOTALS, bump, recount_events

_UNKNOWN = object()


@cache  # post_init asks for every room and badge loaded
def _totals_of(model) -> tuple:
    return tuple(total for total in EVENT_TOTALS if total.source == model._meta.label)


def _fed(instance) -> frozenset | object:
    totals = _totals_of(type(instance))
    needed = {"event_id", *(name for total in totals for name, _value in total.where)}
    # Deferred fields are not loaded here (a query per row); such an instance is "unknown"
    # and a later save or delete of it recounts its event from the database instead.
    if not needed <= instance.__dict__.keys():
        return _UNKNOWN
    return frozenset(total.field for total in totals if total.feeds(instance))


def _bump(instance, fields, delta: int) -> None:
    Event = apps.get_model("events.Event")
    for field in fields:
        bump(Event.objects.filter(pk=instance.event_id), field, delta)


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
        _bump(instance, before - after, -1)
        _bump(instance, after - before, +1)
    instance._counted_as = after


def _before_delete(sender, instance, **kwargs):
    # Last chance to read a deferred instance's fields: the row is gone at post_delete.
    if getattr(instance, "_counted_as", _UNKNOWN) is _UNKNOWN:
        names = {name for total in _totals_of(sender) for name, _value in total.where}
        instance.refresh_from_db(fields=["event", *names])
        instance._counted_as = _fed(instance)


def _after_delete(sender, instance, **kwargs):
    counted = getattr(instance, "_counted_as", _UNKNOWN)
    if counted is _UNKNOWN:
        recount_events([instance.event_id])
    else:
        _bump(instance, counted, -1)


def _vote_deleted(sender, instance, **kwargs):
    # Whatever removes a vote (the toggle, or a cascade: its voter's account or its question deleted)
    # takes it out of the count in the same transaction; polling clients see the change (updated_at).
    questions = apps.get_model("events.SessionQuestion").objects.filter(pk=instance.question_id, upvote_count__gt=0)
    bump(questions, "upvote_count", -1, updated_at=timezone.now())


def connect():
    post_delete.connect(_vote_deleted, sender="events.QuestionUpvote", dispatch_uid="counters_vote_deleted")
    for model in {apps.get_model(total.source) for total in EVENT_TOTALS}:
        uid = model._meta.label_lower
        post_init.connect(_remember, sender=model, dispatch_uid=f"counters_remember_{uid}")
        post_save.connect(_after_save, sender=model, dispatch_uid=f"counters_save_{uid}")
        pre_delete.connect(_before_delete, sender=model, dispatch_uid=f"counters_before_delete_{uid}")
        post_delete.connect(_after_delete, sender=model, dispatch_uid=f"counters_delete_{uid}")
