"""Live Q&A in the back office, scoped like the events (admin_scoping.py), filtered by session (issue 20
item 6). Every write goes through events/services/questions.py like the API's: answer (the form's
"answer" box: answer_question), hide / show again (actions and the form's box: set_question_hidden).
Votes are changed only through the API (the counter follows its rows): read-only here. Questions are
not deleted here (only their author may, through the API): hide them instead."""

from django import forms
from django.contrib import admin, messages
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext

from events.admin_scoping import OrganisateurScopedAdmin, ServiceErrorsAsMessages, person_name
from events.models import SessionQuestion
from events.services import questions as services
from makeplus.admin_csv import export_as_csv


def _set_hidden(modeladmin, request, queryset, hidden: bool) -> None:
    count = 0
    for question in queryset:
        services.set_question_hidden(question=question, actor=request.user, hidden=hidden)
        count += 1
    text = (
        ngettext("%(count)d question hidden.", "%(count)d questions hidden.", count)
        if hidden
        else ngettext("%(count)d question shown again.", "%(count)d questions shown again.", count)
    )
    modeladmin.message_user(request, text % {"count": count}, messages.SUCCESS)


@admin.action(description=_("Hide the selected questions"), permissions=["change"])
def hide_questions(modeladmin, request, queryset):
    _set_hidden(modeladmin, request, queryset, True)


@admin.action(description=_("Show the selected questions again"), permissions=["change"])
def unhide_questions(modeladmin, request, queryset):
    _set_hidden(modeladmin, request, queryset, False)


class QuestionForm(forms.ModelForm):
    class Meta:
        model = SessionQuestion
        fields = ["answer", "is_hidden"]
        widgets = {"answer": forms.Textarea(attrs={"rows": 4})}


@admin.register(SessionQuestion)
class SessionQuestionAdmin(ServiceErrorsAsMessages, OrganisateurScopedAdmin, admin.ModelAdmin):
    event_path = "session__event"
    form = QuestionForm
    list_display = ["__str__", "session", "author", "upvote_count", "is_hidden", "answered_at"]
    list_filter = ["session", "is_hidden", ("answered_at", admin.EmptyFieldListFilter), "session__event"]
    search_fields = ["text", "answer", "session__title"]
    list_select_related = ["session", "asked_by"]
    readonly_fields = ["session", "author", "text", "upvote_count", "answered_by_name", "answered_at", "created_at"]
    fields = ["session", "author", "text", "upvote_count", "answer", "is_hidden", "answered_by_name", "answered_at"]
    actions = [hide_questions, unhide_questions, export_as_csv]

    @admin.display(description=_("asked by"))
    def author(self, obj):
        # An anonymous question stays anonymous in the back office too.
        return _("Anonymous") if obj.is_anonymous else person_name(obj.asked_by)

    @admin.display(description=_("answered by"))
    def answered_by_name(self, obj):
        return person_name(obj.answered_by) if obj.answered_by_id else "—"

    def has_add_permission(self, request):
        return False

    def has_delete_permission(self, request, obj=None):
        return False

    def save_model(self, request, obj, form, change):
        current = SessionQuestion.objects.get(pk=obj.pk)
        answer = (form.cleaned_data.get("answer") or "").strip()
        if "answer" in form.changed_data:
            if answer:
                services.answer_question(question=current, actor=request.user, answer=answer)
            elif current.answered_at is not None:  # answer erased: unanswered again
                services.toggle_question_answered(question=current, actor=request.user)
        if "is_hidden" in form.changed_data:
            services.set_question_hidden(question=current, actor=request.user, hidden=form.cleaned_data["is_hidden"])

    def save_related(self, request, form, formsets, change):
        pass
