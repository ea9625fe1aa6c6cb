from django.db import models
from django.utils.translation import gettext_lazy as _


class EtatDossier(models.TextChoices):
    BROUILLON = "brouillon", _("Brouillon")
    DEPOSE = "depose", _("Déposé")
    EN_INSTRUCTION = "en_instruction", _("En instruction")
    RETENU = "retenu", _("Retenu")
    REFUSE = "refuse", _("Refusé")
    AJOURNE = "ajourne", _("Ajourné")
    CONVENTIONNE = "conventionne", _("Conventionné")
    EN_COURS = "en_cours", _("En cours")
    BILAN_DEPOSE = "bilan_depose", _("Bilan déposé")
    BILAN_VALIDE = "bilan_valide", _("Bilan validé")
    SOLDE = "solde", _("Soldé")
