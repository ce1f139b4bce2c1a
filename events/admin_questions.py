"""Live Q&A in the admin, scoped like the events (admin_scoping.py). Votes are changed only
through the API (the counter follows its rows), so the admin shows them read-only."""

from django.contrib import admin

from events.admin_scoping import OrganisateurScopedAdmin, OrganisateurScopedInline
from events.models import QuestionUpvote, SessionQuestion
from makeplus.admin_csv import export_as_csv


class QuestionUpvoteInline(OrganisateurScopedInline, admin.TabularInline):
    model = QuestionUpvote
    parent_event_path = "session__event"
    extra = 0
    fields = ["user", "created_at"]
    readonly_fields = fields
    can_delete = False

    def has_add_permission(self, request, obj=None):
        return False


@admin.register(SessionQuestion)
class SessionQuestionAdmin(OrganisateurScopedAdmin, admin.ModelAdmin):
    event_path = "session__event"
    list_display = ["__str__", "session", "asked_by", "is_anonymous", "upvote_count", "is_hidden", "answered_at"]
    list_filter = ["is_hidden", "is_anonymous", ("answered_at", admin.EmptyFieldListFilter), "session__event"]
    search_fields = ["text", "answer", "session__title", "asked_by__email"]
    list_select_related = ["session", "asked_by"]
    # Questions are asked and answered through the API (its rules); the admin lists, exports
    # and moderates (hide/unhide).
    readonly_fields = [
        "session",
        "asked_by",
        "text",
        "is_anonymous",
        "upvote_count",
        "answer",
        "answered_by",
        "answered_at",
        "created_at",
        "updated_at",
    ]
    fields = [*readonly_fields[:4], "is_hidden", *readonly_fields[4:]]
    inlines = [QuestionUpvoteInline]
    actions = [export_as_csv]

    def has_add_permission(self, request):
        return False
