"""Events and role assignments in the Django admin.

Organisateurs with staff access see only their events (events/admin_scoping.py);
superusers see everything. Writes with a business rule go through events/services.py:
the creator of an event becomes its organisateur, and the last active organisateur of
an event can be neither demoted, deactivated nor removed.
"""

from django import forms
from django.contrib import admin
from django.urls import reverse
from django.utils.html import format_html, format_html_join
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
    """Through the services, like the API: adding (one role per user and event, the invitation of an
    account without a password), changing (the last organisateur stays in place)."""
    if change:
        services.update_assignment(assignment=obj, actor=request.user, role=obj.role, is_active=obj.is_active)
        return
    created = services.assign_user(event=obj.event, user=obj.user, role=obj.role, assigned_by=request.user)
    if not obj.is_active:  # added as inactive
        created = services.update_assignment(assignment=created, actor=request.user, is_active=False)
    # The admin goes on with the form's instance (log entry, redirect): make it the saved row.
    for field in UserEventAssignment._meta.concrete_fields:
        setattr(obj, field.attname, getattr(created, field.attname))
    obj._state.adding = False


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


TYPED_BADGE_SETTING = "scan_accepts_badge_id"  # read by the scanners (mobile/event_day.py)


class EventAdminForm(forms.ModelForm):
    """Structured editing instead of raw JSON boxes: the themes one per line, the known settings as
    boxes to tick; any other key of ``settings`` is kept as it is (API clients may store their own)."""

    themes_text = forms.CharField(
        label=_("themes"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 4}),
        help_text=_("One theme per line."),
    )
    scan_accepts_badge_id = forms.BooleanField(
        label=_("scanners accept a typed badge id"),
        required=False,
        help_text=_("When a QR code will not scan, door and stand scanners may type the badge id instead."),
    )

    # No Meta: the admin builds it (EventAdmin.exclude), so its field overrides (e.g. URL scheme) apply.

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.initial["themes_text"] = "\n".join(self.instance.themes or [])
        self.initial["scan_accepts_badge_id"] = (self.instance.settings or {}).get(TYPED_BADGE_SETTING) is True

    def clean_themes_text(self):
        lines = [line.strip() for line in (self.cleaned_data.get("themes_text") or "").splitlines()]
        return list(dict.fromkeys(line for line in lines if line))

    def structured_changes(self) -> dict:
        """The model fields the structured boxes change: {"themes": [...], "settings": {...}}."""
        changes = {}
        if "themes_text" in self.changed_data:
            changes["themes"] = self.cleaned_data["themes_text"]
        if "scan_accepts_badge_id" in self.changed_data:
            changes["settings"] = {
                **(self.instance.settings or {}),
                TYPED_BADGE_SETTING: self.cleaned_data["scan_accepts_badge_id"],
            }
        return changes


@admin.register(Event)
class EventAdmin(ServiceErrorsAsMessages, OrganisateurScopedAdmin, admin.ModelAdmin):
    event_path = ""
    form = EventAdminForm
    exclude = ["settings", "themes", "metadata"]
    list_display = [
        "name",
        "dashboard_link",
        "status",
        "start_date",
        "end_date",
        "location",
        "total_participants",
        "total_exhibitors",
        "total_rooms",
    ]
    csv_exclude = ["dashboard_link"]
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
    # Shown read-only (never a raw JSON box): what API clients stored besides the known settings.
    other_readonly = ["other_settings"]
    fieldsets = [
        (None, {"fields": ["name", "description", "status", "start_date", "end_date"]}),
        (_("Place and people"), {"fields": ["location", "location_details", "president", "organizer_contact"]}),
        (
            _("Images and documents"),
            {"fields": ["logo_url", "banner_url", "primary_color", "programme_file", "guide_file", "eposters_public"]},
        ),
        (_("Themes and settings"), {"fields": ["themes_text", "scan_accepts_badge_id", "other_settings"]}),
        (_("Counters and history"), {"fields": readonly_fields}),
    ]

    def get_urls(self):
        from events.admin_dashboard import dashboard_urls

        return dashboard_urls(self) + super().get_urls()

    @admin.display(description=_("dashboard"))
    def dashboard_link(self, obj):
        url = reverse("admin:events_event_dashboard", args=[obj.pk])
        return format_html('<a href="{}" class="mp-dashboard-link">{}</a>', url, gettext("Dashboard"))

    @admin.display(description=_("all members"))
    def members_link(self, obj):
        if obj.pk is None or obj._state.adding:
            return "-"
        url = reverse("admin:events_usereventassignment_changelist")
        return format_html('<a href="{}?event__id__exact={}">{}</a>', url, obj.pk, gettext("See all assignments"))

    def get_readonly_fields(self, request, obj=None):
        return [*super().get_readonly_fields(request, obj), *self.other_readonly]

    @admin.display(description=_("other settings"))
    def other_settings(self, obj):
        extra = {**(obj.settings or {}), **(obj.metadata or {})}
        extra.pop(TYPED_BADGE_SETTING, None)
        if not extra:
            return "—"
        return format_html_join("", "<div>{}: {}</div>", sorted((key, str(value)) for key, value in extra.items()))

    def save_model(self, request, obj, form, change):
        model_fields = {f.name for f in Event._meta.concrete_fields}
        structured = form.structured_changes()
        if change:
            # The service deletes the files a new upload replaces, once committed.
            current = Event.objects.get(pk=obj.pk)
            fields = {name: getattr(obj, name) for name in form.changed_data if name in model_fields}
            services.update_event(event=current, actor=request.user, **fields, **structured)
        else:
            for name, value in structured.items():
                setattr(obj, name, value)
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
            # As services.create_event: the creator's own event is accepted from the start.
            from events.services.membership import accept_event

            accept_event(user=request.user, event_id=form.instance.pk)
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
from events import admin_door, admin_eposters, admin_participants, admin_programme, admin_questions  # noqa: E402, F401
