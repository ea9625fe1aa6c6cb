import re

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import MinValueValidator
from django.db import models
from django.db.models import F, Q
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django_fsm import FSMField, FSMModelMixin, transition
from simple_history.models import HistoricalRecords
from stdnum.exceptions import InvalidChecksum, InvalidComponent, InvalidFormat, InvalidLength
from stdnum.fr import siret

from fiches.annees import AnneeScolaire
from fiches.models import Modele
from partenaires.enums import TypePartenaire

from .enums import EtatDossier

RNA = re.compile(r"W[0-9]{9}")


def valider_siret(valeur):
    """The structure's SIRET as the INSEE gives it: 14 digits, the 9 of the SIREN first, both
    checked by the Luhn key (python-stdnum): a typo is caught on entry, not by the payer."""
    try:
        siret.validate(valeur)
    except (InvalidFormat, InvalidLength):
        raise ValidationError(
            "Un numéro SIRET compte 14 chiffres (le SIREN de 9 chiffres, puis 5 chiffres pour l’établissement).",
            code="siret_format",
        ) from None
    except (InvalidChecksum, InvalidComponent):
        raise ValidationError(
            "Ce numéro SIRET n’existe pas : sa clé de contrôle est fausse. Recopiez-le depuis l’avis de "
            "situation au répertoire SIRENE.",
            code="siret_cle",
        ) from None


def valider_rna(valeur):
    """The association's number in the Répertoire national des associations: W and 9 digits."""
    if not RNA.fullmatch(valeur or ""):
        raise ValidationError("Un numéro RNA s’écrit W suivi de 9 chiffres, par exemple W951234567.", code="rna_format")


class Campagne(Modele):
    """An appel à projets: the contract's yearly call, open between two dates, for some fiches
    and réalisations, with an envelope per financeur (EnveloppeCampagne)."""

    chemin_du_contrat = "contrat"
    contrat = models.ForeignKey(
        "fiches.Contrat", on_delete=models.CASCADE, related_name="campagnes", verbose_name=_("contrat")
    )
    intitule = models.CharField(_("intitulé"), max_length=200)
    annee_scolaire = models.PositiveSmallIntegerField(
        _("année scolaire"), help_text=_("L’année de la rentrée : 2026 pour 2026-2027.")
    )
    ouverture = models.DateField(_("ouverture des dépôts"))
    cloture = models.DateField(_("clôture des dépôts"))
    description = models.TextField(_("présentation"), blank=True)
    fiches = models.ManyToManyField("fiches.Fiche", verbose_name=_("fiches visées"), related_name="campagnes")
    realisations = models.ManyToManyField(
        "fiches.RealisationAttendue",
        verbose_name=_("réalisations attendues visées"),
        related_name="campagnes",
        blank=True,
        help_text=_("Aucune : toutes celles des fiches visées."),
    )
    source = models.ForeignKey(
        "partenaires.SourceFinancement",
        on_delete=models.PROTECT,
        related_name="campagnes",
        verbose_name=_("source des crédits"),
        help_text=_("La source des financements des actions nées de cet appel à projets."),
    )
    history = HistoricalRecords(m2m_fields=[fiches, realisations])

    class Meta:
        verbose_name = _("appel à projets")
        verbose_name_plural = _("appels à projets")
        ordering = ["-annee_scolaire", "intitule"]
        constraints = [
            models.CheckConstraint(
                condition=Q(cloture__gte=F("ouverture")),
                name="campagne_dates_ordonnees",
                violation_error_message=_("La clôture précède l’ouverture."),
            )
        ]

    def __str__(self):
        return self.intitule

    def get_absolute_url(self):
        return reverse("dossiers:campagne", kwargs={"pk": self.pk})

    @property
    def libelle_annee(self):
        return AnneeScolaire(self.annee_scolaire).libelle

    def clean(self):
        if self.ouverture and self.cloture and self.cloture < self.ouverture:
            raise ValidationError({"cloture": _("La clôture des dépôts précède leur ouverture.")})


