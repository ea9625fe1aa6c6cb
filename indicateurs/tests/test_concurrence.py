"""Several officers setting the same target, or entering the same external value, at the same
moment on PostgreSQL, through the pages (see actions/tests/test_concurrence.py): one is saved,
the others are told in French what was saved before theirs, and none ends in a server error."""

from functools import partial

import pytest
from django.db import connection

from actions.tests.navigateur import formulaire, navigateurs, simultanement, texte
from fiches.annees import AnneeScolaire

from ..models import Cible, Indicateur, ValeurExterne

pytestmark = [
    pytest.mark.django_db(transaction=True),
    pytest.mark.skipif(connection.vendor != "postgresql", reason="SQLite runs one write at a time"),
]

ANNEE = AnneeScolaire.courante().libelle


def test_the_same_target_set_by_four_officers_at_once_is_set_once_and_the_others_are_told(reference):
    url = "/indicateurs/fiches/1.2.3/definitions/taux_assiduite/"
    envois = []
    for rang, client in enumerate(navigateurs(4)):
        donnees = formulaire(client.get(url), "valeur")
        donnees.update(annee_scolaire=[ANNEE], quartier=[""], valeur=[str(70 + rang)])
        envois.append(partial(client.post, url, donnees))

    reponses = simultanement(*envois)

    assert sorted(r.status_code for r in reponses) == [200, 200, 200, 302]
    cible = Cible.objects.get(indicateur__code="taux_assiduite", annee_scolaire=ANNEE, quartier=None)
    assert cible.valeur == 70 + [r.status_code for r in reponses].index(302)
    for refus in (texte(r) for r in reponses if r.status_code == 200):
        assert (
            f"Une cible de {cible.valeur:.0f},0\u00a0% a été fixée entre-temps pour {ANNEE} (tout le contrat)" in refus
        )


def test_the_same_external_value_entered_by_four_officers_at_once_is_saved_once(reference):
    url = "/indicateurs/valeurs/"
    indicateur = Indicateur.objects.get(code="taux_reussite_dnb")
    envois = []
    for rang, client in enumerate(navigateurs(4)):
        donnees = formulaire(client.get(url), "valeur")
        donnees.update(
            indicateur=[str(indicateur.pk)],
            annee_scolaire=[ANNEE],
            valeur=[str(80 + rang)],
            source=["DEPP"],
            date_source=["15/10/2026"],
        )
        envois.append(partial(client.post, url, donnees))

    reponses = simultanement(*envois)

    assert sorted(r.status_code for r in reponses) == [200, 200, 200, 302]
    valeur = ValeurExterne.objects.get(indicateur=indicateur, annee_scolaire=ANNEE)
    assert valeur.valeur == 80 + [r.status_code for r in reponses].index(302)
    for refus in (texte(r) for r in reponses if r.status_code == 200):
        assert (
            "Une valeur existe déjà pour cet indicateur, ce contrat et cette année : "
            f"{valeur.valeur:.0f},0\u00a0% (DEPP, 15/10/2026)"
        ) in refus
