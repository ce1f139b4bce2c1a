from django.apps import AppConfig


class AnnoncesConfig(AppConfig):
    name = "annonces"
    verbose_name = "Annonces"
