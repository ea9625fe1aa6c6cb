from django.db import models
from django.utils.translation import gettext_lazy as _


class Role(models.TextChoices):
    ADMINISTRATEUR = "administrateur", _("Administrateur")
    CHEF_DE_PROJET = "chef_de_projet", _("Chef de projet")
    ANIMATEUR = "animateur", _("Animateur")
    PARTENAIRE = "partenaire", _("Partenaire")
    PORTEUR = "porteur", _("Porteur de projet")
