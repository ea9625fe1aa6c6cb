from django.db import models
from django.utils.translation import gettext_lazy as _


class NatureImport(models.TextChoices):
    """What a file holds, in the order an officer meets them."""

    ENFANTS = "enfants", _("Fiches d’enfants")
    PRESENCES = "presences", _("Présences d’un mois d’une action")
    INSCRIPTIONS = "inscriptions", _("Inscriptions d’enfants à une action")
    VALEURS = "valeurs", _("Valeurs externes des indicateurs")


class EtatImport(models.TextChoices):
    """An import is read and shown (aperçu) before anything is written; confirmed, it is written
    all at once."""

    APERCU = "apercu", _("Aperçu, rien d’enregistré")
    CONFIRME = "confirme", _("Enregistré")
