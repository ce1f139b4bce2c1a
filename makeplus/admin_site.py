"""The back office's AdminSite: who may open /admin/ (issue 20, item 1).

Django's default site lets in ``is_staff`` users only, and its login form refuses everyone
else. MakePlus organisers have no staff flag: what opens the back office is an ACTIVE
organisateur assignment (events.models.UserEventAssignment), read from the database on every
request, so that removing or deactivating the assignment closes it at the next request (the same
rule as the API, SPEC §2). Co-organisers added by an organisateur are organisateurs too: same rule.
What each one sees inside is scoped to its events by events/admin_scoping.py.

Superusers and staff users keep Django's behaviour.

Installed with ``makeplus.admin_apps.MakePlusAdminConfig`` in INSTALLED_APPS (instead of
"django.contrib.admin"): ``admin.site`` then IS this site, so ``@admin.register`` everywhere keeps working.
"""

from django.contrib import admin
from django.contrib.admin.forms import AdminAuthenticationForm
from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _


def may_use_back_office(request) -> bool:
    from events.admin_scoping import organised_event_ids

    user = request.user
    if not (user.is_authenticated and user.is_active):
        return False
    return user.is_staff or user.is_superuser or bool(organised_event_ids(request))


class BackOfficeAuthenticationForm(AdminAuthenticationForm):
    """Admits staff users and active organisateurs (of at least one event)."""

    error_messages = {
        **AdminAuthenticationForm.error_messages,
        "not_organiser": _(
            "This account organises no event. Ask an organisateur of your event to add you to its team."
        ),
    }

    def confirm_login_allowed(self, user):
        from events.models import Role, UserEventAssignment

        if not user.is_active:
            raise ValidationError(self.error_messages["inactive"], code="inactive")
        if user.is_staff or user.is_superuser:
            return
        if not UserEventAssignment.objects.filter(user=user, role=Role.ORGANISATEUR, is_active=True).exists():
            raise ValidationError(self.error_messages["not_organiser"], code="not_organiser")


class MakePlusAdminSite(admin.AdminSite):
    login_form = BackOfficeAuthenticationForm

    def has_permission(self, request):
        return may_use_back_office(request)
