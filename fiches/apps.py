from django.apps import AppConfig
from django.urls import register_converter
from django.utils.translation import gettext_lazy as _

from .convertisseurs import Identifiant


class FichesConfig(AppConfig):
    name = "fiches"
    verbose_name = _("Fiches du contrat de ville")

    def ready(self):
        # Before any URLconf is read: every app's patterns may use them.
        register_converter(Identifiant, "id")
