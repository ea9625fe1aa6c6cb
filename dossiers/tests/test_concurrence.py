"""Two officers deciding on the same dossier at the same moment, on PostgreSQL, through the
page: each loads it first, then both send their decision at once from their own thread (their
own connection). The dossier's row lock serves them one after the other: one decision is
recorded, the other is told in French what happened, never a server error nor a second
transition.

SQLite runs one write at a time: these races exist only on PostgreSQL (production)."""

from functools import partial

import pytest
from django.db import connection

from actions.models import Action
from actions.tests.navigateur import formulaire, navigateurs, simultanement, texte
from dossiers.enums import EtatDossier
from dossiers.models import TransitionDossier

from .conftest import dossier_en

pytestmark = [
    pytest.mark.django_db(transaction=True),
    pytest.mark.skipif(connection.vendor != "postgresql", reason="SQLite runs one write at a time"),
]


def _decisions_simultanees(dossier, premiere, seconde):
    camille, dominique = navigateurs(2)
    url = dossier.get_absolute_url()
    envois = []
    for client, (nom, commentaire) in [(camille, premiere), (dominique, seconde)]:
        donnees = formulaire(client.get(url), "etat_vu") | {"transition": nom, "commentaire": commentaire}
        envois.append(partial(client.post, url, donnees))
    return simultanement(*envois)


@pytest.mark.parametrize(
    ("premiere", "seconde"),
    [(("retenir", ""), ("refuser", "Hors des quartiers.")), (("retenir", ""), ("retenir", ""))],
    ids=["retenir-et-refuser", "retenir-deux-fois"],
)
def test_two_officers_deciding_at_once_record_one_decision_and_tell_the_other(campagne, premiere, seconde):
    dossier = dossier_en(EtatDossier.EN_INSTRUCTION)

    reponses = _decisions_simultanees(dossier, premiere, seconde)

    assert sorted(r.status_code for r in reponses) == [200, 302]
    refusee = next(r for r in reponses if r.status_code == 200)
    assert "Ce dossier a changé pendant que vous le consultiez : il est passé de « En instruction » à" in texte(refusee)
    decisions = TransitionDossier.objects.filter(dossier=dossier, etat_avant=EtatDossier.EN_INSTRUCTION).exclude(
        nom="donner_avis"
    )
    assert decisions.count() == 1
    dossier.refresh_from_db()
    assert dossier.etat == decisions.get().etat_apres


def test_two_officers_conventionning_at_once_create_one_action(campagne):
    dossier = dossier_en(EtatDossier.RETENU)
    actions = Action.objects.count()

    reponses = _decisions_simultanees(dossier, ("conventionner", ""), ("conventionner", ""))

    assert sorted(r.status_code for r in reponses) == [200, 302]
    assert Action.objects.count() == actions + 1
    assert TransitionDossier.objects.filter(dossier=dossier, nom="conventionner").count() == 1
