"""Rooms, sessions, shifts and atelier registrations in the admin, scoped like the events (admin_scoping.py).

Every write goes through the same services as the API (issue 20 item 4), so no rule is bypassed here:
rooms (events.services.programme.create_room/update_room/delete_room), sessions (create_session/
update_session/delete_session), the session STATUS only through the actions below
(change_session_status: mark live, mark completed, back to scheduled, cancel with a reason; the
status is read-only in the form), shifts (events.services.staff), occupancy resets
(events.services.access.reset_room_occupancy). A refused write shows the rule's message.
"""

from django import forms
from django.contrib import admin, messages
from django.core.exceptions import ValidationError
from django.template.response import TemplateResponse
from django.utils.translation import gettext, ngettext
from django.utils.translation import gettext_lazy as _

from events.admin_door import reset_occupancy
from events.admin_scoping import (
    OrganisateurScopedAdmin,
    ServiceErrorsAsMessages,
    organised_event_ids,
    person_name,
)
from events.models import Room, RoomAssignment, Session, SessionAccess
from events.services import programme as programme_services
from events.services import staff as staff_services
from events.services.programme import check_session_rules, ensure_room_free
from events.services.staff import check_assignment
from makeplus.admin_csv import export_as_csv
from makeplus.errors import AppError


def _changed(form, names) -> dict:
    return {name: form.cleaned_data[name] for name in form.changed_data if name in names}


class _StaysInItsEvent:
    """An object keeps its event: the event is chosen on the add form only."""

    def get_readonly_fields(self, request, obj=None):
        fields = list(super().get_readonly_fields(request, obj))
        return [*fields, "event"] if obj is not None and "event" not in fields else fields


# --- rooms ---------------------------------------------------------------------------------------


@admin.register(Room)
class RoomAdmin(ServiceErrorsAsMessages, _StaysInItsEvent, OrganisateurScopedAdmin, admin.ModelAdmin):
    list_display = ["name", "event", "capacity", "current_participants", "occupancy", "location", "is_active"]
    list_filter = ["is_active", "event"]
    search_fields = ["name", "location"]
    list_select_related = ["event"]
    fields = ["event", "name", "description", "capacity", "location", "is_active"]
    readonly_fields = ["current_participants", "created_by", "created_at", "updated_at"]
    actions = [export_as_csv, reset_occupancy]

    EDITABLE = ("name", "description", "capacity", "location", "is_active")

    def get_fields(self, request, obj=None):
        return self.fields if obj is None else [*self.fields, *self.readonly_fields]

    @admin.display(description=_("occupancy"))
    def occupancy(self, obj):
        return f"{obj.occupancy_percentage} %"

    def save_model(self, request, obj, form, change):
        if change:
            form.instance = programme_services.update_room(
                room=obj, actor=request.user, **_changed(form, self.EDITABLE)
            )
        else:
            data = form.cleaned_data
            form.instance = programme_services.create_room(
                event=data["event"], actor=request.user, **{name: data[name] for name in self.EDITABLE}
            )
            obj.pk = form.instance.pk

    def delete_model(self, request, obj):
        programme_services.delete_room(room=obj, actor=request.user)

    def delete_queryset(self, request, queryset):
        for room in queryset:
            programme_services.delete_room(room=room, actor=request.user)


# --- sessions ------------------------------------------------------------------------------------


class SessionAdminForm(forms.ModelForm):
    # No Meta: the admin builds it, so its field overrides (e.g. URL scheme) apply.

    def clean(self):
        cleaned = super().clean()
        if self.errors:
            return cleaned
        # Same rules as the API (events/services/programme.py), shown as form errors; the service
        # checks them again under the room's lock when saving.
        session = self.instance
        for name, value in cleaned.items():
            setattr(session, name, value)
        try:
            check_session_rules(session)
            ensure_room_free(session)
        except AppError as exc:
            raise ValidationError(str(exc.message), code=exc.get_codes()) from None
        return cleaned


class CancelForm(forms.Form):
    reason = forms.CharField(
        label=_("reason"),
        max_length=500,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_("Shown to participants with the cancellation."),
    )


