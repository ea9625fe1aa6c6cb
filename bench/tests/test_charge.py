"""make charge's own logic (bench/charge.py), without locust: which pages it picks around the
median, what it counts within its window, how it finds a lost save, how its section of
docs/performance.md survives make bench."""

import pytest
from django.core.cache.backends.base import default_key_func
from django.db import connection

from actions.tests.factories import ParticipantFactory, PresenceFactory, action_avec_enfants
from actions.tests.test_vues import url_detail, url_presences
from indicateurs.fraicheur import PREFIXE, TOUTES

from .. import run
from ..charge import (
    BLOCS,
    Passage,
    autour_de_la_mediane,
    enregistrements_perdus,
    plafond_de_la_demande,
    plafond_du_debit,
    remplacer_le_bloc,
    resumer,
)
from ..run import (
    SECTION_DE_LA_CHARGE,
    Mesure,
    Resultat,
    champs_du_formulaire,
    mediane_basse,
    section_de_la_charge,
    valeurs_de_la_grille,
)


@pytest.mark.parametrize(
    ("longueur", "nombre", "attendus"),
    [(10, 5, [2, 3, 4, 5, 6]), (11, 5, [3, 4, 5, 6, 7]), (6, 5, [0, 1, 2, 3, 4]), (3, 5, [0, 1, 2]), (0, 5, [])],
)
def test_the_rows_picked_are_centred_on_the_lower_median(longueur, nombre, attendus):
    assert autour_de_la_mediane(list(range(longueur)), nombre) == attendus


def test_one_row_around_the_median_is_the_benchs_median():
    for longueur in range(1, 8):
        assert autour_de_la_mediane(list(range(longueur)), 1) == [mediane_basse(list(range(longueur)))]


def test_the_throughput_s_ceiling_is_what_the_users_ask_with_instant_responses():
    # 50 users, 1.5 s between two tasks, 65 % of one request and 35 % of two (grid and save).
    plafond, requetes_par_tache = plafond_de_la_demande()
    assert requetes_par_tache == pytest.approx(1.35)
    assert plafond == pytest.approx(45.0)

    reference, actuel = (Passage(titre, {}, debit, [], [], 0) for titre, debit in [("ref", 27.0), ("actuel", 37.5)])
    (phrase,) = plafond_du_debit([reference, actuel])
    # 50 × 1.35 / 27 = 2.5 s per task, 1.5 of which is waiting; 1.8 s at 37.5 requests/s.
    assert "ref, 1000,0 ms ; actuel, 300,0 ms." in phrase
    assert "tâches de 1,35 requête" in phrase and "dépasser 1,67 × le débit de la référence" in phrase


def test_only_requests_started_within_the_window_are_counted():
    requetes = [
        ["tableau", 99.9, 500.0, None],  # ramp-up
        ["tableau", 100.0, 10.0, None],
        ["quartier", 105.0, 30.0, None],
        ["enregistrement", 106.0, 20.0, None],
        ["grille", 106.0, 5.0, "500 : pas de grille de présences"],
        ["action", 110.0, 40.0, None],  # stopping
    ]
    mesures, debit = resumer(requetes, debut=100.0, duree=10)
    assert list(mesures) == ["lectures", "tableau", "quartier", "grille", "enregistrement"]
    assert mesures["lectures"].durees == [10.0, 30.0]
    assert (mesures["tableau"].durees, mesures["grille"].durees) == ([10.0], [5.0])
    assert debit == 0.4


def enregistrer(client, seance, enfants):
    """What bench/locustfile.py does: the grid loaded, then sent with its hidden fields as loaded
    and `enfants` ticked; the answer, and the children the grid could tick."""
    valeurs, cochables = valeurs_de_la_grille(
        champs_du_formulaire(client.get(url_presences(seance)).content, "presents")
    )
    return client.post(url_presences(seance), {**valeurs, "presents": [enfant.pk for enfant in enfants]}), cochables


@pytest.mark.django_db
def test_a_grid_saved_as_the_server_answered_is_not_lost_and_a_later_write_is(client_connecte):
    action, seance, (a, b, c) = action_avec_enfants(3)
    # Present without being shown by the grid (not enrolled): no save can change it.
    PresenceFactory(seance=seance, participant=ParticipantFactory(structure=action.porteur))
    reponse, cochables = enregistrer(client_connecte, seance, [a, b])
    assert reponse.status_code == 302 and reponse.url == url_detail(action)
    assert cochables == {a.pk, b.pk, c.pk}
    enregistrees = {str(seance.pk): [a.pk, b.pk]}
    vues = {str(seance.pk): sorted(cochables)}
    assert enregistrements_perdus(connection.cursor(), enregistrees, vues) == []

    # Saved, but the answer never reached the user who sent it.
    assert enregistrer(client_connecte, seance, [c])[0].status_code == 302
    assert enregistrements_perdus(connection.cursor(), enregistrees, vues) == [(seance.pk, [a.pk, b.pk], [c.pk])]


def test_no_save_confirmed_nothing_to_check():
    assert enregistrements_perdus(None, {}, {}) == []


def test_the_section_is_added_once_then_each_block_replaced_alone():
    rapport = "# Performances\n\nLes mesures de make bench.\n"
    premier = remplacer_le_bloc(rapport, "passage", "Débit : 20 requêtes/s")
    assert premier.startswith(rapport + "\n" + SECTION_DE_LA_CHARGE[0])
    deuxieme = remplacer_le_bloc(premier, "modeles", "sync-4")
    troisieme = remplacer_le_bloc(deuxieme, "passage", "Débit : 25 requêtes/s")
    assert troisieme.count(SECTION_DE_LA_CHARGE[0]) == 1
    assert "20 requêtes/s" not in troisieme
    section = section_de_la_charge(troisieme)
    assert section.startswith(SECTION_DE_LA_CHARGE[0]) and section.endswith(SECTION_DE_LA_CHARGE[1])
    for bloc, contenu in [("passage", "Débit : 25 requêtes/s"), ("modeles", "sync-4")]:
        debut, fin = BLOCS[bloc]
        assert f"{debut}\n{contenu}\n{fin}" in section


def test_a_report_without_the_section_has_none_to_keep():
    assert section_de_la_charge("# Performances\n") == ""


def test_make_bench_rewrites_its_report_and_keeps_the_load_tests_section(tmp_path, monkeypatch):
    rapport = tmp_path / "performance.md"
    rapport.write_text(remplacer_le_bloc("# Performances\n\nMesures d’hier.\n", "passage", "Débit : 8 requêtes/s"))
    monkeypatch.setattr(run, "RAPPORT", rapport)
    tableau = Mesure("Tableau de bord du contrat", durees=[120.0], requetes=[20], duree_sql=[40.0])
    run.ecrire_le_rapport(
        [Resultat("grande", {"actions": 6000}, None, ["quartier Q"], {"tableau": tableau})], "15", 1, 9, []
    )
    texte = rapport.read_text()
    assert "Mesures d’hier." not in texte and "| Tableau de bord du contrat |  | 120,0 / 120,0, 20 |" in texte
    assert texte.count(SECTION_DE_LA_CHARGE[0]) == 1
    assert f"{BLOCS['passage'][0]}\nDébit : 8 requêtes/s\n{BLOCS['passage'][1]}" in section_de_la_charge(texte)


def test_the_bench_outdates_every_cached_computation_under_the_key_the_app_reads():
    assert run.CLE_DE_TOUTES_LES_TABLES.format(base="fiches_bench_grande") == default_key_func(
        PREFIXE + TOUTES, "fiches_bench_grande", 1
    )
