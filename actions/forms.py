from crispy_forms.helper import FormHelper
from crispy_forms.layout import Column, Div, Fieldset, Layout, Row
from django import forms
from django.utils import timezone

from fiches.calendrier import motif_non_ouvre
from fiches.models import Quartier, RealisationAttendue, Thematique
from partenaires.models import Dispositif, Etablissement, Partenaire, SourceFinancement

from .enums import JourSemaine, NiveauScolaire, StatutAction
from .models import Action, Financement, Participant, Seance


class ChampDate(forms.DateField):
    """Dates typed the French way, dd/mm/yyyy, in a plain text field that works on every device."""

    widget = forms.DateInput(
        format="%d/%m/%Y", attrs={"placeholder": "jj/mm/aaaa", "inputmode": "numeric", "autocomplete": "off"}
    )

    def __init__(self, **kwargs):
        kwargs.setdefault("help_text", "Au format jj/mm/aaaa.")
        super().__init__(**kwargs)


class ChampVersion(forms.IntegerField):
    """The version of the record the form was loaded at, sent back hidden (actions.versions)."""

    widget = forms.HiddenInput

    def __init__(self, **kwargs):
        message = "Cette page ne dit pas quelle version de la fiche elle modifie : rechargez-la."
        super().__init__(
            min_value=0,
            max_value=2**31 - 1,
            error_messages={"required": message, "invalid": message, "min_value": message, "max_value": message},
            **kwargs,
        )


class ChampIdentifiants(forms.CharField):
    """Record ids a page carries in one hidden field, separated by commas."""

    widget = forms.HiddenInput

    def prepare_value(self, value):
        if isinstance(value, set | frozenset | list | tuple):
            return ",".join(str(pk) for pk in sorted(value))
        return value

    def to_python(self, value):
        morceaux = [morceau.strip() for morceau in super().to_python(value).split(",") if morceau.strip()]
        # An id has at most 18 digits (a bigint); anything else was not written by the page.
        if not all(morceau.isdigit() and len(morceau) <= 18 for morceau in morceaux):
            raise forms.ValidationError("Cette page a été modifiée avant l’envoi : rechargez-la.")
        return {int(morceau) for morceau in morceaux}


class ChampHeure(forms.TimeField):
    """A time typed hh:mm, with the browser's time picker where it has one."""

    widget = forms.TimeInput(format="%H:%M", attrs={"type": "time"})


def _aide_sans_balise():
    helper = FormHelper()
    helper.form_tag = False
    return helper


