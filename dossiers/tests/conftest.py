from datetime import timedelta
from decimal import Decimal

import pytest
from django.contrib.auth import get_user_model
from django.utils import timezone

from demo.adhesions import STRUCTURE_DU_PORTEUR
from demo.dossiers import TITRES, dossiers_de_demo
from dossiers.bilans import cle_de_subvention
from dossiers.models import Bilan, Campagne, Dossier
from dossiers.selectors import financeurs_du_bilan
from fiches.models import Fiche
from partenaires.models import Partenaire, Structure


@pytest.fixture
def campagne(demo, reference):
    """The demo campaign, open today, with a dossier of the demo porteur in each state."""
    dossiers_de_demo(contrat=reference)
    return Campagne.objects.get(contrat=reference)


@pytest.fixture
def comptes(demo):
    return {u.username.removeprefix("demo-"): u for u in get_user_model().objects.filter(username__startswith="demo-")}


@pytest.fixture
def connecter(client, comptes):
    def connecter(role):
        client.force_login(comptes[role])
        return client

    return connecter


def dossier_en(etat):
    """The demo dossier brought to that state."""
    return Dossier.objects.get(titre=TITRES[etat])


@pytest.fixture
def formulaire_complet(campagne, reference):
    """What the porteur types for a complete dossier, as the form posts it."""
    fiche = Fiche.objects.get(code="1.2.3")
    structure = Structure.objects.get(contrat=reference, nom=STRUCTURE_DU_PORTEUR)
    anct = Partenaire.objects.get(contrat=reference, sigle="ANCT")
    caf = Partenaire.objects.get(contrat=reference, sigle="CAF")
    debut = timezone.localdate() + timedelta(days=10)
    return {
        "titre": "Ludothèque itinérante",
        "structure": structure.pk,
        "objectifs": "Jouer pour apprendre.",
        "public": "Enfants de 3 à 10 ans.",
        "quartiers": [q.pk for q in structure.quartiers.all()],
        "fiche": fiche.pk,
        "realisations": [fiche.realisations_attendues.order_by("ordre").first().pk],
        "dispositifs": [],
        "date_debut": f"{debut:%d/%m/%Y}",
        "date_fin": f"{debut + timedelta(days=60):%d/%m/%Y}",
        "cout_total": "15 000",
        f"montant_{anct.pk}": "5 000,50",
        f"montant_{caf.pk}": "2 500",
        "numero_dauphin": "DAUPHIN-0001",
        "siret": "732 829 320 00074",
        "rna": "W951000999",
        "_montants": {anct: Decimal("5000.50"), caf: Decimal("2500")},
    }


TEXTES_DU_BILAN = {
    "objectifs_atteints": "Douze enfants ont joué chaque semaine.",
    "difficultes": "Un local trop petit en hiver.",
    "effets_observes": "",
    "perspectives": "Continuer l’an prochain.",
    "explication_ecarts": "",
}


def en_saisie(montant):
    """An amount as a porteur types it: 7500,50."""
    return str(montant).replace(".", ",")


def bilan_complet(dossier):
    """(texts, amounts) of a complete bilan of the dossier: each subvention spent as planned,
    the same amount of staff costs; no variance."""
    financeurs = financeurs_du_bilan(dossier=Dossier.objects.prefetch_related("lignes__financeur").get(pk=dossier.pk))
    subventions = sum(prevu for _, _, prevu in financeurs)
    montants = {"64": {"prevu": subventions, "realise": subventions}}
    montants |= {cle_de_subvention(pk): {"prevu": prevu, "realise": prevu} for pk, _, prevu in financeurs}
    return dict(TEXTES_DU_BILAN), montants


def formulaire_de_bilan(dossier, **changements):
    """What the porteur posts for a complete bilan of the dossier (bilan_complet), as typed."""
    textes, montants = bilan_complet(dossier)
    bilan = Bilan.objects.filter(dossier=dossier).first()
    donnees = {"version": bilan.version if bilan else 0, **textes}
    for cle, colonnes in montants.items():
        donnees |= {f"{colonne}_{cle}": en_saisie(montant) for colonne, montant in colonnes.items()}
    return donnees | changements
