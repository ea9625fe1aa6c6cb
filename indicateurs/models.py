from decimal import ROUND_CEILING, ROUND_FLOOR, Decimal

from django.core.exceptions import ValidationError
from django.db import models
from django.urls import reverse
from django.utils.translation import gettext_lazy as _
from simple_history.models import HistoricalRecords

from fiches.annees import AnneeScolaire
from fiches.enums import NatureIndicateur
from fiches.models import Modele

from .calculs import CALCULS
from .enums import Mode, Niveau, Sens, Unite


def valider_annee_scolaire(valeur):
    if AnneeScolaire.depuis_libelle(valeur) is None:
        raise ValidationError(
            "« %(valeur)s » n’est pas une année scolaire : écrivez-la 2025-2026.", params={"valeur": valeur}
        )


def nombre_en_clair(valeur):
    """36.50 as the form shows it back: « 36,5 »."""
    texte = f"{valeur.normalize():f}" if isinstance(valeur, Decimal) else str(valeur)
    return texte.replace(".", ",")


def valider_selon_l_unite(valeur, unite):
    """A target or a value of an indicator as its unit allows: a count is a whole number, at
    least 0; a percentage lies between 0 and 100. Raises a French refusal of the field."""
    if valeur is None:
        return
    if unite == Unite.POURCENTAGE and not 0 <= valeur <= 100:
        raise ValidationError(
            {"valeur": f"Un pourcentage est compris entre 0 et 100 : {nombre_en_clair(valeur)} est refusé."}
        )
    if unite == Unite.NOMBRE and valeur < 0:
        raise ValidationError({"valeur": f"Un nombre ne peut pas être négatif : {nombre_en_clair(valeur)} est refusé."})
    if unite == Unite.NOMBRE and valeur != valeur.to_integral_value():
        raise ValidationError(
            {
                "valeur": f"Cet indicateur est un nombre entier : saisissez {valeur.to_integral_value(ROUND_FLOOR)} "
                f"ou {valeur.to_integral_value(ROUND_CEILING)}, pas {nombre_en_clair(valeur)}."
            }
        )


# Whatever the unit (a count, a percentage), no figure of an indicator is negative: the database
# refuses one that bypassed the forms, the unit's finer rules are the models' clean().
VALEUR_POSITIVE = models.Q(valeur__gte=0)


class Indicateur(Modele):
    """A measurable definition of one of a fiche's indicators: what it counts, how, and where
    its values come from. It belongs to the fiche, whose dashboard shows it; its code names it
    within that fiche, and a computed one's code names its registered calculation."""

    chemin_du_contrat = "fiche__enjeu__axe__pilier__contrat"
    fiche = models.ForeignKey(
        "fiches.Fiche", on_delete=models.PROTECT, related_name="indicateurs", verbose_name=_("fiche")
    )
    enonce = models.ForeignKey(
        "fiches.EnonceIndicateur",
        on_delete=models.PROTECT,
        related_name="indicateurs",
        verbose_name=_("indicateur de la fiche"),
    )
    code = models.SlugField(_("code"), max_length=40)
    libelle = models.CharField(_("libellé"), max_length=200)
    nature = models.CharField(_("nature"), max_length=12, choices=NatureIndicateur.choices)
    unite = models.CharField(_("unité"), max_length=12, choices=Unite.choices)
    sens = models.CharField(_("sens souhaité"), max_length=8, choices=Sens.choices)
    mode = models.CharField(_("mode"), max_length=8, choices=Mode.choices)
    definition = models.TextField(_("mode de calcul ou source"))
    niveau = models.CharField(_("niveau"), max_length=15, choices=Niveau.choices, default=Niveau.CONTRAT)
    frequence = models.CharField(_("fréquence"), max_length=50, default="annuelle, par année scolaire")
    valeur_reference = models.DecimalField(
        _("valeur de référence"), max_digits=12, decimal_places=2, null=True, blank=True
    )
    annee_reference = models.CharField(
        _("année de référence"), max_length=9, blank=True, validators=[valider_annee_scolaire]
    )
    ordre = models.PositiveSmallIntegerField(_("ordre"), default=0)
    # An expected effect measured apart from the fiche's own indicator statements (fiche 1.2.3's
    # E1 has none): its measures get a section of their own on the dashboard.
    section = models.CharField(
        _("rubrique du tableau de bord"),
        max_length=200,
        blank=True,
        help_text=_(
            "Vide : avec les indicateurs de sa nature. Sinon le titre de sa rubrique, par exemple "
            "« Effet attendu E1 : co-implication des écoles, des acteurs et des parents »."
        ),
    )
    history = HistoricalRecords()

    class Meta:
        verbose_name = _("indicateur")
        verbose_name_plural = _("indicateurs")
        ordering = ["ordre", "code"]
        constraints = [
            models.UniqueConstraint(
                fields=["fiche", "code"],
                name="indicateur_code_unique_dans_la_fiche",
                violation_error_message=_("Cette fiche a déjà un indicateur de ce code."),
            )
        ]

    def __str__(self):
        return self.libelle

    def get_absolute_url(self):
        return reverse("indicateurs:definition", kwargs={"fiche": self.fiche.code, "code": self.code})

    def clean(self):
        erreurs = {}
        # The statement it measures is one of its own fiche's.
        if self.enonce_id and self.fiche_id and self.enonce.fiche_id != self.fiche_id:
            erreurs["enonce"] = _("Choisissez un indicateur de la fiche de cette mesure.")
        # A computed indicator is computed by the calculation registered under its code: any
        # other code would show no figures.
        if self.mode == Mode.CALCULE and self.code and self.code not in CALCULS:
            erreurs["code"] = _("Aucun calcul n’est enregistré sous ce code : choisissez-en un parmi les calculs.")
        if erreurs:
            raise ValidationError(erreurs)


