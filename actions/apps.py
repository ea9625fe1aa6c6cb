from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ActionsConfig(AppConfig):
    name = "actions"
    verbose_name = _("Actions éducatives")

    def ready(self):
        from . import signals  # noqa: F401  (a quartier deleted in the admin: see the module)
