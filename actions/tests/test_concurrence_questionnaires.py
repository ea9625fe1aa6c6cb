"""Two tablets (or a tablet and a grid) saving the same child's questionnaire at the same moment,
on PostgreSQL, through the pages, released together by a barrier: one is saved, the other is told
in French, never a server error nor answers silently overwritten.

SQLite runs one write at a time: this race exists only on PostgreSQL (production)."""

from functools import partial

import pytest
from django.contrib.auth import get_user_model
from django.db import connection
from django.test import Client

from comptes.enums import Role
from comptes.services import adhesion_definir

from ..models import QuestionnaireRempli
from .factories import ActionFactory, InscriptionFactory
from .navigateur import formulaire, simultanement, texte
from .test_questionnaires import reponses

pytestmark = [
    pytest.mark.django_db(transaction=True),
    pytest.mark.skipif(connection.vendor != "postgresql", reason="SQLite runs one write at a time"),
]


def _animateurs(action, nombre):
    clients = []
    for rang in range(nombre):
        utilisateur = get_user_model().objects.create_user(username=f"animateur{rang}", password="x-Motdepasse-42")
        adhesion_definir(
            utilisateur=utilisateur, contrat=action.porteur.contrat, role=Role.ANIMATEUR, structures=[action.porteur]
        )
        client = Client(raise_request_exception=False)
        client.force_login(utilisateur)
        clients.append(client)
    return clients


def test_two_tablets_saving_the_same_child_at_once_keep_one_and_tell_the_other():
    action = ActionFactory(questionnaire_envie_ecole=True)
    enfant = InscriptionFactory(action=action, participant__consentement_questionnaire=True).participant
    url = f"/actions/{action.pk}/questionnaires/entree/tablette/{enfant.pk}/"
    premier, second = _animateurs(action, 2)
    envois = []
    for client, valeur in ((premier, 1), (second, 4)):
        donnees = formulaire(client.get(url), "revision") | {
            code: [str(v)] for code, v in reponses(valeur=valeur).items()
        }
        envois.append(partial(client.post, url, donnees))

    resultats = simultanement(*envois)

    assert sorted(r.status_code for r in resultats) == [200, 302]
    (refuse,) = [r for r in resultats if r.status_code == 200]
    assert "vient d’être enregistré" in texte(refuse)
    (rempli,) = QuestionnaireRempli.objects.all()
    gagnant = 1 if resultats[0].status_code == 302 else 4
    assert rempli.reponses == reponses(valeur=gagnant) and rempli.revision == 1