class EnveloppeCampagne(Modele):
    """What a financeur puts into a campaign. Its financeurs are those a dossier may ask."""

    chemin_du_contrat = "campagne__contrat"
    campagne = models.ForeignKey(
        Campagne, on_delete=models.CASCADE, related_name="enveloppes", verbose_name=_("appel à projets")
    )
    financeur = models.ForeignKey(
        "partenaires.Partenaire", on_delete=models.PROTECT, related_name="enveloppes", verbose_name=_("financeur")
    )
    montant = models.DecimalField(
        _("enveloppe (€)"), max_digits=12, decimal_places=2, validators=[MinValueValidator(0)]
    )
    history = HistoricalRecords()

    class Meta:
        verbose_name = _("enveloppe")
        verbose_name_plural = _("enveloppes")
        ordering = ["financeur__nom"]
        constraints = [
            models.UniqueConstraint(fields=["campagne", "financeur"], name="enveloppe_unique"),
            models.CheckConstraint(condition=Q(montant__gte=0), name="enveloppe_positive"),
        ]

    def __str__(self):
        return f"{self.financeur} : {self.montant} €"


def _par_le_porteur(dossier, perimetre):
    return perimetre.porteur and dossier.structure_id in perimetre.structure_ids


def _par_un_responsable(dossier, perimetre):
    return perimetre.responsable


def _par_un_financeur_sollicite(dossier, perimetre):
    return perimetre.partenaire and perimetre.partenaire_id in dossier.financeurs_sollicites


