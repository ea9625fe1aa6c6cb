from django.conf import settings
from django.db import models
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from fiches.models import Modele

from .enums import EtatImport, NatureImport


class ImportTableur(Modele):
    """A spreadsheet uploaded to be imported: its content is kept here between the preview and
    the confirmation (not in the session cookie, which it would not fit), with the fingerprint of
    what the preview announced, so that a confirmation writes exactly that or nothing. Once
    confirmed, the row is the import's entry in the history: who, when, which file, what it
    created, changed and left unchanged."""

    contrat = models.ForeignKey("fiches.Contrat", on_delete=models.CASCADE, related_name="+", verbose_name=_("contrat"))
    auteur = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+", verbose_name=_("importé par")
    )
    cree_le = models.DateTimeField(_("déposé le"), default=timezone.now)
    nature = models.CharField(_("contenu"), max_length=12, choices=NatureImport.choices)
    action = models.ForeignKey(
        "actions.Action", on_delete=models.SET_NULL, null=True, blank=True, related_name="+", verbose_name=_("action")
    )
    nom_du_fichier = models.CharField(_("fichier"), max_length=255)
    contenu = models.BinaryField(_("contenu du fichier"))
    empreinte_du_fichier = models.CharField(_("empreinte du fichier (SHA-256)"), max_length=64)
    # What the preview announced, row by row: the confirmation reads the file again against the
    # data as they are then, and refuses if it would now do something else.
    empreinte_de_l_apercu = models.CharField(_("empreinte de l’aperçu"), max_length=64)
    # The rows to create or change and the errors, as the preview page shows them.
    resultat = models.JSONField(_("aperçu"), default=dict)
    etat = models.CharField(_("état"), max_length=10, choices=EtatImport.choices, default=EtatImport.APERCU)
    confirme_le = models.DateTimeField(_("enregistré le"), null=True, blank=True)
    nb_crees = models.PositiveIntegerField(_("lignes créées"), default=0)
    nb_modifies = models.PositiveIntegerField(_("lignes modifiées"), default=0)
    nb_inchanges = models.PositiveIntegerField(_("lignes inchangées"), default=0)
    nb_erreurs = models.PositiveIntegerField(_("erreurs"), default=0)

    class Meta:
        verbose_name = _("import de tableur")
        verbose_name_plural = _("imports de tableurs")
        ordering = ["-cree_le", "-pk"]
        indexes = [models.Index(fields=["contrat", "etat", "cree_le"], name="import_historique_idx")]

    def __str__(self):
        return f"{self.nom_du_fichier} ({self.get_nature_display()})"

    def get_absolute_url(self):
        return reverse("imports:apercu", kwargs={"pk": self.pk})
