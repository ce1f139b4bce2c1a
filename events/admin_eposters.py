"""E-posters in the admin, scoped like the events (admin_scoping.py): organisateurs upload
posters of their events; writes go through the same service as the API (thumbnail, file rules)."""

from django.contrib import admin

from events.admin_scoping import OrganisateurScopedAdmin, ServiceErrorsAsMessages
from events.models import EPoster
from events.services import eposters as services
from makeplus.admin_csv import export_as_csv

EDITABLE = services.EDITABLE_FIELDS


@admin.register(EPoster)
class EPosterAdmin(ServiceErrorsAsMessages, OrganisateurScopedAdmin, admin.ModelAdmin):
    event_path = "event"
    list_display = ["contribution_number", "title", "authors", "theme", "event", "submitted_at"]
    list_display_links = ["contribution_number", "title"]
    list_filter = ["event", "theme"]
    search_fields = ["title", "authors", "co_authors", "theme", "contribution_number"]
    list_select_related = ["event"]
    fields = ["event", *EDITABLE, "uploaded_by", "created_at", "updated_at"]
    readonly_fields = ["uploaded_by", "created_at", "updated_at"]
    actions = [export_as_csv]

    def get_readonly_fields(self, request, obj=None):
        # A poster stays in its event.
        fields = super().get_readonly_fields(request, obj)  # people by name (admin_scoping.PeopleByName)
        return [*fields, "event"] if obj is not None else fields

    def save_model(self, request, obj, form, change):
        data = form.cleaned_data
        if change:
            current = EPoster.objects.get(pk=obj.pk)
            changed = {name: data[name] for name in form.changed_data if name in EDITABLE}
            form.instance = services.update_eposter(eposter=current, actor=request.user, **changed)
        else:
            fields = {name: data.get(name) for name in EDITABLE if name not in ("title", "file")}
            form.instance = services.create_eposter(
                event=data["event"], actor=request.user, title=data["title"], file=data["file"], **fields
            )
        obj.pk = form.instance.pk

    def delete_model(self, request, obj):
        services.delete_eposter(eposter=obj, actor=request.user)

    def delete_queryset(self, request, queryset):
        for poster in queryset:
            services.delete_eposter(eposter=poster, actor=request.user)
