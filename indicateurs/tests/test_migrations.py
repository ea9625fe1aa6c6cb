"""indicateurs/0002 to 0004: each indicator gets its statement's fiche, and a code given twice in
one fiche (under two of its statements, which the former constraint allowed) is kept once."""

import pytest
from django.db import connection
from django.db.migrations.executor import MigrationExecutor

from fiches.tests.factories import EnonceIndicateurFactory, FicheFactory
from indicateurs.models import Indicateur

AVANT = [("indicateurs", "0001_initial")]


@pytest.mark.django_db(transaction=True)
def test_indicators_get_their_fiche_and_a_code_given_twice_in_a_fiche_is_kept_once():
    fiche = FicheFactory()
    ir1, ir2 = EnonceIndicateurFactory(fiche=fiche, code="IR1"), EnonceIndicateurFactory(fiche=fiche, code="IR2")
    ailleurs = EnonceIndicateurFactory(fiche=FicheFactory(enjeu=fiche.enjeu), code="IR1")
    executor = MigrationExecutor(connection)
    executor.migrate(AVANT)
    try:
        Ancien = executor.loader.project_state(AVANT).apps.get_model("indicateurs", "Indicateur")
        champs = {"libelle": "x", "nature": "realisation", "unite": "nombre", "sens": "hausse", "mode": "calcule"}
        premier = Ancien.objects.create(enonce_id=ir1.pk, code="nb_actions", definition="premier", **champs)
        second = Ancien.objects.create(enonce_id=ir2.pk, code="nb_actions", definition="second", **champs)
        autre = Ancien.objects.create(enonce_id=ailleurs.pk, code="nb_actions", definition="autre", **champs)

        executor.loader.build_graph()
        executor.migrate(executor.loader.graph.leaf_nodes())
    finally:
        executor.loader.build_graph()
        executor.migrate(executor.loader.graph.leaf_nodes())

    lignes = {i.pk: (i.fiche_id, i.code) for i in Indicateur.objects.all()}
    assert lignes == {
        premier.pk: (fiche.pk, "nb_actions"),
        second.pk: (fiche.pk, f"nb_actions-{second.pk}"),
        autre.pk: (ailleurs.fiche_id, "nb_actions"),
    }
