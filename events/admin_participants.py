"""Badge holders in the Django admin, and printable badge sheets (PDF).

Writes go through events/services/participants.py like the API's: adding signs the badge
and gives the holder its role, changing the kind moves the role too, deleting deactivates
the role. Check-in is the door scan's and is read-only here. Signing keys are never shown:
EventBadgeKey is deliberately not registered.
"""

from django import forms
from django.contrib import admin, messages
from django.http import HttpResponse
from django.utils import timezone
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from accounts.admin import resend_invitations
from events.admin_scoping import OrganisateurScopedAdmin, ServiceErrorsAsMessages, organised_event_ids
from events.badges_pdf import MAX_BADGES_PER_PDF, badge_sheets_pdf
from events.models import Event, Participant, Room
from events.selectors.participants import badges_for_print
from events.services import participants as services
from makeplus.admin_csv import export_as_csv

# --- badge sheets (drawn in events/badges_pdf.py) -------------------------------------------


@admin.action(description=_("Print badges (PDF)"), permissions=["view"])
def print_badges(modeladmin, request, queryset):
    count = queryset.count()
    if count > MAX_BADGES_PER_PDF:
        # Too many for one request (e.g. "select all 5,000" of a filter): a background job per event,
        # with its progress and the PDF to download on the Jobs page.
        from events.jobs import start_badges_pdf_selection

        by_event: dict = {}
        for event_id, pk in queryset.order_by().values_list("event_id", "pk"):
            by_event.setdefault(event_id, []).append(pk)
        events = {event.pk: event for event in Event.objects.filter(pk__in=by_event)}
        jobs = [
            start_badges_pdf_selection(event=events[event_id], actor=request.user, participant_ids=ids)
            for event_id, ids in by_event.items()
        ]
        _jobs_started(modeladmin, request, jobs, gettext("The badge PDFs are being made (download them in Jobs):"))
        return None
    participants = [
        participant if participant.qr_code_data else services.ensure_badge(participant=participant)
        for participant in badges_for_print(queryset)
    ]
    if not participants:
        modeladmin.message_user(request, gettext("No badge to print."), messages.WARNING)
        return None
    response = HttpResponse(badge_sheets_pdf(participants), content_type="application/pdf")
    filename = f"badges-{timezone.localdate().isoformat()}.pdf"
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    return response


# --- job queue: badge delivery (helper "jobs"; events/services/badge_delivery.py) ---------------


def _jobs_started(modeladmin, request, jobs, text):
    from django.urls import reverse
    from django.utils.html import format_html, format_html_join

    links = format_html_join(
        ", ", '<a href="{}">{}</a>', ((reverse("admin:makeplus_job_change", args=[job.pk]), job.event) for job in jobs)
    )
    modeladmin.message_user(request, format_html("{} {}", text, links), messages.SUCCESS)


@admin.action(description=_("Email their badge to the selected holders"), permissions=["view"])
def email_badges(modeladmin, request, queryset):
    from events.services import badge_delivery

    by_event: dict = {}
    for participant in queryset.select_related("event"):
        by_event.setdefault(participant.event, []).append(participant.pk)
    jobs = [
        badge_delivery.start_send_badges(event=event, actor=request.user, participant_ids=ids)
        for event, ids in by_event.items()
    ]
    _jobs_started(modeladmin, request, jobs, gettext("Badge emails are being sent (progress in Jobs):"))


@admin.action(description=_("Print every badge of the selected holders' events (one PDF each)"), permissions=["view"])
def print_event_badges(modeladmin, request, queryset):
    from events.services import badge_delivery

    events = Event.objects.filter(pk__in=queryset.values("event_id"))
    jobs = [badge_delivery.start_badges_pdf(event=event, actor=request.user) for event in events]
    _jobs_started(modeladmin, request, jobs, gettext("The badge PDFs are being made (download them in Jobs):"))


# --- end job queue ---


# --- forms --------------------------------------------------------------------------------


class ParticipantAddForm(forms.ModelForm):
    """A badge for an existing account (by email) or a new one (no password until it resets it)."""

    email = forms.EmailField(label=_("email"), max_length=254)
    first_name = forms.CharField(label=_("first name"), max_length=150, required=False)
    last_name = forms.CharField(label=_("last name"), max_length=150, required=False)

    class Meta:
        model = Participant
        fields = ["email", "first_name", "last_name", "event", "kind", "access_all_rooms", "allowed_rooms"]

    def clean(self):
        cleaned = super().clean()
        event, rooms = cleaned.get("event"), cleaned.get("allowed_rooms") or []
        if event is not None and any(room.event_id != event.pk for room in rooms):
            self.add_error("allowed_rooms", _("Every allowed room must be a room of this event."))
        return cleaned


class ParticipantChangeForm(forms.ModelForm):
    class Meta:
        model = Participant
        fields = ["kind", "access_all_rooms", "allowed_rooms"]


# --- admin --------------------------------------------------------------------------------