class Cible(Modele):
    """A target of an indicator for a school year, for the contract or one quartier."""

    chemin_du_contrat = "contrat"
    indicateur = models.ForeignKey(
        Indicateur, on_delete=models.CASCADE, related_name="cibles", verbose_name=_("indicateur")
    )
    contrat = models.ForeignKey("fiches.Contrat", on_delete=models.CASCADE, related_name="+", verbose_name=_("contrat"))
    quartier = models.ForeignKey(
        "fiches.Quartier",
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("quartier"),
        help_text=_("Vide : la cible du contrat entier."),
    )
    annee_scolaire = models.CharField(_("année scolaire"), max_length=9, validators=[valider_annee_scolaire])
    valeur = models.DecimalField(_("valeur cible"), max_digits=12, decimal_places=2)
    history = HistoricalRecords()

    class Meta:
        verbose_name = _("cible")
        verbose_name_plural = _("cibles")
        ordering = ["annee_scolaire"]
        # NULL is never equal to NULL in a unique index: the contract-wide target has its own.
        constraints = [
            models.UniqueConstraint(
                fields=["indicateur", "contrat", "quartier", "annee_scolaire"],
                condition=models.Q(quartier__isnull=False),
                name="cible_unique_quartier",
                violation_error_message=_("Une cible existe déjà pour cet indicateur, ce quartier et cette année."),
            ),
            models.UniqueConstraint(
                fields=["indicateur", "contrat", "annee_scolaire"],
                condition=models.Q(quartier__isnull=True),
                name="cible_unique_contrat",
                violation_error_message=_("Une cible existe déjà pour cet indicateur, ce contrat et cette année."),
            ),
            models.CheckConstraint(
                condition=VALEUR_POSITIVE,
                name="cible_positive",
                violation_error_message=_("Une cible ne peut pas être négative."),
            ),
        ]

    def __str__(self):
        return f"{self.indicateur} {self.annee_scolaire} : {self.valeur}"

    def clean(self):
        if self.indicateur_id:
            valider_selon_l_unite(self.valeur, self.indicateur.unite)


class ValeurExterne(Modele):
    """A value that comes from outside the records (DNB success rate, early school leavers…)."""

    chemin_du_contrat = "contrat"
    indicateur = models.ForeignKey(
        Indicateur, on_delete=models.PROTECT, related_name="valeurs_externes", verbose_name=_("indicateur")
    )
    contrat = models.ForeignKey("fiches.Contrat", on_delete=models.CASCADE, related_name="+", verbose_name=_("contrat"))
    quartier = models.ForeignKey(
        "fiches.Quartier", on_delete=models.CASCADE, null=True, blank=True, related_name="+", verbose_name=_("quartier")
    )
    etablissement = models.ForeignKey(
        "partenaires.Etablissement",
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("établissement"),
    )
    annee_scolaire = models.CharField(_("année scolaire"), max_length=9, validators=[valider_annee_scolaire])
    valeur = models.DecimalField(_("valeur"), max_digits=12, decimal_places=2)
    source = models.CharField(_("source"), max_length=200, help_text=_("ex. DEPP, rectorat, plateforme PSAD"))
    date_source = models.DateField(_("date de la source"))
    # Raised by each correction: one made meanwhile by someone else is merged or refused
    # (actions.versions), never overwritten, and a deletion does not remove it unseen.
    version = models.PositiveIntegerField(_("version"), default=0, editable=False)
    history = HistoricalRecords()

    class Meta:
        verbose_name = _("valeur externe")
        verbose_name_plural = _("valeurs externes")
        ordering = ["-annee_scolaire", "indicateur"]
        constraints = [
            models.UniqueConstraint(
                fields=["indicateur", "contrat", "annee_scolaire"],
                condition=models.Q(quartier__isnull=True, etablissement__isnull=True),
                name="valeur_externe_unique_contrat",
                violation_error_message=_("Une valeur existe déjà pour cet indicateur, ce contrat et cette année."),
            ),
            models.UniqueConstraint(
                fields=["indicateur", "quartier", "annee_scolaire"],
                condition=models.Q(quartier__isnull=False),
                name="valeur_externe_unique_quartier",
                violation_error_message=_("Une valeur existe déjà pour cet indicateur, ce quartier et cette année."),
            ),
            models.UniqueConstraint(
                fields=["indicateur", "etablissement", "annee_scolaire"],
                condition=models.Q(etablissement__isnull=False),
                name="valeur_externe_unique_etablissement",
                violation_error_message=_(
                    "Une valeur existe déjà pour cet indicateur, cet établissement et cette année."
                ),
            ),
            models.CheckConstraint(
                condition=models.Q(quartier__isnull=True) | models.Q(etablissement__isnull=True),
                name="valeur_externe_un_seul_perimetre",
                violation_error_message=_("Choisissez un quartier ou un établissement, pas les deux."),
            ),
            models.CheckConstraint(
                condition=VALEUR_POSITIVE,
                name="valeur_externe_positive",
                violation_error_message=_("Une valeur d’indicateur ne peut pas être négative."),
            ),
        ]

    def __str__(self):
        return f"{self.indicateur} {self.annee_scolaire} : {self.valeur}"

    def clean(self):
        if self.indicateur_id and self.indicateur.mode != Mode.EXTERNE:
            raise ValidationError({"indicateur": _("Cet indicateur est calculé à partir des saisies, pas saisi.")})
        if self.indicateur_id:
            valider_selon_l_unite(self.valeur, self.indicateur.unite)
