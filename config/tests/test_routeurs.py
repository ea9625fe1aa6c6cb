"""Reads on the replica (config.routeurs, docs/deploiement.md): which requests read where, that a
user who wrote reads their write at once, that nothing is written to the replica, and what a
replica down or behind changes.

The tests are transactional: the replica only sees committed rows. Without DATABASE_REPLICA_URL
the replica is a second connection to the test database (config.settings.test); with it, the
standby of scripts/replique.sh, and the tests that need a real standby run too, else skip."""

import os
import subprocess
import sys
import time
from contextlib import contextmanager

import pytest
from django.conf import settings
from django.contrib.auth import get_user_model
from django.contrib.sessions.models import Session
from django.core.cache import cache
from django.db import DEFAULT_DB_ALIAS, DatabaseError, connections, router
from django.test.utils import CaptureQueriesContext
from rest_framework.authtoken.models import Token

from config import routeurs
from config.routeurs import COOKIE_ECRITURE, REPLIQUE, RouteurReplique, etat_de_la_replique, lire_ses_ecritures
from demo.clotures import annee_precedente_cloturer
from demo.dossiers import TITRES, dossiers_de_demo
from dossiers.enums import EtatDossier
from dossiers.models import Dossier
from fiches.models import Contrat, Fiche, Quartier
from fiches.tests.factories import ContratFactory
from indicateurs import fraicheur

pytestmark = pytest.mark.django_db(transaction=True, databases=[DEFAULT_DB_ALIAS, REPLIQUE])

SANS_SECONDAIRE = (
    "Pas de secondaire PostgreSQL en service : `scripts/replique.sh demarrer`, puis "
    "DATABASE_REPLICA_URL=postgres://postgres@127.0.0.1:5433/<base> / no hot standby running: "
    "start one with `scripts/replique.sh demarrer` and set DATABASE_REPLICA_URL."
)
# The fiche's dashboard; a partner granted quartiers is sent on to the first of them.
TABLEAU = "/indicateurs/fiches/1.2.3/"


def est_un_secondaire():
    connexion = connections[REPLIQUE]
    if connexion.vendor != "postgresql":
        return False
    with connexion.cursor() as curseur:
        curseur.execute("SELECT pg_is_in_recovery()")
        return curseur.fetchone()[0]


def attendre_la_replique():
    """Until the standby has replayed all the primary has committed; at once without one."""
    if not est_un_secondaire():
        return
    with connections[DEFAULT_DB_ALIAS].cursor() as curseur:
        curseur.execute("SELECT pg_current_wal_lsn()")
        position = curseur.fetchone()[0]
    limite = time.monotonic() + 30
    with connections[REPLIQUE].cursor() as curseur:
        while time.monotonic() < limite:
            curseur.execute("SELECT pg_last_wal_replay_lsn() >= %s::pg_lsn", [position])
            if curseur.fetchone()[0]:
                return
            time.sleep(0.05)
    pytest.fail(f"Le secondaire n’a pas rejoué le journal jusqu’à {position} en 30 s.")


@pytest.fixture
def lectures_reparties(settings):
    """The router and its middleware as the settings install them with DATABASE_REPLICA_URL."""
    try:
        connections[REPLIQUE].ensure_connection()
    except DatabaseError:
        pytest.skip(SANS_SECONDAIRE)
    settings.DATABASE_ROUTERS = ["config.routeurs.RouteurReplique"]
    apres = settings.MIDDLEWARE.index("comptes.perimetre.PerimetreMiddleware") + 1
    settings.MIDDLEWARE = [
        *settings.MIDDLEWARE[:apres],
        "config.routeurs.LectureMiddleware",
        *settings.MIDDLEWARE[apres:],
    ]
    # Each process remembers the replica's state; the public bilans are cached.
    etat_de_la_replique.oublier()
    cache.clear()
    yield
    etat_de_la_replique.oublier()


@pytest.fixture
def secondaire(lectures_reparties):
    if not est_un_secondaire():
        pytest.skip(SANS_SECONDAIRE)


@pytest.fixture
def connecter(client, demo):
    def connecter(role):
        client.force_login(get_user_model().objects.get(username=f"demo-{role}"))
        return client

    return connecter


