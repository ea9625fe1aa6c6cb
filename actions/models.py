from functools import reduce
from operator import or_

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import Count, Exists, ExpressionWrapper, F, OuterRef, Q, Sum
from django.db.models.functions import Cast, Coalesce
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from simple_history.models import HistoricalRecords

from fiches.annees import AnneeScolaire
from fiches.chargement import QuerySet
from fiches.models import Modele
from partenaires.enums import EducationPrioritaire

from .enums import (
    Acteur,
    EcartDeNiveau,
    EtatSeance,
    ModeDeReponse,
    MomentQuestionnaire,
    NiveauScolaire,
    Sexe,
    StatutAction,
)
from .niveaux import annees_de_naissance_possibles


def nombre_de(queryset, champ="pk"):
    """A correlated COUNT(*) usable in an annotation (0 when nothing matches): computed for the
    rows shown only, where a join would multiply the rows before they are cut into a page."""
    return Coalesce(
        models.Subquery(queryset.order_by().values(champ).annotate(n=Count("pk")).values("n")[:1]),
        models.Value(0),
        output_field=models.IntegerField(),
    )


class ActionQuerySet(QuerySet):
    def non_archivees(self):
        return self.filter(archivee=False)

    def de_l_annee(self, annee: AnneeScolaire):
        """Actions whose dates overlap the school year."""
        return self.filter(date_debut__lte=annee.fin, date_fin__gte=annee.debut)

    def avec_caracteres_derives(self):
        """What is derived from the records rather than typed twice: an intervention croisée
        joins a school (as a place, or as porteur) and at least one partner that is not that
        school; parents are involved when the public says so or a session counted parents."""
        lieu_scolaire = Exists(Action.etablissements.through.objects.filter(action=OuterRef("pk")))
        partenaire = Exists(Action.partenaires.through.objects.filter(action=OuterRef("pk")))
        porteur_scolaire = Q(porteur__type__scolaire=True)
        parents_en_seance = Exists(SeancesAnnuelles.objects.filter(action=OuterRef("pk"), parents_presents__gt=0))
        return self.annotate(
            intervention_croisee=ExpressionWrapper(
                (Q(lieu_scolaire) | porteur_scolaire) & (~porteur_scolaire | Q(partenaire)),
                output_field=models.BooleanField(),
            ),
            implique_parents=ExpressionWrapper(
                Q(public_parents=True) | Q(parents_en_seance), output_field=models.BooleanField()
            ),
        )

    def avec_coimplication(self):
        """Whether the action was designed with a school ("conçue avec"), and run with parents or
        residents ("animée avec"), read in the JSON lists as text so that the test is the same on
        SQLite and PostgreSQL: each code is quoted there, and no code is inside another."""

        def nomme(champ, *acteurs):
            return ExpressionWrapper(
                reduce(or_, (Q(**{f"{champ}_texte__contains": f'"{acteur}"'}) for acteur in acteurs)),
                output_field=models.BooleanField(),
            )

        return self.alias(
            concue_avec_texte=Cast("concue_avec", models.TextField()),
            animee_avec_texte=Cast("animee_avec", models.TextField()),
        ).annotate(
            concue_avec_ecole=nomme("concue_avec", Acteur.ECOLE),
            animee_avec_parents=nomme("animee_avec", Acteur.PARENTS, Acteur.HABITANTS),
        )

    def avec_donnees_de_liste(self):
        return (
            self.avec_caracteres_derives()
            .select_related("porteur", "realisation")
            .prefetch_related("quartiers", "thematiques")
            .annotate(
                nb_seances=nombre_de(Seance.objects.filter(action=OuterRef("pk")), "action"),
                nb_inscrits=nombre_de(Inscription.objects.filter(action=OuterRef("pk")), "action"),
            )
        )


