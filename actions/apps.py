from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ActionsConfig(AppConfig):
    name = "actions"
    verbose_name = _("Actions éducatives")

    def ready(self):
        from . import resumes  # noqa: F401  (connects the receivers that keep the summaries up to date)
