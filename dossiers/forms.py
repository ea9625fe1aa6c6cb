from crispy_forms.helper import FormHelper
from crispy_forms.layout import Column, Div, Fieldset, Layout, Row
from django import forms
from django.core.validators import MaxLengthValidator

from actions.forms import ChampDate, ChampMontant, _plafonner
from fiches.annees import AnneeScolaire
from fiches.champs import ChoixMultiples
from fiches.models import Fiche, Quartier, RealisationAttendue
from partenaires.models import Dispositif, Partenaire, SourceFinancement

from .enums import EtatDossier
from .models import Bilan, Campagne, Dossier
from .services import transitions_du_modele


def _aide():
    helper = FormHelper()
    helper.form_tag = False
    return helper


def _champ_de(prefixe, financeur):
    return f"{prefixe}_{financeur.pk}"


def _ajouter_les_montants(form, prefixe, montants, libelle, **options):
    """One optional amount field per financeur of `form.financeurs`, filled from `montants`
    (financeur id -> amount): left empty, the financeur is not part of it."""
    for financeur in form.financeurs:
        form.fields[_champ_de(prefixe, financeur)] = ChampMontant(
            label=libelle.format(financeur),
            required=False,
            min_value=0,
            max_digits=12,
            decimal_places=2,
            initial=montants.get(financeur.pk),
            **options,
        )


class FormulaireCampagne(forms.ModelForm):
    """A campaign and, below it, one envelope field per partner of the contract: a partner left
    empty does not fund this call."""

    annee_scolaire = forms.TypedChoiceField(label="Année scolaire", coerce=int)

    class Meta:
        model = Campagne
        fields = [
            "intitule",
            "annee_scolaire",
            "ouverture",
            "cloture",
            "description",
            "fiches",
            "realisations",
            "source",
        ]
        field_classes = {
            "ouverture": ChampDate,
            "cloture": ChampDate,
            "fiches": ChoixMultiples,
            "realisations": ChoixMultiples,
        }
        widgets = {
            "description": forms.Textarea(attrs={"rows": 3}),
            "fiches": forms.CheckboxSelectMultiple,
            "realisations": forms.CheckboxSelectMultiple,
        }

    def __init__(self, *args, contrat, **kwargs):
        super().__init__(*args, **kwargs)
        courante = AnneeScolaire.courante().annee_de_rentree
        annees = [AnneeScolaire(courante + decalage) for decalage in (-1, 0, 1)]
        self.fields["annee_scolaire"].choices = [(a.annee_de_rentree, a.libelle) for a in annees]
        self.fields["annee_scolaire"].initial = courante
        self.fields["fiches"].queryset = Fiche.objects.filter(enjeu__axe__pilier__contrat=contrat)
        self.fields["realisations"].queryset = RealisationAttendue.objects.filter(
            fiche__enjeu__axe__pilier__contrat=contrat
        ).select_related("fiche")
        self.fields["source"].queryset = SourceFinancement.objects.filter(contrat=contrat)
        _plafonner(self.fields["description"])
        self.financeurs = list(Partenaire.objects.filter(contrat=contrat))
        montants = {}
        if self.instance.pk:
            montants = {e.financeur_id: e.montant for e in self.instance.enveloppes.all()}
        _ajouter_les_montants(
            self,
            "enveloppe",
            montants,
            libelle="Enveloppe de {}",
            help_text="En euros ; vide : ce partenaire ne finance pas cet appel à projets.",
        )
        self.helper = _aide()
        self.helper.layout = Layout(
            Fieldset(
                "L’appel à projets",
                "intitule",
                Row(Column("annee_scolaire"), Column("ouverture"), Column("cloture")),
                "description",
                "source",
            ),
            Fieldset("Ce qu’il vise", Div("fiches", css_class="cases-en-ligne"), "realisations"),
            Fieldset("Enveloppes des financeurs", *[_champ_de("enveloppe", f) for f in self.financeurs]),
        )

    def enveloppes(self):
        return {f: self.cleaned_data[_champ_de("enveloppe", f)] for f in self.financeurs}

    def donnees(self):
        return {nom: valeur for nom, valeur in self.cleaned_data.items() if not nom.startswith("enveloppe_")}


