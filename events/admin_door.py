"""The door in the back office (issue 20 item 3): the door log (RoomAccess, read-only), and occupancy
resets from the rooms list (through events.services.access.reset_room_occupancy, like the API's).

Door log: /admin/events/roomaccess/, filters by room, status, reason, controller, direction and time,
CSV export of the selection. Rows are written by the door scans only (the API); nobody edits them here.
"""

from django.contrib import admin, messages
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext

from events.admin_scoping import OrganisateurScopedAdmin, person_name
from events.models import RoomAccess
from makeplus.admin_csv import export_as_csv


@admin.register(RoomAccess)
class RoomAccessAdmin(OrganisateurScopedAdmin, admin.ModelAdmin):
    event_path = "room__event"
    list_display = [
        "scanned_at",
        "room",
        "holder",
        "badge_input",
        "direction",
        "status",
        "denial_reason",
        "controller",
        "offline",
    ]
    list_filter = [
        "room",
        "status",
        "denial_reason",
        "direction",
        "verified_by",
        ("scanned_at", admin.DateFieldListFilter),
        "offline",
    ]
    search_fields = ["badge_input", "participant__user__first_name", "participant__user__last_name", "room__name"]
    list_select_related = ["room", "participant__user", "verified_by"]
    date_hierarchy = "scanned_at"
    ordering = ["-scanned_at", "-pk"]
    show_full_result_count = False  # the log can be long: no second COUNT(*) per page
    actions = [export_as_csv]
    fields = [
        "scanned_at",
        "received_at",
        "room",
        "session",
        "holder",
        "badge_input",
        "direction",
        "status",
        "denial_reason",
        "already_inside",
        "controller",
        "offline",
        "server_reason",
    ]
    readonly_fields = fields

    @admin.display(description=_("badge holder"), ordering="participant__user__last_name")
    def holder(self, obj):
        return person_name(obj.participant.user) if obj.participant_id else "—"

    @admin.display(description=_("controller"), ordering="verified_by__last_name")
    def controller(self, obj):
        return person_name(obj.verified_by)

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


@admin.action(description=_("Reset occupancy (nobody inside any more)"), permissions=["change"])
def reset_occupancy(modeladmin, request, queryset):
    from events.services.access import reset_room_occupancy

    removed = 0
    for room in queryset:
        removed += reset_room_occupancy(room=room, actor=request.user).removed
    modeladmin.message_user(
        request,
        ngettext(
            "Occupancy reset: %(count)d person taken out.", "Occupancy reset: %(count)d people taken out.", removed
        )
        % {"count": removed},
        messages.SUCCESS,
    )
