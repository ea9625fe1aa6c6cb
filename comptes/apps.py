from django.apps import AppConfig
from django.db.models.signals import post_migrate
from django.utils.translation import gettext_lazy as _


def _creer_roles(sender, **kwargs):
    from .services import roles_synchroniser

    roles_synchroniser()


class ComptesConfig(AppConfig):
    name = "comptes"
    verbose_name = _("Comptes et habilitations")

    def ready(self):
        # Groups need the permissions that post_migrate creates for every app, hence a signal
        # run after each app (it is idempotent and cheap), not a data migration.
        post_migrate.connect(_creer_roles, dispatch_uid="comptes_roles")
        from . import checks  # noqa: F401 - registers the checks of the proxy setting