@contextmanager
def requetes():
    """The SQL sent to the primary and to the replica meanwhile."""
    with (
        CaptureQueriesContext(connections[DEFAULT_DB_ALIAS]) as primaire,
        CaptureQueriesContext(connections[REPLIQUE]) as replique,
    ):
        yield primaire, replique


def sql(capture):
    return "\n".join(requete["sql"] for requete in capture.captured_queries)


@contextmanager
def rejeu_suspendu():
    """The standby receives the primary's journal but stops applying it: a replica behind."""
    with connections[REPLIQUE].cursor() as curseur:
        curseur.execute("SELECT pg_wal_replay_pause()")
    try:
        yield
    finally:
        with connections[REPLIQUE].cursor() as curseur:
            curseur.execute("SELECT pg_wal_replay_resume()")


# --- Who reads where ---------------------------------------------------------------------------


def test_a_partner_reads_the_dashboard_from_the_replica_and_who_they_are_from_the_primary(
    lectures_reparties, connecter
):
    client = connecter("partenaire")
    attendre_la_replique()
    with requetes() as (primaire, replique):
        assert client.get(TABLEAU, follow=True).status_code == 200
    assert '"fiches_fiche"' in sql(replique) and '"fiches_fiche"' not in sql(primaire)
    # The session, the account and its membership, read before the decision or always on the
    # primary: a closed session or a withdrawn membership counts at once.
    assert '"django_session"' in sql(primaire) and '"django_session"' not in sql(replique)
    assert '"comptes_adhesion"' in sql(primaire)


@pytest.mark.parametrize("role", ["chef", "animateur", "porteur", "admin"])
def test_the_other_roles_read_everything_from_the_primary(lectures_reparties, connecter, role):
    client = connecter(role)
    with requetes() as (primaire, replique):
        assert client.get(TABLEAU, follow=True).status_code == 200
    assert replique.captured_queries == []
    assert '"fiches_fiche"' in sql(primaire)


def test_the_public_bilan_is_read_from_the_replica_by_the_anonymous_only(lectures_reparties, connecter, client):
    annee = annee_precedente_cloturer(contrat=Contrat.objects.get())
    adresse = f"/bilan/{annee.contrat.code}/{annee.libelle}/"
    attendre_la_replique()
    with requetes() as (primaire, replique):
        assert client.get(adresse).status_code == 200
    assert '"fiches_clotureannee"' in sql(replique) and primaire.captured_queries == []
    cache.clear()
    connecter("chef")
    with requetes() as (primaire, replique):
        assert client.get(adresse).status_code == 200
    assert replique.captured_queries == [] and '"fiches_clotureannee"' in sql(primaire)


def test_the_anonymous_read_their_other_pages_from_the_primary(lectures_reparties, client):
    with requetes() as (primaire, replique):
        assert client.get("/connexion/").status_code == 200
    assert replique.captured_queries == []


@pytest.mark.parametrize("jeton", [False, True], ids=["public", "jeton"])
def test_the_api_is_read_from_the_replica(lectures_reparties, demo, client, jeton):
    if jeton:
        client.defaults["HTTP_AUTHORIZATION"] = f"Token {demo_jeton()}"
    contrat = Contrat.objects.get()
    # The public reads the published years only.
    annee_precedente_cloturer(contrat=contrat)
    attendre_la_replique()
    with requetes() as (primaire, replique):
        reponse = client.get(f"/api/v1/contrats/{contrat.code}/fiches/")
    assert reponse.status_code == 200 and reponse.json()["results"]
    assert '"fiches_fiche"' in sql(replique) and '"fiches_fiche"' not in sql(primaire)
    # The token is checked on the primary: a revoked one is refused at once.
    assert ('"authtoken_token"' in sql(primaire)) is jeton and '"authtoken_token"' not in sql(replique)


def demo_jeton():
    return Token.objects.get(user__username="demo-partenaire").key


# --- A user who wrote reads their write ------------------------------------------------------------


def donner_un_avis(client, dossier, commentaire):
    return client.post(
        dossier.get_absolute_url(),
        {"transition": "donner_avis", "commentaire": commentaire, "etat_vu": EtatDossier.EN_INSTRUCTION},
    )