class Dossier(FSMModelMixin, Modele):
    """A project a porteur submits to a campaign. A draft may be incomplete; depositing it checks
    what is missing (elements_manquants). Its state moves only by the transitions below, each run
    by dossiers.services.dossier_transitionner under a row lock, for the roles its permission
    names, and written in TransitionDossier. Once conventionné, it is the action (`action`)."""

    chemin_du_contrat = "campagne__contrat"
    campagne = models.ForeignKey(
        Campagne, on_delete=models.PROTECT, related_name="dossiers", verbose_name=_("appel à projets")
    )
    structure = models.ForeignKey(
        "partenaires.Structure", on_delete=models.PROTECT, related_name="dossiers", verbose_name=_("structure porteuse")
    )
    titre = models.CharField(_("titre du projet"), max_length=200)
    objectifs = models.TextField(_("objectifs"), blank=True)
    public = models.TextField(_("public visé"), blank=True)
    quartiers = models.ManyToManyField(
        "fiches.Quartier", verbose_name=_("quartiers prioritaires"), related_name="dossiers", blank=True
    )
    fiche = models.ForeignKey(
        "fiches.Fiche",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="dossiers",
        verbose_name=_("fiche"),
    )
    realisations = models.ManyToManyField(
        "fiches.RealisationAttendue", verbose_name=_("réalisations attendues"), related_name="dossiers", blank=True
    )
    dispositifs = models.ManyToManyField(
        "partenaires.Dispositif", verbose_name=_("dispositifs mobilisés"), related_name="dossiers", blank=True
    )
    date_debut = models.DateField(_("date de début"), null=True, blank=True)
    date_fin = models.DateField(_("date de fin"), null=True, blank=True)
    cout_total = models.DecimalField(
        _("coût total du projet (€)"),
        max_digits=12,
        decimal_places=2,
        null=True,
        blank=True,
        validators=[MinValueValidator(0)],
    )
    numero_dauphin = models.CharField(
        _("numéro de dossier Dauphin"),
        max_length=30,
        blank=True,
        help_text=_("Obligatoire quand l’État est sollicité : le numéro que donne la plateforme Dauphin."),
    )
    siret = models.CharField(_("SIRET de la structure"), max_length=14, blank=True, validators=[valider_siret])
    rna = models.CharField(
        _("numéro RNA"),
        max_length=10,
        blank=True,
        validators=[valider_rna],
        help_text=_("Pour une association : W suivi de 9 chiffres."),
    )
    etat = FSMField(
        _("état"), max_length=20, choices=EtatDossier.choices, default=EtatDossier.BROUILLON, protected=True
    )
    action = models.OneToOneField(
        "actions.Action",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="dossier",
        verbose_name=_("action"),
        editable=False,
    )
    cree_par = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+", editable=False
    )
    cree_le = models.DateTimeField(_("créé le"), default=timezone.now, editable=False)
    history = HistoricalRecords(m2m_fields=[quartiers, realisations, dispositifs])

    class Meta:
        verbose_name = _("dossier")
        verbose_name_plural = _("dossiers")
        ordering = ["-cree_le", "pk"]
        indexes = [models.Index(fields=["campagne", "etat"], name="dossier_campagne_etat_idx")]
        constraints = [
            models.CheckConstraint(
                condition=Q(date_fin__gte=F("date_debut")) | Q(date_debut=None) | Q(date_fin=None),
                name="dossier_dates_ordonnees",
                violation_error_message=_("La date de fin précède la date de début."),
            )
        ]

    def __str__(self):
        return self.titre

    def get_absolute_url(self):
        return reverse("dossiers:detail", kwargs={"pk": self.pk})

    def clean(self):
        if self.date_debut and self.date_fin and self.date_fin < self.date_debut:
            raise ValidationError({"date_fin": _("La date de fin précède la date de début.")})

    @property
    def financeurs_sollicites(self):
        """The ids of the partners this dossier asks money of (read from its lines, fetched up front)."""
        return {ligne.financeur_id for ligne in self.lignes.all() if ligne.montant_demande}

    def elements_manquants(self):
        """What a dossier needs before it can be deposited, in French, empty when complete. Reads
        its lines and many-to-many relations, which the caller fetches up front."""
        manque = []
        textes = {"objectifs": "les objectifs", "public": "le public visé"}
        manque += [libelle for champ, libelle in textes.items() if not getattr(self, champ).strip()]
        if not self.quartiers.all():
            manque.append("au moins un quartier prioritaire")
        if not self.fiche_id:
            manque.append("la fiche")
        if not self.realisations.all():
            manque.append("au moins une réalisation attendue")
        if not (self.date_debut and self.date_fin):
            manque.append("les dates de début et de fin")
        if self.cout_total is None:
            manque.append("le coût total du projet")
        lignes = [ligne for ligne in self.lignes.all() if ligne.montant_demande]
        if not lignes:
            manque.append("le montant demandé à au moins un financeur")
        if any(ligne.financeur.type == TypePartenaire.ETAT for ligne in lignes) and not self.numero_dauphin:
            manque.append("le numéro de dossier Dauphin (l’État est sollicité)")
        if not self.siret:
            manque.append("le numéro SIRET de la structure")
        return manque

    # The transitions. Each permission receives the user's scope (comptes.perimetre), not the
    # user: roles and structures live there. `custom` carries what the page shows (the button's
    # label) and whether a comment is required; the bodies are empty, the service does the work.

    @transition(
        field=etat,
        source=EtatDossier.BROUILLON,
        target=EtatDossier.DEPOSE,
        permission=_par_le_porteur,
        custom={"libelle": "Déposer le dossier", "commentaire_requis": False},
    )
    def deposer(self):
        pass

    @transition(
        field=etat,
        source=EtatDossier.DEPOSE,
        target=EtatDossier.EN_INSTRUCTION,
        permission=_par_un_responsable,
        custom={"libelle": "Mettre en instruction", "commentaire_requis": False},
    )
    def instruire(self):
        pass

    @transition(
        field=etat,
        source=EtatDossier.EN_INSTRUCTION,
        target=None,
        permission=_par_un_financeur_sollicite,
        custom={"libelle": "Donner l’avis de mon institution", "commentaire_requis": True},
    )
    def donner_avis(self):
        pass

    @transition(
        field=etat,
        source=EtatDossier.EN_INSTRUCTION,
        target=EtatDossier.RETENU,
        permission=_par_un_responsable,
        custom={"libelle": "Retenir", "commentaire_requis": False},
    )
    def retenir(self):
        pass

    @transition(
        field=etat,
        source=EtatDossier.EN_INSTRUCTION,
        target=EtatDossier.REFUSE,
        permission=_par_un_responsable,
        custom={"libelle": "Refuser", "commentaire_requis": True},
    )
    def refuser(self):
        pass

    @transition(
        field=etat,
        source=EtatDossier.EN_INSTRUCTION,
        target=EtatDossier.AJOURNE,
        permission=_par_un_responsable,
        custom={"libelle": "Ajourner", "commentaire_requis": True},
    )
    def ajourner(self):
        pass

    @transition(
        field=etat,
        source=EtatDossier.AJOURNE,
        target=EtatDossier.EN_INSTRUCTION,
        permission=_par_un_responsable,
        custom={"libelle": "Reprendre l’instruction", "commentaire_requis": False},
    )
    def reprendre(self):
        pass

    @transition(
        field=etat,
        source=EtatDossier.RETENU,
        target=EtatDossier.CONVENTIONNE,
        permission=_par_un_responsable,
        custom={"libelle": "Conventionner (crée l’action)", "commentaire_requis": False},
    )
    def conventionner(self):
        pass

    @transition(
        field=etat,
        source=EtatDossier.CONVENTIONNE,
        target=EtatDossier.EN_COURS,
        permission=_par_un_responsable,
        custom={"libelle": "Marquer en cours", "commentaire_requis": False},
    )
    def demarrer(self):
        pass

    @transition(
        field=etat,
        source=EtatDossier.EN_COURS,
        target=EtatDossier.BILAN_DEPOSE,
        permission=_par_le_porteur,
        custom={"libelle": "Déposer le bilan", "commentaire_requis": False},
    )
    def deposer_bilan(self):
        pass

    @transition(
        field=etat,
        source=EtatDossier.BILAN_DEPOSE,
        target=EtatDossier.BILAN_VALIDE,
        permission=_par_un_responsable,
        custom={"libelle": "Valider le bilan", "commentaire_requis": False},
    )
    def valider_bilan(self):
        pass

    @transition(
        field=etat,
        source=EtatDossier.BILAN_DEPOSE,
        target=EtatDossier.EN_COURS,
        permission=_par_un_responsable,
        custom={"libelle": "Renvoyer le bilan au porteur", "commentaire_requis": True},
    )
    def renvoyer_bilan(self):
        pass

    @transition(
        field=etat,
        source=EtatDossier.BILAN_VALIDE,
        target=EtatDossier.SOLDE,
        permission=_par_un_responsable,
        custom={"libelle": "Solder", "commentaire_requis": False},
    )
    def solder(self):
        pass


