from django import forms
from django.contrib import admin, messages
from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import Case, IntegerField, Value, When
from simple_history.admin import SimpleHistoryAdmin

from .administration import DuContrat
from .champs import ChoixMultiples
from .enums import Rubrique
from .models import (
    Axe,
    ClotureAnnee,
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
    Thematique,
)
from .services import annee_depublier, annee_publier, annee_rouvrir


class SectionInline(DuContrat, admin.StackedInline):
    """A section of the fiche: its bullets are edited in place and ordered by their number."""

    extra = 0
    classes = ["collapse"]


class ParagrapheInline(SectionInline):
    model = ParagrapheFiche
    fields = ["rubrique", "ordre", "texte"]

    def get_queryset(self, request):
        # Rubriques in the order of the signed fiche, not alphabetically.
        rang = Case(
            *[When(rubrique=rubrique, then=Value(rang)) for rang, rubrique in enumerate(Rubrique.values)],
            output_field=IntegerField(),
        )
        return super().get_queryset(request).order_by(rang, "ordre")


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


class FormulaireFicheAdmin(forms.ModelForm):
    class Meta:
        model = Fiche
        fields = [
            "enjeu",
            "code",
            "titre",
            "ordre",
            "partenaires",
            "types_acteurs",
            "dispositifs",
            "sources_financement",
        ]

    def clean(self):
        donnees = super().clean()
        enjeu = donnees.get("enjeu")
        if enjeu:
            contrat_id = enjeu.axe.pilier.contrat_id
            for champ in ("partenaires", "sources_financement"):
                etrangers = [str(objet) for objet in donnees.get(champ, []) if objet.contrat_id != contrat_id]
                if etrangers:
                    self.add_error(champ, "Ils appartiennent à un autre contrat que la fiche : " + ", ".join(etrangers))
        return donnees


@admin.register(Fiche)
class FicheAdmin(DuContrat, SimpleHistoryAdmin):
    form = FormulaireFicheAdmin
    list_display = ["code", "titre", "enjeu"]
    list_select_related = ["enjeu"]
    list_filter = ["enjeu__axe__pilier__contrat", "enjeu__axe"]
    search_fields = ["code", "titre", "enjeu__intitule"]
    # Plain checkboxes and selects: the lists are short, and Django's filter_horizontal and
    # autocomplete widgets fail the accessibility audit (aria-label on a span, empty options).
    formfield_overrides = {
        models.ManyToManyField: {"widget": forms.CheckboxSelectMultiple, "form_class": ChoixMultiples}
    }
    fieldsets = [
        (None, {"fields": ["enjeu", "code", "titre", "ordre"]}),
        (
            "Partenaires, acteurs, dispositifs et financements mobilisables",
            {"fields": ["partenaires", "types_acteurs", "dispositifs", "sources_financement"]},
        ),
    ]
    inlines = [ParagrapheInline, RealisationInline, EffetInline, EnonceIndicateurInline, LienInline]


class PilierInline(DuContrat, admin.TabularInline):
    model = Pilier
    extra = 0
    fields = ["ordre", "code", "intitule", "transversal"]


@admin.register(Contrat)
class ContratAdmin(DuContrat, SimpleHistoryAdmin):
    list_display = ["nom", "code", "territoire", "zone_scolaire", "annee_debut", "annee_fin"]
    search_fields = ["nom", "code", "territoire"]
    prepopulated_fields = {"code": ["nom"]}
    filter_horizontal = ["communes"]
    inlines = [PilierInline]


class AxeInline(DuContrat, admin.TabularInline):
    model = Axe
    extra = 0
    fields = ["ordre", "code", "intitule"]


@admin.register(Pilier)
class PilierAdmin(DuContrat, SimpleHistoryAdmin):
    list_display = ["code", "intitule", "transversal", "contrat"]
    list_filter = ["contrat", "transversal"]
    search_fields = ["code", "intitule"]
    inlines = [AxeInline]


class EnjeuInline(DuContrat, admin.TabularInline):
    model = Enjeu
    extra = 0
    fields = ["ordre", "code", "intitule"]


@admin.register(Axe)
class AxeAdmin(DuContrat, SimpleHistoryAdmin):
    list_display = ["code", "intitule", "pilier"]
    list_select_related = ["pilier"]
    list_filter = ["pilier__contrat", "pilier"]
    search_fields = ["code", "intitule"]
    inlines = [EnjeuInline]


