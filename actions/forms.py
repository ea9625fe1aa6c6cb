import re
from decimal import Decimal

from crispy_forms.helper import FormHelper
from crispy_forms.layout import HTML, Column, Div, Fieldset, Layout, Row
from django import forms
from django.core.exceptions import ValidationError
from django.core.validators import MaxLengthValidator, MaxValueValidator
from django.utils import timezone
from django.utils.html import format_html, format_html_join
from django.utils.numberformat import format as formater

from fiches.annees import AnneeScolaire
from fiches.bornes import DATE_MAX, DATE_MIN, PETIT_ENTIER_MAX, TEXTE_LONG_MAX
from fiches.champs import ChoixMultiples
from fiches.models import Quartier, RealisationAttendue, Thematique
from partenaires.models import Dispositif, Etablissement, Partenaire, SourceFinancement

from .enums import EcartDeNiveau, JourSemaine, NiveauScolaire
from .models import Action, Financement, Participant, Seance
from .niveaux import annees_de_naissance_possibles, ecart_de_niveau
from .selectors import PROFIL_D_UN_DOUBLON, doublons_possibles


class ChampDate(forms.DateField):
    """Dates typed the French way, dd/mm/yyyy, in a plain text field that works on every device;
    only those a record may carry (fiches.bornes)."""

    widget = forms.DateInput(
        format="%d/%m/%Y", attrs={"placeholder": "jj/mm/aaaa", "inputmode": "numeric", "autocomplete": "off"}
    )

    def __init__(self, **kwargs):
        kwargs.setdefault("help_text", "Au format jj/mm/aaaa.")
        super().__init__(**kwargs)

    def validate(self, valeur):
        super().validate(valeur)
        if valeur and not DATE_MIN <= valeur <= DATE_MAX:
            raise ValidationError(
                "Date hors des années possibles : saisissez une date du %(min)s au %(max)s.",
                code="date_hors_bornes",
                params={"min": f"{DATE_MIN:%d/%m/%Y}", "max": f"{DATE_MAX:%d/%m/%Y}"},
            )


def _en_francais(nombre, decimales=None):
    return formater(nombre, ",", decimal_pos=decimales, grouping=3, thousand_sep="\u202f", force_grouping=True)


# Digits grouped by thousands with spaces, or not grouped; a comma (or a point) and the cents.
MONTANT = re.compile(r"-?(?:[0-9]{1,3}(?: [0-9]{3})+|[0-9]+)(?:[,.][0-9]{1,2})?")


class ChampMontant(forms.DecimalField):
    """Amounts in euros typed the French way, "1 500,50": spaces of any kind between thousands (a
    spreadsheet copies narrow no-break ones), a comma or a point before the cents, the euro sign
    allowed. A plain text field: a browser's number field may read "1500,50" as 150050. What fits
    no such reading is refused rather than guessed: "1.500" could be 1,50 € or 1 500 €."""

    widget = forms.TextInput(attrs={"inputmode": "decimal", "autocomplete": "off"})

    def __init__(self, **kwargs):
        kwargs.setdefault("help_text", "En euros, par exemple 1 500,50.")
        super().__init__(**kwargs)

    def to_python(self, valeur):
        if valeur in self.empty_values:
            return None
        texte = " ".join(str(valeur).removesuffix("€").split())
        if not MONTANT.fullmatch(texte):
            raise ValidationError(
                "Montant non reconnu : écrivez-le par exemple 1 500,50 (des espaces entre les milliers, "
                "une virgule avant les centimes).",
                code="invalid",
            )
        return Decimal(texte.replace(" ", "").replace(",", "."))

    def prepare_value(self, valeur):
        # Shown as it is typed, 1 500,50, so that saving the form again reads the same amount.
        return _en_francais(valeur, decimales=2) if isinstance(valeur, Decimal) else valeur


def _plafonner(champ, longueur=TEXTE_LONG_MAX):
    """Caps a text field of a model form (Django adds no validator for a max_length set after the
    field is built). The browser is not told: it would cut a pasted text without a word."""
    champ.max_length = longueur
    champ.validators.append(MaxLengthValidator(longueur))
    champ.help_text = f"{_en_francais(longueur)} caractères au plus."