def _version_de(form):
    """The form of a record being edited carries its version: the layout's hidden field for it."""
    if form.instance.pk is None:
        return []
    form.fields["version"] = ChampVersion(initial=form.instance.version)
    return ["version"]


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
        field_classes = {"date_debut": ChampDate, "date_fin": ChampDate}
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
        if self.instance.statut != StatutAction.ANNULEE:
            # Cancelling asks for a reason: the button « Annuler l’action » of its page does it.
            self.fields["statut"].choices = [
                (valeur, libelle) for valeur, libelle in StatutAction.choices if valeur != StatutAction.ANNULEE
            ]
            self.fields["statut"].help_text = "Pour l’annuler, utilisez le bouton « Annuler l’action » de sa page."
        else:
            self.fields["statut"].help_text = "Choisir un autre statut rétablit l’action."
        self.helper = _aide_sans_balise()
        self.helper.layout = Layout(
            *_version_de(self),
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
    """A session's date, time and place. Who came (children ticked, counted at the door,
    parents) is entered in its attendance grid only, which makes the session « saisie »."""

    confirmer_jour_non_ouvre = forms.BooleanField(
        label="Je confirme : la séance a lieu ce jour-là malgré les vacances ou le jour férié", required=False
    )

    class Meta:
        model = Seance
        fields = ["date", "heure_debut", "duree_minutes", "etablissement", "lieu", "adultes_presents", "notes"]
        field_classes = {"date": ChampDate, "heure_debut": ChampHeure}
        widgets = {"notes": forms.Textarea(attrs={"rows": 3})}

    def __init__(self, *args, contrat, **kwargs):
        super().__init__(*args, **kwargs)
        self.zone = contrat.zone_scolaire
        self.fields["etablissement"].queryset = Etablissement.objects.filter(contrat=contrat)
        self.helper = _aide_sans_balise()
        self.helper.layout = Layout(
            *_version_de(self),
            Row(Column("date"), Column("heure_debut"), Column("duree_minutes")),
            Row(Column("etablissement"), Column("lieu")),
            "adultes_presents",
            "notes",
        )

    def clean(self):
        """A date in the school holidays or a public holiday is allowed (holiday clubs exist), once
        confirmed: the box shows, with the reason, only when the date asks for it."""
        donnees = super().clean()
        # The form's own question: the session has no such field.
        confirme = donnees.pop("confirmer_jour_non_ouvre", False)
        jour = donnees.get("date")
        if not jour or jour == self.initial.get("date"):
            return donnees
        motif = motif_non_ouvre(jour, zone=self.zone)
        if motif:
            self.helper.layout.insert(1, "confirmer_jour_non_ouvre")
            if not confirme:
                self.add_error(
                    "confirmer_jour_non_ouvre",
                    f"Le {jour:%d/%m/%Y} n’est pas un jour d’école : {motif}. Si la séance a bien lieu ce jour-là "
                    "(un accueil pendant les vacances, par exemple), cochez cette case et enregistrez de nouveau.",
                )
        return donnees


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
    heure_debut = ChampHeure(
        label="Heure de début",
        required=False,
        help_text="Facultative, au format hh:mm. Une date où l’action a déjà une séance à cette heure, ou sans "
        "heure, est sautée.",
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
            Row(Column("heure_debut"), Column("duree_minutes")),
            Row(Column("etablissement"), Column("lieu")),
        )


class FormulaireAnnulation(forms.Form):
    motif = forms.CharField(
        label="Motif de l’annulation",
        max_length=200,
        help_text="200 caractères au plus. Par exemple : intervenant absent, salle indisponible, sortie reportée.",
        error_messages={"required": "Indiquez le motif de l’annulation."},
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.helper = _aide_sans_balise()


class FormulaireParticipant(forms.ModelForm):
    class Meta:
        model = Participant
        fields = [
            "structure",
            "sexe",
            "annee_naissance",
            "niveau_scolaire",
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
        self.helper = _aide_sans_balise()
        self.helper.layout = Layout(
            "structure",
            Row(Column(Div("sexe", css_class="cases-en-ligne")), Column("annee_naissance"), Column("niveau_scolaire")),
            Row(Column("etablissement"), Column("quartier_residence")),
            "date_consentement",
        )


class FormulaireInscription(forms.Form):
    participants = forms.ModelMultipleChoiceField(
        label="Enfants à inscrire",
        queryset=Participant.objects.none(),
        widget=forms.CheckboxSelectMultiple,
        error_messages={"required": "Cochez au moins un enfant."},
    )
    date_inscription = ChampDate(label="Date d’inscription")

    def __init__(self, *args, action, participants, **kwargs):
        """`participants`: the children the user may see (actions.selectors.participants_visibles)."""
        super().__init__(*args, **kwargs)
        # Offered: the visible children of the porteur not enrolled yet. Accepted: all of them, so
        # that a child enrolled by someone else since the page was loaded is answered « déjà
        # inscrit » (services.participants_inscrire), not « choix invalide ».
        champ = self.fields["participants"]
        champ.queryset = participants.filter(structure=action.porteur_id).order_by("code")
        champ.choices = [
            (participant.pk, participant.code) for participant in champ.queryset.exclude(inscriptions__action=action)
        ]
        aujourdhui = timezone.localdate()
        self.fields["date_inscription"].initial = min(max(aujourdhui, action.date_debut), action.date_fin)
        self.helper = _aide_sans_balise()


class FormulairePresences(forms.Form):
    presents = forms.TypedMultipleChoiceField(label="Présents", coerce=int, required=False)
    enfants_anonymes = forms.IntegerField(label="Enfants non inscrits venus", min_value=0, initial=0)
    parents_presents = forms.IntegerField(label="Parents présents", min_value=0, initial=0)
    # What the grid showed when loaded: its user's changes are what differs from it.
    presents_au_chargement = ChampIdentifiants(required=False)
    version = ChampVersion()

    def __init__(self, *args, inscrits, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["presents"].choices = [(p.pk, p.code) for p in inscrits]