def _change_status(modeladmin, request, queryset, to, reason=""):
    changed = 0
    for session in queryset:
        try:
            programme_services.change_session_status(session=session, actor=request.user, to=to, reason=reason)
        except AppError as exc:
            modeladmin.message_user(request, f"{session.title}: {exc.message}", messages.ERROR)
        else:
            changed += 1
    if changed:
        modeladmin.message_user(
            request,
            ngettext("%(count)d session is now %(status)s.", "%(count)d sessions are now %(status)s.", changed)
            % {"count": changed, "status": Session.Status(to).label},
            messages.SUCCESS,
        )


@admin.action(description=_("Mark live"), permissions=["change"])
def mark_live(modeladmin, request, queryset):
    _change_status(modeladmin, request, queryset, Session.Status.LIVE)


@admin.action(description=_("Mark completed"), permissions=["change"])
def mark_completed(modeladmin, request, queryset):
    _change_status(modeladmin, request, queryset, Session.Status.COMPLETED)


@admin.action(description=_("Back to scheduled (marked live by mistake)"), permissions=["change"])
def mark_scheduled(modeladmin, request, queryset):
    _change_status(modeladmin, request, queryset, Session.Status.SCHEDULED)


@admin.action(description=_("Cancel with a reason…"), permissions=["change"])
def cancel_sessions(modeladmin, request, queryset):
    """Asks for the reason on a page of its own, then cancels through the service."""
    form = CancelForm(request.POST if "apply" in request.POST else None)
    if "apply" in request.POST and form.is_valid():
        _change_status(modeladmin, request, queryset, Session.Status.CANCELLED, form.cleaned_data["reason"])
        return None
    context = {
        **modeladmin.admin_site.each_context(request),
        "opts": modeladmin.model._meta,
        "title": gettext("Cancel sessions"),
        "sessions": queryset.select_related("room"),
        "form": form,
        "action_checkbox_name": admin.helpers.ACTION_CHECKBOX_NAME,
        "select_across": request.POST.get("select_across", "0"),
    }
    return TemplateResponse(request, "admin/events/session/cancel.html", context)


@admin.register(Session)
class SessionAdmin(ServiceErrorsAsMessages, _StaysInItsEvent, OrganisateurScopedAdmin, admin.ModelAdmin):
    form = SessionAdminForm
    list_display = ["title", "event", "room", "session_type", "status", "start_time", "end_time", "is_paid", "price"]
    list_filter = ["status", "session_type", "is_paid", "event", "room"]
    search_fields = ["title", "speaker_name", "theme", "room__name"]
    list_select_related = ["event", "room"]
    date_hierarchy = "start_time"
    exclude = ["metadata"]  # free-form data of the API's clients: no raw JSON box here
    readonly_fields = ["status", "cancelled_at", "cancelled_by_name", "cancel_reason", "created_at", "updated_at"]
    actions = [mark_live, mark_completed, mark_scheduled, cancel_sessions, export_as_csv]

    @admin.display(description=_("cancelled by"))
    def cancelled_by_name(self, obj):
        return person_name(obj.cancelled_by) if obj.cancelled_by_id else "—"

    def get_exclude(self, request, obj=None):
        return [*self.exclude, "cancelled_by", "created_by"]

    # The same actions as buttons on a session's page (events/templates/admin/events/session/change_form.html),
    # those the service would accept from the session's status.
    STATUS_BUTTONS = {
        Session.Status.SCHEDULED: [
            ("mark_live", _("Mark live")),
            ("mark_completed", _("Mark completed")),
            ("cancel_sessions", _("Cancel with a reason…")),
        ],
        Session.Status.LIVE: [
            ("mark_completed", _("Mark completed")),
            ("mark_scheduled", _("Back to scheduled (marked live by mistake)")),
            ("cancel_sessions", _("Cancel with a reason…")),
        ],
    }

    def change_view(self, request, object_id, form_url="", extra_context=None):
        session = self.get_queryset(request).filter(pk=object_id).only("status").first()
        buttons = self.STATUS_BUTTONS.get(session.status, []) if session is not None else []
        return super().change_view(request, object_id, form_url, {**(extra_context or {}), "status_actions": buttons})

    def formfield_for_foreignkey(self, db_field, request, **kwargs):
        field = super().formfield_for_foreignkey(db_field, request, **kwargs)
        if db_field.name == "room" and not request.user.is_superuser:
            field.queryset = field.queryset.filter(event_id__in=organised_event_ids(request)).select_related("event")
            if len(organised_event_ids(request)) > 1:  # rooms of several events: name the event too
                field.label_from_instance = lambda room: f"{room.event} — {room}"
        return field

    def _editable(self, form):
        return [name for name in form.base_fields if name not in ("event",)]

    def save_model(self, request, obj, form, change):
        if change:
            form.instance = programme_services.update_session(
                session=obj, actor=request.user, **_changed(form, self._editable(form))
            )
        else:
            data = form.cleaned_data
            form.instance = programme_services.create_session(
                event=data["event"], actor=request.user, **{name: data[name] for name in self._editable(form)}
            )
            obj.pk = form.instance.pk

    def delete_model(self, request, obj):
        programme_services.delete_session(session=obj, actor=request.user)

    def delete_queryset(self, request, queryset):
        for session in queryset:
            programme_services.delete_session(session=session, actor=request.user)