def _borner_effectif(champ):
    """A headcount of a small integer column: refused above what the column holds, whatever the database."""
    champ.max_value = PETIT_ENTIER_MAX
    champ.validators.append(MaxValueValidator(PETIT_ENTIER_MAX))
    champ.widget.attrs["max"] = PETIT_ENTIER_MAX


def _aide_sans_balise():
    helper = FormHelper()
    helper.form_tag = False
    return helper


class FormulaireAction(forms.ModelForm):
    niveaux = forms.MultipleChoiceField(
        label="Niveaux scolaires visés",
        choices=NiveauScolaire.choices,
        widget=forms.CheckboxSelectMultiple,
        required=False,
    )

    class Meta:
        model = Action
        fields = [
            "titre",
            "description",
            "realisation",
            "thematiques",
            "porteur",
            "partenaires",
            "dispositif",
            "quartiers",
            "etablissements",
            "autres_lieux",
            "niveaux",
            "public_parents",
            "date_debut",
            "date_fin",
            "statut",
        ]
        field_classes = {
            "date_debut": ChampDate,
            "date_fin": ChampDate,
            "thematiques": ChoixMultiples,
            "partenaires": ChoixMultiples,
            "quartiers": ChoixMultiples,
            "etablissements": ChoixMultiples,
        }
        widgets = {
            "description": forms.Textarea(attrs={"rows": 4}),
            "thematiques": forms.CheckboxSelectMultiple,
            "partenaires": forms.CheckboxSelectMultiple,
            "quartiers": forms.CheckboxSelectMultiple,
            "etablissements": forms.CheckboxSelectMultiple,
            "realisation": forms.RadioSelect,
        }

    def __init__(self, *args, contrat, structures, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["realisation"].queryset = RealisationAttendue.objects.filter(
            fiche__enjeu__axe__pilier__contrat=contrat
        ).select_related("fiche")
        self.fields["realisation"].empty_label = None
        self.fields["thematiques"].queryset = Thematique.objects.all()
        self.fields["porteur"].queryset = structures
        self.fields["partenaires"].queryset = Partenaire.objects.filter(contrat=contrat)
        self.fields["dispositif"].queryset = Dispositif.objects.filter(
            fiches__enjeu__axe__pilier__contrat=contrat
        ).distinct()
        self.fields["quartiers"].queryset = Quartier.objects.filter(contrat=contrat)
        self.fields["etablissements"].queryset = Etablissement.objects.filter(contrat=contrat)
        _plafonner(self.fields["description"])
        self.helper = _aide_sans_balise()
        self.helper.layout = Layout(
            Fieldset(
                "L’action",
                "titre",
                "description",
                "realisation",
                Div("thematiques", css_class="cases-en-ligne"),
                "statut",
            ),
            Fieldset("Qui la porte", "porteur", "partenaires", "dispositif"),
            Fieldset("Où", Div("quartiers", css_class="cases-en-ligne"), "etablissements", "autres_lieux"),
            Fieldset("Pour qui", Div("niveaux", css_class="cases-en-ligne"), "public_parents"),
            Fieldset("Quand", Row(Column("date_debut"), Column("date_fin"))),
        )


class FormulaireFinancement(forms.ModelForm):
    class Meta:
        model = Financement
        fields = ["source", "financeur", "annee", "montant_demande", "montant_accorde", "montant_verse"]
        field_classes = {
            "montant_demande": ChampMontant,
            "montant_accorde": ChampMontant,
            "montant_verse": ChampMontant,
        }

    def __init__(self, *args, contrat, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["source"].queryset = SourceFinancement.objects.filter(contrat=contrat).select_related("financeur")
        self.fields["financeur"].queryset = Partenaire.objects.filter(contrat=contrat)
        self.fields["financeur"].help_text = "Par défaut, le financeur de la source."
        self.fields["annee"].initial = timezone.localdate().year
        self.helper = _aide_sans_balise()
        self.helper.layout = Layout(
            Row(Column("source"), Column("financeur"), Column("annee")),
            Row(Column("montant_demande"), Column("montant_accorde"), Column("montant_verse")),
        )


class FormulaireSeance(forms.ModelForm):
    class Meta:
        model = Seance
        fields = [
            "date",
            "duree_minutes",
            "etablissement",
            "lieu",
            "adultes_presents",
            "enfants_anonymes",
            "parents_presents",
            "notes",
        ]
        field_classes = {"date": ChampDate}
        widgets = {"notes": forms.Textarea(attrs={"rows": 3})}

    def __init__(self, *args, contrat, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["etablissement"].queryset = Etablissement.objects.filter(contrat=contrat)
        for nom in ["adultes_presents", "enfants_anonymes", "parents_presents"]:
            _borner_effectif(self.fields[nom])
        _plafonner(self.fields["notes"])
        self.helper = _aide_sans_balise()
        self.helper.layout = Layout(
            Row(Column("date"), Column("duree_minutes")),
            Row(Column("etablissement"), Column("lieu")),
            Row(Column("adultes_presents"), Column("enfants_anonymes"), Column("parents_presents")),
            "notes",
        )


class FormulaireSerieSeances(forms.Form):
    date_debut = ChampDate(label="Du")
    date_fin = ChampDate(label="Au")
    jours = forms.TypedMultipleChoiceField(
        label="Chaque",
        choices=JourSemaine.choices,
        coerce=int,
        widget=forms.CheckboxSelectMultiple,
        error_messages={"required": "Cochez au moins un jour de la semaine."},
    )
    duree_minutes = forms.IntegerField(
        label="Durée de chaque séance (minutes)", min_value=1, max_value=1440, initial=90
    )
    etablissement = forms.ModelChoiceField(
        label="Établissement scolaire", queryset=Etablissement.objects.none(), required=False
    )
    lieu = forms.CharField(label="Autre lieu", max_length=200, required=False)

    def __init__(self, *args, contrat, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["etablissement"].queryset = Etablissement.objects.filter(contrat=contrat)
        self.helper = _aide_sans_balise()
        self.helper.layout = Layout(
            Row(Column("date_debut"), Column("date_fin")),
            Div("jours", css_class="cases-en-ligne"),
            Row(Column("duree_minutes"), Column("etablissement"), Column("lieu")),
        )


class FormulaireParticipant(forms.ModelForm):
    """A child's record. Two checks help whoever types it, and give way once told why: the level
    must be the usual one for the birth year, unless a reason is chosen (redoublement…); a new
    child with the profile of one the structure already follows is shown that child, with a
    link, and is saved only once it is confirmed to be another."""

    confirmer_doublon = forms.BooleanField(
        label="Ce n’est pas le même enfant : l’enregistrer quand même", required=False
    )

    class Meta:
        model = Participant
        fields = [
            "structure",
            "sexe",
            "annee_naissance",
            "niveau_scolaire",
            "ecart_niveau",
            "etablissement",
            "quartier_residence",
            "date_consentement",
        ]
        field_classes = {"date_consentement": ChampDate}
        widgets = {"sexe": forms.RadioSelect}

    def __init__(self, *args, contrat, structures, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["structure"].queryset = structures
        self.fields["etablissement"].queryset = Etablissement.objects.filter(contrat=contrat)
        self.fields["quartier_residence"].queryset = Quartier.objects.filter(contrat=contrat)
        self.fields["quartier_residence"].empty_label = "Hors quartier prioritaire"
        self.fields["date_consentement"].required = False
        self.fields["ecart_niveau"].choices = [("", "Aucune : le niveau est celui de l’âge"), *EcartDeNiveau.choices]
        self.doublons = []
        if self.instance.pk:
            del self.fields["confirmer_doublon"]
        self.helper = _aide_sans_balise()
        # The confirmation is shown with the children it is about, once some were found (clean).
        self.helper.layout = Layout(
            "structure",
            Row(Column(Div("sexe", css_class="cases-en-ligne")), Column("annee_naissance"), Column("niveau_scolaire")),
            "ecart_niveau",
            Row(Column("etablissement"), Column("quartier_residence")),
            "date_consentement",
        )

    def clean(self):
        donnees = super().clean()
        self._verifier_le_niveau(donnees)
        if "confirmer_doublon" in self.fields:
            self._chercher_des_doublons(donnees)
        return donnees

    def _verifier_le_niveau(self, donnees):
        niveau, naissance = donnees.get("niveau_scolaire"), donnees.get("annee_naissance")
        # A birth year out of bounds has its own message (Participant.clean): one is enough.
        if not niveau or naissance not in annees_de_naissance_possibles(timezone.localdate()):
            return
        ecart = ecart_de_niveau(niveau=niveau, annee_naissance=naissance, annee=AnneeScolaire.courante())
        if ecart is None:
            # Nothing unusual left to explain: a reason given earlier is not kept.
            donnees["ecart_niveau"] = ""
            return
        # A record kept as it was is not refused for a level that was right when it was typed.
        retouche = self.instance.pk is None or {"niveau_scolaire", "annee_naissance"} & set(self.changed_data)
        if retouche and not donnees.get("ecart_niveau"):
            self.add_error(
                "niveau_scolaire",
                f"{ecart} Corrigez l’année de naissance ou le niveau, ou choisissez ci-dessous la raison "
                "de l’écart (redoublement, saut de classe…).",
            )

    def _chercher_des_doublons(self, donnees):
        profil = {champ: donnees.get(champ) for champ in PROFIL_D_UN_DOUBLON}
        # Only once the profile is complete and valid (no school is a value: it is compared too).
        if any(champ not in donnees for champ in PROFIL_D_UN_DOUBLON) or any(
            profil[champ] in (None, "") for champ in PROFIL_D_UN_DOUBLON if champ != "etablissement"
        ):
            return
        self.doublons = doublons_possibles(**profil)
        if self.doublons and not donnees.get("confirmer_doublon"):
            self.add_error(
                "confirmer_doublon",
                "Vérifiez qu’il ne s’agit pas du même enfant ; si c’en est un autre, cochez cette case pour "
                "l’enregistrer.",
            )
            self.helper.layout.append(HTML(self._liste_des_doublons()))
            self.helper.layout.append("confirmer_doublon")

    def _liste_des_doublons(self):
        return format_html(
            '<div class="alert alert-warning" id="doublons"><p class="mb-1">{}</p><ul class="mb-0">{}</ul></div>',
            "Cette structure suit déjà un enfant de même sexe, année de naissance, niveau et établissement :",
            format_html_join(
                "",
                '<li><a href="{}">Enfant {}</a>, enregistré le {}</li>',
                (
                    (enfant.get_absolute_url(), enfant.code, f"{timezone.localtime(enfant.cree_le):%d/%m/%Y}")
                    for enfant in self.doublons
                ),
            ),
        )


class FormulaireInscription(forms.Form):
    participants = ChoixMultiples(
        label="Enfants à inscrire",
        queryset=Participant.objects.none(),
        widget=forms.CheckboxSelectMultiple,
        error_messages={"required": "Cochez au moins un enfant."},
    )
    date_inscription = ChampDate(label="Date d’inscription")

    def __init__(self, *args, action, participants, **kwargs):
        """`participants`: the children offered (selectors.enfants_a_inscrire, as the page's filters narrow them)."""
        super().__init__(*args, **kwargs)
        self.fields["participants"].queryset = participants
        aujourdhui = timezone.localdate()
        self.fields["date_inscription"].initial = min(max(aujourdhui, action.date_debut), action.date_fin)
        self.helper = _aide_sans_balise()


class FormulairePresences(forms.Form):
    presents = forms.TypedMultipleChoiceField(label="Présents", coerce=int, required=False)
    enfants_anonymes = forms.IntegerField(
        label="Enfants non inscrits venus", min_value=0, max_value=PETIT_ENTIER_MAX, initial=0
    )
    parents_presents = forms.IntegerField(label="Parents présents", min_value=0, max_value=PETIT_ENTIER_MAX, initial=0)

    def __init__(self, *args, inscrits, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["presents"].choices = [(p.pk, p.code) for p in inscrits]
