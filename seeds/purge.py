"""Set-based purges: a queryset and everything that depends on it, deleted in a few statements.

``reset_everything`` (:func:`purge_everything`) and ``create_load_event --replace`` (the load
event's million rows) use them; stored files of deleted rows leave storage when the deletion
commits, as the services do.
"""

from collections import Counter
from dataclasses import dataclass, field

from django.core.exceptions import EmptyResultSet
from django.db import connections, models, transaction

from accounts.models import User
from events.counters import recount_events, recount_rooms
from events.models import Event, Participant, RoomAccess, Session


@dataclass
class Purged:
    rows: Counter = field(default_factory=Counter)  # "app_label.Model" → rows deleted
    files: int = 0  # stored files scheduled for removal on commit

    def __iadd__(self, other: "Purged") -> "Purged":
        self.rows += other.rows
        self.files += other.files
        return self


def _dependents(model) -> list:
    """The relations whose rows point at ``model`` (hidden ones included: M2M through tables)."""
    return [
        f
        for f in model._meta.get_fields(include_hidden=True)
        if f.auto_created and not f.concrete and (f.one_to_one or f.one_to_many)
    ]


def _delete_files_on_commit(model, queryset) -> int:
    """Stored files of the rows about to be deleted leave storage once the deletion commits."""
    count = 0
    for file_field in (f for f in model._meta.concrete_fields if isinstance(f, models.FileField)):
        names = queryset.exclude(**{file_field.name: ""}).exclude(**{f"{file_field.name}__isnull": True})
        for name in names.values_list(file_field.name, flat=True).iterator():
            storage = file_field.storage
            transaction.on_commit(lambda storage=storage, name=name: storage.delete(name), using=queryset.db)
            count += 1
    return count


def _delete_rows(queryset) -> int:
    connection = connections[queryset.db]
    try:
        inner, params = queryset.order_by().values("pk").query.get_compiler(connection=connection).as_sql()
    except EmptyResultSet:
        return 0
    opts, qn = queryset.model._meta, connection.ops.quote_name
    with connection.cursor() as cursor:
        cursor.execute(f"DELETE FROM {qn(opts.db_table)} WHERE {qn(opts.pk.column)} IN ({inner})", params)
        return cursor.rowcount


def purge(queryset) -> Purged:
    """Delete the rows of ``queryset`` and what depends on them, as the ORM's cascade would
    (CASCADE deletes, SET_NULL / SET_DEFAULT set, DO_NOTHING leaves), but in set-based SQL:
    no row is loaded, no signal is sent. So it is for the bulk paths only, and counters are the
    caller's business. PROTECT / RESTRICT refuse (ValueError) while protected rows remain: purge
    those first. The queryset is re-run as a subquery at every step, so its filter must not go
    through rows that this purge deletes."""
    model, purged = queryset.model, Purged()
    for rel in _dependents(model):
        keys = queryset.order_by().values(rel.field_name)
        dependents = rel.related_model._base_manager.using(queryset.db).filter(**{f"{rel.field.name}__in": keys})
        if rel.on_delete is models.CASCADE:
            if dependents.exists():  # also ends the walk down a self-referencing tree (replies of replies)
                purged += purge(dependents)
        elif rel.on_delete is models.SET_NULL:
            dependents.update(**{rel.field.name: None})
        elif rel.on_delete is models.SET_DEFAULT:
            dependents.update(**{rel.field.name: rel.field.get_default()})
        elif rel.on_delete is models.DO_NOTHING:
            continue
        elif dependents.exists():
            raise ValueError(
                f"{rel.related_model._meta.label} rows still refer to {model._meta.label}: purge them first"
            )
    purged.files += _delete_files_on_commit(model, queryset)
    purged.rows[model._meta.label] += _delete_rows(queryset)
    return purged


def purge_events(events) -> Purged:
    """Events with everything in them. The door log goes first (the largest table: deleted
    through its rooms rather than emptied participant by participant), then the sessions
    (rooms PROTECT them), then the events and the rest of their cascade."""
    purged = purge(RoomAccess.objects.filter(room__event__in=events.values("pk")))
    purged += purge(Session.objects.filter(event__in=events.values("pk")))
    purged += purge(events)
    return purged


def purge_users(users) -> Purged:
    """Accounts with their roles, badges, shifts and JWTs (outstanding ones, blacklisted or not:
    simplejwt would only unlink them). Events that lose badges of theirs are recounted."""
    from rest_framework_simplejwt.token_blacklist.models import OutstandingToken

    touched = set(Participant.objects.filter(user__in=users.values("pk")).values_list("event_id", flat=True))
    purged = purge(OutstandingToken.objects.filter(user__in=users.values("pk")))
    purged += purge(users)
    if touched:
        recount_events(touched)
        recount_rooms(touched)
    return purged


@transaction.atomic
def purge_everything() -> Purged:
    """``reset_everything``: every event with all its data, and every account but the superusers."""
    purged = purge_events(Event.objects.all())
    purged += purge_users(User.objects.filter(is_superuser=False))
    return purged
