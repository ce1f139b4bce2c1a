"""Rooms, sessions and atelier registrations in the admin, scoped like the events (admin_scoping.py)."""

from django import forms
from django.contrib import admin
from django.core.exceptions import ValidationError

from events.admin_scoping import OrganisateurScopedAdmin
from events.models import Room, RoomAssignment, Session, SessionAccess
from events.services.programme import check_session_rules, ensure_room_free
from events.services.staff import check_assignment
from makeplus.admin_csv import export_as_csv
from makeplus.errors import AppError


@admin.register(Room)
class RoomAdmin(OrganisateurScopedAdmin, admin.ModelAdmin):
    list_display = ["name", "event", "capacity", "current_participants", "location", "is_active"]
    list_filter = ["is_active", "event"]
    search_fields = ["name", "location", "event__name"]
    list_select_related = ["event"]
    readonly_fields = ["current_participants", "created_by", "created_at", "updated_at"]
    actions = [export_as_csv]

    def save_model(self, request, obj, form, change):
        if not change:
            obj.created_by = request.user
        super().save_model(request, obj, form, change)


class SessionAdminForm(forms.ModelForm):
    # No Meta: the admin builds it, so its field overrides (e.g. URL scheme) apply.

    def clean(self):
        cleaned = super().clean()
        if self.errors:
            return cleaned
        # Same rules as the API (events/services/programme.py), shown as form errors.
        session = self.instance
        for name, value in cleaned.items():
            setattr(session, name, value)
        try:
            check_session_rules(session)
            ensure_room_free(session)
        except AppError as exc:
            raise ValidationError(str(exc.message), code=exc.get_codes()) from None
        return cleaned


@admin.register(Session)
class SessionAdmin(OrganisateurScopedAdmin, admin.ModelAdmin):
    form = SessionAdminForm
    list_display = ["title", "event", "room", "session_type", "status", "start_time", "end_time", "is_paid", "price"]
    list_filter = ["status", "session_type", "is_paid", "event"]
    search_fields = ["title", "speaker_name", "theme", "room__name"]
    list_select_related = ["event", "room"]
    date_hierarchy = "start_time"
    readonly_fields = ["cancelled_at", "cancelled_by", "created_by", "created_at", "updated_at"]
    actions = [export_as_csv]

    def formfield_for_foreignkey(self, db_field, request, **kwargs):
        field = super().formfield_for_foreignkey(db_field, request, **kwargs)
        if db_field.name == "room" and not request.user.is_superuser:
            from events.admin_scoping import organised_event_ids

            field.queryset = field.queryset.filter(event_id__in=organised_event_ids(request))
        return field

    def save_model(self, request, obj, form, change):
        if not change:
            obj.created_by = request.user
        super().save_model(request, obj, form, change)


@admin.register(SessionAccess)
class SessionAccessAdmin(OrganisateurScopedAdmin, admin.ModelAdmin):
    """Registrations and payments are recorded through the API (capacity and payment rules);
    the admin lists and exports them."""

    event_path = "session__event"
    list_display = ["participant", "session", "status", "amount", "payment_method", "paid_at", "recorded_by"]
    list_filter = ["status", "payment_method", "session__event"]
    search_fields = ["participant__user__email", "participant__badge_id", "session__title"]
    list_select_related = ["participant__user", "session", "recorded_by"]
    actions = [export_as_csv]

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False


class RoomAssignmentAdminForm(forms.ModelForm):
    # No Meta: built by the admin. Same rules as the API, shown as form errors.

    def clean(self):
        cleaned = super().clean()
        if self.errors:
            return cleaned
        shift = self.instance
        for name, value in cleaned.items():
            setattr(shift, name, value)
        try:
            check_assignment(shift)
        except AppError as exc:
            raise ValidationError(str(exc.message), code=exc.get_codes()) from None
        return cleaned


@admin.register(RoomAssignment)
class RoomAssignmentAdmin(OrganisateurScopedAdmin, admin.ModelAdmin):
    """Shifts by room (filter) or by person (search by email or name)."""

    form = RoomAssignmentAdminForm
    event_path = "room__event"
    list_display = ["user", "room", "role", "start_time", "end_time", "is_active", "notes"]
    list_filter = ["role", "is_active", "room__event", "room"]
    search_fields = ["user__email", "user__first_name", "user__last_name", "room__name"]
    list_select_related = ["user", "room"]
    date_hierarchy = "start_time"
    readonly_fields = ["assigned_by", "created_at", "updated_at"]
    actions = [export_as_csv]

    def formfield_for_foreignkey(self, db_field, request, **kwargs):
        field = super().formfield_for_foreignkey(db_field, request, **kwargs)
        if not request.user.is_superuser and db_field.name in ("room", "user"):
            from events.admin_scoping import organised_event_ids

            events = organised_event_ids(request)
            if db_field.name == "room":
                field.queryset = field.queryset.filter(event_id__in=events)
            else:  # only members of the organised events, never the whole platform
                field.queryset = field.queryset.filter(event_assignments__event_id__in=events).distinct()
        return field

    def save_model(self, request, obj, form, change):
        if not change:
            obj.assigned_by = request.user
        super().save_model(request, obj, form, change)
