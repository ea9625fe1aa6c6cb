from django.db import models
from django.utils.translation import gettext_lazy as _


class StatutAction(models.TextChoices):
    PREVUE = "prevue", _("Prévue")
    EN_COURS = "en_cours", _("En cours")
    REALISEE = "realisee", _("Réalisée")
    ANNULEE = "annulee", _("Annulée")


class Acteur(models.TextChoices):
    """Who an action was designed or is run with (fiche 1.2.3, effet attendu E1): categories
    rather than named organisations, which the porteur, partners and schools already name."""

    ECOLE = "ecole", _("École ou établissement scolaire")
    CENTRE_SOCIAL = "centre_social", _("Centre social")
    ASSOCIATION = "association", _("Association")
    PARENTS = "parents", _("Parents")
    HABITANTS = "habitants", _("Habitants")
    SERVICE_MUNICIPAL = "service_municipal", _("Service municipal")
    AUTRE = "autre", _("Autre acteur")


class MomentQuestionnaire(models.TextChoices):
    """When a child answers the « envie d’école » questionnaire of an action (effet attendu E2)."""

    ENTREE = "entree", _("À l’inscription (entrée)")
    SORTIE = "sortie", _("À la fin de l’action (sortie)")


class ModeDeReponse(models.TextChoices):
    PAPIER = "papier", _("Sur papier, saisi ensuite")
    TABLETTE = "tablette", _("Sur la tablette")


class EtatSeance(models.TextChoices):
    """Where a session stands: only a session whose grid was saved (saisie) counts the presences
    that were possible; one past (or of today) whose grid was never saved waits for it (à
    saisir); a cancelled one counts nowhere."""

    A_VENIR = "a_venir", _("À venir")
    A_SAISIR = "a_saisir", _("À saisir")
    SAISIE = "saisie", _("Saisie")
    ANNULEE = "annulee", _("Annulée")


class Sexe(models.TextChoices):
    FILLE = "F", _("Fille")
    GARCON = "M", _("Garçon")


class NiveauScolaire(models.TextChoices):
    """School levels in the order of the French curriculum, from maternelle to terminale."""

    PS = "PS", _("Petite section")
    MS = "MS", _("Moyenne section")
    GS = "GS", _("Grande section")
    CP = "CP", _("CP")
    CE1 = "CE1", _("CE1")
    CE2 = "CE2", _("CE2")
    CM1 = "CM1", _("CM1")
    CM2 = "CM2", _("CM2")
    SIXIEME = "6E", _("6e")
    CINQUIEME = "5E", _("5e")
    QUATRIEME = "4E", _("4e")
    TROISIEME = "3E", _("3e")
    SECONDE = "2DE", _("2de")
    PREMIERE = "1RE", _("1re")
    TERMINALE = "TLE", _("Terminale")
    NON_SCOLARISE = "NS", _("Non scolarisé")


class EcartDeNiveau(models.TextChoices):
    """Why a child is not at the usual level for their birth year: recorded rather than refused."""

    REDOUBLEMENT = "redoublement", _("Redoublement")
    SAUT_DE_CLASSE = "saut", _("Saut de classe")
    TOUTE_PETITE_SECTION = "tps", _("Toute petite section (scolarisé avant 3 ans)")
    ARRIVEE = "arrivee", _("Arrivée en France, classe adaptée à son parcours")
    AUTRE = "autre", _("Autre raison connue de la structure")


class JourSemaine(models.IntegerChoices):
    LUNDI = 0, _("Lundi")
    MARDI = 1, _("Mardi")
    MERCREDI = 2, _("Mercredi")
    JEUDI = 3, _("Jeudi")
    VENDREDI = 4, _("Vendredi")
    SAMEDI = 5, _("Samedi")
    DIMANCHE = 6, _("Dimanche")
