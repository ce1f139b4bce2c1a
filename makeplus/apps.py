from django.apps import AppConfig


class MakeplusConfig(AppConfig):
    # Registered so that shared plumbing (locale, management commands) is discovered.
    name = "makeplus"
    verbose_name = "MakePlus"