class FormulaireDossier(forms.ModelForm):
    """A dossier, complete or not: a draft saves whatever is filled, and depositing it says
    what is missing. One amount field per financeur of the campaign."""

    class Meta:
        model = Dossier
        fields = [
            "titre",
            "structure",
            "objectifs",
            "public",
            "quartiers",
            "fiche",
            "realisations",
            "dispositifs",
            "date_debut",
            "date_fin",
            "cout_total",
            "numero_dauphin",
            "siret",
            "rna",
        ]
        field_classes = {
            "date_debut": ChampDate,
            "date_fin": ChampDate,
            "cout_total": ChampMontant,
            "quartiers": ChoixMultiples,
            "realisations": ChoixMultiples,
            "dispositifs": ChoixMultiples,
        }
        widgets = {
            "objectifs": forms.Textarea(attrs={"rows": 4}),
            "public": forms.Textarea(attrs={"rows": 2}),
            "quartiers": forms.CheckboxSelectMultiple,
            "realisations": forms.CheckboxSelectMultiple,
            "dispositifs": forms.CheckboxSelectMultiple,
        }

    def __init__(self, *args, campagne, structures, **kwargs):
        super().__init__(*args, **kwargs)
        contrat = campagne.contrat
        self.fields["structure"].queryset = structures
        self.fields["quartiers"].queryset = Quartier.objects.filter(contrat=contrat)
        self.fields["fiche"].queryset = campagne.fiches.all()
        visees = campagne.realisations.all()
        self.fields["realisations"].queryset = (
            visees if visees.exists() else RealisationAttendue.objects.filter(fiche__campagnes=campagne)
        ).select_related("fiche")
        self.fields["dispositifs"].queryset = Dispositif.objects.filter(
            fiches__enjeu__axe__pilier__contrat=contrat
        ).distinct()
        for nom in ("objectifs", "public"):
            _plafonner(self.fields[nom])
        # Copied from a document, a SIRET comes with spaces (clean_siret drops them): 14 digits
        # and their three separators.
        self.fields["siret"].max_length = 17
        self.fields["siret"].validators = [MaxLengthValidator(17)]
        # The browser would otherwise cut a pasted « 732 829 320 00074 » at the model's 14.
        self.fields["siret"].widget.attrs["maxlength"] = 17
        self.fields["siret"].help_text = "14 chiffres, par exemple 732 829 320 00074."
        self.financeurs = [e.financeur for e in campagne.enveloppes.select_related("financeur")]
        montants = {}
        if self.instance.pk:
            montants = {ligne.financeur_id: ligne.montant_demande for ligne in self.instance.lignes.all()}
        _ajouter_les_montants(self, "montant", montants, libelle="Montant demandé : {}")
        self.helper = _aide()
        self.helper.layout = Layout(
            Fieldset("Le projet", "titre", "structure", "objectifs", "public"),
            Fieldset(
                "Où et dans quel cadre",
                Div("quartiers", css_class="cases-en-ligne"),
                "fiche",
                "realisations",
                "dispositifs",
            ),
            Fieldset("Quand", Row(Column("date_debut"), Column("date_fin"))),
            Fieldset(
                "Budget",
                "cout_total",
                *[_champ_de("montant", f) for f in self.financeurs],
                "numero_dauphin",
            ),
            Fieldset("La structure", Row(Column("siret"), Column("rna"))),
        )

    def clean_siret(self):
        # Copied from a document, a SIRET comes with spaces: they are not part of it.
        return "".join(self.cleaned_data["siret"].split())

    def montants(self):
        return {f: self.cleaned_data[_champ_de("montant", f)] for f in self.financeurs}

    def donnees(self):
        return {nom: valeur for nom, valeur in self.cleaned_data.items() if not nom.startswith("montant_")}


