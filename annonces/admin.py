"""Annonces in the admin, scoped like the events (events/admin_scoping.py).

As in the API, any organisateur of the event sees its annonces and only the author changes
or deletes one; writes go through annonces/services.py. The form needs no rules of its own:
the model's constraints (expiry after publication, non-empty title, known roles) and field
limits are validated by the admin's model form, and the service re-checks on save.
"""

from django.contrib import admin
from django.utils import timezone
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from annonces import services
from annonces.models import Annonce, AnnonceRead
from annonces.selectors import read_statistics
from events.admin_scoping import OrganisateurScopedAdmin, ServiceErrorsAsMessages
from events.models import Role
from makeplus.admin_csv import export_as_csv


@admin.register(Annonce)
class AnnonceAdmin(ServiceErrorsAsMessages, OrganisateurScopedAdmin, admin.ModelAdmin):
    event_path = "event"
    list_display = ["title", "event", "targets", "is_pinned", "publish_at", "expires_at", "state", "created_by"]
    # Only the events present in the caller's rows: the plain filter would list every event's name.
    list_filter = ["is_pinned", ("event", admin.RelatedOnlyFieldListFilter)]
    search_fields = ["title", "content", "event__name"]
    list_select_related = ["event", "created_by"]
    date_hierarchy = "publish_at"
    readonly_fields = ["read_statistics", "created_by", "created_at", "updated_at"]
    fields = [
        "event",
        "title",
        "content",
        "target_roles",
        "is_pinned",
        "publish_at",
        "expires_at",
        "read_statistics",
        "created_by",
        "created_at",
        "updated_at",
    ]
    actions = [export_as_csv]

    @admin.display(description=_("targets"))
    def targets(self, annonce):
        if not annonce.target_roles:
            return gettext("Everyone")
        return ", ".join(str(Role(role).label) for role in annonce.target_roles)

    @admin.display(description=_("state"))
    def state(self, annonce):
        return Annonce.State(annonce.state_at(timezone.now())).label

    @admin.display(description=_("read by"))
    def read_statistics(self, annonce):
        if annonce.pk is None:
            return "—"
        statistics = read_statistics([annonce], event=annonce.event)[annonce.pk]
        return gettext("%(read)s of %(targeted)s targeted members") % {
            "read": statistics.read_count,
            "targeted": statistics.target_count,
        }

    def get_readonly_fields(self, request, obj=None):
        # The event of an existing annonce stays.
        fields = super().get_readonly_fields(request, obj)  # people by name (admin_scoping.PeopleByName)
        return [*fields, "event"] if obj is not None else fields

    def _is_author(self, request, obj) -> bool:
        return obj is None or request.user.is_superuser or obj.created_by_id == request.user.pk

    def has_change_permission(self, request, obj=None):
        return super().has_change_permission(request, obj) and self._is_author(request, obj)

    def has_delete_permission(self, request, obj=None):
        return super().has_delete_permission(request, obj) and self._is_author(request, obj)

    def save_model(self, request, obj, form, change):
        fields = {name: form.cleaned_data[name] for name in services.EDITABLE_FIELDS if name in form.cleaned_data}
        if change:
            changed = {name: value for name, value in fields.items() if name in form.changed_data}
            saved = services.update_annonce(annonce=obj, actor=request.user, **changed)
        else:
            saved = services.create_annonce(event=form.cleaned_data["event"], actor=request.user, **fields)
        # The admin goes on with the form's instance (log entry, redirect): make it the saved row.
        for field in Annonce._meta.concrete_fields:
            setattr(obj, field.attname, getattr(saved, field.attname))
        obj._state.adding = False

    def delete_model(self, request, obj):
        services.delete_annonce(annonce=obj, actor=request.user)

    def delete_queryset(self, request, queryset):
        for annonce in queryset:
            services.delete_annonce(annonce=annonce, actor=request.user)


@admin.register(AnnonceRead)
class AnnonceReadAdmin(OrganisateurScopedAdmin, admin.ModelAdmin):
    """Read receipts are written by the members' apps; the admin lists and exports them."""

    event_path = "annonce__event"
    list_display = ["annonce", "user", "read_at"]
    list_filter = [("annonce__event", admin.RelatedOnlyFieldListFilter)]
    search_fields = ["annonce__title", "user__email", "user__last_name"]
    list_select_related = ["annonce", "user"]
    date_hierarchy = "read_at"
    actions = [export_as_csv]

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False
