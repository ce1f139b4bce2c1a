"""Admin access for organisateurs: each sees and edits only the events it organises.

Superusers keep Django's usual behaviour (they see everything). Any other user (no staff flag needed:
makeplus/admin_site.py lets organisateurs log in) gets access from the database, not from Django model
permissions: being an ACTIVE organisateur of an event is what opens the admin to it, and losing that
assignment closes it at the next request (the same rule as the API, SPEC §2). Staff users who organise nothing
get nothing.

Usage in any app::

    @admin.register(Room)
    class RoomAdmin(OrganisateurScopedAdmin, admin.ModelAdmin):
        event_path = "event"          # how to reach the Event from a Room ("" for Event itself)

    class SessionInline(OrganisateurScopedInline, admin.TabularInline):
        parent_event_path = "event"   # how to reach the Event from the inline's parent (a Room)

The mixin must come before ``admin.ModelAdmin`` so its methods win.
"""

from django.contrib import messages
from django.contrib.admin import RelatedOnlyFieldListFilter
from django.db import models, transaction
from django.http import HttpRequest, HttpResponseRedirect

from events.models import Event, Role, UserEventAssignment
from makeplus.errors import AppError

_CACHE_ATTR = "_organised_event_ids"


def organised_event_ids(request: HttpRequest) -> frozenset:
    """Ids of the events the caller actively organises; read once per request."""
    # The permission hooks run many times per admin page: one query, remembered on the request.
    cached = getattr(request, _CACHE_ATTR, None)
    if cached is None:
        user = request.user
        # No staff flag needed: the active organisateur assignment is what opens the back office
        # (makeplus/admin_site.py), re-read on every request.
        if user.is_authenticated and user.is_active:
            cached = frozenset(
                UserEventAssignment.objects.filter(user=user, role=Role.ORGANISATEUR, is_active=True).values_list(
                    "event_id", flat=True
                )
            )
        else:
            cached = frozenset()
        setattr(request, _CACHE_ATTR, cached)
    return cached


def forget_organised_events(request: HttpRequest) -> None:
    """Call after a save that changes the caller's organisateur roles (e.g. it created an event)."""
    if hasattr(request, _CACHE_ATTR):
        delattr(request, _CACHE_ATTR)


def event_id_of(obj, path: str):
    """The event id an object belongs to, following ``path`` ("" means obj is the Event)."""
    if not path:
        return obj.pk
    *hops, last = path.split("__")
    for hop in hops:
        obj = getattr(obj, hop)
    # The last hop is a foreign key to Event: its raw id costs no query.
    return getattr(obj, f"{last}_id")


def _event_lookup(model) -> str | None:
    """How to reach the Event from a model of an event ("" for Event itself), or None."""
    if model is Event:
        return ""
    names = {f.name: f for f in model._meta.get_fields() if getattr(f, "many_to_one", False)}
    if "event" in names and names["event"].related_model is Event:
        return "event"
    for via in ("session", "room", "annonce", "exposant", "participant"):
        field = names.get(via)
        if field is not None:
            inner = _event_lookup(field.related_model)
            if inner:
                return f"{via}__{inner}"
    return None


def scoped_choices(model, request):
    """The rows of ``model`` in the caller's organised events (None when ``model`` belongs to no event)."""
    lookup = _event_lookup(model)
    if lookup is None:
        return None
    ids = organised_event_ids(request)
    return model._default_manager.filter(**{(f"{lookup}__in" if lookup else "pk__in"): ids})


def person_name(user) -> str:
    """How the back office names a person: the full name, the email only when there is no name."""
    if user is None:
        return "—"
    return user.get_full_name() or user.email


class PersonListFilter(RelatedOnlyFieldListFilter):
    """A "by person" filter (controller, author...) that lists names, not emails."""

    def field_choices(self, field, request, model_admin):
        from accounts.models import User

        pk_qs = model_admin.get_queryset(request).order_by().values(f"{self.field_path}__pk")
        people = User.objects.filter(pk__in=pk_qs).order_by("last_name", "first_name", "pk")
        return [(user.pk, person_name(user)) for user in people]


