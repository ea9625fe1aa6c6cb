"""The appel à projets of the current school year, with a dossier in each state of its
instruction, each moved there through the services by the role that would: the demo shows the
whole cycle, and the pages of every state can be audited."""

from datetime import timedelta
from decimal import Decimal

from django.contrib.auth import get_user_model
from django.db import transaction
from django.utils import timezone

from comptes.perimetre import perimetre_de
from demo.adhesions import STRUCTURE_DU_PORTEUR
from dossiers.bilans import cle_de_subvention
from dossiers.enums import EtatDossier
from dossiers.models import Campagne
from dossiers.selectors import financeurs_du_bilan
from dossiers.services import bilan_enregistrer, campagne_enregistrer, dossier_enregistrer, dossier_transitionner
from fiches.annees import AnneeScolaire
from fiches.models import Fiche, Quartier
from partenaires.enums import TypePartenaire
from partenaires.models import Dispositif, Partenaire, SourceFinancement, Structure

SIRET_DU_PORTEUR = "73282932000074"

# The steps that lead to each state, and who takes them.
CHEMINS = {
    EtatDossier.BROUILLON: [],
    EtatDossier.DEPOSE: ["deposer"],
    EtatDossier.EN_INSTRUCTION: ["deposer", "instruire", "donner_avis"],
    EtatDossier.RETENU: ["deposer", "instruire", "donner_avis", "retenir"],
    EtatDossier.REFUSE: ["deposer", "instruire", "refuser"],
    EtatDossier.AJOURNE: ["deposer", "instruire", "ajourner"],
    EtatDossier.CONVENTIONNE: ["deposer", "instruire", "retenir", "conventionner"],
    EtatDossier.EN_COURS: ["deposer", "instruire", "retenir", "conventionner", "demarrer"],
    EtatDossier.BILAN_DEPOSE: ["deposer", "instruire", "retenir", "conventionner", "demarrer", "deposer_bilan"],
    EtatDossier.BILAN_VALIDE: [
        "deposer", "instruire", "retenir", "conventionner", "demarrer", "deposer_bilan", "valider_bilan",
    ],
    EtatDossier.SOLDE: [
        "deposer", "instruire", "retenir", "conventionner", "demarrer", "deposer_bilan", "valider_bilan", "solder",
    ],
}  # fmt: skip
PAR = {"deposer": "porteur", "deposer_bilan": "porteur", "donner_avis": "partenaire"}
COMMENTAIRES = {
    "donner_avis": "Avis favorable : le projet répond aux besoins des familles du quartier.",
    "refuser": "Le projet ne vise pas les quartiers prioritaires.",
    "ajourner": "À représenter avec un budget précisé.",
    "deposer_bilan": "Bilan transmis : objectifs atteints.",
}
TITRES = {
    EtatDossier.BROUILLON: "Ateliers numériques parents-enfants",
    EtatDossier.DEPOSE: "Club lecture du mercredi",
    EtatDossier.EN_INSTRUCTION: "Sorties culturelles en famille",
    EtatDossier.RETENU: "Accompagnement aux devoirs des collégiens",
    EtatDossier.REFUSE: "Fête de quartier",
    EtatDossier.AJOURNE: "Atelier théâtre",
    EtatDossier.CONVENTIONNE: "Bibliothèque de rue",
    EtatDossier.EN_COURS: "Contes et comptines en maternelle",
    EtatDossier.BILAN_DEPOSE: "Parcours sciences à l’école",
    EtatDossier.BILAN_VALIDE: "Lecture partagée au collège",
    EtatDossier.SOLDE: "Stage de rentrée en CP",
}