def test_a_partner_who_wrote_reads_the_next_pages_from_the_primary(lectures_reparties, connecter):
    dossiers_de_demo(contrat=Contrat.objects.get())
    dossier = Dossier.objects.get(titre=TITRES[EtatDossier.EN_INSTRUCTION])
    client = connecter("partenaire")
    attendre_la_replique()
    with requetes() as (primaire, replique):
        reponse = donner_un_avis(client, dossier, "Avis favorable de la CAF, sous réserve.")
    assert reponse.status_code == 302
    # A write reads nothing from the replica, and writes nothing there.
    assert replique.captured_queries == [] and "INSERT" in sql(primaire)
    cookie = reponse.cookies[COOKIE_ECRITURE]
    assert cookie["max-age"] == settings.LECTURE_PRIMAIRE_APRES_ECRITURE and cookie["httponly"]
    with requetes() as (primaire, replique):
        page = client.get(reponse["Location"]).content.decode()
    assert "Avis favorable de la CAF, sous réserve." in page
    assert replique.captured_queries == [] and '"dossiers_dossier"' in sql(primaire)
    # Without the cookie (another browser, or once it expired), the replica again.
    del client.cookies[COOKIE_ECRITURE]
    attendre_la_replique()
    with requetes() as (primaire, replique):
        assert "Avis favorable de la CAF, sous réserve." in client.get(reponse["Location"]).content.decode()
    assert '"dossiers_dossier"' in sql(replique)


def test_a_refused_or_forged_cookie_pins_no_one_to_the_primary(lectures_reparties, connecter):
    client = connecter("partenaire")
    client.cookies[COOKIE_ECRITURE] = "1"
    attendre_la_replique()
    with requetes() as (_, replique):
        assert client.get(TABLEAU, follow=True).status_code == 200
    assert '"fiches_fiche"' in sql(replique)


def test_a_request_read_on_the_replica_that_writes_reads_the_rest_from_the_primary():
    routeur = RouteurReplique()
    contrat = ContratFactory()
    jeton = routeurs._base_de_lecture.set(REPLIQUE)
    try:
        with connections[DEFAULT_DB_ALIAS].execute_wrapper(lire_ses_ecritures):
            assert routeur.db_for_read(Fiche) == REPLIQUE
            assert routeur.db_for_read(Session) == DEFAULT_DB_ALIAS
            assert routeur.db_for_read(get_user_model()) == DEFAULT_DB_ALIAS
            # Building an object asks the router where to write, and writes nothing.
            Quartier(contrat=contrat)
            assert routeur.db_for_read(Fiche) == REPLIQUE
            ContratFactory()
            assert routeur.db_for_read(Fiche) == DEFAULT_DB_ALIAS
    finally:
        routeurs._base_de_lecture.reset(jeton)


def test_figures_computed_on_the_replica_are_served_and_never_kept(lectures_reparties):
    """The dashboards' cache (indicateurs.fraicheur) is emptied by a new generation at each write
    on the primary; figures a replica computed before replaying that write must not be kept under
    it, or everyone would read them until the next write."""

    def sur_la_replique(calcul):
        jeton = routeurs._base_de_lecture.set(REPLIQUE)
        try:
            return fraicheur.en_cache("tableau", calcul)
        finally:
            routeurs._base_de_lecture.reset(jeton)

    assert sur_la_replique(lambda: "lus sur la réplique") == "lus sur la réplique"
    assert sur_la_replique(lambda: "relus sur la réplique") == "relus sur la réplique"
    # The primary's are kept, and served to the replica's readers too.
    assert fraicheur.en_cache("tableau", lambda: "lus sur le primaire") == "lus sur le primaire"
    assert sur_la_replique(lambda: "relus sur la réplique") == "lus sur le primaire"


def test_migrations_run_on_the_primary_only():
    routeur = RouteurReplique()
    assert routeur.allow_migrate(DEFAULT_DB_ALIAS, "fiches")
    assert not routeur.allow_migrate(REPLIQUE, "fiches")
    assert not routeur.allow_migrate(REPLIQUE, "sessions")


# --- A replica down or behind ----------------------------------------------------------------


