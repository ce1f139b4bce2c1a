from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ExposantsConfig(AppConfig):
    name = "exposants"
    verbose_name = _("Exposants")

    def ready(self):
        from exposants import signals

        signals.connect()
