"""Exposant profiles and their leads in the admin, scoped like the events (events/admin_scoping.py).

Profiles are written through exposants/services.py like the API's (stand numbers unique per
event, a replaced plan leaves storage). Leads are recorded by scanning badges: the admin lists,
exports and deletes them, it does not make or edit them.
"""

from django import forms
from django.contrib import admin
from django.db.models import Count
from django.utils.translation import gettext_lazy as _

from events.admin import UserByEmailField
from events.admin_scoping import OrganisateurScopedAdmin, ServiceErrorsAsMessages, organised_event_ids
from exposants import services
from exposants.models import Exposant, ExposantScan
from exposants.serializers import visitor_name
from makeplus.admin_csv import export_as_csv


class ExposantAddForm(forms.ModelForm):
    # No Meta: the admin builds it, so its field overrides (e.g. URL scheme) apply.
    user = UserByEmailField(help_text=_("An exposant of the chosen event."))


@admin.register(Exposant)
class ExposantAdmin(ServiceErrorsAsMessages, OrganisateurScopedAdmin, admin.ModelAdmin):
    list_display = ["company_name", "event", "user", "stand_number", "stand_location", "visits", "has_plan"]
    list_filter = [("event", admin.RelatedOnlyFieldListFilter)]
    search_fields = ["company_name", "stand_number", "stand_location", "user__email", "event__name"]
    list_select_related = ["event", "user"]
    readonly_fields = ["event", "user", "created_at", "updated_at"]
    actions = [export_as_csv]

    def get_form(self, request, obj=None, change=False, **kwargs):
        if obj is None:
            kwargs["form"] = ExposantAddForm
        return super().get_form(request, obj, change=change, **kwargs)

    def get_readonly_fields(self, request, obj=None):
        # Event and user are chosen once, when the profile is made.
        # (people by name: admin_scoping.PeopleByName)
        return ["created_at", "updated_at"] if obj is None else super().get_readonly_fields(request, obj)

    def get_queryset(self, request):
        return super().get_queryset(request).annotate(visit_count=Count("scans"))

    @admin.display(description=_("visits"), ordering="visit_count")
    def visits(self, obj) -> int:
        return obj.visit_count

    @admin.display(description=_("plan"), boolean=True)
    def has_plan(self, obj) -> bool:
        return bool(obj.plan_file)

    def save_model(self, request, obj, form, change):
        fields = {name: form.cleaned_data[name] for name in services.PROFILE_FIELDS if name in form.cleaned_data}
        if "plan_file" in fields and fields["plan_file"] is False:  # the "clear" box
            fields["plan_file"] = None
        if change:
            changed = {name: value for name, value in fields.items() if name in form.changed_data}
            saved = services.update_exposant_profile(exposant=obj, actor=request.user, **changed)
        else:
            saved = services.create_exposant_profile(
                event=form.cleaned_data["event"], user=form.cleaned_data["user"], actor=request.user, **fields
            )
        obj.pk = saved.pk
        obj.plan_file = saved.plan_file


@admin.register(ExposantScan)
class ExposantScanAdmin(OrganisateurScopedAdmin, admin.ModelAdmin):
    event_path = "exposant__event"
    list_display = ["scanned_at", "exposant", "visitor", "rating", "short_notes"]
    list_filter = [("exposant__event", admin.RelatedOnlyFieldListFilter), "rating", "scanned_at"]
    search_fields = [
        "exposant__company_name",
        "participant__user__first_name",
        "participant__user__last_name",
        "participant__badge_id",
    ]
    list_select_related = ["exposant", "participant__user"]
    date_hierarchy = "scanned_at"
    readonly_fields = ["exposant", "participant", "scanned_at", "notes", "rating", "created_at", "updated_at"]
    actions = [export_as_csv]

    def formfield_for_foreignkey(self, db_field, request, **kwargs):
        field = super().formfield_for_foreignkey(db_field, request, **kwargs)
        if db_field.name == "exposant" and not request.user.is_superuser:
            field.queryset = field.queryset.filter(event_id__in=organised_event_ids(request))
        return field

    @admin.display(description=_("visitor"), ordering="participant__user__last_name")
    def visitor(self, obj) -> str:
        return visitor_name(obj.participant) or obj.participant.badge_id

    @admin.display(description=_("notes"))
    def short_notes(self, obj) -> str:
        return obj.notes if len(obj.notes) <= 80 else obj.notes[:79] + "…"

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False
