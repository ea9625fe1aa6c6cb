"""The demo's previous school year closed by its chef, once its activity is generated: its
figures show as final, and its grids, sessions and targets refuse changes."""

from django.contrib.auth import get_user_model

from comptes.auth import PREFIXE_DEMO
from dossiers.services import annee_cloturer
from fiches.annees import AnneeScolaire
from fiches.clotures import cloture_de


def annee_precedente_cloturer(*, contrat):
    """Close the previous school year (finished by construction), unless it is closed already:
    a second run of generer_demo changes nothing."""
    annee = AnneeScolaire.courante().precedente()
    cloture = cloture_de(contrat=contrat, annee=annee)
    if cloture is not None and cloture.cloturee:
        return cloture
    chef = get_user_model().objects.get(username=f"{PREFIXE_DEMO}chef")
    return annee_cloturer(contrat=contrat, annee=annee, auteur=chef)
