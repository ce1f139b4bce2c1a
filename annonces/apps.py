from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class AnnoncesConfig(AppConfig):
    name = "annonces"
    verbose_name = _("Annonces")
