"""Events and role assignments in the Django admin.

Organisateurs with staff access see only their events (events/admin_scoping.py);
superusers see everything. Writes with a business rule go through events/services.py:
the creator of an event becomes its organisateur, and the last active organisateur of
an event can be neither demoted, deactivated nor removed.
"""

from django import forms
from django.contrib import admin
from django.urls import reverse
from django.utils.html import format_html
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from accounts.models import User, normalize_email
from events import services
from events.admin_scoping import (
    OrganisateurScopedAdmin,
    OrganisateurScopedInline,
    ServiceErrorsAsMessages,
    forget_organised_events,
)
from events.models import Event, Role, UserEventAssignment
from events.roles import TEAM
from makeplus.admin_csv import export_as_csv

# The event page's inline shows and edits the team (events.roles.TEAM) only. Participants and
# exposants can number thousands (too many rows for one form, past DATA_UPLOAD_MAX_NUMBER_FIELDS);
# they are managed in the assignment list, which the event page links to.


class UserByEmailField(forms.ModelChoiceField):
    """Picks a user by exact email, like the API does (assign by email).

    Why not autocomplete or raw_id_fields: both browse the User admin, which needs view
    permission on every account. Giving that to organisateurs would let each of them list
    all users of the platform; an exact email reveals no one the organisateur does not
    already know.
    """

    default_error_messages = {
        "invalid_choice": _("No account uses this email. Ask the person to register first."),
    }

    def __init__(self, **kwargs):
        kwargs.setdefault("label", _("user (email)"))
        super().__init__(User.objects.all(), to_field_name="email", widget=forms.EmailInput, **kwargs)

    def to_python(self, value):
        if isinstance(value, str):
            value = normalize_email(value)
        return super().to_python(value)


class AssignmentForm(forms.ModelForm):
    user = UserByEmailField()

    class Meta:
        model = UserEventAssignment
        fields = ["user", "event", "role", "is_active"]

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        if self.instance.pk and "user" in self.fields:
            # An assignment keeps its user (change the role, or remove it and add another);
            # show the email, not the user's id, in the box.
            self.initial["user"] = self.instance.user.email
            self.fields["user"].disabled = True

    def clean(self):
        cleaned = super().clean()
        user, event = cleaned.get("user"), cleaned.get("event")
        # Django skips the (user, event) unique constraint in inline forms (the parent key is
        # excluded from model validation), which would end in an IntegrityError: check it here.
        new_row = self.instance.pk is None and user and event and not event._state.adding
        if new_row and UserEventAssignment.objects.filter(user=user, event_id=event.pk).exists():
            self.add_error("user", _("This user already has a role in this event; change it instead."))
        return cleaned


class TeamAssignmentForm(AssignmentForm):
    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["role"].choices = [(role.value, role.label) for role in TEAM]


def save_assignment(request, obj: UserEventAssignment, *, change: bool) -> None:
    """Adds are plain saves (the form already checked one role per user and event; counters follow
    by signal); changes go through the service, which keeps the last organisateur in place."""
    if change:
        services.update_assignment(assignment=obj, actor=request.user, role=obj.role, is_active=obj.is_active)
    else:
        obj.assigned_by = request.user
        obj.save()


class TeamInline(OrganisateurScopedInline, admin.TabularInline):
    model = UserEventAssignment
    form = TeamAssignmentForm
    fields = ["user", "role", "is_active", "assigned_at", "assigned_by"]
    readonly_fields = ["assigned_at", "assigned_by"]
    extra = 0
    verbose_name = _("team member")
    verbose_name_plural = _("team (organisateurs, room managers, badge controllers)")

    def get_queryset(self, request):
        return super().get_queryset(request).filter(role__in=TEAM).select_related("user", "assigned_by")