@admin.register(Enjeu)
class EnjeuAdmin(DuContrat, SimpleHistoryAdmin):
    list_display = ["code", "intitule", "axe"]
    list_select_related = ["axe"]
    list_filter = ["axe__pilier__contrat", "axe"]
    search_fields = ["code", "intitule"]
    autocomplete_fields = ["axe"]


@admin.register(Commune)
class CommuneAdmin(DuContrat, SimpleHistoryAdmin):
    list_display = ["nom", "code_insee"]
    search_fields = ["nom", "code_insee"]


@admin.register(Quartier)
class QuartierAdmin(DuContrat, SimpleHistoryAdmin):
    """Its fields sum nothing in the dashboards' summaries, and its actions are chosen on the
    action's form (actions.services), not here. A deletion takes its summary rows along; its
    counters go by the one receiver of actions.signals, fiches being below actions."""

    list_display = ["code", "nom", "contrat"]
    list_select_related = ["contrat"]
    list_filter = ["contrat", "communes"]
    search_fields = ["code", "nom"]
    filter_horizontal = ["communes"]

    def get_queryset(self, request):
        return super().get_queryset(request).avec_contour()


@admin.register(Thematique)
class ThematiqueAdmin(DuContrat, SimpleHistoryAdmin):
    list_display = ["libelle", "code", "ordre"]
    list_editable = ["ordre"]
    search_fields = ["libelle", "code"]
    prepopulated_fields = {"code": ["libelle"]}


class FormulaireReouverture(forms.ModelForm):
    """Reopening a closed year: its reason is required, and kept in the history."""

    class Meta:
        model = ClotureAnnee
        fields = ["motif_reouverture"]
        help_texts = {
            "motif_reouverture": "Obligatoire. Rouvrir l’année permet de nouveau de modifier ses présences, "
            "séances, inscriptions, actions, financements, cibles et valeurs externes ; l’historique gardera ce "
            "motif et qui a rouvert l’année. Un chef de projet la clôturera de nouveau depuis les tableaux de bord."
        }

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["motif_reouverture"].required = True
        self.initial["motif_reouverture"] = ""

    def clean(self):
        donnees = super().clean()
        # Reopened meanwhile by another administrator: said here rather than failing on save.
        if not ClotureAnnee.objects.filter(pk=self.instance.pk, cloturee=True).exists():
            raise ValidationError("Cette année a été rouverte entre-temps : rien n’a été enregistré.")
        return donnees


@admin.register(ClotureAnnee)
class ClotureAnneeAdmin(DuContrat, SimpleHistoryAdmin):
    """Years are closed by a chef from the dashboards; here an administrator reopens one, with a
    reason. Nothing is added or deleted here: the row and its history say who closed and
    reopened each year, and why."""

    form = FormulaireReouverture
    list_display = ["libelle", "contrat", "cloturee", "cloturee_le", "cloturee_par", "publiee", "publiee_le"]
    list_select_related = ["contrat", "cloturee_par"]
    list_filter = ["contrat", "cloturee", "publiee"]
    readonly_fields = [
        "contrat",
        "annee_scolaire",
        "cloturee",
        "cloturee_le",
        "cloturee_par",
        "publiee",
        "publiee_le",
        "publiee_par",
    ]
    # The public bilan goes online and offline through its services only: each refusal (a year
    # reopened, already published) is said for the year it concerns, the others are written.
    actions = ["publier", "depublier"]

    @admin.action(description="Publier le bilan public des années choisies")
    def publier(self, request, queryset):
        self._publication(request, queryset, annee_publier, "Bilan public {} mis en ligne.")

    @admin.action(description="Retirer le bilan public des années choisies")
    def depublier(self, request, queryset):
        self._publication(request, queryset, annee_depublier, "Bilan public {} retiré.")

    def _publication(self, request, queryset, ecrire, fait):
        for cloture in queryset.order_by("annee_scolaire"):
            try:
                ecrire(cloture=cloture, auteur=request.user)
            except ValidationError as refus:
                for message in refus.messages:
                    self.message_user(request, message, messages.ERROR)
            else:
                self.message_user(request, fait.format(cloture.libelle), messages.SUCCESS)

    @admin.display(description="année scolaire")
    def libelle(self, cloture):
        return cloture.libelle

    def has_add_permission(self, request):
        return False

    def has_delete_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        # A year open again has nothing to change here: a chef closes it again.
        return super().has_change_permission(request, obj) and (obj is None or obj.cloturee)

    def save_model(self, request, obj, form, change):
        annee_rouvrir(cloture=obj, motif=form.cleaned_data["motif_reouverture"], auteur=request.user)