class Action(Modele):
    realisation = models.ForeignKey(
        "fiches.RealisationAttendue",
        on_delete=models.PROTECT,
        related_name="actions",
        verbose_name=_("réalisation attendue"),
        help_text=_("La catégorie de la fiche à laquelle l’action répond."),
    )
    titre = models.CharField(_("titre"), max_length=200)
    description = models.TextField(_("description"), blank=True)
    thematiques = models.ManyToManyField("fiches.Thematique", verbose_name=_("thématiques"), related_name="actions")
    porteur = models.ForeignKey(
        "partenaires.Structure", on_delete=models.PROTECT, related_name="actions", verbose_name=_("structure porteuse")
    )
    partenaires = models.ManyToManyField(
        "partenaires.Partenaire",
        verbose_name=_("partenaires associés"),
        related_name="actions",
        blank=True,
        help_text=_("Les institutions qui interviennent avec la structure porteuse."),
    )
    dispositif = models.ForeignKey(
        "partenaires.Dispositif",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="actions",
        verbose_name=_("dispositif mobilisé"),
    )
    quartiers = models.ManyToManyField("fiches.Quartier", verbose_name=_("quartiers concernés"), related_name="actions")
    etablissements = models.ManyToManyField(
        "partenaires.Etablissement",
        verbose_name=_("établissements scolaires où elle se déroule"),
        related_name="actions",
        blank=True,
    )
    autres_lieux = models.CharField(
        _("lieux de vie du quartier"),
        max_length=300,
        blank=True,
        help_text=_("Maison de quartier, gymnase, médiathèque… séparés par des virgules."),
    )
    niveaux = models.JSONField(_("niveaux scolaires visés"), default=list, blank=True)
    public_parents = models.BooleanField(_("s’adresse aussi aux parents"), default=False)
    # Fixed categories (Acteur), a list as niveaux: the dashboards test a code in it.
    concue_avec = models.JSONField(
        _("conçue avec"),
        default=list,
        blank=True,
        help_text=_("Les acteurs qui ont participé à l’élaboration de l’action, en plus de la structure porteuse."),
    )
    animee_avec = models.JSONField(
        _("animée avec"),
        default=list,
        blank=True,
        help_text=_("Les acteurs qui conduisent les séances avec la structure porteuse."),
    )
    questionnaire_envie_ecole = models.BooleanField(
        _("propose le questionnaire « envie d’école »"),
        default=False,
        help_text=_(
            "Les enfants dont le consentement le couvre y répondent à l’inscription et à la fin de l’action "
            "(effet attendu E2 de la fiche)."
        ),
    )
    date_debut = models.DateField(_("date de début"))
    date_fin = models.DateField(_("date de fin"))
    statut = models.CharField(_("statut"), max_length=10, choices=StatutAction.choices, default=StatutAction.PREVUE)
    motif_annulation = models.CharField(_("motif de l’annulation"), max_length=200, blank=True, editable=False)
    archivee = models.BooleanField(_("archivée"), default=False)
    cree_par = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("créée par"),
    )
    cree_le = models.DateTimeField(_("créée le"), default=timezone.now, editable=False)
    # Raised by each save (actions.services): a form sends the one it was loaded at, and a save
    # made meanwhile by someone else is merged or refused (actions.versions), never overwritten.
    version = models.PositiveIntegerField(_("version"), default=0, editable=False)
    history = HistoricalRecords(m2m_fields=[thematiques, partenaires, quartiers, etablissements])

    objects = ActionQuerySet.as_manager()

    class Meta:
        verbose_name = _("action")
        verbose_name_plural = _("actions")
        ordering = ["-date_debut", "titre"]
        indexes = [models.Index(fields=["date_debut", "date_fin"], name="action_periode_idx")]
        constraints = [
            models.CheckConstraint(
                condition=Q(date_fin__gte=F("date_debut")),
                name="action_dates_ordonnees",
                violation_error_message=_("La date de fin précède la date de début."),
            )
        ]

    def __str__(self):
        return self.titre

    def get_absolute_url(self):
        return reverse("actions:detail", kwargs={"pk": self.pk})

    def clean(self):
        erreurs = {}
        if self.date_debut and self.date_fin and self.date_fin < self.date_debut:
            erreurs["date_fin"] = _("La date de fin précède la date de début.")
        if (
            self.dispositif_id
            and self.realisation_id
            and not self.realisation.fiche.dispositifs.filter(pk=self.dispositif_id).exists()
        ):
            erreurs["dispositif"] = _("Ce dispositif n’est pas parmi ceux que la fiche mobilise.")
        invalides = set(self.niveaux or []) - set(NiveauScolaire.values)
        if invalides:
            erreurs["niveaux"] = _("Niveau scolaire inconnu : %(niveaux)s.") % {"niveaux": ", ".join(sorted(invalides))}
        for champ in ("concue_avec", "animee_avec"):
            if inconnus := set(getattr(self, champ) or []) - set(Acteur.values):
                erreurs[champ] = _("Acteur inconnu : %(acteurs)s.") % {"acteurs": ", ".join(sorted(inconnus))}
        if erreurs:
            raise ValidationError(erreurs)

    def libelles_niveaux(self):
        return [NiveauScolaire(niveau).label for niveau in self.niveaux]

    def libelles_concue_avec(self):
        return [Acteur(code).label for code in Acteur.values if code in self.concue_avec]

    def libelles_animee_avec(self):
        return [Acteur(code).label for code in Acteur.values if code in self.animee_avec]


class FinancementQuerySet(QuerySet):
    def totaux(self):
        return self.aggregate(
            demande=Coalesce(Sum("montant_demande"), 0, output_field=models.DecimalField()),
            accorde=Coalesce(Sum("montant_accorde"), 0, output_field=models.DecimalField()),
            verse=Coalesce(Sum("montant_verse"), 0, output_field=models.DecimalField()),
        )


