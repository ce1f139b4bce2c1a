"""Admin access for organisateurs: each sees and edits only the events it organises.

Superusers keep Django's usual behaviour (they see everything). Any other staff user
gets access from the database, not from Django model permissions: being an ACTIVE
organisateur of an event is what opens the admin to it, and losing that assignment
closes it at the next request (the same rule as the API, SPEC §2). Staff users who
organise nothing get nothing.

Usage in any app::

    @admin.register(Room)
    class RoomAdmin(OrganisateurScopedAdmin, admin.ModelAdmin):
        event_path = "event"          # how to reach the Event from a Room ("" for Event itself)

    class SessionInline(OrganisateurScopedInline, admin.TabularInline):
        parent_event_path = "event"   # how to reach the Event from the inline's parent (a Room)

The mixin must come before ``admin.ModelAdmin`` so its methods win.
"""

from django.contrib import messages
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
        if user.is_authenticated and user.is_active and user.is_staff:
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
        if db_field.related_model is Event and not request.user.is_superuser:
            kwargs["queryset"] = Event.objects.filter(pk__in=organised_event_ids(request))
        return super().formfield_for_foreignkey(db_field, request, **kwargs)


class OrganisateurScopedAdmin(_ScopedPermissions):
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