class LigneBudget(Modele):
    """The amount a dossier asks of one financeur of its campaign."""

    chemin_du_contrat = "dossier__campagne__contrat"
    dossier = models.ForeignKey(Dossier, on_delete=models.CASCADE, related_name="lignes", verbose_name=_("dossier"))
    financeur = models.ForeignKey(
        "partenaires.Partenaire", on_delete=models.PROTECT, related_name="+", verbose_name=_("financeur")
    )
    montant_demande = models.DecimalField(
        _("montant demandé (€)"), max_digits=12, decimal_places=2, validators=[MinValueValidator(0)]
    )
    history = HistoricalRecords()

    class Meta:
        verbose_name = _("ligne du budget")
        verbose_name_plural = _("lignes du budget")
        ordering = ["financeur__nom"]
        constraints = [
            models.UniqueConstraint(fields=["dossier", "financeur"], name="ligne_budget_unique"),
            models.CheckConstraint(condition=Q(montant_demande__gte=0), name="ligne_budget_positive"),
        ]

    def __str__(self):
        return f"{self.financeur} : {self.montant_demande} €"


class TransitionDossier(Modele):
    """One step of a dossier's instruction: who, when, from which state to which, and why. An
    avis is a step that leaves the state as it is, signed by the partner's institution."""

    chemin_du_contrat = "dossier__campagne__contrat"
    dossier = models.ForeignKey(
        Dossier, on_delete=models.CASCADE, related_name="transitions", verbose_name=_("dossier")
    )
    nom = models.CharField(_("transition"), max_length=30)
    etat_avant = models.CharField(_("état avant"), max_length=20, choices=EtatDossier.choices)
    etat_apres = models.CharField(_("état après"), max_length=20, choices=EtatDossier.choices)
    auteur = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+", verbose_name=_("par")
    )
    partenaire = models.ForeignKey(
        "partenaires.Partenaire",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("institution"),
    )
    commentaire = models.TextField(_("commentaire"), blank=True)
    le = models.DateTimeField(_("le"), default=timezone.now)

    class Meta:
        verbose_name = _("étape de l’instruction")
        verbose_name_plural = _("étapes de l’instruction")
        ordering = ["le", "pk"]

    def __str__(self):
        return f"{self.dossier_id} {self.etat_avant} → {self.etat_apres}"