class Financement(Modele):
    action = models.ForeignKey(Action, on_delete=models.CASCADE, related_name="financements", verbose_name=_("action"))
    source = models.ForeignKey(
        "partenaires.SourceFinancement",
        on_delete=models.PROTECT,
        related_name="financements",
        verbose_name=_("source de financement"),
    )
    financeur = models.ForeignKey(
        "partenaires.Partenaire",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="financements",
        verbose_name=_("financeur"),
    )
    annee = models.PositiveSmallIntegerField(
        _("année budgétaire"), validators=[MinValueValidator(2000), MaxValueValidator(2100)]
    )
    montant_demande = models.DecimalField(
        _("montant demandé (€)"), max_digits=10, decimal_places=2, default=0, validators=[MinValueValidator(0)]
    )
    montant_accorde = models.DecimalField(
        _("montant accordé (€)"), max_digits=10, decimal_places=2, default=0, validators=[MinValueValidator(0)]
    )
    montant_verse = models.DecimalField(
        _("montant versé (€)"), max_digits=10, decimal_places=2, default=0, validators=[MinValueValidator(0)]
    )
    history = HistoricalRecords()

    objects = FinancementQuerySet.as_manager()

    class Meta:
        verbose_name = _("financement")
        verbose_name_plural = _("financements")
        ordering = ["-annee", "source__ordre"]
        constraints = [
            models.CheckConstraint(
                condition=Q(montant_verse__lte=F("montant_accorde")),
                name="financement_verse_inferieur_accorde",
                violation_error_message=_("Le montant versé dépasse le montant accordé."),
            ),
            models.CheckConstraint(
                condition=Q(montant_demande__gte=0) & Q(montant_accorde__gte=0) & Q(montant_verse__gte=0),
                name="financement_montants_positifs",
                violation_error_message=_("Un montant ne peut pas être négatif."),
            ),
        ]

    def __str__(self):
        return f"{self.source} {self.annee}"

    def clean(self):
        if (
            self.montant_verse is not None
            and self.montant_accorde is not None
            and self.montant_verse > self.montant_accorde
        ):
            raise ValidationError(
                {"montant_verse": _("Le montant versé dépasse le montant accordé : corrigez l’un des deux.")}
            )


class Seance(Modele):
    """A session of an action. Its attendance grid, once saved (saisie_le), says who came, even
    nobody; until then its enrolled children are not counted absent. A cancelled session
    (annulee_le) stays listed with its reason and counts nowhere."""

    action = models.ForeignKey(Action, on_delete=models.CASCADE, related_name="seances", verbose_name=_("action"))
    date = models.DateField(_("date"))
    heure_debut = models.TimeField(
        _("heure de début"),
        null=True,
        blank=True,
        help_text=_("Facultative, au format hh:mm. Deux séances du même jour ont chacune la leur."),
    )
    duree_minutes = models.PositiveSmallIntegerField(
        _("durée (minutes)"), default=90, validators=[MinValueValidator(1), MaxValueValidator(24 * 60)]
    )
    etablissement = models.ForeignKey(
        "partenaires.Etablissement",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="seances",
        verbose_name=_("établissement scolaire"),
    )
    lieu = models.CharField(_("autre lieu"), max_length=200, blank=True)
    # The name stays that of the enrolled children: the dashboards' reads and their index use it.
    nb_inscrits = models.PositiveIntegerField(
        _("enfants inscrits et consentants à la date"),
        default=0,
        editable=False,
        help_text=_(
            "Les enfants inscrits à l’action à la date de la séance et dont le consentement parental est "
            "recueilli à cette date : les présences possibles. Tenu à jour à chaque inscription, changement "
            "de date ou de consentement (voir actions.resumes)."
        ),
    )
    # As nb_inscrits, derived: what the dashboards sum to cut a year at a date (actions.resumes).
    nb_presents = models.PositiveIntegerField(
        _("enfants inscrits présents"),
        default=0,
        editable=False,
        help_text=_("Les présences notées à la séance. Tenu à jour à chaque enregistrement de sa grille."),
    )
    adultes_presents = models.PositiveSmallIntegerField(_("adultes encadrants"), default=0)
    enfants_anonymes = models.PositiveSmallIntegerField(
        _("enfants non inscrits (comptage)"),
        default=0,
        help_text=_("Pour un événement ouvert où personne ne s’inscrit : le nombre d’enfants venus."),
    )
    parents_presents = models.PositiveSmallIntegerField(_("parents présents"), default=0)
    notes = models.TextField(_("notes"), blank=True)
    # As Action.version: raised by each save of the session, its form's or its grid's.
    version = models.PositiveIntegerField(_("version"), default=0, editable=False)
    saisie_le = models.DateTimeField(_("grille enregistrée le"), null=True, blank=True, editable=False)
    annulee_le = models.DateTimeField(_("annulée le"), null=True, blank=True, editable=False)
    motif_annulation = models.CharField(_("motif de l’annulation"), max_length=200, blank=True, editable=False)
    # The derived count is not a change anyone made: it stays out of the history.
    history = HistoricalRecords(
        history_change_reason_field=models.TextField(null=True), excluded_fields=["nb_inscrits", "nb_presents"]
    )

    class Meta:
        verbose_name = _("séance")
        verbose_name_plural = _("séances")
        # Two sessions of one date both have a start time (services.seance_enregistrer).
        ordering = ["date", "heure_debut", "pk"]
        indexes = [
            models.Index(fields=["action", "date"], name="seance_action_date_idx"),
        ]
        constraints = [
            # NULL is distinct from NULL in a unique index, on SQLite as on PostgreSQL before 15:
            # a session without a start time takes its date alone, by a constraint of its own.
            models.UniqueConstraint(
                fields=["action", "date", "heure_debut"],
                condition=Q(heure_debut__isnull=False),
                name="seance_unique_a_son_heure",
                violation_error_message=_("Cette action a déjà une séance à cette date et à cette heure."),
            ),
            models.UniqueConstraint(
                fields=["action", "date"],
                condition=Q(heure_debut__isnull=True),
                name="seance_unique_sans_heure",
                violation_error_message=_("Cette action a déjà une séance sans heure de début à cette date."),
            ),
        ]

    def __str__(self):
        return f"{self.action} – {self.date:%d/%m/%Y}"

    @property
    def etat(self):
        """Saisie, à saisir (past or today, never saved: the grid opens on the day itself),
        à venir, or annulée."""
        if self.annulee_le:
            return EtatSeance.ANNULEE
        if self.saisie_le:
            return EtatSeance.SAISIE
        return EtatSeance.A_SAISIR if self.date <= timezone.localdate() else EtatSeance.A_VENIR

    def get_absolute_url(self):
        return reverse("actions:presences", kwargs={"pk": self.pk})

    def clean(self):
        if self.date and self.action_id:
            action = self.action
            if not action.date_debut <= self.date <= action.date_fin:
                raise ValidationError(
                    {
                        "date": _("La séance doit avoir lieu pendant l’action, du %(debut)s au %(fin)s.")
                        % {"debut": f"{action.date_debut:%d/%m/%Y}", "fin": f"{action.date_fin:%d/%m/%Y}"}
                    }
                )


