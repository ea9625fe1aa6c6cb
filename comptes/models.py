from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from simple_history.models import HistoricalRecords

from fiches.models import Modele

from .enums import Role


class Adhesion(Modele):
    """What a user may see and do in one contract: a role, for animateurs and porteurs their structures,
    for partners the quartiers they are granted (none: the whole contract)."""

    chemin_du_contrat = "contrat"
    utilisateur = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="adhesions", verbose_name=_("utilisateur")
    )
    contrat = models.ForeignKey(
        "fiches.Contrat", on_delete=models.CASCADE, related_name="adhesions", verbose_name=_("contrat")
    )
    role = models.CharField(_("rôle"), max_length=20, choices=Role.choices)
    structures = models.ManyToManyField(
        "partenaires.Structure",
        verbose_name=_("structures"),
        related_name="adhesions",
        blank=True,
        help_text=_(
            "Pour un animateur : les structures dont il saisit les actions et les enfants. "
            "Pour un porteur de projet : celles dont il dépose les dossiers."
        ),
    )
    quartiers = models.ManyToManyField(
        "fiches.Quartier",
        verbose_name=_("quartiers"),
        related_name="adhesions",
        blank=True,
        help_text=_(
            "Pour un animateur : ses quartiers (aucun = tous ceux de ses structures). "
            "Pour un partenaire : les quartiers dont il voit les tableaux de bord (aucun = tout le contrat)."
        ),
    )
    partenaire = models.ForeignKey(
        "partenaires.Partenaire",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="adhesions",
        verbose_name=_("institution"),
        help_text=_("Pour un partenaire : l’institution qu’il représente."),
    )
    history = HistoricalRecords(m2m_fields=[structures, quartiers])

    class Meta:
        verbose_name = _("adhésion")
        verbose_name_plural = _("adhésions")
        ordering = ["contrat", "utilisateur__username"]
        constraints = [
            models.UniqueConstraint(
                fields=["utilisateur", "contrat"],
                name="adhesion_unique",
                violation_error_message=_("Cet utilisateur a déjà une adhésion à ce contrat."),
            )
        ]

    def __str__(self):
        return f"{self.utilisateur} – {self.get_role_display()} – {self.contrat}"


class DemandeDeReinitialisation(Modele):
    """A password reset request, kept an hour so that they can be counted per address and per
    e-mail (comptes.services.accepter_demande_de_reinitialisation). Neither the address nor the
    e-mail is kept: only digests keyed with the secret key, enough to count, not to read."""

    adresse = models.CharField(_("empreinte de l’adresse"), max_length=64, db_index=True)
    courriel = models.CharField(_("empreinte du courriel"), max_length=64, db_index=True)
    demandee_le = models.DateTimeField(_("demandée le"), default=timezone.now, db_index=True)

    class Meta:
        verbose_name = _("demande de réinitialisation")
        verbose_name_plural = _("demandes de réinitialisation")