@transaction.atomic
def dossiers_de_demo(*, contrat):
    """Once: a campaign open today, and a dossier of the demo porteur's structure in each state."""
    annee = AnneeScolaire.courante()
    if Campagne.objects.filter(contrat=contrat, annee_scolaire=annee.annee_de_rentree).exists():
        return 0
    aujourdhui = timezone.localdate()
    anct, _ = Partenaire.objects.get_or_create(
        contrat=contrat,
        nom="Agence nationale de la cohésion des territoires",
        defaults={"sigle": "ANCT", "type": TypePartenaire.ETAT},
    )
    caf = Partenaire.objects.get(contrat=contrat, sigle="CAF")
    fiche = Fiche.objects.get(code="1.2.3")
    campagne = campagne_enregistrer(
        contrat=contrat,
        donnees={
            "intitule": f"Appel à projets {annee.libelle}",
            "annee_scolaire": annee.annee_de_rentree,
            "ouverture": aujourdhui - timedelta(days=30),
            "cloture": aujourdhui + timedelta(days=30),
            "description": "Projets éducatifs dans les quartiers prioritaires : réussite scolaire et parentalité.",
            "fiches": [fiche],
            "source": SourceFinancement.objects.get(contrat=contrat, categorie="politique_ville"),
        },
        enveloppes={anct: Decimal("120000"), caf: Decimal("60000")},
    )
    utilisateurs = {u.username: u for u in get_user_model().objects.filter(username__startswith="demo-")}
    qui = {
        "porteur": utilisateurs["demo-porteur"],
        "chef": utilisateurs["demo-chef"],
        "partenaire": utilisateurs["demo-partenaire"],
    }
    perimetres = {role: perimetre_de(utilisateur) for role, utilisateur in qui.items()}
    structure = Structure.objects.get(contrat=contrat, nom=STRUCTURE_DU_PORTEUR)
    quartiers = list(Quartier.objects.filter(structures=structure).order_by("code")[:2])
    realisations = list(fiche.realisations_attendues.order_by("ordre")[:1])
    dispositifs = list(Dispositif.objects.filter(fiches=fiche).order_by("ordre")[:1])
    debut = max(aujourdhui, annee.debut) + timedelta(days=7)
    for rang, (etat, chemin) in enumerate(CHEMINS.items()):
        complet = etat != EtatDossier.BROUILLON
        dossier = dossier_enregistrer(
            campagne=campagne,
            auteur=qui["porteur"],
            donnees={
                "titre": TITRES[etat],
                "structure": structure,
                "objectifs": "Donner envie d’apprendre aux enfants du quartier." if complet else "",
                "public": "Enfants de 6 à 11 ans et leurs parents.",
                "quartiers": quartiers,
                "fiche": fiche,
                "realisations": realisations if complet else [],
                "dispositifs": dispositifs,
                "date_debut": debut,
                "date_fin": min(debut + timedelta(days=120), annee.fin),
                "cout_total": Decimal(12000 + 1000 * rang),
                "numero_dauphin": f"DEMO-{annee.annee_de_rentree}-{rang:03d}",
                "siret": SIRET_DU_PORTEUR,
                "rna": "W951000123",
            },
            montants={anct: Decimal(4000 + 500 * rang), caf: Decimal(2000)},
        )
        for nom in chemin:
            if nom == "deposer_bilan":
                bilan_de_demo(dossier=dossier, perimetre=perimetres["porteur"])
            role = PAR.get(nom, "chef")
            dossier_transitionner(
                dossier=dossier,
                nom=nom,
                perimetre=perimetres[role],
                auteur=qui[role],
                commentaire=COMMENTAIRES.get(nom, ""),
            )
    return len(CHEMINS)


TEXTES_DU_BILAN = {
    "objectifs_atteints": "Les enfants inscrits sont venus régulièrement, les familles ont suivi les ateliers.",
    "difficultes": "Deux séances annulées faute d’animateur en février.",
    "effets_observes": "Des enfants plus à l’aise à l’oral, selon les enseignants.",
    "perspectives": "Reconduire l’action et l’ouvrir aux enfants de CE1.",
    "explication_ecarts": "Le matériel pédagogique a coûté plus que prévu ; le temps d’animation, moins.",
}


def montants_du_bilan(financeurs):
    """A balanced compte rendu for the subventions `financeurs` [(id, name, planned)]: each spent
    as planned, the rest of the cost in staff and purchases, and purchases over budget by more
    than a tenth of it, which TEXTES_DU_BILAN explains."""
    subventions = sum((prevu for _, _, prevu in financeurs), Decimal(0))
    montants = {cle_de_subvention(pk): {"prevu": prevu, "realise": prevu} for pk, _, prevu in financeurs}
    return montants | {
        "60": {"prevu": Decimal("1000"), "realise": Decimal("1000") + subventions / 5},
        "64": {"prevu": subventions + Decimal("2000"), "realise": subventions * 4 / 5 + Decimal("2000")},
        "75": {"prevu": Decimal("3000"), "realise": Decimal("3000")},
        "86": {"prevu": Decimal("500"), "realise": Decimal("800")},
        "87": {"prevu": Decimal("500"), "realise": Decimal("800")},
    }


def bilan_de_demo(*, dossier, perimetre):
    """A complete bilan, through the porteur's service."""
    return bilan_enregistrer(
        dossier=dossier,
        perimetre=perimetre,
        donnees=TEXTES_DU_BILAN,
        montants=montants_du_bilan(financeurs_du_bilan(dossier=dossier)),
    )
