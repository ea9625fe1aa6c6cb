from django.contrib import admin
from simple_history.admin import SimpleHistoryAdmin

from fiches.administration import DuContrat

from .models import Cible, Indicateur, ValeurExterne


class CibleInline(DuContrat, admin.TabularInline):
    model = Cible
    extra = 0
    fields = ["annee_scolaire", "contrat", "quartier", "valeur"]


@admin.register(Indicateur)
class IndicateurAdmin(DuContrat, SimpleHistoryAdmin):
    list_display = ["libelle", "code", "nature", "mode", "unite", "sens", "enonce"]
    list_select_related = ["enonce"]
    list_filter = ["nature", "mode", "unite", "sens"]
    search_fields = ["libelle", "code", "definition"]
    inlines = [CibleInline]


@admin.register(ValeurExterne)
class ValeurExterneAdmin(DuContrat, SimpleHistoryAdmin):
    list_display = ["indicateur", "annee_scolaire", "quartier", "etablissement", "valeur", "source"]
    list_select_related = ["indicateur", "quartier", "etablissement"]
    list_filter = ["indicateur", "annee_scolaire", "contrat"]
    search_fields = ["indicateur__libelle", "source", "etablissement__nom", "quartier__nom"]
    autocomplete_fields = ["quartier", "etablissement"]

    def save_model(self, request, obj, form, change):
        # A chef's correction loaded before this one is then merged with it, not saved over it.
        if change:
            obj.version += 1
        super().save_model(request, obj, form, change)


@admin.register(Cible)
class CibleAdmin(DuContrat, SimpleHistoryAdmin):
    list_display = ["indicateur", "annee_scolaire", "quartier", "valeur"]
    list_select_related = ["indicateur", "quartier"]
    list_filter = ["indicateur", "annee_scolaire", "contrat"]
    search_fields = ["indicateur__libelle"]
