"""The admin app with the back office's site (makeplus/admin_site.py): organisateurs log in without a staff flag.

In INSTALLED_APPS instead of "django.contrib.admin" (its own module: an apps module may declare only one
default AppConfig)."""

from django.contrib.admin.apps import AdminConfig


class MakePlusAdminConfig(AdminConfig):
    default_site = "makeplus.admin_site.MakePlusAdminSite"
