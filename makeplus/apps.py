from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class MakeplusConfig(AppConfig):
    # Registered so that shared plumbing (locale, management commands, the back office's look) is discovered.
    name = "makeplus"
    verbose_name = _("Background jobs")  # the section of the back office that lists the Job rows

    def ready(self):
        from django.contrib import admin

        # The back office's branding (issue 20, item 10): never Django's "Administration de Django".
        # Set on the site instance so that every admin page (login and password pages too) gets it in
        # its context; makeplus/templates/admin/base_site.html shows it.
        admin.site.site_header = "MakePlus"
        admin.site.site_title = _("MakePlus back office")
        admin.site.index_title = _("Back office")
        admin.site.site_url = None  # no public site at "/": no "View site" link to a 404
