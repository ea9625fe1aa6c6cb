from django.contrib import admin
from simple_history.admin import SimpleHistoryAdmin

from .models import (
    Axe,
    Commune,
    Contrat,
    EffetAttendu,
    Enjeu,
    EnonceIndicateur,
    Fiche,
    LienFiche,
    ParagrapheFiche,
    Pilier,
    Quartier,
    RealisationAttendue,
)


class SectionInline(admin.StackedInline):
    """A section of the fiche: its bullets are edited in place and ordered by their number."""

    extra = 0
    classes = ["collapse"]


class ParagrapheInline(SectionInline):
    model = ParagrapheFiche
    fields = ["rubrique", "ordre", "texte"]
    ordering = ["rubrique", "ordre"]


class RealisationInline(SectionInline):
    model = RealisationAttendue
    fields = ["ordre", "code", "intitule_court", "libelle"]


class EffetInline(SectionInline):
    model = EffetAttendu
    fields = ["ordre", "code", "libelle"]


class EnonceIndicateurInline(SectionInline):
    model = EnonceIndicateur
    fields = ["nature", "ordre", "code", "libelle"]


class LienInline(SectionInline):
    model = LienFiche
    fk_name = "fiche"
    fields = ["ordre", "niveau", "code", "libelle", "complement", "axe", "enjeu", "fiche_liee"]
    autocomplete_fields = ["axe", "enjeu", "fiche_liee"]


@admin.register(Fiche)
class FicheAdmin(SimpleHistoryAdmin):
    list_display = ["code", "titre", "enjeu"]
    list_select_related = ["enjeu"]
    list_filter = ["enjeu__axe__pilier__contrat", "enjeu__axe"]
    search_fields = ["code", "titre", "enjeu__intitule"]
    autocomplete_fields = ["enjeu"]
    filter_horizontal = ["partenaires", "types_acteurs", "dispositifs", "sources_financement"]
    fieldsets = [
        (None, {"fields": ["enjeu", "code", "titre", "ordre"]}),
        (
            "Partenaires, acteurs, dispositifs et financements mobilisables",
            {"fields": ["partenaires", "types_acteurs", "dispositifs", "sources_financement"]},
        ),
    ]
    inlines = [ParagrapheInline, RealisationInline, EffetInline, EnonceIndicateurInline, LienInline]


class PilierInline(admin.TabularInline):
    model = Pilier
    extra = 0
    fields = ["ordre", "code", "intitule", "transversal"]


@admin.register(Contrat)
class ContratAdmin(SimpleHistoryAdmin):
    list_display = ["nom", "code", "territoire", "annee_debut", "annee_fin"]
    search_fields = ["nom", "code", "territoire"]
    prepopulated_fields = {"code": ["nom"]}
    filter_horizontal = ["communes"]
    inlines = [PilierInline]


class AxeInline(admin.TabularInline):
    model = Axe
    extra = 0
    fields = ["ordre", "code", "intitule"]


@admin.register(Pilier)
class PilierAdmin(SimpleHistoryAdmin):
    list_display = ["code", "intitule", "transversal", "contrat"]
    list_filter = ["contrat", "transversal"]
    search_fields = ["code", "intitule"]
    inlines = [AxeInline]


class EnjeuInline(admin.TabularInline):
    model = Enjeu
    extra = 0
    fields = ["ordre", "code", "intitule"]


@admin.register(Axe)
class AxeAdmin(SimpleHistoryAdmin):
    list_display = ["code", "intitule", "pilier"]
    list_select_related = ["pilier"]
    list_filter = ["pilier__contrat", "pilier"]
    search_fields = ["code", "intitule"]
    inlines = [EnjeuInline]


@admin.register(Enjeu)
class EnjeuAdmin(SimpleHistoryAdmin):
    list_display = ["code", "intitule", "axe"]
    list_select_related = ["axe"]
    list_filter = ["axe__pilier__contrat", "axe"]
    search_fields = ["code", "intitule"]
    autocomplete_fields = ["axe"]


@admin.register(Commune)
class CommuneAdmin(SimpleHistoryAdmin):
    list_display = ["nom", "code_insee"]
    search_fields = ["nom", "code_insee"]


@admin.register(Quartier)
class QuartierAdmin(SimpleHistoryAdmin):
    list_display = ["code", "nom", "contrat"]
    list_select_related = ["contrat"]
    list_filter = ["contrat", "communes"]
    search_fields = ["code", "nom"]
    filter_horizontal = ["communes"]
