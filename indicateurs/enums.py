from django.db import models
from django.utils.translation import gettext_lazy as _


class Unite(models.TextChoices):
    NOMBRE = "nombre", _("nombre")
    POURCENTAGE = "pourcentage", _("%")


class Sens(models.TextChoices):
    HAUSSE = "hausse", _("à la hausse")
    BAISSE = "baisse", _("à la baisse")


class Mode(models.TextChoices):
    CALCULE = "calcule", _("calculé à partir des saisies")
    EXTERNE = "externe", _("valeur externe saisie")


class Niveau(models.TextChoices):
    CONTRAT = "contrat", _("contrat et quartier")
    ETABLISSEMENT = "etablissement", _("établissement, quartier ou contrat")