class FormulaireTransition(forms.Form):
    """The dossier's next step: one button per transition the user may run, a comment shared by
    them, and the state the page showed (a decision taken meanwhile by someone else is not
    overwritten: dossiers.services)."""

    commentaire = forms.CharField(
        label="Commentaire",
        required=False,
        widget=forms.Textarea(attrs={"rows": 3}),
    )
    # Sent by the button pressed, not by a field of its own.
    transition = forms.ChoiceField(error_messages={"required": "Choisissez l’étape avec l’un des boutons."})
    etat_vu = forms.ChoiceField(choices=EtatDossier.choices, widget=forms.HiddenInput)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["transition"].choices = [
            (nom, custom["libelle"]) for nom, custom in transitions_du_modele().items()
        ]
        _plafonner(self.fields["commentaire"])
        self.fields["commentaire"].help_text = (
            "Obligatoire pour refuser, ajourner, renvoyer un bilan ou donner un avis. "
            + self.fields["commentaire"].help_text
        )
        self.helper = _aide()
        self.helper.layout = Layout("commentaire", "etat_vu")


class FormulaireBilan(forms.ModelForm):
    """The porteur's bilan: its texts, then the compte rendu financier, two amount fields per
    line (planned, actual: `prevu_<key>`, `realise_<key>`, dossiers.bilans), laid out by the
    page as the CERFA's table; the variance is computed, never typed. `version`: the one the
    form was loaded at (dossiers.services.bilan_enregistrer)."""

    version = forms.IntegerField(
        widget=forms.HiddenInput,
        min_value=0,
        error_messages={"required": "Cette page est incomplète : rechargez-la avant d’enregistrer."},
    )

    class Meta:
        model = Bilan
        fields = ["objectifs_atteints", "difficultes", "effets_observes", "perspectives", "explication_ecarts"]
        widgets = {
            nom: forms.Textarea(attrs={"rows": 4})
            for nom in ["objectifs_atteints", "difficultes", "effets_observes", "perspectives", "explication_ecarts"]
        }

    def __init__(self, *args, compte_rendu, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["version"].initial = self.instance.version
        for nom in self._meta.fields:
            aide = self.fields[nom].help_text
            _plafonner(self.fields[nom])
            if aide:
                self.fields[nom].help_text = f"{aide} {self.fields[nom].help_text}"
        self.compte_rendu = compte_rendu
        for ligne in compte_rendu.lignes:
            for colonne, quoi in (("prevu", "prévu"), ("realise", "réalisé")):
                self.fields[f"{colonne}_{ligne.cle}"] = ChampMontant(
                    label=f"Montant {quoi} : {ligne.code} {ligne.libelle}",
                    required=False,
                    min_value=0,
                    max_digits=12,
                    decimal_places=2,
                    initial=getattr(ligne, colonne),
                    help_text="",
                )
                self.fields[f"{colonne}_{ligne.cle}"].widget.attrs["class"] = "form-control form-control-sm text-end"
        self.helper = _aide()
        self.helper.layout = Layout("version")

    def tableaux(self):
        """The compte rendu's two tables, each line with its two fields, for the page; a field
        in error says so to assistive technologies and points to its message."""
        for nom in self.errors:
            if nom.startswith(("prevu_", "realise_")):
                attributs = self.fields[nom].widget.attrs
                attributs["class"] += " is-invalid"
                attributs.update({"aria-invalid": "true", "aria-describedby": f"{self[nom].auto_id}-erreur"})
        return [
            (titre, [(ligne, [self[f"prevu_{ligne.cle}"], self[f"realise_{ligne.cle}"]]) for ligne in lignes])
            for titre, lignes in (("Charges", self.compte_rendu.charges), ("Produits", self.compte_rendu.produits))
        ]

    def montants(self):
        return {
            ligne.cle: {colonne: self.cleaned_data.get(f"{colonne}_{ligne.cle}") for colonne in ("prevu", "realise")}
            for ligne in self.compte_rendu.lignes
        }

    def donnees(self):
        return {nom: self.cleaned_data[nom] for nom in self._meta.fields}
