from django.db import models
from django.utils.translation import gettext_lazy as _


class TypePartenaire(models.TextChoices):
    ETAT = "etat", _("État et services déconcentrés")
    COLLECTIVITE = "collectivite", _("Collectivité territoriale")
    ORGANISME = "organisme", _("Organisme public ou de sécurité sociale")
    ASSOCIATION = "association", _("Association ou réseau")
    AUTRE = "autre", _("Autre")


class TypeEtablissement(models.TextChoices):
    ECOLE_MATERNELLE = "ecole_maternelle", _("École maternelle")
    ECOLE_ELEMENTAIRE = "ecole_elementaire", _("École élémentaire")
    ECOLE_PRIMAIRE = "ecole_primaire", _("École primaire")
    COLLEGE = "college", _("Collège")
    LYCEE = "lycee", _("Lycée")
    LYCEE_PROFESSIONNEL = "lycee_professionnel", _("Lycée professionnel")


class EducationPrioritaire(models.TextChoices):
    HORS = "hors", _("Hors éducation prioritaire")
    REP = "rep", _("REP")
    REP_PLUS = "rep_plus", _("REP+")


class CategorieFinancement(models.TextChoices):
    DROIT_COMMUN = "droit_commun", _("Crédits de droit commun")
    POLITIQUE_VILLE = "politique_ville", _("Crédits spécifiques de la politique de la ville")
    AUTRE = "autre", _("Autre")
