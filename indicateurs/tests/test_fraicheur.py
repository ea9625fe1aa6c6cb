"""The computed figures kept between two writes (indicateurs.fraicheur): a dashboard read again
computes nothing, any write, however it is made, shows on the next read, and a write recomputes
only what read its table."""

from functools import partial

import pytest
from django.contrib.sessions.models import Session
from django.db import connection, transaction
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from actions.models import Inscription, Presence, Seance
from actions.tests.factories import InscriptionFactory
from actions.tests.navigateur import formulaire, navigateurs, simultanement

from ..fraicheur import TOUTES, _Observateur, en_cache, nouvelle_generation, table_ecrite, tables_lues, versions
from .test_tableaux import REQUETES, _activite, _client, _figure

pytestmark = pytest.mark.django_db

TABLEAU = "/indicateurs/fiches/1.2.3/"
ANNEE = {"annee": "2025-2026"}
# The dashboard's computation: what a read between two writes no longer runs.
CALCUL = 12


def _version(table):
    return versions([table])[table]


def _grille_avec_un_enfant_de_plus(client, seance):
    url = f"/actions/seances/{seance.pk}/presences/"
    donnees = formulaire(client.get(url), "parents_presents")
    nouveau = InscriptionFactory(action=seance.action, date_inscription=seance.date).participant
    donnees["presents"] = [*donnees.get("presents", []), str(nouveau.pk)]
    return url, donnees


def _tables_des_requetes(requetes):
    return set().union(*(tables_lues(requete["sql"]) for requete in requetes))


@pytest.mark.django_db(transaction=True)
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

    with CaptureQueriesContext(connection) as lues:
        assert _figure(client.get(TABLEAU, ANNEE).content.decode(), "nb_enfants_beneficiaires") == "7"
    tables = _tables_des_requetes(lues.captured_queries)
    # The presences' counters are read afresh; the actions' themes, quartiers and organisations,
    # which a grid does not change, are not.
    assert {"actions_frequentationannuelle", "actions_effectifannuel"} <= tables
    assert not {"actions_action_thematiques", "actions_action_quartiers"} & tables


@pytest.mark.django_db(transaction=True)
def test_a_write_to_what_the_actions_datasets_read_recomputes_them(client, demo, reference):
    _activite(reference, enfants=2)
    client = _client(client, "demo-chef")
    client.get(TABLEAU, ANNEE)
    action = Seance.objects.get().action
    action.thematiques.clear()

    with CaptureQueriesContext(connection) as lues:
        client.get(TABLEAU, ANNEE)

    assert "actions_action_thematiques" in _tables_des_requetes(lues.captured_queries)


@pytest.mark.parametrize(
    ("sql", "table"),
    [
        ('INSERT INTO "actions_presence" ("seance_id") VALUES (%s)', "actions_presence"),
        ('  update "actions_seance" SET "version" = %s', "actions_seance"),
        ('DELETE FROM "actions_action_quartiers" WHERE "id" IN (%s)', "actions_action_quartiers"),
        ('INSERT OR IGNORE INTO "actions_action_quartiers" ("action_id") VALUES (1)', "actions_action_quartiers"),
        ("UPDATE actions_seance SET parents_presents = 0", "actions_seance"),
        ('WITH x AS (SELECT 1) UPDATE "actions_seance" SET "version" = 1', TOUTES),
        ('TRUNCATE "actions_presence"', TOUTES),
        ('UPDATE ONLY "actions_seance" SET "version" = 1', TOUTES),
        ('SELECT "actions_seance"."id" FROM "actions_seance" FOR UPDATE', None),
        ('UPDATE "django_session" SET "expire_date" = %s', None),
        ('DELETE FROM "axes_accessattempt"', None),
    ],
)
def test_the_table_a_statement_writes_is_read_from_its_sql(sql, table):
    assert table_ecrite(sql) == table


def test_the_tables_a_query_reads_are_those_it_names_quoted_or_not():
    sql = (
        'SELECT "actions_action"."id" FROM "actions_action" INNER JOIN actions_action_quartiers U0 '
        'ON (U0."action_id" = "actions_action"."id") WHERE "actions_action"."titre" = \'actions_seance\''
    )
    # A table's name in a string literal counts too: one read more is safe, one less is not.
    assert tables_lues(sql) == {"actions_action", "actions_action_quartiers", "actions_seance"}