def scoped_filter(model, item):
    """A list_filter entry naming a relation becomes a RelatedOnlyFieldListFilter."""
    if not isinstance(item, str):
        return item
    from django.contrib.admin.utils import NotRelationField, get_fields_from_path
    from django.core.exceptions import FieldDoesNotExist

    try:
        field = get_fields_from_path(model, item)[-1]
    except (FieldDoesNotExist, NotRelationField):  # not a field path: Django reports it
        return item
    if getattr(field, "is_relation", False) and field.related_model is not None:
        from django.contrib.auth import get_user_model

        if field.related_model is get_user_model():
            return (item, PersonListFilter)
        return (item, RelatedOnlyFieldListFilter)
    return item


class _ScopedPermissions:
    """Shared permission logic; ``_may(request, obj)`` says whether obj's event is organised by the caller."""

    def _may(self, request, obj) -> bool:
        raise NotImplementedError

    def _allowed(self, request, obj=None) -> bool:
        ids = organised_event_ids(request)
        return bool(ids) and (obj is None or self._may(request, obj))

    def has_view_permission(self, request, obj=None):
        if request.user.is_superuser:
            return super().has_view_permission(request, obj)
        return self._allowed(request, obj)

    def has_change_permission(self, request, obj=None):
        if request.user.is_superuser:
            return super().has_change_permission(request, obj)
        return self._allowed(request, obj)

    def has_delete_permission(self, request, obj=None):
        if request.user.is_superuser:
            return super().has_delete_permission(request, obj)
        return self._allowed(request, obj)

    def formfield_for_foreignkey(self, db_field, request, **kwargs):
        # A foreign key to Event only offers the caller's events; anything else is "not a valid choice".
        # A foreign key to a model of an event (a room, a session, a badge...) only its events' rows.
        if not request.user.is_superuser:
            scoped = scoped_choices(db_field.related_model, request)
            if scoped is not None:
                kwargs["queryset"] = scoped
            if db_field.related_model is Event:
                ids = organised_event_ids(request)
                if len(ids) == 1:  # one event: preselected on add forms
                    kwargs.setdefault("initial", next(iter(ids)))
        field = super().formfield_for_foreignkey(db_field, request, **kwargs)
        from django.contrib.auth import get_user_model

        if field is not None and db_field.related_model is get_user_model() and hasattr(field, "label_from_instance"):
            field.label_from_instance = person_name  # names, not emails
        return field

    def formfield_for_dbfield(self, db_field, request, **kwargs):
        # Uploaded files open through a signed link under a readable name (events/admin_files.py).
        if isinstance(db_field, models.FileField):
            from events.admin_files import SignedFileWidget

            kwargs["widget"] = SignedFileWidget(request=request, label=db_field.verbose_name)
        return super().formfield_for_dbfield(db_field, request, **kwargs)

    def formfield_for_manytomany(self, db_field, request, **kwargs):
        if not request.user.is_superuser:
            scoped = scoped_choices(db_field.related_model, request)
            if scoped is not None:
                kwargs["queryset"] = scoped
        return super().formfield_for_manytomany(db_field, request, **kwargs)

    def get_list_filter(self, request):
        # "By event", "by room", "by session"...: only the values present in the caller's rows
        # (RelatedOnlyFieldListFilter reads them from get_queryset), never every event's names.
        return [scoped_filter(self.model, item) for item in super().get_list_filter(request)]


_PERSON_SUFFIX = "_person"


def _user_fk_names(model) -> set:
    from django.contrib.auth import get_user_model

    user_model = get_user_model()
    return {
        f.name
        for f in model._meta.get_fields()
        if getattr(f, "many_to_one", False) and f.related_model is user_model and f.concrete
    }