def test_a_replica_down_sends_the_reads_to_the_primary_for_a_while(lectures_reparties, connecter):
    client = connecter("partenaire")
    replique = connections[REPLIQUE]
    # A connection to a database that does not exist (closing the test's own would not do: an
    # in-memory SQLite database ignores it).
    connections[REPLIQUE] = replique.__class__({**replique.settings_dict, "NAME": "/inexistant/base"}, REPLIQUE)
    try:
        with CaptureQueriesContext(connections[DEFAULT_DB_ALIAS]) as primaire:
            assert client.get(TABLEAU, follow=True).status_code == 200
        assert '"indicateurs_cible"' in sql(primaire)
        assert not etat_de_la_replique.lisible
        assert etat_de_la_replique.prochaine_verification - time.monotonic() > settings.REPLIQUE_VERIFICATION
    finally:
        connections[REPLIQUE].close()
        connections[REPLIQUE] = replique


def test_a_replica_behind_sends_the_reads_to_the_primary(secondaire, connecter, settings):
    client = connecter("partenaire")
    settings.REPLIQUE_RETARD_MAX = 0
    attendre_la_replique()
    with rejeu_suspendu():
        # Received by the standby, not applied.
        ContratFactory(nom="Contrat signé pendant le retard")
        with requetes() as (primaire, replique):
            assert client.get(TABLEAU, follow=True).status_code == 200
    assert '"fiches_fiche"' in sql(primaire)
    # The lag measured, and nothing else.
    assert len(replique.captured_queries) == 1 and "pg_last_wal_replay_lsn" in sql(replique)


def test_behind_a_replica_the_writer_sees_their_write_and_the_others_do_not_yet(secondaire, connecter, settings):
    dossiers_de_demo(contrat=Contrat.objects.get())
    dossier = Dossier.objects.get(titre=TITRES[EtatDossier.EN_INSTRUCTION])
    client = connecter("partenaire")
    # A lag tolerated: the others read the replica, however far behind.
    settings.REPLIQUE_RETARD_MAX = 3600
    attendre_la_replique()
    with rejeu_suspendu():
        reponse = donner_un_avis(client, dossier, "Avis rendu pendant le retard.")
        assert "Avis rendu pendant le retard." in client.get(reponse["Location"]).content.decode()
        del client.cookies[COOKIE_ECRITURE]
        assert "Avis rendu pendant le retard." not in client.get(reponse["Location"]).content.decode()
    attendre_la_replique()
    assert "Avis rendu pendant le retard." in client.get(reponse["Location"]).content.decode()


# --- The real standby ----------------------------------------------------------------------------


def test_a_row_committed_on_the_primary_is_read_on_the_standby(secondaire):
    contrat = ContratFactory(nom="Contrat répliqué")
    attendre_la_replique()
    assert Contrat.objects.using(REPLIQUE).get(pk=contrat.pk).nom == "Contrat répliqué"


def test_the_standby_refuses_writes_which_the_router_never_sends_it(secondaire):
    with pytest.raises(DatabaseError, match="read-only"):
        Contrat.objects.using(REPLIQUE).create(code="ecrit-sur-la-replique", nom="Refusé")
    assert router.db_for_write(Contrat) == DEFAULT_DB_ALIAS


# --- Without DATABASE_REPLICA_URL --------------------------------------------------------------


@pytest.mark.django_db(transaction=False, databases=[])
@pytest.mark.parametrize("url", ["", "postgres://postgres@127.0.0.1:5433/fiches"])
def test_the_router_is_installed_only_with_a_replica(url):
    lu = subprocess.run(
        [
            sys.executable,
            "-c",
            "from config.settings import base; print(getattr(base, 'DATABASE_ROUTERS', []), sorted(base.DATABASES),"
            " 'config.routeurs.LectureMiddleware' in base.MIDDLEWARE)",
        ],
        env={**os.environ, "DATABASE_REPLICA_URL": url},
        cwd=settings.BASE_DIR,
        capture_output=True,
        text=True,
        check=True,
    ).stdout.strip()
    if url:
        assert lu == "['config.routeurs.RouteurReplique'] ['default', 'replique'] True"
    else:
        assert lu == "[] ['default'] False"
