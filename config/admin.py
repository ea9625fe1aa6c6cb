from django.contrib import admin
from django.contrib.admin.apps import AdminConfig

from fiches.enums import Role


class SiteAdministration(admin.AdminSite):
    site_header = "Administration du contrat de ville"
    site_title = "Contrat de ville"
    index_title = "Données de référence"

    def has_permission(self, request):
        """Only administrators edit the reference: the staff flag alone is not enough, so that an
        account given it by mistake still cannot open the admin."""
        utilisateur = request.user
        if not (utilisateur.is_active and utilisateur.is_staff):
            return False
        return utilisateur.is_superuser or utilisateur.groups.filter(name=Role.ADMINISTRATEUR.label).exists()


class ConfigAdministration(AdminConfig):
    default_site = "config.admin.SiteAdministration"