class PeopleByName:
    """ModelAdmin mixin: a foreign key to a user (created by, assigned by, user...) shown read-only or as a
    list column reads as the person's name (makeplus: names, not emails), without Django's link to the
    user admin that organisateurs may not open (a 403)."""

    def __getattr__(self, name):
        if name.endswith(_PERSON_SUFFIX):
            field = name[: -len(_PERSON_SUFFIX)]
            if field in _user_fk_names(self.model):
                label = self.model._meta.get_field(field).verbose_name

                def column(obj):
                    return person_name(getattr(obj, field))

                column.short_description = label
                column.admin_order_field = f"{field}__last_name"
                return column
        raise AttributeError(name)

    def _people(self, names):
        people = _user_fk_names(self.model)
        return [f"{name}{_PERSON_SUFFIX}" if isinstance(name, str) and name in people else name for name in names]

    def get_list_display(self, request):
        return self._people(super().get_list_display(request))

    def get_readonly_fields(self, request, obj=None):
        return self._people(super().get_readonly_fields(request, obj))

    def _shown_as_people(self, request, obj) -> set:
        # The names whose "<name>_person" column is read-only here (an override of get_readonly_fields
        # that does not call super keeps the raw name: then the raw field stays too).
        readonly = set(self.get_readonly_fields(request, obj))
        return {name for name in _user_fk_names(self.model) if f"{name}{_PERSON_SUFFIX}" in readonly}

    def _map_people(self, names, people):
        return [f"{n}{_PERSON_SUFFIX}" if isinstance(n, str) and n in people else n for n in names]

    def get_fields(self, request, obj=None):
        return self._map_people(super().get_fields(request, obj), self._shown_as_people(request, obj))

    def get_fieldsets(self, request, obj=None):
        people = self._shown_as_people(request, obj)
        return [
            (title, {**opts, "fields": self._map_people(opts["fields"], people)})
            for title, opts in super().get_fieldsets(request, obj)
        ]


class OrganisateurScopedAdmin(PeopleByName, _ScopedPermissions):
    """ModelAdmin mixin: rows limited to the caller's organised events (all rows for superusers).

    Another event's object is out of ``get_queryset``, so the admin treats its id like a
    missing one (redirect to the index with "doesn't exist"); it never renders it.
    """

    event_path = "event"
    # Django 6's default already; avoids the transition warning on every URL field.
    formfield_overrides = {models.URLField: {"assume_scheme": "https"}}

    def get_queryset(self, request):
        qs = super().get_queryset(request)
        if request.user.is_superuser:
            return qs
        lookup = f"{self.event_path}__in" if self.event_path else "pk__in"
        return qs.filter(**{lookup: organised_event_ids(request)})

    def _may(self, request, obj) -> bool:
        return event_id_of(obj, self.event_path) in organised_event_ids(request)

    def has_module_permission(self, request):
        if request.user.is_superuser:
            return super().has_module_permission(request)
        return bool(organised_event_ids(request))

    def has_add_permission(self, request):
        if request.user.is_superuser:
            return super().has_add_permission(request)
        return bool(organised_event_ids(request))

    def get_deleted_objects(self, objs, request):
        # The rows a delete takes along (cancelled registrations, upvotes...) are listed on the
        # confirmation page, but their own admin's permissions do not count: the delete goes through a
        # service, which refuses what must not go (events/services). Django would answer 403 instead.
        to_delete, model_count, perms_needed, protected = super().get_deleted_objects(objs, request)
        if not request.user.is_superuser:
            perms_needed = set()
        return to_delete, model_count, perms_needed, protected


class OrganisateurScopedInline(_ScopedPermissions):
    """InlineModelAdmin mixin. Django passes the PARENT object to inline permission hooks,
    hence ``parent_event_path`` (the path from the parent to its Event; "" when the parent is an Event).
    The inline's rows need no extra filter: they hang off a parent the caller could already open.
    """

    parent_event_path = ""

    def _may(self, request, obj) -> bool:
        return event_id_of(obj, self.parent_event_path) in organised_event_ids(request)

    def has_add_permission(self, request, obj=None):
        if request.user.is_superuser:
            return super().has_add_permission(request, obj)
        return self._allowed(request, obj)


class ServiceErrorsAsMessages:
    """A business rule refused a write (AppError): undo everything, say why, show the page again."""

    def _refusing(self, view, request, *args, **kwargs):
        if request.method != "POST":
            return view(request, *args, **kwargs)
        try:
            with transaction.atomic():
                return view(request, *args, **kwargs)
        except AppError as exc:
            self.message_user(request, str(exc.message), messages.ERROR)
            return HttpResponseRedirect(request.get_full_path())

    def changeform_view(self, request, *args, **kwargs):
        return self._refusing(super().changeform_view, request, *args, **kwargs)

    def delete_view(self, request, *args, **kwargs):
        return self._refusing(super().delete_view, request, *args, **kwargs)

    def changelist_view(self, request, *args, **kwargs):  # bulk actions (delete selected)
        return self._refusing(super().changelist_view, request, *args, **kwargs)