class ParticipantQuerySet(QuerySet):
    def de_structures(self, structures):
        return self.filter(structure__in=structures)

    def sans_activite_depuis(self, date):
        """Children with neither presence, enrolment nor creation on or after the date."""
        return self.filter(
            ~Exists(Presence.objects.filter(participant=OuterRef("pk"), seance__date__gte=date)),
            ~Exists(Inscription.objects.filter(participant=OuterRef("pk"), date_inscription__gte=date)),
            cree_le__date__lt=date,
        )


class Participant(Modele):
    """A child, pseudonymous: no name, no address; what the indicators need and nothing more."""

    structure = models.ForeignKey(
        "partenaires.Structure",
        on_delete=models.PROTECT,
        related_name="participants",
        verbose_name=_("structure responsable"),
    )
    code = models.CharField(_("code"), max_length=12, unique=True, editable=False)
    sexe = models.CharField(_("sexe"), max_length=1, choices=Sexe.choices)
    annee_naissance = models.PositiveSmallIntegerField(_("année de naissance"))
    niveau_scolaire = models.CharField(_("niveau scolaire"), max_length=3, choices=NiveauScolaire.choices)
    # A choice, not free text: nothing more about a minor than the indicators and the check need.
    ecart_niveau = models.CharField(
        _("raison d’un niveau inhabituel pour l’âge"),
        max_length=12,
        choices=EcartDeNiveau.choices,
        blank=True,
        help_text=_("Seulement quand le niveau n’est pas celui de l’année de naissance."),
    )
    etablissement = models.ForeignKey(
        "partenaires.Etablissement",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="eleves",
        verbose_name=_("établissement fréquenté"),
    )
    quartier_residence = models.ForeignKey(
        "fiches.Quartier",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="residents",
        verbose_name=_("quartier de résidence"),
        help_text=_("Laisser vide si l’enfant habite hors quartier prioritaire."),
    )
    date_consentement = models.DateField(_("date du consentement parental"), null=True, blank=True)
    # What the consent covers beyond attendance, which any consent covers: "not covered" until
    # the parents' form says so.
    consentement_questionnaire = models.BooleanField(
        _("le consentement couvre le questionnaire « envie d’école »"),
        default=False,
        help_text=_("Les parents ont accepté que l’enfant réponde au questionnaire, avant et après l’action."),
    )
    cree_le = models.DateTimeField(_("créé le"), default=timezone.now, editable=False)
    anonymise_le = models.DateField(_("anonymisé le"), null=True, blank=True, editable=False)
    history = HistoricalRecords()

    objects = ParticipantQuerySet.as_manager()

    class Meta:
        verbose_name = _("participant")
        verbose_name_plural = _("participants")
        ordering = ["code"]

    def __str__(self):
        return self.code

    def get_absolute_url(self):
        return reverse("actions:participant", kwargs={"pk": self.pk})

    def clean(self):
        erreurs = {}
        possibles = annees_de_naissance_possibles(timezone.localdate())
        if self.annee_naissance is not None and self.annee_naissance not in possibles:
            erreurs["annee_naissance"] = _("L’année de naissance doit être comprise entre %(min)s et %(max)s.") % {
                "min": possibles[0],
                "max": possibles[-1],
            }
        if self.date_consentement and self.date_consentement > timezone.localdate():
            erreurs["date_consentement"] = _("La date du consentement ne peut pas être dans le futur.")
        if self.consentement_questionnaire and not self.date_consentement:
            erreurs["consentement_questionnaire"] = _(
                "Seul un consentement recueilli peut couvrir le questionnaire : indiquez sa date."
            )
        if self.structure_id:
            contrat_id = self.structure.contrat_id
            if self.etablissement_id and self.etablissement.contrat_id != contrat_id:
                erreurs["etablissement"] = _("Cet établissement n’est pas dans le territoire de la structure.")
            if self.quartier_residence_id and self.quartier_residence.contrat_id != contrat_id:
                erreurs["quartier_residence"] = _("Ce quartier n’est pas dans le contrat de la structure.")
        if erreurs:
            raise ValidationError(erreurs)


