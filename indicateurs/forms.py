import re
from decimal import Decimal, InvalidOperation

from crispy_forms.helper import FormHelper
from crispy_forms.layout import Column, Layout, Row
from django import forms
from django.core.exceptions import ValidationError

from actions.forms import ChampDate, ChampVersion
from fiches.annees import AnneeScolaire
from fiches.models import Quartier
from partenaires.models import Etablissement

from .enums import Mode, Unite
from .models import Cible, Indicateur, ValeurExterne, nombre_en_clair


def _choix_des_annees(*, a_venir, aussi=""):
    """The current school year first and preselected (a form left as it is writes there), then
    five years back, for late figures, and `a_venir` ahead, for targets; and `aussi`, the year of
    a record being corrected, wherever it lies."""
    courante = AnneeScolaire.courante().annee_de_rentree
    rentrees = set(range(courante - 5, courante + a_venir + 1))
    if annee := AnneeScolaire.depuis_libelle(aussi):
        rentrees.add(annee.annee_de_rentree)
    groupes = [
        ("Année en cours", [courante]),
        ("Années passées", sorted((r for r in rentrees if r < courante), reverse=True)),
        ("Années à venir", sorted(r for r in rentrees if r > courante)),
    ]
    choix = [
        (titre, [(AnneeScolaire(r).libelle, AnneeScolaire(r).libelle) for r in groupe])
        for titre, groupe in groupes
        if groupe
    ]
    return choix, AnneeScolaire(courante).libelle


# An indicator's figure typed the French way: "36", "81,5", "1 250", "72,5 %". What fits no such
# reading is refused rather than guessed.
VALEUR = re.compile(r"-?(?:[0-9]{1,3}(?: [0-9]{3})+|[0-9]+)(?:[,.][0-9]+)?")


AIDE_PAR_UNITE = {
    Unite.NOMBRE: "Un nombre entier pour ce qui se compte, par exemple 36.",
    Unite.POURCENTAGE: "De 0 à 100 pour un pourcentage, par exemple 81,5.",
}


class ChampValeur(forms.DecimalField):
    """A count or a percentage, in a plain text field (a browser's number field may read "81,5"
    as 815). Its unit's rules (whole counts, percentages up to 100) are the model's clean()."""

    widget = forms.TextInput(attrs={"inputmode": "decimal", "autocomplete": "off"})

    def to_python(self, valeur):
        if valeur in self.empty_values:
            return None
        texte = " ".join(str(valeur).strip().removesuffix("%").split())
        if not VALEUR.fullmatch(texte):
            raise ValidationError(
                "Nombre non reconnu : écrivez par exemple 36, 81,5 ou 1 250.",
                code="invalid",
            )
        return Decimal(texte.replace(" ", "").replace(",", "."))

    def prepare_value(self, valeur):
        # Shown as it is typed, 81,5, so that saving the form again reads the same figure.
        return nombre_en_clair(valeur) if isinstance(valeur, Decimal) else valeur


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
        field_classes = {"valeur": ChampValeur}

    def __init__(self, *args, indicateur, contrat, cibles, **kwargs):
        # The target's indicator is known: the model checks the value against its unit.
        kwargs.setdefault("instance", Cible(indicateur=indicateur, contrat=contrat))
        super().__init__(*args, **kwargs)
        self.fields["annee_scolaire"].choices, self.initial["annee_scolaire"] = _choix_des_annees(a_venir=3)
        self.fields["valeur"].help_text = AIDE_PAR_UNITE.get(indicateur.unite, "")
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
        field_classes = {"valeur": ChampValeur, "date_source": ChampDate}

    def __init__(self, *args, contrat, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["indicateur"].queryset = (
            Indicateur.objects.filter(mode=Mode.EXTERNE, fiche__enjeu__axe__pilier__contrat=contrat)
            .select_related("fiche")
            .order_by("fiche__code", "ordre")
        )
        # Two fiches may name an indicator alike: the fiche tells them apart.
        self.fields["indicateur"].label_from_instance = lambda indicateur: f"{indicateur.fiche.code} – {indicateur}"
        # A figure is published once its year is under way: no year ahead.
        choix, courante = _choix_des_annees(a_venir=0, aussi=self.instance.annee_scolaire)
        self.fields["annee_scolaire"].choices = choix
        if not self.instance.annee_scolaire:
            self.initial["annee_scolaire"] = courante
        self.fields["quartier"].queryset = Quartier.objects.filter(contrat=contrat)
        self.fields["quartier"].empty_label = "Tout le contrat"
        self.fields["etablissement"].queryset = Etablissement.objects.filter(contrat=contrat)
        self.fields["etablissement"].help_text = "Pour une valeur propre à un collège ou une école."
        self.fields["valeur"].help_text = " ".join(AIDE_PAR_UNITE.values())
        self.helper = FormHelper()
        self.helper.form_tag = False
        # A correction carries the version it was loaded at (actions.versions).
        version = []
        if self.instance.pk:
            self.fields["version"] = ChampVersion(initial=self.instance.version)
            version = ["version"]
        self.helper.layout = Layout(
            *version,
            Row(Column("indicateur"), Column("annee_scolaire")),
            Row(Column("quartier"), Column("etablissement")),
            Row(Column("valeur"), Column("source"), Column("date_source")),
        )


class FormulaireSuppression(forms.Form):
    """The confirmation of a deletion: the version of the value it showed (actions.versions)."""

    version = ChampVersion()
