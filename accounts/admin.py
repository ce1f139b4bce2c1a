from django.contrib import admin, messages
from django.contrib.auth.admin import UserAdmin as BaseUserAdmin
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext

from accounts.models import User
from makeplus.errors import AppError


# --- part accounts: resend invitations (accounts/invitations.py) -----------------------------------
@admin.action(description=_("Send the invitation again (accounts without a password)"))
def resend_invitations(modeladmin, request, queryset):
    """Reusable action: on users, or on rows with ``user`` (and ``event``), e.g. participants."""
    from accounts.invitations import needs_invitation, resend_invitation

    sent = skipped = 0
    for obj in queryset:
        user = getattr(obj, "user", obj)
        if not needs_invitation(user):
            skipped += 1
            continue
        try:
            resend_invitation(user=user, event=getattr(obj, "event", None), actor=request.user)
        except AppError as exc:  # sent less than a minute ago, or too often this hour
            skipped += 1
            modeladmin.message_user(request, f"{user.email}: {exc.message}", messages.WARNING)
            continue
        sent += 1
    modeladmin.message_user(
        request, ngettext("%(count)d invitation sent.", "%(count)d invitations sent.", sent) % {"count": sent}
    )
    if skipped:
        modeladmin.message_user(
            request,
            ngettext(
                "%(count)d person skipped (a password is already chosen, or sent too recently).",
                "%(count)d people skipped (a password is already chosen, or sent too recently).",
                skipped,
            )
            % {"count": skipped},
            messages.WARNING,
        )


# --- end part accounts ------------------------------------------------------------------------------


@admin.register(User)
class UserAdmin(BaseUserAdmin):
    ordering = ["email"]
    list_display = ["email", "first_name", "last_name", "phone", "is_active", "is_staff", "date_joined"]
    list_filter = ["is_active", "is_staff", "is_superuser", "share_contact_with_exposants"]
    search_fields = ["email", "first_name", "last_name", "phone"]
    fieldsets = (
        (None, {"fields": ("email", "password")}),
        (
            _("Personal info"),
            {"fields": ("first_name", "last_name", "phone", "photo", "language", "share_contact_with_exposants")},
        ),
        (_("Permissions"), {"fields": ("is_active", "is_staff", "is_superuser", "groups", "user_permissions")}),
        (_("Important dates"), {"fields": ("last_login", "date_joined")}),
    )
    add_fieldsets = ((None, {"classes": ("wide",), "fields": ("email", "password1", "password2")}),)
    actions = [resend_invitations]  # part accounts
