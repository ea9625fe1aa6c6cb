"""A second, fictional fiche of the demo contract, with its own indicators and a few actions of
its own, so that two fiches' dashboards can be compared: each counts only its actions. Seeded
apart from the rest of the demo, whose figures it leaves as they were."""

import random
from datetime import timedelta
from pathlib import Path

from django.db import transaction
from django.utils import timezone
from simple_history.utils import bulk_create_with_history

from actions.enums import StatutAction
from actions.models import Action, Inscription, Participant, Presence, Seance
from actions.resumes import (
    recalculer_frequentations,
    recalculer_seances_annuelles,
    recompter_inscrits,
    recompter_presents,
)
from fiches.annees import AnneeScolaire
from fiches.models import Fiche, Thematique
from fiches.reference import lire_reference
from indicateurs.services import reference_charger
from partenaires.models import Structure

from .activite import creer_actions_en_lot, grille_enregistree_le

FICHIER = Path(__file__).resolve().parent / "donnees" / "fiche-fictive.toml"
CODE = "D.1"
# One atelier a year in the quartiers of each of these structures, every four weeks.
STRUCTURES = ["Centre social Les Tilleuls", "Association Lire et Grandir"]


@transaction.atomic
def charger_fiche_fictive(*, contrat):
    """The fictional fiche and its indicators, in this contract (whatever its code)."""
    donnees = lire_reference(FICHIER)
    donnees["contrat"] = {"code": contrat.code, "nom": contrat.nom}
    reference_charger(donnees=donnees)
    return Fiche.objects.du_contrat(contrat).get(code=CODE)


@transaction.atomic
def generer_activite_fictive(*, contrat):
    """A few ateliers of the fictional fiche over the current school year and the two before,
    attended by children the demo already has (a child may then count in both fiches). Does
    nothing when the fiche already has actions, or the structures have no children."""
    fiche = charger_fiche_fictive(contrat=contrat)
    if Action.objects.filter(realisation__fiche=fiche).exists():
        return None
    alea = random.Random(2027)
    aujourdhui = timezone.localdate()
    realisation = fiche.realisations_attendues.get(code="R1")
    culture = list(Thematique.objects.filter(code="culture"))
    structures = list(Structure.objects.filter(contrat=contrat, nom__in=STRUCTURES).prefetch_related("quartiers"))
    enfants = {s.pk: list(Participant.objects.filter(structure=s, date_consentement__isnull=False)) for s in structures}
    courante = AnneeScolaire.courante()
    actions, details = [], []
    for annee in [courante.precedente().precedente(), courante.precedente(), courante]:
        for structure in structures:
            if not enfants[structure.pk]:
                continue
            quartiers = list(structure.quartiers.all())[:1]
            debut, fin = annee.debut + timedelta(days=alea.randint(25, 40)), annee.fin - timedelta(days=70)
            actions.append(
                Action(
                    realisation=realisation,
                    titre=f"Atelier fictif lecture en famille – {quartiers[0].nom}",
                    description="Action de démonstration d’une fiche fictive.",
                    porteur=structure,
                    autres_lieux=f"Médiathèque {quartiers[0].nom}",
                    public_parents=True,
                    date_debut=debut,
                    date_fin=fin,
                    statut=StatutAction.REALISEE
                    if fin < aujourdhui
                    else StatutAction.EN_COURS
                    if debut <= aujourdhui
                    else StatutAction.PREVUE,
                )
            )
            details.append({"quartiers": quartiers, "thematiques": culture, "etablissements": [], "partenaires": []})
    actions = creer_actions_en_lot(actions, details)
    seances, inscriptions, inscrits = [], [], {}
    for action in actions:
        venus = alea.sample(enfants[action.porteur_id], min(10, len(enfants[action.porteur_id])))
        inscrits[action.pk] = venus
        inscriptions += [Inscription(action=action, participant=e, date_inscription=action.date_debut) for e in venus]
        jour = action.date_debut
        while jour <= action.date_fin:
            saisie_le = grille_enregistree_le(alea, jour, aujourdhui)
            seances.append(
                Seance(
                    action=action,
                    date=jour,
                    duree_minutes=90,
                    lieu=action.autres_lieux,
                    adultes_presents=2,
                    parents_presents=alea.randint(2, 8) if saisie_le else 0,
                    saisie_le=saisie_le,
                )
            )
            jour += timedelta(days=28)
    seances = bulk_create_with_history(seances, Seance)
    bulk_create_with_history(inscriptions, Inscription)
    presences = [
        Presence(seance=seance, participant=enfant)
        for seance in seances
        if seance.saisie_le
        for enfant in inscrits[seance.action_id]
        if enfant.date_consentement <= seance.date and alea.random() < 0.7
    ]
    Presence.objects.bulk_create(presences)
    ids = [action.pk for action in actions]
    recompter_inscrits(actions=ids)
    recompter_presents(actions=ids)
    recalculer_seances_annuelles(actions=ids)
    recalculer_frequentations(participants={presence.participant_id for presence in presences})
    return {"actions": len(actions), "seances": len(seances), "presences": len(presences)}