@admin.register(SessionAccess)
class SessionAccessAdmin(OrganisateurScopedAdmin, admin.ModelAdmin):
    """Registrations and payments: recorded through the services (the API, or the desk on a participant's
    page in the back office, events/admin_desk.py); this list shows and exports them."""

    event_path = "session__event"
    list_display = [
        "holder",
        "session",
        "status",
        "amount",
        "payment_method",
        "receipt_number",
        "paid_at",
        "recorded_by_name",
    ]
    list_filter = ["status", "payment_method", "session__event", "session"]
    search_fields = [
        "participant__first_name",
        "participant__last_name",
        "participant__badge_id",
        "receipt_number",
        "session__title",
    ]
    list_select_related = ["participant__user", "session", "recorded_by"]
    actions = [export_as_csv]

    @admin.display(description=_("participant"), ordering="participant__last_name")
    def holder(self, obj):
        return obj.participant.shown_name() or person_name(obj.participant.user)

    @admin.display(description=_("recorded by"))
    def recorded_by_name(self, obj):
        return person_name(obj.recorded_by) if obj.recorded_by_id else "—"

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


# --- shifts ----------------------------------------------------------------------------------------


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
class RoomAssignmentAdmin(ServiceErrorsAsMessages, OrganisateurScopedAdmin, admin.ModelAdmin):
    """Shifts by room (filter) or by person (search by name or email)."""

    form = RoomAssignmentAdminForm
    event_path = "room__event"
    list_display = ["person", "room", "role", "start_time", "end_time", "is_active", "notes"]
    list_filter = ["role", "is_active", "room__event", "room"]
    search_fields = ["user__email", "user__first_name", "user__last_name", "room__name"]
    list_select_related = ["user", "room"]
    date_hierarchy = "start_time"
    fields = ["user", "room", "role", "start_time", "end_time", "is_active", "notes"]
    readonly_fields = ["assigned_by", "created_at", "updated_at"]
    actions = [export_as_csv]

    EDITABLE = ("user", "room", "role", "start_time", "end_time", "is_active", "notes")

    @admin.display(description=_("person"), ordering="user__last_name")
    def person(self, obj):
        return person_name(obj.user)

    def formfield_for_foreignkey(self, db_field, request, **kwargs):
        field = super().formfield_for_foreignkey(db_field, request, **kwargs)
        if not request.user.is_superuser and db_field.name in ("room", "user"):
            events = organised_event_ids(request)
            if db_field.name == "room":
                field.queryset = field.queryset.filter(event_id__in=events).select_related("event")
                if len(events) > 1:
                    field.label_from_instance = lambda room: f"{room.event} — {room}"
            else:  # only members of the organised events, never the whole platform
                field.queryset = field.queryset.filter(event_assignments__event_id__in=events).distinct()
        return field

    def save_model(self, request, obj, form, change):
        if change:
            form.instance = staff_services.update_staff_assignment(
                assignment=obj, actor=request.user, **_changed(form, self.EDITABLE)
            )
        else:
            data = form.cleaned_data
            form.instance = staff_services.assign_staff(
                assigned_by=request.user, **{name: data[name] for name in self.EDITABLE}
            )
            obj.pk = form.instance.pk

    def delete_model(self, request, obj):
        staff_services.remove_staff_assignment(assignment=obj, actor=request.user)

    def delete_queryset(self, request, queryset):
        for shift in queryset:
            staff_services.remove_staff_assignment(assignment=shift, actor=request.user)
