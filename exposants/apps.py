from django.apps import AppConfig


class ExposantsConfig(AppConfig):
    name = "exposants"
    verbose_name = "Exposants"
