from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class MakeplusConfig(AppConfig):
    # Registered so that shared plumbing (locale, management commands, the back office's look) is discovered.
    name = "makeplus"
    verbose_name = _("Background jobs")  # the section of the back office that lists the Job rows

    def ready(self):
        from django.contrib import admin
        from django.core.signals import request_started

        from makeplus import read_cache
        from makeplus.db_health import drop_broken_connections

        # After Django's close_old_connections (connected when django.db loads): see makeplus/db_health.py.
        request_started.connect(drop_broken_connections, dispatch_uid="makeplus.drop_broken_connections")
        read_cache.connect()  # writes drop the cached reads of their event (makeplus/read_cache.py)

        # The back office's branding (issue 20, item 10): never Django's "Administration de Django".
        # Set on the site instance so that every admin page (login and password pages too) gets it in
        # its context; makeplus/templates/admin/base_site.html shows it.
        admin.site.site_header = "MakePlus"
        admin.site.site_title = _("MakePlus back office")
        admin.site.index_title = _("Back office")
        admin.site.site_url = None  # no public site at "/": no "View site" link to a 404