@admin.register(Event)
class EventAdmin(ServiceErrorsAsMessages, OrganisateurScopedAdmin, admin.ModelAdmin):
    event_path = ""
    list_display = [
        "name",
        "status",
        "start_date",
        "end_date",
        "location",
        "total_participants",
        "total_exhibitors",
        "total_rooms",
    ]
    list_filter = ["status", "start_date"]
    search_fields = ["name", "location", "president"]
    date_hierarchy = "start_date"
    actions = [export_as_csv]
    inlines = [TeamInline]
    readonly_fields = [
        "total_participants",
        "total_exhibitors",
        "total_rooms",
        "members_link",
        "created_by",
        "created_at",
        "updated_at",
    ]
    fieldsets = [
        (None, {"fields": ["name", "description", "status", "start_date", "end_date"]}),
        (_("Place and people"), {"fields": ["location", "location_details", "president", "organizer_contact"]}),
        (
            _("Images and documents"),
            {"fields": ["logo_url", "banner_url", "primary_color", "programme_file", "guide_file", "eposters_public"]},
        ),
        (_("Settings"), {"classes": ["collapse"], "fields": ["settings", "themes", "metadata"]}),
        (_("Counters and history"), {"fields": readonly_fields}),
    ]

    @admin.display(description=_("all members"))
    def members_link(self, obj):
        if obj.pk is None or obj._state.adding:
            return "-"
        url = reverse("admin:events_usereventassignment_changelist")
        return format_html('<a href="{}?event__id__exact={}">{}</a>', url, obj.pk, gettext("See all assignments"))

    def save_model(self, request, obj, form, change):
        if change:
            # The service deletes the files a new upload replaces, once committed.
            current = Event.objects.get(pk=obj.pk)
            services.update_event(
                event=current, actor=request.user, **{name: getattr(obj, name) for name in form.changed_data}
            )
        else:
            obj.created_by = request.user
            obj.save()

    def save_formset(self, request, form, formset, change):
        if formset.model is not UserEventAssignment:
            return super().save_formset(request, form, formset, change)
        formset.save(commit=False)
        # Additions first, removals last: "add B as organisateur, remove A" in one submit must pass.
        for obj in formset.new_objects:
            save_assignment(request, obj, change=False)
        for obj, _changed in formset.changed_objects:
            save_assignment(request, obj, change=True)
        for obj in formset.deleted_objects:
            services.remove_assignment(assignment=obj, actor=request.user)

    def save_related(self, request, form, formsets, change):
        super().save_related(request, form, formsets, change)
        if not change:
            # As services.create_event: the creator is the event's organisateur (after the inline,
            # which may already list the creator, so that both never collide).
            self._make_organisateur(request, form.instance)
            forget_organised_events(request)

    def _make_organisateur(self, request, event):
        mine = UserEventAssignment.objects.filter(event=event, user=request.user).first()
        if mine is None:
            services.assign_user(event=event, user=request.user, role=Role.ORGANISATEUR, assigned_by=request.user)
        elif not (mine.role == Role.ORGANISATEUR and mine.is_active):
            services.update_assignment(assignment=mine, actor=request.user, role=Role.ORGANISATEUR, is_active=True)

    def delete_model(self, request, obj):
        # The admin's confirmation page is the confirmation the service asks for.
        services.delete_event(event=obj, actor=request.user, confirm=True)

    def delete_queryset(self, request, queryset):
        for event in queryset:
            services.delete_event(event=event, actor=request.user, confirm=True)


@admin.register(UserEventAssignment)
class UserEventAssignmentAdmin(ServiceErrorsAsMessages, OrganisateurScopedAdmin, admin.ModelAdmin):
    event_path = "event"
    form = AssignmentForm
    list_display = ["user_email", "user_full_name", "event", "role", "is_active", "assigned_at", "assigned_by"]
    # Only the events present in the caller's rows: the plain filter would list every event's name.
    list_filter = ["role", "is_active", ("event", admin.RelatedOnlyFieldListFilter)]
    search_fields = ["user__email", "user__first_name", "user__last_name", "event__name"]
    list_select_related = ["user", "event", "assigned_by"]
    fields = ["user", "event", "role", "is_active", "assigned_at", "assigned_by"]
    actions = [export_as_csv]

    @admin.display(description=_("email"), ordering="user__email")
    def user_email(self, obj):
        return obj.user.email

    @admin.display(description=_("name"), ordering="user__last_name")
    def user_full_name(self, obj):
        return f"{obj.user.first_name} {obj.user.last_name}".strip()

    def get_readonly_fields(self, request, obj=None):
        # An assignment stays with its user and event: the service changes only role and activity.
        if obj is not None:
            return ["user", "event", "assigned_at", "assigned_by"]
        return ["assigned_at", "assigned_by"]

    def save_model(self, request, obj, form, change):
        save_assignment(request, obj, change=change)

    def delete_model(self, request, obj):
        services.remove_assignment(assignment=obj, actor=request.user)

    def delete_queryset(self, request, queryset):
        for assignment in queryset:
            services.remove_assignment(assignment=assignment, actor=request.user)


# Other models of the app register themselves in these modules.
from events import admin_eposters, admin_participants, admin_programme, admin_questions  # noqa: E402, F401
