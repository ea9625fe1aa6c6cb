"""The computed figures kept between two writes (indicateurs.fraicheur): a dashboard read again
computes nothing, and any write, however it is made, shows on the next read."""

from functools import partial

import pytest
from django.contrib.sessions.models import Session
from django.db import connection, transaction
from django.utils import timezone

from actions.models import Inscription, Presence, Seance
from actions.tests.factories import InscriptionFactory
from actions.tests.navigateur import formulaire, navigateurs, simultanement

from ..fraicheur import generation, nouvelle_generation
from .test_tableaux import REQUETES, _activite, _client, _figure

pytestmark = pytest.mark.django_db

TABLEAU = "/indicateurs/fiches/1.2.3/"
ANNEE = {"annee": "2025-2026"}
# The dashboard's computation: what a read between two writes no longer runs.
CALCUL = 12


def _grille_avec_un_enfant_de_plus(client, seance):
    url = f"/actions/seances/{seance.pk}/presences/"
    donnees = formulaire(client.get(url), "parents_presents")
    nouveau = InscriptionFactory(action=seance.action, date_inscription=seance.date).participant
    donnees["presents"] = [*donnees.get("presents", []), str(nouveau.pk)]
    return url, donnees


def test_a_dashboard_read_again_computes_nothing_and_a_saved_grid_shows_on_the_next_read(
    client, demo, reference, django_assert_num_queries
):
    _activite(reference, enfants=6)
    client = _client(client, "demo-chef")
    with django_assert_num_queries(REQUETES[TABLEAU]):
        assert _figure(client.get(TABLEAU, ANNEE).content.decode(), "nb_enfants_beneficiaires") == "6"
    with django_assert_num_queries(REQUETES[TABLEAU] - CALCUL):
        assert _figure(client.get(TABLEAU, ANNEE).content.decode(), "nb_enfants_beneficiaires") == "6"

    url, donnees = _grille_avec_un_enfant_de_plus(client, Seance.objects.get())
    assert client.post(url, donnees).status_code == 302

    with django_assert_num_queries(REQUETES[TABLEAU]):
        assert _figure(client.get(TABLEAU, ANNEE).content.decode(), "nb_enfants_beneficiaires") == "7"


def test_every_kind_of_write_draws_a_new_generation_and_the_session_s_none(demo, reference):
    _activite(reference, enfants=2)
    ecritures = [
        lambda: Seance.objects.update(parents_presents=5),
        lambda: Presence.objects.filter(pk=Presence.objects.first().pk).delete(),
        lambda: Inscription.objects.first().save(),
    ]
    for ecrire in ecritures:
        avant = generation()
        ecrire()
        assert generation() != avant

    with connection.cursor() as curseur:
        avant = generation()
        curseur.execute("UPDATE actions_seance SET parents_presents = 0")
        assert generation() != avant

    avant = generation()
    list(Seance.objects.all())
    Session.objects.create(session_key="x" * 32, session_data="", expire_date=timezone.now())
    assert generation() == avant


@pytest.mark.django_db(transaction=True)
def test_a_transaction_draws_a_new_generation_again_when_it_commits(demo, reference):
    _activite(reference, enfants=2)
    with transaction.atomic():
        Seance.objects.update(parents_presents=5)
        pendant = generation()
        Seance.objects.update(parents_presents=6)
        assert generation() != pendant
        pendant = generation()
        # Once per transaction, however many writes it made.
        assert [fonction for _, fonction, _ in connection.run_on_commit].count(nouvelle_generation) == 1
    assert generation() != pendant


@pytest.mark.django_db(transaction=True)
@pytest.mark.skipif(connection.vendor != "postgresql", reason="SQLite runs one write at a time")
def test_dashboards_read_while_grids_are_saved_end_on_the_saved_figures(demo, reference):
    _activite(reference, enfants=3, actions=2)
    lecteurs = navigateurs(4)
    seances = list(Seance.objects.order_by("pk"))
    for lecteur in lecteurs:
        assert _figure(lecteur.get(TABLEAU, ANNEE).content.decode(), "nb_enfants_beneficiaires") == "6"
    envois = [
        partial(lecteurs[rang].post, *_grille_avec_un_enfant_de_plus(lecteurs[rang], s))
        for rang, s in enumerate(seances)
    ]

    reponses = simultanement(
        *envois, partial(lecteurs[2].get, TABLEAU, ANNEE), partial(lecteurs[3].get, TABLEAU, ANNEE)
    )

    assert [r.status_code for r in reponses] == [302, 302, 200, 200]
    for lecteur in lecteurs:
        assert _figure(lecteur.get(TABLEAU, ANNEE).content.decode(), "nb_enfants_beneficiaires") == "8"
