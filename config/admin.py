from functools import wraps

from django.contrib import admin
from django.contrib.admin.apps import AdminConfig
from django.contrib.auth.decorators import login_not_required
from django.db.models import FETCH_PEERS

from comptes.enums import Role
from fiches.chargement import en_mode
from fiches.perms import formulaire


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

    def admin_view(self, view, cacheable=False):
        """The admin's generic pages read the relations of what they list and edit (its titles,
        str() of related rows) without knowing them: there, related rows are loaded for the
        whole page at once, never refused. Like every page of the app, they answer GET, HEAD
        and POST only."""
        vue = super().admin_view(view, cacheable)

        @formulaire
        @wraps(vue)
        def vue_par_lots(request, *args, **kwargs):
            with en_mode(FETCH_PEERS):
                return vue(request, *args, **kwargs)

        return vue_par_lots

    @login_not_required
    def login(self, request, extra_context=None):
        return formulaire(super().login)(request, extra_context)


class ConfigAdministration(AdminConfig):
    default_site = "config.admin.SiteAdministration"
