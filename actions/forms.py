import datetime
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
from fiches.calendrier import motif_non_ouvre
from fiches.champs import ChoixMultiples
from fiches.models import Quartier, RealisationAttendue, Thematique
from partenaires.models import Dispositif, Etablissement, Partenaire, SourceFinancement

from .enums import Acteur, EcartDeNiveau, JourSemaine, NiveauScolaire, StatutAction
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


def _cases(label, choices, help_text=""):
    return forms.MultipleChoiceField(
        label=label, choices=choices, widget=forms.CheckboxSelectMultiple, required=False, help_text=help_text
    )


class FormulaireAction(forms.ModelForm):
    niveaux = _cases("Niveaux scolaires visés", NiveauScolaire.choices)
    concue_avec = _cases(
        "Conçue avec",
        Acteur.choices,
        "Qui, en plus de la structure porteuse, a participé à l’élaboration de l’action. "
        "Rien de coché : elle compte comme conçue par la structure seule.",
    )
    animee_avec = _cases(
        "Animée avec",
        Acteur.choices,
        "Qui conduit les séances avec la structure porteuse (des parents qui animent un atelier, "
        "pas ceux qui y assistent : leur présence se note à chaque séance).",
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
            "concue_avec",
            "animee_avec",
            "questionnaire_envie_ecole",
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
            Fieldset(
                "Pour qui", Div("niveaux", css_class="cases-en-ligne"), "public_parents", "questionnaire_envie_ecole"
            ),
            Fieldset(
                "Avec qui",
                Div("concue_avec", css_class="cases-en-ligne"),
                Div("animee_avec", css_class="cases-en-ligne"),
            ),
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
        _borner_effectif(self.fields["adultes_presents"])
        _plafonner(self.fields["notes"])
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
            "consentement_questionnaire",
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
            "consentement_questionnaire",
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

    def __init__(self, *args, action, participants, offerts, **kwargs):
        """`participants`: the children the user may see of the action's structure (selectors.
        participants_visibles); `offerts`: those the page offers, not enrolled yet, as its filters
        narrow them (selectors.enfants_a_inscrire)."""
        super().__init__(*args, **kwargs)
        # Accepted: all of them, so that a child enrolled by someone else since the page was
        # loaded is answered « déjà inscrit » (services.participants_inscrire), not « choix
        # invalide ».
        champ = self.fields["participants"]
        champ.queryset = participants.filter(structure=action.porteur_id).order_by("code")
        champ.choices = [(participant.pk, participant.code) for participant in offerts]
        aujourdhui = timezone.localdate()
        self.fields["date_inscription"].initial = min(max(aujourdhui, action.date_debut), action.date_fin)
        self.helper = _aide_sans_balise()


class FormulairePresences(forms.Form):
    presents = forms.TypedMultipleChoiceField(label="Présents", coerce=int, required=False)
    enfants_anonymes = forms.IntegerField(
        label="Enfants non inscrits venus", min_value=0, max_value=PETIT_ENTIER_MAX, initial=0
    )
    parents_presents = forms.IntegerField(label="Parents présents", min_value=0, max_value=PETIT_ENTIER_MAX, initial=0)
    # What the grid showed when loaded: its user's changes are what differs from it.
    presents_au_chargement = ChampIdentifiants(required=False)
    version = ChampVersion()

    def __init__(self, *args, inscrits, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["presents"].choices = [(p.pk, p.code) for p in inscrits]


def mois_demande(texte):
    """The month a page is asked for, `2025-11`, as its first day; None when absent, unreadable
    or outside the dates a record may carry."""
    trouve = re.fullmatch(r"(\d{4})-(\d{2})", texte or "")
    if not trouve or not 1 <= int(trouve[2]) <= 12:
        return None
    premier = datetime.date(int(trouve[1]), int(trouve[2]), 1)
    return premier if DATE_MIN.replace(day=1) <= premier <= DATE_MAX else None


class FormulairePresencesDuMois(forms.Form):
    """A month of an action's attendance grids (selectors.GrilleDuMois): a box per child and
    session that can be ticked, and per session that can be saved its headcounts, the version
    and the children ticked when the page was loaded (as the one-session grid carries them).
    `grilles` (once valid): per session whose column the user changed, what
    services.presences_du_mois_enregistrer takes; a column left as loaded is not saved, so that
    a session nobody entered yet stays à saisir."""

    presences = forms.MultipleChoiceField(
        label="Présences",
        required=False,
        error_messages={"invalid_choice": "Cette page a été modifiée avant l’envoi : rechargez-la."},
    )

    def __init__(self, *args, grille, **kwargs):
        super().__init__(*args, **kwargs)
        self.grille = grille
        self.seances = grille.seances_a_saisir()
        charges = grille.presents_au_chargement()
        self.fields["presences"].choices = [
            (case.nom, case.nom) for _, cases in grille.lignes for case in cases if not case.raison
        ]
        self.initial["presences"] = [
            case.nom for _, cases in grille.lignes for case in cases if case.present and not case.raison
        ]
        for seance in self.seances:
            le = f"séance du {seance.date:%d/%m}"
            self.fields[f"version-{seance.pk}"] = ChampVersion(initial=seance.version)
            self.fields[f"charges-{seance.pk}"] = ChampIdentifiants(required=False, initial=charges[seance.pk])
            for nom, libelle, valeur in (
                ("anonymes", "Enfants non inscrits venus", seance.enfants_anonymes),
                ("parents", "Parents présents", seance.parents_presents),
            ):
                # What the page showed, sent back hidden: a column is saved only if changed.
                self.fields[f"avant-{nom}-{seance.pk}"] = forms.IntegerField(
                    required=False, widget=forms.HiddenInput, initial=valeur
                )
                # Listed at the top of the page, an error names its field.
                erreur = f"{libelle}, {le} : un nombre entier de 0 à {PETIT_ENTIER_MAX} (0 si personne)."
                self.fields[f"{nom}-{seance.pk}"] = forms.IntegerField(
                    label=f"{libelle}, {le}",
                    min_value=0,
                    max_value=PETIT_ENTIER_MAX,
                    initial=valeur,
                    error_messages=dict.fromkeys(("required", "invalid", "min_value", "max_value"), erreur),
                    widget=forms.NumberInput(
                        attrs={"class": "form-control form-control-sm effectif", "aria-label": f"{libelle}, {le}"}
                    ),
                )

    def colonnes(self):
        """Each session of the month with, when it can be saved, its hidden and headcount fields."""
        return [
            (
                seance,
                {
                    nom.replace("-", "_"): self[f"{nom}-{seance.pk}"]
                    for nom in ("version", "charges", "anonymes", "parents", "avant-anonymes", "avant-parents")
                },
            )
            if seance in self.seances
            else (seance, None)
            for seance in self.grille.seances
        ]

    def clean(self):
        donnees = super().clean()
        if self.errors:
            return donnees
        coches = {}
        for nom in donnees["presences"]:
            seance, participant = nom.split(":")
            coches.setdefault(int(seance), set()).add(int(participant))
        self.grilles = {}
        for seance in self.seances:
            presents = coches.get(seance.pk, set())
            charges = donnees[f"charges-{seance.pk}"]
            effectifs_changes = [
                nom
                for nom in ("anonymes", "parents")
                if donnees[f"{nom}-{seance.pk}"] != donnees[f"avant-{nom}-{seance.pk}"]
            ]
            if presents != charges or effectifs_changes:
                self.grilles[seance.pk] = {
                    "presents": presents,
                    "presents_au_chargement": charges,
                    "enfants_anonymes": donnees[f"anonymes-{seance.pk}"],
                    "parents_presents": donnees[f"parents-{seance.pk}"],
                    "version": donnees[f"version-{seance.pk}"],
                }
        return donnees


def _choix_de_l_echelle(questionnaire):
    return [(str(reponse.valeur), reponse.libelle) for reponse in questionnaire.echelle]


class FormulaireQuestionnaire(forms.Form):
    """One child's answers on the tablet: a choice per item of their form, among the faces of the
    scale, and the revision the page showed (services.questionnaire_enregistrer)."""

    revision = ChampVersion()

    def __init__(self, *args, questionnaire, forme, **kwargs):
        super().__init__(*args, **kwargs)
        self.questionnaire, self.forme = questionnaire, forme
        for item in forme.items:
            self.fields[item.code] = forms.TypedChoiceField(
                label=item.texte,
                choices=_choix_de_l_echelle(questionnaire),
                coerce=int,
                widget=forms.RadioSelect,
                error_messages={"required": "Choisissez une réponse.", "invalid_choice": "Choisissez une réponse."},
            )

    def items(self):
        return [(item, self[item.code]) for item in self.forme.items]

    def reponses(self):
        return {item.code: self.cleaned_data[item.code] for item in self.forme.items}


class FormulaireGrilleQuestionnaire(forms.Form):
    """Paper questionnaires entered in a grid: per child whose consent covers it, a cell per item
    of their form and the revision the grid showed; one date for the sheets. A row left wholly
    empty is not saved; `saisies` (once valid) holds the others, as services.questionnaires_enregistrer
    takes them."""

    rempli_le = ChampDate(label="Questionnaires remplis le", help_text="La date écrite sur les feuilles.")

    def __init__(self, *args, enfants, moment, **kwargs):
        super().__init__(*args, **kwargs)
        self.moment = moment
        self.enfants = [enfant for enfant in enfants if enfant.couvert and enfant.forme]
        for enfant, rempli in ((e, e.rempli(self.moment)) for e in self.enfants):
            pk = enfant.participant.pk
            self.fields[f"revision-{pk}"] = ChampVersion(initial=rempli.revision if rempli else 0)
            for numero, item in enumerate(enfant.forme.items, start=1):
                self.fields[f"q-{pk}-{item.code}"] = forms.TypedChoiceField(
                    label=f"{enfant.participant.code}, phrase {numero}",
                    choices=[("", "–"), *_choix_de_l_echelle(enfant.questionnaire)],
                    coerce=int,
                    empty_value=None,
                    required=False,
                    initial=rempli.reponses.get(item.code) if rempli else None,
                    error_messages={"invalid_choice": "Réponse inconnue."},
                )

    def lignes(self):
        """Per form of the questionnaire, its items and its children's rows of cells."""
        formes = {}
        for enfant in self.enfants:
            cellules = [self[f"q-{enfant.participant.pk}-{item.code}"] for item in enfant.forme.items]
            formes.setdefault(enfant.forme, []).append((enfant, self[f"revision-{enfant.participant.pk}"], cellules))
        return list(formes.items())

    def clean(self):
        donnees = super().clean()
        self.saisies = []
        for enfant in self.enfants:
            pk = enfant.participant.pk
            reponses = {
                item.code: donnees.get(f"q-{pk}-{item.code}")
                for item in enfant.forme.items
                if donnees.get(f"q-{pk}-{item.code}") is not None
            }
            if reponses and f"revision-{pk}" in donnees:
                self.saisies.append((enfant.participant, reponses, donnees[f"revision-{pk}"]))
        return donnees


class FormulaireRendreLaTablette(forms.Form):
    mot_de_passe = forms.CharField(
        label="Mot de passe de l’animateur",
        strip=False,
        widget=forms.PasswordInput(attrs={"autocomplete": "current-password"}),
    )

    def __init__(self, *args, utilisateur, **kwargs):
        super().__init__(*args, **kwargs)
        self.utilisateur = utilisateur

    def clean_mot_de_passe(self):
        if not self.utilisateur.check_password(self.cleaned_data["mot_de_passe"]):
            raise ValidationError("Ce n’est pas le mot de passe de la personne connectée.")
        return self.cleaned_data["mot_de_passe"]
