from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class IndicateursConfig(AppConfig):
    name = "indicateurs"
    verbose_name = _("Indicateurs")

    def ready(self):
        from .fraicheur import observer_les_ecritures

        observer_les_ecritures()