@admin.register(Participant)
class ParticipantAdmin(ServiceErrorsAsMessages, OrganisateurScopedAdmin, admin.ModelAdmin):
    event_path = "event"
    form = ParticipantChangeForm
    add_form = ParticipantAddForm
    list_display = [
        "holder_name",
        "holder_email",
        "event",
        "kind",
        "badge_id",
        "badge_version",
        "is_checked_in",
        "checked_in_at",
    ]
    list_filter = ["kind", "is_checked_in", "access_all_rooms", ("event", admin.RelatedOnlyFieldListFilter)]
    search_fields = ["first_name", "last_name", "user__email", "user__first_name", "user__last_name", "badge_id"]
    list_select_related = ["user", "event"]
    filter_horizontal = ["allowed_rooms"]
    # --- participant import (events/admin_import.py): the "Import participants" page and its link ---
    change_list_template = "admin/events/import_participant_change_list.html"

    def get_urls(self):
        from events.admin_desk import desk_urls
        from events.admin_import import import_urls

        return import_urls(self) + desk_urls(self) + super().get_urls()

    # --- end participant import ---
    # Bulk from a selection (or "select all" of a filter): badges PDF (a job past MAX_BADGES_PER_PDF),
    # badge emails (job), the whole event's PDF (job), invitations (accounts without a password).
    actions = [export_as_csv, print_badges, email_badges, print_event_badges, resend_invitations]
    readonly_fields = [
        "holder_name",
        "holder_email",
        "event",
        "badge_id",
        "badge_version",
        "is_checked_in",
        "checked_in_at",
        "atelier_places",
        "created_at",
        "updated_at",
    ]
    fieldsets = [
        (None, {"fields": ["holder_name", "holder_email", "event", "kind"]}),
        (_("Badge"), {"fields": ["badge_id", "badge_version", "is_checked_in", "checked_in_at"]}),
        (_("Room access"), {"fields": ["access_all_rooms", "allowed_rooms"]}),
        (_("Ateliers"), {"fields": ["atelier_places"]}),
        (_("History"), {"fields": ["created_at", "updated_at"]}),
    ]
    add_fieldsets = [
        (None, {"fields": ["email", "first_name", "last_name", "event", "kind"]}),
        (_("Room access"), {"fields": ["access_all_rooms", "allowed_rooms"]}),
    ]

    @admin.display(description=_("name"), ordering="last_name")
    def holder_name(self, obj):
        return obj.shown_name() or obj.user.email  # registration data until accepted

    @admin.display(description=_("atelier places"))
    def atelier_places(self, obj):
        from django.utils.html import format_html_join

        places = obj.session_accesses.select_related("session").order_by("session__start_time")
        rows = [
            (place.session.title, place.get_status_display(), place.amount or "", place.receipt_number or "")
            for place in places
        ]
        if not rows:
            return "—"
        return format_html_join("", "<div>{} — {} {} {}</div>", rows)

    @admin.display(description=_("email"), ordering="user__email")
    def holder_email(self, obj):
        return obj.user.email

    def get_fieldsets(self, request, obj=None):
        return self.add_fieldsets if obj is None else self.fieldsets

    def get_readonly_fields(self, request, obj=None):
        return [] if obj is None else self.readonly_fields

    def get_form(self, request, obj=None, **kwargs):
        if obj is None:
            kwargs["form"] = self.add_form
        form = super().get_form(request, obj, **kwargs)
        if "allowed_rooms" in form.base_fields:
            # A badge opens rooms of its own event only (on the add page: of the caller's events).
            if obj is not None:
                rooms = Room.objects.filter(event_id=obj.event_id)
            elif request.user.is_superuser:
                rooms = Room.objects.select_related("event")
            else:
                rooms = Room.objects.filter(event_id__in=organised_event_ids(request)).select_related("event")
            form.base_fields["allowed_rooms"].queryset = rooms
            if obj is None:  # rooms of several events side by side: name the event too
                form.base_fields["allowed_rooms"].label_from_instance = lambda room: f"{room.event} — {room}"
        return form

    def save_model(self, request, obj, form, change):
        data = form.cleaned_data
        if change:
            services.update_participant(
                participant=obj,
                actor=request.user,
                kind=data["kind"],
                access_all_rooms=data["access_all_rooms"],
                allowed_rooms=data["allowed_rooms"],
            )
            return
        created = services.add_participant(
            event=data["event"],
            actor=request.user,
            email=data["email"],
            first_name=data.get("first_name", ""),
            last_name=data.get("last_name", ""),
            kind=data["kind"],
            access_all_rooms=data["access_all_rooms"],
            allowed_rooms=data["allowed_rooms"],
        )
        # The admin goes on with the form's instance (log entry, redirect): make it the saved row.
        for field in Participant._meta.concrete_fields:
            setattr(obj, field.attname, getattr(created, field.attname))
        obj.user = created.user
        obj._state.adding = False

    def save_related(self, request, form, formsets, change):
        # Rooms were saved by the service (checked to belong to the event); no inlines here.
        pass

    def delete_model(self, request, obj):
        services.remove_participant(participant=obj, actor=request.user)

    def delete_queryset(self, request, queryset):
        for participant in queryset:
            services.remove_participant(participant=participant, actor=request.user)
