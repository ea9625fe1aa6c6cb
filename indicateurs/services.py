"""Writes of the indicator definitions, targets and external values."""

from django.core.exceptions import ValidationError
from django.db import transaction

from fiches.models import EnonceIndicateur
from fiches.services import Bilan, contrat_charger, synchroniser
from partenaires.services import partenaires_charger

from .models import Cible, Indicateur, ValeurExterne


@transaction.atomic
def reference_charger(*, donnees, indicateurs=None, ecraser=False):
    """Load a contract's reference file layer by layer (structure and fiches, then their
    partners, then the measures of their indicators when given), all or nothing. Without
    `ecraser`, a load only adds what is missing; a second run with the same data changes nothing."""
    bilan = Bilan(ecraser=ecraser)
    contrat, fiches = contrat_charger(bilan=bilan, donnees=donnees)
    partenaires_charger(bilan=bilan, donnees=donnees, contrat=contrat, fiches=fiches)
    if indicateurs is not None:
        indicateurs_charger(bilan=bilan, donnees=indicateurs, contrat=contrat)
    return contrat, bilan


def indicateurs_charger(*, bilan, donnees, contrat):
    """The measurable definitions of the fiche's indicators, in the order of the file. Like the
    fiche, a second load adds only what is missing unless asked to overwrite."""
    enonces = {
        e.code: e
        for e in EnonceIndicateur.objects.filter(fiche__code=donnees["fiche"]).filter(
            fiche__enjeu__axe__pilier__contrat=contrat
        )
    }
    for ordre, definition in enumerate(donnees["indicateurs"], start=1):
        enonce = enonces.get(definition["enonce"])
        if enonce is None:
            raise ValidationError(f"L’indicateur de la fiche « {definition['enonce']} » n’existe pas.")
        champs = {k: v for k, v in definition.items() if k not in ("enonce", "code")}
        synchroniser(bilan, Indicateur, {"enonce": enonce, "code": definition["code"]}, {**champs, "ordre": ordre})


@transaction.atomic
def cible_fixer(*, indicateur, contrat, annee_scolaire, quartier, valeur):
    """Set the target of a perimeter and school year, replacing the one it had."""
    cible = Cible.objects.filter(
        indicateur=indicateur, contrat=contrat, quartier=quartier, annee_scolaire=annee_scolaire
    ).first() or Cible(indicateur=indicateur, contrat=contrat, quartier=quartier, annee_scolaire=annee_scolaire)
    cible.valeur = valeur
    cible.full_clean()
    cible.save()
    return cible


@transaction.atomic
def valeur_externe_enregistrer(*, contrat, donnees):
    valeur = ValeurExterne(contrat=contrat, **donnees)
    valeur.full_clean()
    valeur.save()
    return valeur
