from django.core.exceptions import ValidationError
from django.db import models
from django.urls import reverse
from django.utils.translation import gettext_lazy as _
from simple_history.models import HistoricalRecords

from fiches.models import PARTAGE, Modele
from fiches.validators import valider_uai

from .enums import CategorieFinancement, EducationPrioritaire, TypeEtablissement, TypePartenaire


class Partenaire(Modele):
    """An institution that signs or funds the contract."""

    chemin_du_contrat = "contrat"
    contrat = models.ForeignKey(
        "fiches.Contrat", on_delete=models.CASCADE, related_name="partenaires", verbose_name=_("contrat")
    )
    nom = models.CharField(_("nom"), max_length=200)
    sigle = models.CharField(_("sigle"), max_length=30, blank=True)
    type = models.CharField(_("type"), max_length=20, choices=TypePartenaire.choices)
    description = models.TextField(_("description"), blank=True)
    history = HistoricalRecords()

    class Meta:
        verbose_name = _("partenaire")
        verbose_name_plural = _("partenaires")
        ordering = ["nom"]
        constraints = [
            models.UniqueConstraint(
                fields=["contrat", "nom"],
                name="partenaire_nom_unique",
                violation_error_message=_("Ce contrat a déjà un partenaire de ce nom."),
            )
        ]

    def __str__(self):
        return f"{self.nom} ({self.sigle})" if self.sigle else self.nom

    def get_absolute_url(self):
        return reverse("partenaires:partenaire", kwargs={"pk": self.pk})


class TypeStructure(Modele):
    """A kind of acteur (centre social, REAAP, opérateur associatif…), as the fiches name them."""

    chemin_du_contrat = PARTAGE
    libelle = models.CharField(_("libellé"), max_length=200, unique=True)
    description = models.TextField(_("description"), blank=True)
    scolaire = models.BooleanField(
        _("établissement scolaire"),
        default=False,
        help_text=_("Une action portée par ce type d’acteur se passe côté école (interventions croisées)."),
    )
    ordre = models.PositiveSmallIntegerField(_("ordre"), default=0)
    history = HistoricalRecords()

    class Meta:
        verbose_name = _("type d’acteur")
        verbose_name_plural = _("types d’acteurs")
        ordering = ["ordre", "libelle"]

    def __str__(self):
        return self.libelle


class Structure(Modele):
    """An organisation that runs actions (porteur): centre social, association, city service…"""

    chemin_du_contrat = "contrat"
    contrat = models.ForeignKey(
        "fiches.Contrat", on_delete=models.CASCADE, related_name="structures", verbose_name=_("contrat")
    )
    nom = models.CharField(_("nom"), max_length=200)
    type = models.ForeignKey(
        TypeStructure, on_delete=models.PROTECT, related_name="structures", verbose_name=_("type d’acteur")
    )
    commune = models.ForeignKey(
        "fiches.Commune", on_delete=models.PROTECT, related_name="structures", verbose_name=_("commune")
    )
    quartiers = models.ManyToManyField(
        "fiches.Quartier", verbose_name=_("quartiers d’intervention"), related_name="structures", blank=True
    )
    courriel = models.EmailField(_("courriel de la structure"), blank=True)
    telephone = models.CharField(_("téléphone de la structure"), max_length=20, blank=True)
    active = models.BooleanField(_("active"), default=True)
    history = HistoricalRecords(m2m_fields=[quartiers])

    class Meta:
        verbose_name = _("structure")
        verbose_name_plural = _("structures")
        ordering = ["nom"]
        constraints = [
            models.UniqueConstraint(
                fields=["contrat", "nom"],
                name="structure_nom_unique",
                violation_error_message=_("Ce contrat a déjà une structure de ce nom."),
            )
        ]

    def __str__(self):
        return self.nom