class Inscription(Modele):
    action = models.ForeignKey(Action, on_delete=models.CASCADE, related_name="inscriptions", verbose_name=_("action"))
    participant = models.ForeignKey(
        Participant, on_delete=models.CASCADE, related_name="inscriptions", verbose_name=_("participant")
    )
    date_inscription = models.DateField(_("date d’inscription"), default=timezone.localdate)
    history = HistoricalRecords()

    class Meta:
        verbose_name = _("inscription")
        verbose_name_plural = _("inscriptions")
        ordering = ["participant__code"]
        constraints = [
            models.UniqueConstraint(
                fields=["action", "participant"],
                name="inscription_unique",
                violation_error_message=_("Cet enfant est déjà inscrit à cette action."),
            )
        ]

    def __str__(self):
        return f"{self.participant} → {self.action}"

    def clean(self):
        if self.participant_id and self.action_id and self.participant.structure_id != self.action.porteur_id:
            raise ValidationError(
                {"participant": _("Cet enfant est suivi par une autre structure que celle qui porte l’action.")}
            )


class QuestionnaireRempli(Modele):
    """A child's answers to the « envie d’école » questionnaire of an action, at entry or exit
    (actions.questionnaires): the version and form they were given under, the answers by item
    code and their score, computed once when saved. Only a child whose parents' consent covers
    the questionnaire has any (services.questionnaire_enregistrer); the answers belong to the
    child's pseudonymous record, and go with it (purge, export)."""

    action = models.ForeignKey(
        Action, on_delete=models.CASCADE, related_name="questionnaires", verbose_name=_("action")
    )
    participant = models.ForeignKey(
        Participant, on_delete=models.CASCADE, related_name="questionnaires", verbose_name=_("participant")
    )
    moment = models.CharField(_("moment"), max_length=6, choices=MomentQuestionnaire.choices)
    version = models.PositiveSmallIntegerField(_("version du questionnaire"))
    forme = models.CharField(_("forme"), max_length=20)
    reponses = models.JSONField(_("réponses"))
    score = models.DecimalField(_("score"), max_digits=6, decimal_places=3)
    rempli_le = models.DateField(_("rempli le"))
    # The pair's school year, that of its entry, on both rows; and on the exit, its score minus
    # the entry's: what the E2 indicators read, one row per pair, without joining the two.
    # Kept by services.questionnaire_enregistrer when either is saved.
    annee_scolaire = models.PositiveSmallIntegerField(_("année de la rentrée de l’entrée"))
    evolution = models.DecimalField(
        _("évolution du score depuis l’entrée"), max_digits=6, decimal_places=3, null=True, blank=True
    )
    mode = models.CharField(_("mode"), max_length=8, choices=ModeDeReponse.choices)
    saisi_par = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("saisi par"),
    )
    # Raised by each save: a page sends the one it showed, and a save made meanwhile by someone
    # else is refused rather than overwritten (services.questionnaire_enregistrer).
    revision = models.PositiveIntegerField(_("révision"), default=1, editable=False)
    history = HistoricalRecords()

    class Meta:
        verbose_name = _("questionnaire rempli")
        verbose_name_plural = _("questionnaires remplis")
        ordering = ["action", "participant__code", "moment"]
        constraints = [
            models.UniqueConstraint(
                fields=["action", "participant", "moment"],
                name="questionnaire_unique",
                violation_error_message=_("Cet enfant a déjà répondu à ce questionnaire pour cette action."),
            )
        ]
        indexes = [
            # The indicators read the exits of two school years.
            models.Index(
                fields=["annee_scolaire", "action"], condition=Q(moment="sortie"), name="questionnaire_paires_idx"
            ),
            # Every column the « envie d'école » indicators read of the exits up to a date: read
            # from the index alone, not from the rows of every contract's actions of the year
            # (a region's database: 71 → 36 ms).
            models.Index(
                fields=["annee_scolaire", "rempli_le", "action", "participant", "evolution"],
                condition=Q(moment="sortie"),
                name="questionnaire_sorties_idx",
            ),
        ]

    def __str__(self):
        return f"{self.participant} – {self.action} ({self.get_moment_display()})"


class Presence(Modele):
    seance = models.ForeignKey(Seance, on_delete=models.CASCADE, related_name="presences", verbose_name=_("séance"))
    participant = models.ForeignKey(
        Participant, on_delete=models.CASCADE, related_name="presences", verbose_name=_("participant")
    )

    # No history of its own: the attendance grid writes who was ticked or unticked in the
    # session's history, so that saving a grid costs the same for 5 children or 50.
    class Meta:
        verbose_name = _("présence")
        verbose_name_plural = _("présences")
        constraints = [models.UniqueConstraint(fields=["seance", "participant"], name="presence_unique")]

    def __str__(self):
        return f"{self.participant} – {self.seance}"


