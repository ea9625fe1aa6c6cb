"""The demo's previous school year closed by its chef, once its activity is generated, and its
bilan published by its administrator: its figures show as final, its grids, sessions and
targets refuse changes, and its public bilan is online (/bilan/), at every scale."""

from django.contrib.auth import get_user_model

from comptes.auth import PREFIXE_DEMO
from dossiers.services import annee_cloturer
from fiches.annees import AnneeScolaire
from fiches.clotures import cloture_de
from fiches.services import annee_publier


def annee_precedente_cloturer(*, contrat):
    """Close the previous school year (finished by construction) and publish its bilan, unless
    done already: a second run of generer_demo changes nothing."""
    annee = AnneeScolaire.courante().precedente()
    comptes = get_user_model().objects.filter(username__startswith=PREFIXE_DEMO).in_bulk(field_name="username")
    cloture = cloture_de(contrat=contrat, annee=annee)
    if cloture is None or not cloture.cloturee:
        cloture = annee_cloturer(contrat=contrat, annee=annee, auteur=comptes[f"{PREFIXE_DEMO}chef"])
    if not cloture.publiee:
        cloture = annee_publier(cloture=cloture, auteur=comptes[f"{PREFIXE_DEMO}admin"])
    return cloture
