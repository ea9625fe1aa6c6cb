from django.db import models
from django.utils.translation import gettext_lazy as _


class Rubrique(models.TextChoices):
    """The text sections of a fiche, in the order the signed document gives them."""

    CONTEXTE = "contexte", _("Contexte")
    OBJECTIFS = "objectifs", _("Objectifs et dynamiques")
    ECHELLE_TERRITORIALE = "echelle_territoriale", _("Échelle territoriale")
    ANIMATEUR = "animateur", _("Animateur")
    PARTENAIRES_DISPOSITIFS = (
        "partenaires_dispositifs",
        _("Partenaires mobilisables (dont habitants) et dispositifs mobilisables"),
    )
    FINANCEMENTS = "financements", _("Financements mobilisables")
    CALENDRIER = "calendrier", _("Calendrier")


class NatureIndicateur(models.TextChoices):
    REALISATION = "realisation", _("Indicateur de réalisation")
    EFFET = "effet", _("Indicateur d’effet")


class NiveauLien(models.TextChoices):
    AXE = "axe", _("Axe")
    ENJEU = "enjeu", _("Enjeu")


class ZoneScolaire(models.TextChoices):
    """The school holiday zones of metropolitan France: each académie belongs to one, and the
    winter and spring holidays differ between them."""

    A = "A", _("Zone A")
    B = "B", _("Zone B")
    C = "C", _("Zone C")
