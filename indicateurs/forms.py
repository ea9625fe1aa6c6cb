from decimal import Decimal, InvalidOperation

from crispy_forms.helper import FormHelper
from crispy_forms.layout import Column, Layout, Row
from django import forms

from actions.forms import ChampDate
from fiches.annees import AnneeScolaire
from fiches.models import Quartier
from partenaires.models import Etablissement

from .enums import Mode
from .models import Cible, Indicateur, ValeurExterne


def _choix_des_annees():
    """Five school years back, for late figures, and three ahead, for targets."""
    courante = AnneeScolaire.courante()
    return [(a.libelle, a.libelle) for a in (AnneeScolaire(courante.annee_de_rentree + d) for d in range(-5, 4))]


def cibles_vues(cibles):
    """The targets a page lists, as its target form carries them back: « id:valeur;… »."""
    return ";".join(f"{cible.pk}:{cible.valeur}" for cible in cibles)


class FormulaireCible(forms.ModelForm):
    annee_scolaire = forms.ChoiceField(label="Année scolaire", choices=())
    # The targets the page listed when loaded: one set since is not replaced unseen
    # (services.cible_fixer).
    vues = forms.CharField(widget=forms.HiddenInput, required=False)

    class Meta:
        model = Cible
        fields = ["annee_scolaire", "quartier", "valeur"]

    def __init__(self, *args, contrat, cibles, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["annee_scolaire"].choices = _choix_des_annees()
        self.fields["quartier"].queryset = Quartier.objects.filter(contrat=contrat)
        self.fields["quartier"].empty_label = "Tout le contrat"
        self.fields["vues"].initial = cibles_vues(cibles)
        self.helper = FormHelper()
        self.helper.form_tag = False
        self.helper.layout = Layout("vues", Row(Column("annee_scolaire"), Column("quartier"), Column("valeur")))

    def clean_vues(self):
        """{id: valeur}; what the page did not write counts as not seen."""
        vues = {}
        for element in self.cleaned_data["vues"].split(";"):
            pk, _, valeur = element.partition(":")
            try:
                vues[int(pk)] = Decimal(valeur)
            except (ValueError, InvalidOperation):
                continue
        return vues


class FormulaireValeurExterne(forms.ModelForm):
    annee_scolaire = forms.ChoiceField(label="Année scolaire", choices=())

    class Meta:
        model = ValeurExterne
        fields = ["indicateur", "annee_scolaire", "quartier", "etablissement", "valeur", "source", "date_source"]
        field_classes = {"date_source": ChampDate}

    def __init__(self, *args, contrat, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["indicateur"].queryset = Indicateur.objects.filter(
            mode=Mode.EXTERNE, enonce__fiche__enjeu__axe__pilier__contrat=contrat
        )
        self.fields["annee_scolaire"].choices = _choix_des_annees()
        self.fields["quartier"].queryset = Quartier.objects.filter(contrat=contrat)
        self.fields["quartier"].empty_label = "Tout le contrat"
        self.fields["etablissement"].queryset = Etablissement.objects.filter(contrat=contrat)
        self.fields["etablissement"].help_text = "Pour une valeur propre à un collège ou une école."
        self.helper = FormHelper()
        self.helper.form_tag = False
        self.helper.layout = Layout(
            Row(Column("indicateur"), Column("annee_scolaire")),
            Row(Column("quartier"), Column("etablissement")),
            Row(Column("valeur"), Column("source"), Column("date_source")),
        )
