from django.apps import AppConfig


class ExposantsConfig(AppConfig):
    name = "exposants"
    verbose_name = "Exposants"

    def ready(self):
        from exposants import signals

        signals.connect()