class FrequentationAnnuelle(Modele):
    """A child's attendance over a school year at the actions of one fiche, in one perimeter:
    the whole contract (quartier empty) or one quartier of the actions the child came to. Each
    fiche has its own dashboard, so that a child is counted once per fiche. Derived from the presences and
    rewritten on every write that changes them (actions.resumes), never in a batch. One row per
    child is what makes children countable without deduplicating millions of presences; the
    dashboards read their sums, EffectifAnnuel. Cancelled actions do not count."""

    contrat = models.ForeignKey("fiches.Contrat", on_delete=models.CASCADE, related_name="+")
    fiche = models.ForeignKey("fiches.Fiche", on_delete=models.CASCADE, related_name="+")
    quartier = models.ForeignKey("fiches.Quartier", on_delete=models.CASCADE, null=True, related_name="+")
    annee_scolaire = models.PositiveSmallIntegerField(_("année de la rentrée"))
    participant = models.ForeignKey(Participant, on_delete=models.CASCADE, related_name="frequentations")
    nb_presences = models.PositiveIntegerField(_("présences"))
    # The day the child first came in the year, to the fiche's actions in the perimeter: what
    # ArriveesDuJour counts.
    premiere_presence = models.DateField(_("première présence"))
    sexe = models.CharField(max_length=1, choices=Sexe.choices)
    # The child's level in that school year (NiveauAnnuel), not today's.
    niveau_scolaire = models.CharField(max_length=3, choices=NiveauScolaire.choices)
    quartier_residence = models.ForeignKey("fiches.Quartier", on_delete=models.CASCADE, null=True, related_name="+")
    # The éducation prioritaire of the child's school in that school year (empty: no school
    # known), so that a closed year's breakdown stays as it was counted: a past year keeps the
    # value it had, only the current year reads the school as it is now (actions.resumes).
    education_prioritaire = models.CharField(
        _("éducation prioritaire"), max_length=10, choices=EducationPrioritaire.choices, blank=True, default=""
    )

    class Meta:
        verbose_name = _("fréquentation annuelle")
        verbose_name_plural = _("fréquentations annuelles")
        constraints = [
            models.UniqueConstraint(
                fields=["participant", "annee_scolaire", "fiche"],
                condition=Q(quartier=None),
                name="frequentation_fiche_unique",
            ),
            models.UniqueConstraint(
                fields=["participant", "annee_scolaire", "fiche", "quartier"],
                condition=Q(quartier__isnull=False),
                name="frequentation_fiche_quartier_unique",
            ),
        ]
        # The breakdown by éducation prioritaire reads one row per child: with every column it
        # reads in the index, PostgreSQL answers from the index alone (36 → 10 ms for a
        # contract's two years at full scale, instead of scanning every row of every year).
        indexes = [
            models.Index(
                fields=[
                    "contrat",
                    "fiche",
                    "annee_scolaire",
                    "quartier",
                    "education_prioritaire",
                    "premiere_presence",
                    "id",
                ],
                name="frequentation_par_education",
            ),
        ]

    def __str__(self):
        return f"{self.participant} {self.annee_scolaire}"


class EffectifAnnuel(Modele):
    """How many children, and how many presences, per school year, fiche, perimeter and profile
    (sex, level, quartier of residence): the sums of FrequentationAnnuelle, moved by each of its
    rewrites (actions.resumes). A dashboard reads a few hundred of these rows, however many
    children came. The perimeter and the residence are quartier ids with 0 for "none" (the
    whole contract, outside the quartiers): a unique key without null lets one upsert add to
    the counters, safely when two saves run at once."""

    contrat = models.ForeignKey("fiches.Contrat", on_delete=models.CASCADE, related_name="+")
    fiche = models.ForeignKey("fiches.Fiche", on_delete=models.CASCADE, related_name="+")
    perimetre = models.PositiveIntegerField(_("quartier des actions (0 : tout le contrat)"))
    annee_scolaire = models.PositiveSmallIntegerField(_("année de la rentrée"))
    sexe = models.CharField(max_length=1, choices=Sexe.choices)
    niveau_scolaire = models.CharField(max_length=3, choices=NiveauScolaire.choices)
    residence = models.PositiveIntegerField(_("quartier de résidence (0 : hors quartier prioritaire)"))
    # Signed: the upsert proposes a negative change as a row, which a check on the sign refuses
    # before it is added to the counter.
    nb_enfants = models.IntegerField(_("enfants"))
    nb_presences = models.IntegerField(_("présences"))

    class Meta:
        verbose_name = _("effectif annuel")
        verbose_name_plural = _("effectifs annuels")
        constraints = [
            # Year before fiche and perimeter: a dashboard reads two years of the contract, of
            # one fiche or of all (the list of fiches), either the contract's counters or every
            # quartier's.
            models.UniqueConstraint(
                fields=["contrat", "annee_scolaire", "fiche", "perimetre", "sexe", "niveau_scolaire", "residence"],
                name="effectif_fiche_unique",
            )
        ]

    def __str__(self):
        return f"{self.annee_scolaire} {self.perimetre}: {self.nb_enfants}"


