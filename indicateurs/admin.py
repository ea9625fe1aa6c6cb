from django import forms
from django.contrib import admin
from django.core.exceptions import ValidationError
from simple_history.admin import SimpleHistoryAdmin

from fiches import clotures
from fiches.administration import DuContrat

from .calculs import CALCULS
from .enums import Mode
from .models import Cible, Indicateur, ValeurExterne


def _choix_de_calculs():
    return [("", "---------"), *((code, f"{calcul.libelle} ({code})") for code, calcul in sorted(CALCULS.items()))]


class FormulaireIndicateur(forms.ModelForm):
    """A computed indicator is made by choosing one of the registered calculations, whose code
    becomes its own: no code typed by hand can name a calculation that does not exist."""

    calcul = forms.ChoiceField(
        label="Calcul",
        required=False,
        choices=_choix_de_calculs,
        help_text="Pour un indicateur calculé à partir des saisies : le calcul qui le produit. Son code devient "
        "celui de l’indicateur.",
    )

    class Meta:
        model = Indicateur
        fields = [
            "fiche",
            "enonce",
            "mode",
            "calcul",
            "code",
            "libelle",
            "nature",
            "unite",
            "sens",
            "definition",
            "niveau",
            "frequence",
            "valeur_reference",
            "annee_reference",
            "ordre",
            "section",
        ]
        help_texts = {"code": "Pour une valeur externe ; un indicateur calculé prend le code de son calcul."}

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["code"].required = False
        if self.instance.pk and self.instance.mode == Mode.CALCULE:
            self.initial.setdefault("calcul", self.instance.code)

    def clean(self):
        donnees = super().clean()
        mode, calcul = donnees.get("mode"), donnees.get("calcul")
        if mode == Mode.CALCULE:
            if calcul:
                donnees["code"] = calcul
                self.errors.pop("code", None)
            else:
                # A code typed by hand is not what names a calculation: the choice above is.
                donnees["code"] = ""
                self.add_error("calcul", "Choisissez le calcul de cet indicateur calculé.")
        elif calcul:
            self.add_error("calcul", "Seul un indicateur calculé a un calcul : laissez ce champ vide.")
        elif not donnees.get("code") and "code" not in self.errors:
            self.add_error("code", "Donnez un code à cette valeur externe.")
        return donnees


def _refuser_une_annee_cloturee(objet, annee=None):
    """A target or external value of a closed school year is final, in the admin as in the
    pages: its year as saved, and the one it is given (`annee`), must both be open."""
    annees = [annee] if annee else []
    if objet.pk:
        annees.append(type(objet).objects.values_list("annee_scolaire", flat=True).get(pk=objet.pk))
    contrat = objet.contrat_id
    fermees = clotures.clotures(contrat=contrat, annees=annees) if contrat else {}
    if fermees:
        cloture = fermees[min(fermees)]
        raise ValidationError(f"{cloture.en_clair()} : ses cibles et valeurs externes ne peuvent plus être modifiées.")


class FormulaireHorsCloture(forms.ModelForm):
    def clean(self):
        donnees = super().clean()
        if self.has_changed() or not self.instance.pk:
            self.instance.contrat_id = self.instance.contrat_id or getattr(donnees.get("contrat"), "pk", None)
            _refuser_une_annee_cloturee(self.instance, donnees.get("annee_scolaire"))
        return donnees


class CiblesHorsCloture(forms.BaseInlineFormSet):
    def clean(self):
        super().clean()
        # A target removed from the list: the formset keeps no error of a deleted form.
        for form in self.deleted_forms:
            if form.instance.pk:
                _refuser_une_annee_cloturee(form.instance)


class HorsCloture:
    """Targets and external values of a closed school year are final: neither changed (the
    form refuses it) nor deleted here."""

    form = FormulaireHorsCloture
    # No bulk deletion: each is deleted from its own page, checked against its year's closure.
    actions = None

    def has_delete_permission(self, request, obj=None):
        return super().has_delete_permission(request, obj) and not _de_l_annee_cloturee(obj)


class CibleInline(DuContrat, admin.TabularInline):
    model = Cible
    form = FormulaireHorsCloture
    formset = CiblesHorsCloture
    extra = 0
    fields = ["annee_scolaire", "contrat", "quartier", "valeur"]


@admin.register(Indicateur)
class IndicateurAdmin(DuContrat, SimpleHistoryAdmin):
    form = FormulaireIndicateur
    list_display = ["libelle", "code", "fiche", "nature", "mode", "unite", "sens", "enonce"]
    list_select_related = ["fiche", "enonce"]
    list_filter = ["fiche", "nature", "mode", "unite", "sens"]
    search_fields = ["libelle", "code", "definition"]
    inlines = [CibleInline]


@admin.register(ValeurExterne)
class ValeurExterneAdmin(DuContrat, HorsCloture, SimpleHistoryAdmin):
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
class CibleAdmin(DuContrat, HorsCloture, SimpleHistoryAdmin):
    list_display = ["indicateur", "annee_scolaire", "quartier", "valeur"]
    list_select_related = ["indicateur", "quartier"]
    list_filter = ["indicateur", "annee_scolaire", "contrat"]
    search_fields = ["indicateur__libelle"]


def _de_l_annee_cloturee(objet):
    return objet is not None and bool(clotures.clotures(contrat=objet.contrat_id, annees=[objet.annee_scolaire]))
