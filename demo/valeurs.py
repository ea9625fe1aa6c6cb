"""Fictional school results and targets, so that the effect indicators show on the demo."""

import datetime
import random
from decimal import Decimal

from django.db import transaction
from simple_history.utils import bulk_create_with_history

from fiches.annees import AnneeScolaire
from indicateurs.models import Cible, Indicateur, ValeurExterne
from partenaires.models import Etablissement

SOURCE = "Données fictives de démonstration"


@transaction.atomic
def valeurs_de_demo(*, contrat):
    if ValeurExterne.objects.filter(contrat=contrat).exists():
        return
    alea = random.Random(2026)
    # Those of fiche 1.2.3: a code names an indicator within its fiche only.
    indicateurs = {
        i.code: i for i in Indicateur.objects.filter(fiche__code="1.2.3", fiche__enjeu__axe__pilier__contrat=contrat)
    }
    courante = AnneeScolaire.courante()
    annees = [
        courante.precedente().precedente().precedente(),
        courante.precedente().precedente(),
        courante.precedente(),
    ]
    colleges = list(Etablissement.objects.filter(contrat=contrat, type="college"))
    valeurs = []
    for rang, annee in enumerate(annees):
        date_source = datetime.date(annee.annee_de_rentree + 1, 10, 15)
        # Shares to a tenth; a count of young people is a whole number.
        for code, base, pas, decimales in [
            ("taux_reussite_dnb", 78, 1.5, 1),
            ("retard_entree_6e", 14, -0.6, 1),
            ("nb_decrocheurs", 42, -3, 0),
        ]:
            valeur = Decimal(str(round(base + pas * rang + alea.uniform(-1, 1), decimales)))
            valeurs.append(
                ValeurExterne(
                    indicateur=indicateurs[code],
                    contrat=contrat,
                    annee_scolaire=annee.libelle,
                    valeur=valeur,
                    source=SOURCE,
                    date_source=date_source,
                )
            )
        for college in colleges:
            valeurs.append(
                ValeurExterne(
                    indicateur=indicateurs["taux_reussite_dnb"],
                    contrat=contrat,
                    etablissement=college,
                    annee_scolaire=annee.libelle,
                    valeur=Decimal(str(round(72 + 2 * rang + alea.uniform(-4, 4), 1))),
                    source=SOURCE,
                    date_source=date_source,
                )
            )
    # With their history: a correction compares what it was loaded at with the version it had.
    bulk_create_with_history(valeurs, ValeurExterne)
    bulk_create_with_history(
        [
            Cible(indicateur=indicateurs[code], contrat=contrat, annee_scolaire=annee.libelle, valeur=Decimal(valeur))
            for annee in (courante.precedente(), courante)
            for code, valeur in [("nb_actions", 24), ("nb_enfants_beneficiaires", 200), ("taux_assiduite", 70)]
        ],
        Cible,
    )