# A row of ArriveesDuJour per value of these, in the order a dashboard reads them.
CLE_DES_ARRIVEES = ["contrat", "annee_scolaire", "fiche", "perimetre", "jour", "sexe", "niveau_scolaire", "residence"]


class ArriveesDuJour(Modele):
    """How many children came for the first time of the school year to a fiche's actions, in a
    perimeter, on a day, per profile: the same key as EffectifAnnuel plus the day, moved by the same rewrites of
    FrequentationAnnuelle (actions.resumes). Summed up to a date, they give the children who had
    come by then: a year under way, and the previous one at the same date, are compared on them.
    Rows exist only for the days someone arrived, mostly the first weeks of the year."""

    contrat = models.ForeignKey("fiches.Contrat", on_delete=models.CASCADE, related_name="+")
    fiche = models.ForeignKey("fiches.Fiche", on_delete=models.CASCADE, related_name="+")
    perimetre = models.PositiveIntegerField(_("quartier des actions (0 : tout le contrat)"))
    annee_scolaire = models.PositiveSmallIntegerField(_("année de la rentrée"))
    jour = models.DateField(_("jour de la première présence"))
    sexe = models.CharField(max_length=1, choices=Sexe.choices)
    niveau_scolaire = models.CharField(max_length=3, choices=NiveauScolaire.choices)
    residence = models.PositiveIntegerField(_("quartier de résidence (0 : hors quartier prioritaire)"))
    # Signed, as EffectifAnnuel's counters.
    nb_enfants = models.IntegerField(_("enfants"))

    class Meta:
        verbose_name = _("arrivées du jour")
        verbose_name_plural = _("arrivées par jour")
        constraints = [
            # A dashboard reads the days of one year, fiche and perimeter up to a date.
            models.UniqueConstraint(fields=CLE_DES_ARRIVEES, name="arrivees_du_jour_unique")
        ]
        indexes = [
            # The same columns and the count: PostgreSQL answers a dashboard from the index alone,
            # instead of reading a heap page per row where the rows of many contracts interleave
            # (a region's database: 96 → 7 ms for a contract's two years).
            models.Index(fields=[*CLE_DES_ARRIVEES, "nb_enfants"], name="arrivees_du_jour_lecture")
        ]

    def __str__(self):
        return f"{self.jour} {self.perimetre}: {self.nb_enfants}"


class ArriveesDuJourDuPerimetre(Modele):
    """ArriveesDuJour summed over the profiles: the children come for the first time of the
    school year to a fiche's actions in a perimeter on a day, all together. The contract's
    breakdown by quartier reads these, a row per quartier and day, rather than every profile of
    every quartier. Moved with ArriveesDuJour, by the same differences (actions.resumes)."""

    contrat = models.ForeignKey("fiches.Contrat", on_delete=models.CASCADE, related_name="+")
    fiche = models.ForeignKey("fiches.Fiche", on_delete=models.CASCADE, related_name="+")
    perimetre = models.PositiveIntegerField(_("quartier des actions (0 : tout le contrat)"))
    annee_scolaire = models.PositiveSmallIntegerField(_("année de la rentrée"))
    jour = models.DateField(_("jour de la première présence"))
    # Signed, as EffectifAnnuel's counters.
    nb_enfants = models.IntegerField(_("enfants"))

    class Meta:
        verbose_name = _("arrivées du jour dans un périmètre")
        verbose_name_plural = _("arrivées par jour et par périmètre")
        constraints = [
            models.UniqueConstraint(
                fields=["contrat", "annee_scolaire", "fiche", "perimetre", "jour"],
                name="arrivees_du_jour_du_perimetre_unique",
            )
        ]

    def __str__(self):
        return f"{self.jour} {self.perimetre}: {self.nb_enfants}"


class NiveauAnnuel(Modele):
    """A child's school level in a school year, recorded at enrolment (and by a change of level
    during the year): past years keep the level the child had then. A year with none recorded
    takes the child's current level."""

    participant = models.ForeignKey(
        Participant, on_delete=models.CASCADE, related_name="niveaux_annuels", verbose_name=_("participant")
    )
    annee_scolaire = models.PositiveSmallIntegerField(_("année de la rentrée"))
    niveau_scolaire = models.CharField(_("niveau scolaire"), max_length=3, choices=NiveauScolaire.choices)

    class Meta:
        verbose_name = _("niveau de l’année")
        verbose_name_plural = _("niveaux par année")
        constraints = [models.UniqueConstraint(fields=["participant", "annee_scolaire"], name="niveau_annuel_unique")]

    def __str__(self):
        return f"{self.participant} {self.annee_scolaire} : {self.niveau_scolaire}"


