from django import forms
from django.contrib import admin
from simple_history.admin import SimpleHistoryAdmin

from fiches.administration import DuContrat

from .models import Dispositif, Etablissement, Partenaire, SourceFinancement, Structure, TypeStructure


@admin.register(Partenaire)
class PartenaireAdmin(DuContrat, SimpleHistoryAdmin):
    list_display = ["nom", "sigle", "type", "contrat"]
    list_select_related = ["contrat"]
    list_filter = ["type", "contrat"]
    search_fields = ["nom", "sigle"]


@admin.register(TypeStructure)
class TypeStructureAdmin(DuContrat, SimpleHistoryAdmin):
    list_display = ["libelle", "scolaire", "ordre"]
    list_editable = ["ordre"]
    list_filter = ["scolaire"]
    search_fields = ["libelle"]


class FormulaireStructureAdmin(forms.ModelForm):
    class Meta:
        model = Structure
        fields = ["contrat", "nom", "type", "commune", "quartiers", "courriel", "telephone", "active"]

    def clean(self):
        donnees = super().clean()
        contrat = donnees.get("contrat") or (self.instance.contrat if self.instance.pk else None)
        etrangers = [str(q) for q in donnees.get("quartiers", []) if contrat and q.contrat_id != contrat.pk]
        if etrangers:
            self.add_error("quartiers", "Ces quartiers appartiennent à un autre contrat : " + ", ".join(etrangers))
        return donnees


@admin.register(Structure)
class StructureAdmin(DuContrat, SimpleHistoryAdmin):
    form = FormulaireStructureAdmin
    list_display = ["nom", "type", "commune", "active"]
    list_select_related = ["type", "commune"]
    list_filter = ["type", "active", "contrat", "quartiers"]
    search_fields = ["nom"]
    autocomplete_fields = ["commune"]
    filter_horizontal = ["quartiers"]

    def get_readonly_fields(self, request, obj=None):
        # Its actions answer the fiches of its contract, and its children count there.
        return ["contrat"] if obj else []


@admin.register(Etablissement)
class EtablissementAdmin(DuContrat, SimpleHistoryAdmin):
    list_display = ["nom", "uai", "type", "education_prioritaire", "quartier"]
    list_select_related = ["quartier"]
    list_filter = ["type", "education_prioritaire", "contrat", "quartier"]
    search_fields = ["nom", "uai"]
    autocomplete_fields = ["commune", "quartier"]


@admin.register(Dispositif)
class DispositifAdmin(DuContrat, SimpleHistoryAdmin):
    list_display = ["nom", "sigle", "pilote", "ordre"]
    list_editable = ["ordre"]
    search_fields = ["nom", "sigle", "pilote"]
    prepopulated_fields = {"code": ["nom"]}


@admin.register(SourceFinancement)
class SourceFinancementAdmin(DuContrat, SimpleHistoryAdmin):
    list_display = ["libelle", "categorie", "financeur", "ordre"]
    list_select_related = ["financeur"]
    list_editable = ["ordre"]
    list_filter = ["categorie", "contrat"]
    search_fields = ["libelle"]
    autocomplete_fields = ["financeur"]