class Bilan(Modele):
    """The porteur's end-of-action report on a dossier: what was reached, what was hard, what
    comes next, and the compte rendu financier (dossiers.bilans: amounts by CERFA n° 15059
    line, stored as typed). Its figures (children, presences, sessions) are never typed: the
    page reads them from the action's records. Written by dossiers.services.bilan_enregistrer
    while the dossier is en cours; `version`, raised at each save, lets two saves at once be
    merged or refused rather than one lost (actions.versions)."""

    chemin_du_contrat = "dossier__campagne__contrat"
    dossier = models.OneToOneField(Dossier, on_delete=models.CASCADE, related_name="bilan", verbose_name=_("dossier"))
    objectifs_atteints = models.TextField(
        _("objectifs atteints"), blank=True, help_text=_("Ce qui a été réalisé au regard des objectifs du dossier.")
    )
    difficultes = models.TextField(_("difficultés rencontrées"), blank=True)
    effets_observes = models.TextField(
        _("effets observés"),
        blank=True,
        help_text=_("Facultatif : ce qui a changé pour les enfants et les familles, selon vous."),
    )
    perspectives = models.TextField(_("suites envisagées"), blank=True)
    compte_rendu = models.JSONField(_("compte rendu financier"), default=dict, blank=True)
    explication_ecarts = models.TextField(
        _("explication des écarts"),
        blank=True,
        help_text=_(
            "Obligatoire quand une ligne s’écarte du prévu de plus de 10 % du budget prévu (total des charges "
            "prévues) : dites pourquoi."
        ),
    )
    version = models.PositiveIntegerField(_("version"), default=0, editable=False)
    modifie_le = models.DateTimeField(_("modifié le"), null=True, blank=True, editable=False)
    history = HistoricalRecords()

    class Meta:
        verbose_name = _("bilan")
        verbose_name_plural = _("bilans")

    def __str__(self):
        return f"Bilan de {self.dossier_id}"

    def elements_manquants(self, compte_rendu):
        """What a bilan needs before it can be deposited, in French, empty when complete; its
        `compte_rendu` (dossiers.bilans.CompteRendu) built by the caller with its financeurs."""
        textes = {
            "objectifs_atteints": "les objectifs atteints",
            "difficultes": "les difficultés rencontrées",
            "perspectives": "les suites envisagées",
        }
        manque = [libelle for champ, libelle in textes.items() if not getattr(self, champ).strip()]
        if not compte_rendu.realise_saisi:
            manque.append("les montants réalisés du compte rendu financier")
        for erreurs in compte_rendu.incoherences(explication=self.explication_ecarts).values():
            manque += [erreur.rstrip(".") for erreur in erreurs]
        return manque