def test_every_kind_of_write_draws_a_new_version_of_its_table_and_the_session_s_none(demo, reference):
    _activite(reference, enfants=2)
    ecritures = [
        ("actions_seance", lambda: Seance.objects.update(parents_presents=5)),
        ("actions_presence", lambda: Presence.objects.filter(pk=Presence.objects.first().pk).delete()),
        ("actions_inscription", lambda: Inscription.objects.first().save()),
    ]
    for table, ecrire in ecritures:
        avant = versions([table, "actions_action"])
        ecrire()
        apres = versions([table, "actions_action"])
        assert apres[table] != avant[table]
        assert apres["actions_action"] == avant["actions_action"]

    with connection.cursor() as curseur:
        avant = versions(["actions_seance", TOUTES])
        curseur.execute("UPDATE actions_seance SET parents_presents = 0")
        assert versions(["actions_seance", TOUTES])["actions_seance"] != avant["actions_seance"]
        curseur.execute("WITH s AS (SELECT 1) UPDATE actions_seance SET parents_presents = 1")
        assert _version(TOUTES) != avant[TOUTES]

    avant = versions([TOUTES, "django_session"])
    list(Seance.objects.all())
    Session.objects.create(session_key="x" * 32, session_data="", expire_date=timezone.now())
    assert versions([TOUTES, "django_session"]) == avant


@pytest.mark.django_db(transaction=True)
def test_a_computation_is_kept_until_a_table_it_or_an_inner_one_read_is_written(demo, reference):
    _activite(reference, enfants=2)
    calculs = []

    def interieur():
        calculs.append("intérieur")
        return Seance.objects.count()

    def exterieur():
        calculs.append("extérieur")
        return en_cache("intérieur", interieur) + Inscription.objects.count()

    assert en_cache("extérieur", exterieur) == 3
    assert en_cache("extérieur", exterieur) == 3
    assert calculs == ["extérieur", "intérieur"]

    Inscription.objects.first().delete()
    # The inner one is still valid: only the outer one runs again.
    assert en_cache("extérieur", exterieur) == 2
    assert calculs == ["extérieur", "intérieur", "extérieur"]

    # Its table written, the inner one is computed again, and so is the outer one that read it
    # from the cache without a query.
    Seance.objects.update(parents_presents=9)
    assert en_cache("extérieur", exterieur) == 2
    assert calculs == ["extérieur", "intérieur", "extérieur", "extérieur", "intérieur"]

    nouvelle_generation()
    assert en_cache("intérieur", interieur) == 1
    assert calculs[-1] == "intérieur"


@pytest.mark.django_db(transaction=True)
def test_a_transaction_draws_its_tables_versions_again_when_it_commits(demo, reference):
    _activite(reference, enfants=2)
    with transaction.atomic():
        Seance.objects.update(parents_presents=5)
        pendant = _version("actions_seance")
        Seance.objects.update(parents_presents=6)
        assert _version("actions_seance") != pendant
        pendant = _version("actions_seance")
        # Once per transaction, however many writes it made.
        assert sum(isinstance(getattr(f, "__self__", None), _Observateur) for _, f, _ in connection.run_on_commit) == 1
    assert _version("actions_seance") != pendant


@pytest.mark.django_db(transaction=True)
def test_a_write_after_a_savepoint_rolled_back_is_still_drawn_again_at_the_commit(demo, reference):
    """The commit's callback was registered by a write in a savepoint that was rolled back, and
    went with it: the next write registers it again."""
    _activite(reference, enfants=2)
    with transaction.atomic():
        try:
            with transaction.atomic():
                Seance.objects.update(parents_presents=5)
                raise RuntimeError
        except RuntimeError:
            pass
        Inscription.objects.first().save()
        pendant = versions(["actions_inscription", "actions_seance"])
    apres = versions(["actions_inscription", "actions_seance"])
    assert apres["actions_inscription"] != pendant["actions_inscription"]
    # The rolled-back write is not drawn again: nothing of it was committed.
    assert apres["actions_seance"] == pendant["actions_seance"]


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


@pytest.mark.django_db(transaction=True)
def test_the_watch_survives_a_wrapper_set_before_the_connection_opened_and_a_new_connection(reference):
    """The benchmark counts each request's queries in a `with connection.execute_wrapper(...)`
    block, entered before a worker's first connection opens: leaving it must not take the watch
    with it. A connection opened again (CONN_MAX_AGE) is watched once, not twice."""
    connection.close()
    with connection.execute_wrapper(lambda execute, *arguments: execute(*arguments)):
        Seance.objects.count()
    avant = _version("actions_seance")
    Seance.objects.update(parents_presents=1)
    assert _version("actions_seance") != avant

    connection.close()
    Seance.objects.count()
    assert [type(wrapper) for wrapper in connection.execute_wrappers] == [_Observateur]


@pytest.mark.django_db(transaction=True)
def test_figures_read_by_a_transaction_that_wrote_are_served_not_kept_since_it_may_roll_back(demo, reference):
    _activite(reference, enfants=2)

    def parents():
        return list(Seance.objects.values_list("parents_presents", flat=True))

    with transaction.atomic():
        Seance.objects.update(parents_presents=7)
        assert en_cache("parents", parents) == [7]
        transaction.set_rollback(True)

    assert en_cache("parents", parents) == [2]