class Etablissement(Modele):
    chemin_du_contrat = "contrat"
    uai = models.CharField(
        _("code UAI"),
        max_length=8,
        unique=True,
        validators=[valider_uai],
        help_text=_("7 chiffres et une lettre clé, ex. 0751234J."),
        error_messages={"unique": _("Un établissement porte déjà ce code UAI.")},
    )
    contrat = models.ForeignKey(
        "fiches.Contrat", on_delete=models.CASCADE, related_name="etablissements", verbose_name=_("contrat")
    )
    nom = models.CharField(_("nom"), max_length=200)
    type = models.CharField(_("type"), max_length=30, choices=TypeEtablissement.choices)
    education_prioritaire = models.CharField(
        _("éducation prioritaire"),
        max_length=10,
        choices=EducationPrioritaire.choices,
        default=EducationPrioritaire.HORS,
    )
    commune = models.ForeignKey(
        "fiches.Commune", on_delete=models.PROTECT, related_name="etablissements", verbose_name=_("commune")
    )
    quartier = models.ForeignKey(
        "fiches.Quartier",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="etablissements",
        verbose_name=_("quartier"),
        help_text=_("Le quartier prioritaire où l’établissement est situé, s’il y en a un."),
    )
    history = HistoricalRecords()

    class Meta:
        verbose_name = _("établissement scolaire")
        verbose_name_plural = _("établissements scolaires")
        ordering = ["nom"]

    def __str__(self):
        return f"{self.nom} ({self.uai})"

    def clean(self):
        if self.quartier_id and self.contrat_id and self.quartier.contrat_id != self.contrat_id:
            raise ValidationError({"quartier": _("Ce quartier appartient à un autre contrat.")})


class Dispositif(Modele):
    """A national programme an action can mobilise (CLAS, PRE, PSAD…)."""

    chemin_du_contrat = PARTAGE
    code = models.SlugField(_("code"), max_length=40, unique=True)
    sigle = models.CharField(_("sigle"), max_length=30, blank=True)
    nom = models.CharField(_("nom"), max_length=200)
    description = models.TextField(_("description"), blank=True)
    pilote = models.CharField(
        _("pilote"), max_length=200, blank=True, help_text=_("Institution qui porte le dispositif.")
    )
    ordre = models.PositiveSmallIntegerField(_("ordre"), default=0)
    history = HistoricalRecords()

    class Meta:
        verbose_name = _("dispositif")
        verbose_name_plural = _("dispositifs")
        ordering = ["ordre", "nom"]

    def __str__(self):
        return f"{self.nom} ({self.sigle})" if self.sigle else self.nom

    def get_absolute_url(self):
        return reverse("partenaires:dispositif", kwargs={"code": self.code})


class SourceFinancement(Modele):
    chemin_du_contrat = "contrat"
    contrat = models.ForeignKey(
        "fiches.Contrat",
        on_delete=models.CASCADE,
        related_name="sources_financement",
        verbose_name=_("contrat"),
    )
    libelle = models.CharField(_("libellé"), max_length=200)
    categorie = models.CharField(_("catégorie"), max_length=20, choices=CategorieFinancement.choices)
    financeur = models.ForeignKey(
        Partenaire,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="sources_financement",
        verbose_name=_("financeur"),
    )
    ordre = models.PositiveSmallIntegerField(_("ordre"), default=0)
    history = HistoricalRecords()

    class Meta:
        verbose_name = _("source de financement")
        verbose_name_plural = _("sources de financement")
        ordering = ["ordre", "libelle"]
        constraints = [
            models.UniqueConstraint(
                fields=["contrat", "libelle"],
                name="source_financement_libelle_unique",
                violation_error_message=_("Ce contrat a déjà une source de financement de ce libellé."),
            )
        ]

    def __str__(self):
        return self.libelle

    def clean(self):
        if self.financeur_id and self.contrat_id and self.financeur.contrat_id != self.contrat_id:
            raise ValidationError({"financeur": _("Ce partenaire appartient à un autre contrat.")})
