from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class PartenairesConfig(AppConfig):
    name = "partenaires"
    verbose_name = _("Partenaires et acteurs")