class SeancesAnnuelles(Modele):
    """The sessions of an action in a school year that were not cancelled, summed: the children
    counted at the door, the parents, the presences that were possible (the children enrolled
    and consenting on the date of each session whose grid was saved), the sessions whose grid
    never was, and the sessions themselves, all of them and those held in a school. Rewritten
    with every change to the action's sessions (their date, place, cancellation), enrolments or
    its children's consent (actions.resumes), so that the dashboards read one row per action and
    year."""

    action = models.ForeignKey(Action, on_delete=models.CASCADE, related_name="seances_annuelles")
    annee_scolaire = models.PositiveSmallIntegerField(_("année de la rentrée"))
    enfants_anonymes = models.PositiveIntegerField(_("enfants non inscrits"))
    parents_presents = models.PositiveIntegerField(_("parents présents"))
    nb_inscrits = models.PositiveIntegerField(_("présences possibles"))
    # What is à saisir depends on the day it is read: every one of a finished year, those dated
    # up to today in a year under way (the rest are to come).
    seances_non_saisies = models.PositiveIntegerField(_("séances dont la grille n’a jamais été enregistrée"), default=0)
    # Where the sessions were held, for effect E1 of fiche 1.2.3 (indicateurs.calculs.coimplication):
    # the dashboards read the share held in a school here rather than scanning the sessions. 0 in
    # the rows the migrations before them wrote: actions/0020 fills them.
    nb_seances = models.PositiveIntegerField(_("séances tenues"), default=0)
    seances_en_ecole = models.PositiveIntegerField(_("séances tenues dans un établissement scolaire"), default=0)

    class Meta:
        verbose_name = _("séances de l’année")
        verbose_name_plural = _("séances par année")
        constraints = [models.UniqueConstraint(fields=["action", "annee_scolaire"], name="seances_annuelles_unique")]

    def __str__(self):
        return f"{self.action_id} {self.annee_scolaire}"


class SeancesDuJourParAction(Modele):
    """What the sessions of an action on one day add to the counters of SeancesDuJour, in each of
    its perimeters (0: the contract, and each of its quartiers), for its fiche: rewritten with the
    action's SeancesAnnuelles (actions.resumes), and the counters moved by the difference, as
    FrequentationAnnuelle moves EffectifAnnuel. Cancelled sessions, and every session of a
    cancelled action, add nothing and have no row."""

    action = models.ForeignKey(Action, on_delete=models.CASCADE, related_name="+")
    fiche = models.ForeignKey("fiches.Fiche", on_delete=models.CASCADE, related_name="+")
    perimetre = models.PositiveIntegerField(_("quartier des actions (0 : tout le contrat)"))
    jour = models.DateField(_("jour des séances"))
    enfants_anonymes = models.PositiveIntegerField(_("enfants non inscrits"))
    parents_presents = models.PositiveIntegerField(_("parents présents"))
    nb_inscrits = models.PositiveIntegerField(_("présences possibles"))
    nb_presents = models.PositiveIntegerField(_("présences"))
    seances_non_saisies = models.PositiveIntegerField(_("séances dont la grille n’a jamais été enregistrée"))
    nb_seances = models.PositiveIntegerField(_("séances tenues"), default=0)
    seances_en_ecole = models.PositiveIntegerField(_("séances tenues dans un établissement scolaire"), default=0)

    class Meta:
        verbose_name = _("séances du jour d’une action")
        verbose_name_plural = _("séances par jour et par action")
        constraints = [
            models.UniqueConstraint(fields=["action", "perimetre", "jour"], name="seances_du_jour_par_action_unique")
        ]
        indexes = [
            # A dashboard cut at a date finds the actions whose sessions counted parents by then.
            models.Index(
                fields=["jour", "action"],
                condition=models.Q(perimetre=0, parents_presents__gt=0),
                name="jours_avec_parents_idx",
            )
        ]

    def __str__(self):
        return f"{self.action_id} {self.perimetre} {self.jour}"


class SeancesDuJour(Modele):
    """The sessions of a fiche's actions in a perimeter on one day, summed over the actions: the
    same sums as SeancesAnnuelles, by day, so that a dashboard cut at a date (a year under way,
    and the previous one at the same date) reads a row per day of sessions rather than every
    session. Counters moved by the rewrites of SeancesDuJourParAction (actions.resumes); signed,
    as EffectifAnnuel's, and left at zero when their sessions go."""

    fiche = models.ForeignKey("fiches.Fiche", on_delete=models.CASCADE, related_name="+")
    perimetre = models.PositiveIntegerField(_("quartier des actions (0 : tout le contrat)"))
    jour = models.DateField(_("jour des séances"))
    enfants_anonymes = models.IntegerField(_("enfants non inscrits"))
    parents_presents = models.IntegerField(_("parents présents"))
    nb_inscrits = models.IntegerField(_("présences possibles"))
    nb_presents = models.IntegerField(_("présences"))
    seances_non_saisies = models.IntegerField(_("séances dont la grille n’a jamais été enregistrée"))
    nb_seances = models.IntegerField(_("séances tenues"), default=0)
    seances_en_ecole = models.IntegerField(_("séances tenues dans un établissement scolaire"), default=0)

    class Meta:
        verbose_name = _("séances du jour")
        verbose_name_plural = _("séances par jour")
        constraints = [
            # A dashboard reads the days of one fiche and perimeter, in two ranges of dates.
            models.UniqueConstraint(fields=["fiche", "perimetre", "jour"], name="seances_du_jour_unique")
        ]

    def __str__(self):
        return f"{self.fiche_id} {self.perimetre} {self.jour}"
