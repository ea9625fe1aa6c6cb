"""make bench: response times of the main pages, served by gunicorn over HTTP against
PostgreSQL, at two data scales, written to docs/performance.md.

    .venv/bin/python bench/run.py [--echelles dixieme grande] [--requetes 50] [--regenerer]

Not a test: it fails (exit 1) only when a request does not get the expected status; a
missed target is reported, not fatal. See docs/performance.md for the method.
"""

import argparse
import contextlib
import http.client
import json
import math
import os
import pickle
import platform
import re
import socket
import subprocess
import sys
import tempfile
import time
import uuid
from dataclasses import dataclass, field
from datetime import date, datetime
from html.parser import HTMLParser
from http.cookies import SimpleCookie
from importlib.metadata import version
from pathlib import Path
from urllib.parse import urlencode
from zoneinfo import ZoneInfo

import psycopg2
import redis
from psycopg2 import sql

RACINE = Path(__file__).resolve().parent.parent
RAPPORT = RACINE / "docs" / "performance.md"
# make charge (bench/charge.py) writes its own section of the report between these marks: a run
# of the bench keeps it as it was.
SECTION_DE_LA_CHARGE = ("<!-- make charge : début -->", "<!-- make charge : fin -->")
FUSEAU = ZoneInfo("Europe/Paris")  # settings.TIME_ZONE: "today" and the school year are local
ECHELLES_STANDARD = ["dixieme", "grande"]
ORDRE_DES_ECHELLES = ["demo", "dixieme", "grande", "region"]
LIBELLES_ECHELLES = {"demo": "démonstration", "dixieme": "1/10", "grande": "échelle pleine", "region": "région (×10)"}
ECHAUFFEMENT = 5
REDIS_DU_BANC = "redis://127.0.0.1:6379/1"  # config.settings.bench's default
WORKERS = 2
ENFANTS_PAR_GRILLE = 30
SEANCES_PAR_MOIS = 8
STATUT_ANNULEE = "annulee"  # actions.enums.StatutAction.ANNULEE
# The pages are measured in the contract demo-chef opens on, the first one (a region's database
# holds several): what they show is picked there.
CONTRAT_MESURE = "(SELECT MIN(id) FROM fiches_contrat)"
ACTION_DU_CONTRAT = f"a.porteur_id IN (SELECT id FROM partenaires_structure WHERE contrat_id = {CONTRAT_MESURE})"
# Target per page: p95 ceiling at full scale (ms), and whether p95 may at most double from 1/10
# (asked of the dashboards; the export, which computes the same figures, is held to their ceiling).
CIBLES = {
    "tableau": (150, True),
    "quartier": (150, True),
    "tableau_apres_saisie": (150, True),
    "quartier_apres_saisie": (150, True),
    "tableau_sans_cache": (150, True),
    "quartier_sans_cache": (150, True),
    "liste": (100, False),
    "action": (100, False),
    "export": (150, False),
    "saisie": (100, False),
    "mois": (150, False),
    "dossiers": (100, False),
    "bilan": (100, False),
    "api": (100, False),
    "bilan_public": (50, False),
    "bilan_public_quartier": (50, False),
    "rapport": (5000, False),
    "import_apercu": (10000, False),
    "import_confirmation": (10000, False),
}
TOURS_D_IMPORT = 4
RAPPORTS = 5
# Like the dashboards, the current school year and the one before it.
PLANCHER = """
    SELECT COUNT(DISTINCT p.participant_id) FILTER (WHERE s.date BETWEEN %(debut)s AND %(fin)s),
           COUNT(DISTINCT p.participant_id) FILTER (WHERE s.date < %(debut)s)
    FROM actions_presence p
    JOIN actions_seance s ON s.id = p.seance_id
    JOIN actions_action a ON a.id = s.action_id
    WHERE s.date BETWEEN %(debut_precedente)s AND %(fin)s AND a.statut <> %(annulee)s
"""


class EchecBanc(Exception):
    """A request or a step failed: the measures would be meaningless."""


@dataclass
class Mesure:
    titre: str
    durees: list = field(default_factory=list)  # ms, one per measured request
    requetes: list = field(default_factory=list)  # SQL queries, from Server-Timing
    duree_sql: list = field(default_factory=list)  # ms of SQL, from Server-Timing

    def centile(self, rang):
        """Nearest-rank percentile."""
        ordonnees = sorted(self.durees)
        return ordonnees[max(math.ceil(rang / 100 * len(ordonnees)), 1) - 1]

    @property
    def p50(self):
        return self.centile(50)

    @property
    def p95(self):
        return self.centile(95)

    @property
    def sql_p50(self):
        """Median time of the page's SQL (Server-Timing), None where not measured."""
        return sorted(self.duree_sql)[(len(self.duree_sql) - 1) // 2] if any(self.duree_sql) else None

    @property
    def requetes_stables(self):
        return len(set(self.requetes)) <= 1

    @property
    def libelle_requetes(self):
        if not self.requetes:
            return ""
        if self.requetes_stables:
            return str(self.requetes[0])
        return f"{min(self.requetes)}–{max(self.requetes)} (variable)"


@dataclass
class Resultat:
    echelle: str
    volumes: dict
    generation: float | None  # seconds of generer_demo, None when the database was reused
    choix: list  # what was picked to measure, in words
    mesures: dict  # page key -> Mesure


# --- Database --------------------------------------------------------------------------------


def url_de_la_base(echelle):
    base = os.environ.get("BENCH_DATABASE_URL", "postgres://postgres@127.0.0.1:5432").rstrip("/")
    return f"{base}/fiches_bench_{echelle}"


def environnement(url):
    variables = dict(os.environ, DJANGO_SETTINGS_MODULE="config.settings.bench", DATABASE_URL=url)
    # BENCH_REPLICA_URL: a hot standby of the bench's server (scripts/replique.sh), which the app
    # then reads as docs/deploiement.md says; the same database on it.
    if replique := os.environ.get("BENCH_REPLICA_URL"):
        variables["DATABASE_REPLICA_URL"] = f"{replique.rstrip('/')}/{url.rsplit('/', 1)[1]}"
    return variables


def manage(url, *arguments):
    # Output captured: generer_demo prints the demo accounts' new passwords.
    fini = subprocess.run(
        [sys.executable, "manage.py", *arguments], cwd=RACINE, env=environnement(url), capture_output=True, text=True
    )
    if fini.returncode:
        raise EchecBanc(f"manage.py {' '.join(arguments)} a échoué :\n{fini.stdout}{fini.stderr}")


@contextlib.contextmanager
def curseur_sur(url):
    """A cursor on the database; unlike psycopg2's own `with`, the connection is closed after."""
    with contextlib.closing(psycopg2.connect(url)) as connexion, connexion, connexion.cursor() as curseur:
        yield curseur


def est_generee(url):
    """Whether the scale's database holds what the current generator writes: actions, and the
    dossiers they were born from (a base generated before those is generated again)."""
    try:
        with curseur_sur(url) as curseur:
            curseur.execute(
                "SELECT to_regclass('actions_action') IS NOT NULL AND to_regclass('dossiers_dossier') IS NOT NULL"
            )
            if not curseur.fetchone()[0]:
                return False
            curseur.execute(
                "SELECT EXISTS (SELECT 1 FROM actions_action)"
                " AND EXISTS (SELECT 1 FROM dossiers_dossier WHERE action_id IS NOT NULL)"
            )
            return curseur.fetchone()[0]
    except psycopg2.OperationalError:  # no such database
        return False


def recreer_la_base(url):
    serveur, nom = url.rsplit("/", 1)
    connexion = psycopg2.connect(f"{serveur}/postgres")
    connexion.autocommit = True  # CREATE/DROP DATABASE refuse to run in a transaction
    try:
        with connexion.cursor() as curseur:
            curseur.execute(sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(sql.Identifier(nom)))
            curseur.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(nom)))
    finally:
        connexion.close()


def preparer_la_base(echelle, url, regenerer):
    """Generates the scale's data when missing (or asked), else reuses it; returns the seconds
    generer_demo took, or None."""
    if not regenerer and est_generee(url):
        print(f"[{echelle}] base réutilisée ; migrate ; bilan public de l’année clôturée, contours", flush=True)
        manage(url, "migrate", "--noinput")
        # A base generated before generer_demo published the year it closes.
        lancer_sur_la_base(url, "Publication du bilan impossible", "bench.publication")
        return None
    print(f"[{echelle}] création de la base, migrate, charger_reference, generer_demo…", flush=True)
    recreer_la_base(url)
    manage(url, "migrate", "--noinput")
    manage(url, "charger_reference")
    # "demo" is the default demo size, generer_demo without option.
    debut = time.perf_counter()
    manage(url, "generer_demo", *([] if echelle == "demo" else ["--echelle", echelle]))
    return time.perf_counter() - debut


def vacuum_analyze(url):
    """What autovacuum does on a live database: fresh statistics for the planner and a
    visibility map that lets PostgreSQL answer from an index alone."""
    connexion = psycopg2.connect(url)
    connexion.autocommit = True  # VACUUM refuses to run in a transaction
    try:
        with connexion.cursor() as curseur:
            curseur.execute("VACUUM ANALYZE")
    finally:
        connexion.close()


def compter_les_lignes(curseur):
    volumes = {}
    for libelle, table in [
        ("actions", "actions_action"),
        ("séances", "actions_seance"),
        ("enfants", "actions_participant"),
        ("présences", "actions_presence"),
        ("dossiers", "dossiers_dossier"),
    ]:
        curseur.execute(sql.SQL("SELECT COUNT(*) FROM {}").format(sql.Identifier(table)))
        volumes[libelle] = curseur.fetchone()[0]
    return volumes


def annee_scolaire(jour):
    """fiches.annees.AnneeScolaire: 1 September to 31 August."""
    rentree = jour.year if jour.month >= 9 else jour.year - 1
    return date(rentree, 9, 1), date(rentree + 1, 8, 31)


def annee_scolaire_libelle(jour):
    debut, fin = annee_scolaire(jour)
    return f"{debut.year}-{fin.year}"


def mediane_basse(lignes):
    return lignes[(len(lignes) - 1) // 2] if lignes else None


def choisir_le_quartier(curseur):
    """The quartier with the median number of actions (among those that have some)."""
    choix = mediane_basse(quartiers_par_actions(curseur))
    if choix is None:
        raise EchecBanc("Aucun quartier n’a d’action.")
    return choix


def quartiers_par_actions(curseur):
    """The quartiers that have actions, (code, number of actions), fewest actions first."""
    curseur.execute(
        f"""
        SELECT q.code, COUNT(*) AS actions
        FROM fiches_quartier q JOIN actions_action_quartiers aq ON aq.quartier_id = q.id
        WHERE q.contrat_id = {CONTRAT_MESURE}
        GROUP BY q.id, q.code ORDER BY actions, q.code
        """
    )
    return curseur.fetchall()


def choisir_le_bilan_public(curseur):
    """The contract and school year of the latest published bilan (generer_demo publishes the
    year it closes)."""
    curseur.execute(
        """
        SELECT c.code, ca.annee_scolaire FROM fiches_clotureannee ca JOIN fiches_contrat c ON c.id = ca.contrat_id
        WHERE ca.cloturee AND ca.publiee ORDER BY ca.annee_scolaire DESC, c.id LIMIT 1
        """
    )
    ligne = curseur.fetchone()
    if ligne is None:
        raise EchecBanc("Aucun bilan public n’est publié.")
    contrat, rentree = ligne
    return contrat, f"{rentree}-{rentree + 1}"


def choisir_l_action(curseur, aujourdhui):
    """A typical action: among the non-cancelled actions of the previous school year with at
    least 20 sessions, the one with the median number of enrolled children."""
    choix = mediane_basse(actions_de_l_annee_precedente(curseur, aujourdhui))
    if choix is None:
        debut, fin = annee_scolaire(date(aujourdhui.year - 1, aujourdhui.month, 1))
        raise EchecBanc(f"Aucune action non annulée de {debut.year}-{fin.year} n’a 20 séances.")
    return choix


def actions_de_l_annee_precedente(curseur, aujourdhui):
    """The non-cancelled actions of the previous school year with at least 20 sessions, (id,
    sessions, enrolled children), fewest children first."""
    debut, fin = annee_scolaire(date(aujourdhui.year - 1, aujourdhui.month, 1))
    curseur.execute(
        f"""
        SELECT a.id, (SELECT COUNT(*) FROM actions_seance s WHERE s.action_id = a.id) AS seances,
               (SELECT COUNT(*) FROM actions_inscription i WHERE i.action_id = a.id) AS inscrits
        FROM actions_action a
        WHERE a.statut <> %s AND NOT a.archivee AND a.date_debut <= %s AND a.date_fin >= %s
          AND (SELECT COUNT(*) FROM actions_seance s WHERE s.action_id = a.id) >= 20
          AND {ACTION_DU_CONTRAT}
        ORDER BY inscrits, a.id
        """,
        [STATUT_ANNULEE, fin, debut],
    )
    return curseur.fetchall()


def enfants_de_la_grille(curseur, action, jour):
    """The children enrolled in the action and consenting by `jour`, in the order the grids tick
    them: those who already came to the action earlier in the school year first. Ticking or
    unticking them moves no child's first day of the year, in the contract or in the action's
    quartiers, as most saves of a year; a first arrival adds two statements to a save (the
    arrivals per day and their sums per perimeter), pinned by the tests. Both scales then
    measure the same work."""
    curseur.execute(
        """
        SELECT p.id FROM actions_inscription i
        JOIN actions_participant p ON p.id = i.participant_id
        WHERE i.action_id = %(action)s AND i.date_inscription <= %(jour)s AND p.date_consentement <= %(jour)s
        ORDER BY NOT EXISTS (
            SELECT 1 FROM actions_presence pr
            JOIN actions_seance s ON s.id = pr.seance_id
            WHERE pr.participant_id = p.id AND s.action_id = i.action_id
              AND s.date >= %(rentree)s AND s.date < %(jour)s AND s.annulee_le IS NULL
        ), p.code
        """,
        {"action": action, "jour": jour, "rentree": annee_scolaire(jour)[0]},
    )
    return [pk for (pk,) in curseur.fetchall()]


def choisir_la_seance(curseur, aujourdhui):
    """The latest past session of the school year under way (the previous one is closed by the
    demo: its grids refuse writes), not cancelled, with 30 children enrolled and consenting by
    its date (or, when none has 30, the one with the most), and those children in the grid's
    order."""
    seances = choisir_les_seances(curseur, aujourdhui, 1)
    if not seances:
        raise EchecBanc("Aucune séance passée de l’année en cours n’a d’enfant inscrit et consentant.")
    return seances[0]


def choisir_les_seances(curseur, aujourdhui, nombre):
    """The `nombre` first sessions in choisir_la_seance's order, each of a different action:
    [(session, date, children in the grid's order)]."""
    curseur.execute(
        """
        SELECT id, action_id, date FROM (
            SELECT DISTINCT ON (s.action_id) s.id, s.action_id, s.date, LEAST(COUNT(*), %(enfants)s) AS eligibles
            FROM actions_seance s
            JOIN actions_action a ON a.id = s.action_id
            JOIN actions_inscription i ON i.action_id = s.action_id AND i.date_inscription <= s.date
            JOIN actions_participant p ON p.id = i.participant_id AND p.date_consentement <= s.date
            WHERE s.date BETWEEN %(rentree)s AND %(aujourdhui)s AND s.annulee_le IS NULL
              AND a.statut <> %(annulee)s AND NOT a.archivee AND {ACTION_DU_CONTRAT}
            GROUP BY s.id, s.action_id, s.date
            ORDER BY s.action_id, eligibles DESC, s.date DESC, s.id DESC
        ) AS la_premiere_de_chaque_action
        ORDER BY eligibles DESC, date DESC, id DESC
        LIMIT %(nombre)s
        """.replace("{ACTION_DU_CONTRAT}", ACTION_DU_CONTRAT),
        {
            "rentree": annee_scolaire(aujourdhui)[0],
            "aujourdhui": aujourdhui,
            "annulee": STATUT_ANNULEE,
            "enfants": ENFANTS_PAR_GRILLE,
            "nombre": nombre,
        },
    )
    return [(seance, jour, enfants_de_la_grille(curseur, action, jour)) for seance, action, jour in curseur.fetchall()]


def choisir_le_mois(curseur, aujourdhui):
    """An action's month with 8 past sessions not cancelled and 30 children enrolled and
    consenting by the first of them (or, short of that, the most of both, the latest month
    first): those sessions and children, in the grid's order."""
    curseur.execute(
        """
        WITH mois AS (
            SELECT s.action_id, date_trunc('month', s.date)::date AS mois,
                   (ARRAY_AGG(s.id ORDER BY s.date, s.heure_debut, s.id))[1:%(seances)s] AS seances,
                   MIN(s.date) AS premiere, COUNT(*) AS nombre
            FROM actions_seance s
            JOIN actions_action a ON a.id = s.action_id
            WHERE s.date <= %(aujourdhui)s AND s.annulee_le IS NULL AND a.statut <> %(annulee)s
              AND NOT a.archivee AND {ACTION_DU_CONTRAT}
            GROUP BY s.action_id, date_trunc('month', s.date)
            HAVING COUNT(*) >= 2
        ), notes AS (
            SELECT m.*, (SELECT COUNT(*) FROM actions_inscription i
                         JOIN actions_participant p ON p.id = i.participant_id
                         WHERE i.action_id = m.action_id AND i.date_inscription <= m.premiere
                           AND p.date_consentement <= m.premiere) AS eligibles
            FROM mois m
        )
        SELECT action_id, mois, seances, premiere FROM notes
        ORDER BY LEAST(nombre, %(seances)s) DESC, LEAST(eligibles, %(enfants)s) DESC, mois DESC, action_id DESC
        LIMIT 1
        """.replace("{ACTION_DU_CONTRAT}", ACTION_DU_CONTRAT),
        {
            "aujourdhui": aujourdhui,
            "annulee": STATUT_ANNULEE,
            "seances": SEANCES_PAR_MOIS,
            "enfants": ENFANTS_PAR_GRILLE + 5,
        },
    )
    ligne = curseur.fetchone()
    if ligne is None:
        raise EchecBanc("Aucune action n’a deux séances passées dans un même mois.")
    action, mois, seances, premiere = ligne
    return action, mois, seances, enfants_de_la_grille(curseur, action, premiere)


def deux_grilles(eligibles):
    """Two different sets of ticks, so that every save writes: the first 30 children, then the
    grid shifted by up to 5 children (or, without more children, its last 5 unticked)."""
    premiere = eligibles[:ENFANTS_PAR_GRILLE]
    decalage = min(5, len(eligibles) - len(premiere))
    if decalage:
        return premiere, eligibles[decalage : decalage + ENFANTS_PAR_GRILLE]
    return premiere, premiere[: max(len(premiere) - 5, 0)]


def mesurer_le_plancher(curseur, aujourdhui, nombre):
    """The bare SQL of the distinct-children indicator over the contract, for the current
    school year and the previous one as the dashboards show them: what no page computing it
    from the presences can beat."""
    debut, fin = annee_scolaire(aujourdhui)
    parametres = {
        "debut": debut,
        "fin": fin,
        "debut_precedente": debut.replace(year=debut.year - 1),
        "annulee": STATUT_ANNULEE,
    }
    mesure = Mesure("Plancher : requête SQL seule des enfants distincts (deux années, contrat)")
    for rang in range(ECHAUFFEMENT + nombre):
        debut = time.perf_counter()
        curseur.execute(PLANCHER, parametres)
        curseur.fetchone()
        if rang >= ECHAUFFEMENT:
            mesure.durees.append((time.perf_counter() - debut) * 1000)
    return mesure


# --- HTTP ------------------------------------------------------------------------------------


def port_libre():
    with socket.socket() as prise:
        prise.bind(("127.0.0.1", 0))
        return prise.getsockname()[1]


class Serveur:
    """gunicorn serving config.wsgi with the bench settings, stopped on leaving the block; the
    code in `racine`, served as `options` say (make charge compares worker models and versions)."""

    def __init__(self, url, racine=RACINE, options=("--workers", str(WORKERS))):
        self.url = url
        self.racine = racine
        self.options = list(options)
        self.port = port_libre()
        descripteur, chemin = tempfile.mkstemp(prefix="bench-gunicorn-", suffix=".log")
        os.close(descripteur)
        self.journal = Path(chemin)

    def __enter__(self):
        self.processus = subprocess.Popen(
            [sys.executable, "-m", "gunicorn", "config.wsgi", "--bind", f"127.0.0.1:{self.port}"]
            # Django's own log (a 500's traceback) goes to stderr: --capture-output keeps it too.
            + [*self.options, "--error-logfile", str(self.journal), "--capture-output"],
            cwd=self.racine,
            env=environnement(self.url),
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        limite = time.monotonic() + 30
        while time.monotonic() < limite:
            if self.processus.poll() is not None:
                raise EchecBanc(f"gunicorn s’est arrêté au démarrage :\n{self.fin_du_journal()}")
            try:
                connexion = http.client.HTTPConnection("127.0.0.1", self.port, timeout=5)
                connexion.request("GET", "/sante/")
                if connexion.getresponse().status == 200:
                    connexion.close()
                    return self
            except OSError:
                pass
            time.sleep(0.2)
        self.__exit__(EchecBanc, None, None)
        raise EchecBanc(f"/sante/ n’a pas répondu 200 en 30 s :\n{self.fin_du_journal()}")

    def __exit__(self, *exception):
        self.processus.terminate()
        try:
            self.processus.wait(timeout=15)
        except subprocess.TimeoutExpired:
            self.processus.kill()
            self.processus.wait()
        if exception[0] is None:
            self.journal.unlink(missing_ok=True)
        else:
            print(f"Journal de gunicorn : {self.journal}", file=sys.stderr)

    def fin_du_journal(self):
        return "\n".join(self.journal.read_text(errors="replace").splitlines()[-30:])


class Client:
    """One keep-alive connection; http.client reconnects by itself when the server closes it.
    Only the session and CSRF cookies are sent: a success message left in a cookie would grow
    with every save."""

    def __init__(self, port, session=None):
        self.connexion = http.client.HTTPConnection("127.0.0.1", port, timeout=60)
        # Without a session: an anonymous visitor (the public bilan).
        self.cookies = {"sessionid": session} if session else {}

    def envoyer(self, methode, chemin, donnees=None):
        entetes = {"Cookie": "; ".join(f"{nom}={valeur}" for nom, valeur in self.cookies.items())}
        corps = None
        if donnees is not None:
            corps = urlencode(donnees)
            entetes["Content-Type"] = "application/x-www-form-urlencoded"
        debut = time.perf_counter()
        self.connexion.request(methode, chemin, body=corps, headers=entetes)
        reponse = self.connexion.getresponse()
        contenu = reponse.read()
        duree = (time.perf_counter() - debut) * 1000
        for entete in reponse.headers.get_all("Set-Cookie") or []:
            for nom, morceau in SimpleCookie(entete).items():
                if nom == "csrftoken":
                    self.cookies[nom] = morceau.value
        return reponse, contenu, duree


def lire_server_timing(reponse, chemin):
    entete = reponse.getheader("Server-Timing") or ""
    requetes = re.search(r'requetes;desc="(\d+)"', entete)
    duree_sql = re.search(r"sql;dur=([\d.]+)", entete)
    if not requetes or not duree_sql:
        raise EchecBanc(f"{chemin} : pas d’en-tête Server-Timing (réglages config.settings.bench ?)")
    return int(requetes[1]), float(duree_sql[1])


def verifier(reponse, contenu, chemin, attendu):
    if reponse.status != attendu:
        lieu = reponse.getheader("Location")
        raise EchecBanc(
            f"{chemin} a répondu {reponse.status} au lieu de {attendu}"
            + (f" (redirection vers {lieu})" if lieu else "")
            + f" :\n{texte_visible(contenu)[:1500]}"
        )


def mesurer(titre, envoyer, nombre, attendu, echauffement=ECHAUFFEMENT):
    """`echauffement` requests, then `nombre` measured ones; envoyer(rang) sends the request."""
    mesure = Mesure(titre)
    for rang in range(echauffement + nombre):
        chemin, (reponse, contenu, duree) = envoyer(rang)
        verifier(reponse, contenu, chemin, attendu)
        if rang >= echauffement:
            requetes, duree_sql = lire_server_timing(reponse, chemin)
            mesure.durees.append(duree)
            mesure.requetes.append(requetes)
            mesure.duree_sql.append(duree_sql)
    return mesure


def mesurer_une_page(client, titre, chemin, nombre, echauffement=ECHAUFFEMENT):
    return mesurer(titre, lambda rang: (chemin, client.envoyer("GET", chemin)), nombre, 200, echauffement)


class LecteurDeFormulaires(HTMLParser):
    """The forms of a page and their fields: [(attributes of the form, [attributes of each input])]."""

    def __init__(self):
        super().__init__()
        self.formulaires = []

    def handle_starttag(self, balise, attributs):
        if balise == "form":
            self.formulaires.append((dict(attributs), []))
        elif balise == "input" and self.formulaires:
            self.formulaires[-1][1].append(dict(attributs))


def texte_visible(contenu):
    texte = re.sub(r"<(script|style)\b.*?</\1>", " ", contenu.decode(errors="replace"), flags=re.S)
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", texte)).strip()


def champs_de_la_grille(client, chemin, champ, nom):
    """The fields of the page's form that has `champ` (the boxes of a grid), as loaded now."""
    reponse, contenu, _ = client.envoyer("GET", chemin)
    verifier(reponse, contenu, chemin, 200)
    champs = champs_du_formulaire(contenu, champ)
    if champs is None:
        raise EchecBanc(f"{chemin} : pas de {nom} (champ « {champ} ») dans la page.")
    return champs


def champs_du_formulaire(contenu, champ):
    """The fields of the page's form that has `champ`, None without such a form."""
    lecteur = LecteurDeFormulaires()
    lecteur.feed(contenu.decode())
    return next((champs for _, champs in lecteur.formulaires if any(c.get("name") == champ for c in champs)), None)


def valeurs_de_la_grille(champs):
    """What a session's grid sends back as it was loaded (its hidden fields: the children shown
    ticked, the session's version), and the children it can tick."""
    valeurs = {c["name"]: c.get("value", "") for c in champs if c.get("name") and c.get("type") != "checkbox"}
    cochables = {int(c["value"]) for c in champs if c.get("name") == "presents" and "disabled" not in c}
    return valeurs, cochables


def enregistreur_de_grille(client, seance, eligibles):
    """enregistrer(rang): the session's grid saved with one of two sets of children ticked in
    turn, so that each save writes; and the number of children of a set."""
    chemin = f"/actions/seances/{seance}/presences/"

    def charger():
        """The grid as a user loads it before saving: its hidden fields say what it showed
        (the children ticked, the session's version), and a save writes what changed since."""
        valeurs, cochables = valeurs_de_la_grille(
            champs_de_la_grille(client, chemin, "presents", "grille de présences")
        )
        manquants = set(eligibles) - cochables
        attendus = {"csrfmiddlewaretoken", "enfants_anonymes", "parents_presents", "presents_au_chargement", "version"}
        if manquants or not attendus <= valeurs.keys():
            raise EchecBanc(
                f"{chemin} : le formulaire ne correspond pas (enfants non cochables : {sorted(manquants)})."
            )
        return valeurs

    charger()
    grilles = deux_grilles(eligibles)

    def enregistrer(rang):
        # Loaded again before each save, untimed: only the save is measured.
        donnees = list(charger().items())
        donnees += [("presents", pk) for pk in grilles[rang % 2]]
        reponse, contenu, duree = client.envoyer("POST", chemin, donnees)
        if reponse.status == 200:
            raise EchecBanc(f"{chemin} : présences refusées par le formulaire :\n{erreurs_du_formulaire(contenu)}")
        return chemin, (reponse, contenu, duree)

    return enregistrer, len(grilles[0])


def mesurer_la_saisie(client, seance, eligibles, nombre):
    enregistrer, enfants = enregistreur_de_grille(client, seance, eligibles)
    return mesurer(f"Enregistrement d’une grille de {enfants} présences", enregistrer, nombre, 302)


def mesurer_apres_une_saisie(client, titre, chemin, nombre, seance, eligibles):
    """The page read right after a grid saved (untimed) changed its figures: what a reader pays
    for the figures computed afresh, the cache of the previous ones being out of date."""
    enregistrer, _ = enregistreur_de_grille(client, seance, eligibles)

    def lire(rang):
        chemin_grille, (reponse, contenu, _) = enregistrer(rang)
        verifier(reponse, contenu, chemin_grille, 302)
        return chemin, client.envoyer("GET", chemin)

    return mesurer(titre, lire, nombre, 200)


def mesurer_sans_cache(url, client, titre, chemin, nombre):
    """The page read with every cached computation out of date before each read: every figure
    and every dataset computed afresh, what a dashboard costs after a write that changes all its
    data."""

    def lire(rang):
        perimer_tout(url)
        return chemin, client.envoyer("GET", chemin)

    return mesurer(titre, lire, nombre, 200)


def mesurer_la_saisie_du_mois(client, action, mois, seances, eligibles, nombre):
    """The month grid saved with the chosen sessions' boxes of the chosen children ticked as
    one of two grids in turn (every other box as loaded): each save writes in every session."""
    chemin = f"/actions/{action}/presences/?mois={mois:%Y-%m}"

    def charger():
        champs = champs_de_la_grille(client, chemin, "presences", "grille du mois")
        valeurs = [(c["name"], c.get("value", "")) for c in champs if c.get("name") and c.get("type") != "checkbox"]
        cases = {
            tuple(map(int, c["value"].split(":"))): "checked" in c
            for c in champs
            if c.get("name") == "presences" and "disabled" not in c
        }
        manquantes = {(s, e) for s in seances for e in eligibles} - cases.keys()
        if manquantes:
            raise EchecBanc(f"{chemin} : cases attendues absentes de la grille : {sorted(manquantes)[:10]}.")
        return valeurs, cases

    charger()
    grilles = deux_grilles(eligibles)
    choisis = set(grilles[0]) | set(grilles[1])

    def enregistrer(rang):
        # Loaded again before each save, untimed: only the save is measured.
        valeurs, cases = charger()
        cochees = set(grilles[rang % 2])
        donnees = valeurs + [
            ("presences", f"{s}:{e}")
            for (s, e), cochee in cases.items()
            if (e in cochees if s in seances and e in choisis else cochee)
        ]
        reponse, contenu, duree = client.envoyer("POST", chemin, donnees)
        if reponse.status == 200:
            raise EchecBanc(f"{chemin} : grille du mois refusée :\n{erreurs_du_formulaire(contenu)}")
        return chemin, (reponse, contenu, duree)

    titre = f"Enregistrement d’une grille du mois ({len(grilles[0])} enfants × {len(seances)} séances)"
    return mesurer(titre, enregistrer, nombre, 302)


def mesurer_l_import(url):
    """The two steps of importing a month of 5,000 rows, called in a process of their own on the
    scale's database (bench/mesure_import.py, which rolls back all it writes)."""
    sortie = lancer_sur_la_base(url, "Mesure de l’import impossible", "bench.mesure_import", str(TOURS_D_IMPORT))
    lues = json.loads(sortie.splitlines()[-1])
    mesures = {}
    for cle, titre in [
        ("apercu", "Import d’un mois de présences de 5 000 lignes : aperçu"),
        ("confirmation", "Import d’un mois de présences de 5 000 lignes : confirmation"),
    ]:
        mesures[f"import_{cle}"] = Mesure(
            titre, durees=[duree * 1000 for duree in lues[cle]], requetes=lues[f"requetes_{cle}"]
        )
    return mesures


def erreurs_du_formulaire(contenu):
    alerte = re.search(r'<div class="alert alert-danger".*?</div>', contenu.decode(errors="replace"), flags=re.S)
    return texte_visible(alerte[0].encode()) if alerte else texte_visible(contenu)[:1500]


def lancer_sur_la_base(url, echec, module, *arguments):
    """Runs a module of bench/ with the application's settings on the scale's database; its output."""
    fini = subprocess.run(
        [sys.executable, "-m", module, *arguments],
        cwd=RACINE,
        env=environnement(url),
        capture_output=True,
        text=True,
    )
    if fini.returncode:
        raise EchecBanc(f"{echec} :\n{fini.stderr[-2000:]}")
    return fini.stdout.strip()


def ouvrir_une_session(url):
    return lancer_sur_la_base(url, "Session de demo-chef impossible", "bench.session", "demo-chef")


# --- One scale -------------------------------------------------------------------------------


# indicateurs.fraicheur's version that every cached computation depends on (PREFIXE + TOUTES), under
# Django's cache key "<KEY_PREFIX>:<version>:<key>", KEY_PREFIX being the database's name
# (config.settings.base).
CLE_DE_TOUTES_LES_TABLES = "{base}:1:indicateurs:version:*"


def perimer_tout(url):
    """What a write whose table is unknown does (indicateurs.fraicheur.nouvelle_generation): every
    figure and dataset computed afresh at the next read, each table keeping its own version."""
    cle = CLE_DE_TOUTES_LES_TABLES.format(base=url.rsplit("/", 1)[1])
    redis.Redis.from_url(os.environ.get("REDIS_URL", REDIS_DU_BANC)).set(cle, pickle.dumps(uuid.uuid4().hex))


def vider_le_cache():
    """The shared cache emptied: no figure of an earlier run, or of a database since recreated."""
    redis.Redis.from_url(os.environ.get("REDIS_URL", REDIS_DU_BANC)).flushdb()


def mesurer_l_echelle(echelle, nombre, regenerer):
    url = url_de_la_base(echelle)
    generation = preparer_la_base(echelle, url, regenerer)
    vacuum_analyze(url)
    vider_le_cache()
    aujourdhui = datetime.now(FUSEAU).date()
    with curseur_sur(url) as curseur:
        volumes = compter_les_lignes(curseur)
        quartier, actions_du_quartier = choisir_le_quartier(curseur)
        action, seances, inscrits = choisir_l_action(curseur, aujourdhui)
        seance, jour, eligibles = choisir_la_seance(curseur, aujourdhui)
        action_du_mois, mois, seances_du_mois, eligibles_du_mois = choisir_le_mois(curseur, aujourdhui)
        # Its dossier, soldé: the bilan of the median action of the year before.
        curseur.execute("SELECT id FROM dossiers_dossier WHERE action_id = %s", [action])
        dossier = curseur.fetchone()[0]
        contrat_public, annee_publique = choisir_le_bilan_public(curseur)
    choix = [
        f"quartier {quartier} ({actions_du_quartier} actions, la médiane)",
        f"action {action} ({seances} séances, {inscrits} inscrits, la médiane de l’année précédente), "
        f"et le bilan de son dossier {dossier}",
        f"séance {seance} du {jour:%d/%m/%Y} ({len(eligibles)} enfants inscrits et consentants à cette date)",
        f"bilan public {annee_publique} du contrat {contrat_public}, sans connexion, et de ce quartier",
    ]
    if len(eligibles) < ENFANTS_PAR_GRILLE:
        choix.append(f"aucune séance n’a {ENFANTS_PAR_GRILLE} enfants : grille de {len(eligibles)}, la plus grande")
    choix.append(
        f"mois {mois:%m/%Y} de l’action {action_du_mois} ({len(seances_du_mois)} séances passées, "
        f"{len(eligibles_du_mois)} enfants inscrits et consentants dès la première)"
    )
    session = ouvrir_une_session(url)
    print(f"[{echelle}] gunicorn, {WORKERS} workers ; " + " ; ".join(choix), flush=True)
    mesures = {}
    with Serveur(url) as serveur:
        client = Client(serveur.port, session)
        for cle, titre, chemin in [
            ("tableau", "Tableau de bord du contrat (fiche 1.2.3)", "/indicateurs/fiches/1.2.3/"),
            ("quartier", "Tableau de bord d’un quartier", f"/indicateurs/fiches/1.2.3/quartiers/{quartier}/"),
            ("liste", "Liste des actions (1re page)", "/actions/"),
            ("action", "Page d’une action", f"/actions/{action}/"),
            ("export", "Export CSV du tableau du contrat", "/indicateurs/export.csv?fiche=1.2.3"),
            ("dossiers", "Liste des dossiers d’appel à projets (1re page)", "/dossiers/"),
            ("bilan", "Bilan d’un dossier (celui de l’action mesurée)", f"/dossiers/{dossier}/bilan/"),
            # The API reads a session as well as a token: the officer's, every figure of the year.
            (
                "api",
                "API : valeurs des indicateurs du contrat (année en cours, toutes les fiches)",
                f"/api/v1/contrats/contrat-de-ville/valeurs/?annee={annee_scolaire_libelle(aujourdhui)}",
            ),
        ]:
            mesures[cle] = mesurer_une_page(client, titre, chemin, nombre)
        # Read by an anonymous visitor: computed on the first request of each worker (warm-up),
        # then served from its cache.
        anonyme = Client(serveur.port)
        bilan_public = f"/bilan/{contrat_public}/{annee_publique}/"
        for cle, titre, chemin in [
            ("bilan_public", "Bilan public du contrat (année publiée, sans connexion)", bilan_public),
            ("bilan_public_quartier", "Bilan public d’un quartier", f"{bilan_public}quartiers/{quartier}/"),
        ]:
            mesures[cle] = mesurer_une_page(anonyme, titre, chemin, nombre)
        # Seconds, not milliseconds, each: a few are enough.
        mesures["rapport"] = mesurer_une_page(
            client,
            "Rapport annuel du contrat (PDF, année en cours)",
            f"/indicateurs/rapport/{annee_scolaire_libelle(aujourdhui)}/",
            RAPPORTS,
            echauffement=1,
        )
        for cle, titre, chemin in [
            (
                "tableau_apres_saisie",
                "Tableau de bord du contrat, lu juste après une saisie",
                "/indicateurs/fiches/1.2.3/",
            ),
            (
                "quartier_apres_saisie",
                "Tableau de bord d’un quartier, lu juste après une saisie",
                f"/indicateurs/fiches/1.2.3/quartiers/{quartier}/",
            ),
        ]:
            mesures[cle] = mesurer_apres_une_saisie(client, titre, chemin, nombre, seance, eligibles)
        for cle, titre, chemin in [
            ("tableau_sans_cache", "Tableau de bord du contrat, calculé sans cache", "/indicateurs/fiches/1.2.3/"),
            (
                "quartier_sans_cache",
                "Tableau de bord d’un quartier, calculé sans cache",
                f"/indicateurs/fiches/1.2.3/quartiers/{quartier}/",
            ),
        ]:
            mesures[cle] = mesurer_sans_cache(url, client, titre, chemin, nombre)
        mesures["saisie"] = mesurer_la_saisie(client, seance, eligibles, nombre)
        mesures["mois"] = mesurer_la_saisie_du_mois(
            client, action_du_mois, mois, seances_du_mois, eligibles_du_mois, nombre
        )
    mesures.update(mesurer_l_import(url))
    with curseur_sur(url) as curseur:
        mesures["plancher"] = mesurer_le_plancher(curseur, aujourdhui, nombre)
        curseur.execute("SHOW server_version")
        version_pg = curseur.fetchone()[0]
    return Resultat(echelle, volumes, generation, choix, mesures), version_pg


# --- Report ----------------------------------------------------------------------------------


def ms(valeur):
    return f"{valeur:.1f}".replace(".", ",")


def afficher(resultat):
    print(f"\n{resultat.echelle} : " + ", ".join(f"{n} {libelle}" for libelle, n in resultat.volumes.items()))
    print(f"{'page':<62} {'p50 ms':>8} {'p95 ms':>8} {'requêtes':>10} {'SQL p50 ms':>11}")
    for mesure in resultat.mesures.values():
        sql_p50 = ms(mesure.sql_p50) if mesure.sql_p50 else ""
        print(
            f"{mesure.titre[:62]:<62} {ms(mesure.p50):>8} {ms(mesure.p95):>8} "
            f"{mesure.libelle_requetes:>10} {sql_p50:>11}"
        )


def evaluer(cle, petite, pleine, region=None):
    """(text of the target, verdict) for a page measured at full scale and maybe at 1/10 and at
    the region's scale (ten times the full one: the dashboards at most twice their full-scale p95)."""
    seuil, relatif = CIBLES[cle]
    cible = f"p95 ≤ {seuil} ms" + (" et ≤ 2 × p95 au 1/10" if relatif else "")
    if relatif and region:
        cible += ", à `region` ≤ 2 × p95 à échelle pleine"
    cible += " ; requêtes identiques"
    manques = []
    if pleine.p95 > seuil:
        manques.append(f"p95 > {seuil} ms")
    if relatif and petite and pleine.p95 > 2 * petite.p95:
        manques.append("p95 plus que doublé")
    if relatif and region and region.p95 > 2 * pleine.p95:
        manques.append("p95 plus que doublé à `region`")
    mesures = [m for m in (petite, pleine, region) if m]
    if not all(m.requetes_stables for m in mesures) or len({m.requetes[0] for m in mesures}) > 1:
        manques.append("requêtes différentes")
    verdict = "non (" + ", ".join(manques) + ")" if manques else "oui"
    return cible, verdict


def la_machine():
    cpuinfo = Path("/proc/cpuinfo").read_text().splitlines()
    modele = next((ligne.split(":", 1)[1].strip() for ligne in cpuinfo if ligne.startswith("model name")), "inconnu")
    coeurs = sum(ligne.startswith("processor") for ligne in cpuinfo)
    memoire = int(re.search(r"MemTotal:\s+(\d+) kB", Path("/proc/meminfo").read_text())[1]) / 1024**2
    return f"processeur : {modele}, {coeurs} cœurs ; mémoire : {ms(memoire)} Gio"


def section_de_la_charge(texte):
    """The section make charge wrote in the report, marks included ("" without one)."""
    debut, fin = SECTION_DE_LA_CHARGE
    if debut not in texte or fin not in texte:
        return ""
    return texte[texte.index(debut) : texte.index(fin) + len(fin)]


def ecrire_le_rapport(resultats, version_pg, nombre, duree_totale, arguments):
    # The two standard scales always have a column, left empty when not measured this time.
    colonnes = sorted({r.echelle for r in resultats} | set(ECHELLES_STANDARD), key=ORDRE_DES_ECHELLES.index)
    par_echelle = {r.echelle: r for r in resultats}
    pleine = par_echelle.get("grande") or resultats[-1]
    petite = resultats[0] if len(resultats) > 1 else None
    maintenant = datetime.now(FUSEAU)

    lignes = [
        "# Performances",
        "",
        f"Mesures du {maintenant:%d/%m/%Y à %H:%M} (heure de Paris), produites par `make bench` "
        "(`bench/run.py`) ; ce fichier est réécrit à chaque passage.",
        "",
        "## Machine",
        "",
        f"- {la_machine()}",
        f"- PostgreSQL {version_pg} sur 127.0.0.1 ; Python {platform.python_version()}, "
        f"Django {version('django')}, gunicorn {version('gunicorn')} ({WORKERS} workers synchrones)",
        "",
        "## Méthode et reproduction",
        "",
        "```sh",
        "make bench                                        # échelles dixieme et grande",
        'make bench BENCH_ARGS="--echelles dixieme"        # une seule échelle',
        'make bench BENCH_ARGS="--regenerer --requetes 100"  # régénère les données, 100 requêtes par page',
        "```",
        "",
        "Chaque échelle a sa base PostgreSQL `fiches_bench_<échelle>` (serveur : `BENCH_DATABASE_URL`, "
        "par défaut `postgres://postgres@127.0.0.1:5432`). Absente ou vide, ou avec `--regenerer`, elle est "
        "recréée : `migrate`, `charger_reference`, `generer_demo --echelle <échelle>` ; sinon elle est "
        "réutilisée après `migrate` (une base générée avant que le générateur n’y mette les dossiers d’appel à "
        "projets est recréée ; le bilan public de son année clôturée est publié s’il ne l’était pas, "
        "`bench/publication.py`). Puis `VACUUM ANALYZE`, ce que l’autovacuum fait d’une base en service. "
        "L’application est servie par gunicorn (`config.wsgi`, réglages "
        "`config.settings.bench` : ceux de la production, en HTTP sur 127.0.0.1, connexions à la base "
        "gardées 60 s comme dans `.env.example`, cache partagé dans Redis, `REDIS_URL`, par défaut la base 1 "
        "du Redis local, vidée avant chaque échelle), connectée en `demo-chef` (chef de projet, tout le contrat).",
        "",
        f"Chaque page reçoit {ECHAUFFEMENT} requêtes d’échauffement puis {nombre} requêtes successives sur "
        "une connexion HTTP persistante (le worker synchrone de gunicorn la ferme après chaque réponse : "
        "chaque requête compte donc une connexion TCP locale), chronométrées jusqu’à la lecture complète de "
        "la réponse. p50 et p95 au rang le plus proche. Le nombre de requêtes SQL vient de l’en-tête "
        "`Server-Timing` posé par `config/mesure.py` (réglages du banc seulement). L’enregistrement des "
        "présences alterne deux grilles différentes pour que chaque envoi écrive, en cochant et décochant "
        "d’abord des enfants déjà venus à l’action dans l’année (la plupart des enregistrements ; la "
        "première venue d’un enfant ajoute deux requêtes, fixées par les tests) ; la grille est rechargée "
        "avant chaque envoi, hors chronométrage, comme le ferait un utilisateur ; la grille du mois de même, "
        "deux grilles de 30 enfants dans chacune de 8 séances passées d’un même mois. Le plancher est la "
        "requête SQL seule qui compte les enfants distincts à partir des présences, sur le contrat, pour "
        "l’année scolaire en cours et la précédente comme les tableaux de bord, lancée par psycopg2 sans "
        "passer par l’application : aucune page qui recompterait les présences ne peut faire mieux. "
        "Les tableaux de bord n’en font rien : ils lisent des résumés tenus à jour à chaque écriture "
        "(README, « Tableaux de bord en direct »).",
        "",
        "La liste des dossiers est la première page de `/dossiers/` pour le chef de projet : tous les dossiers "
        "déposés du contrat, l’année la plus récente d’abord. Le rapport annuel du contrat (PDF de toutes ses "
        f"fiches pour l’année en cours) prend des secondes : 1 requête d’échauffement puis {RAPPORTS} mesurées. "
        "Le bilan public (celui du contrat et celui du quartier mesuré, pour l’année que `generer_demo` "
        "clôture et publie) est lu sans connexion, comme le lirait un visiteur : la première requête le "
        "calcule, pendant l’échauffement, les suivantes le lisent dans le cache que les workers partagent "
        "(Redis, comme en production). "
        "L’import d’un mois de présences n’est pas "
        "mesuré par HTTP mais par ses deux services (`import_previsualiser`, `import_confirmer`), appelés par "
        "`bench/mesure_import.py` dans la base de l’échelle : une action de 5 000 enfants inscrits et 8 séances "
        "passées y est créée, puis deux fichiers CSV de 5 000 lignes qui cochent des cases différentes sont "
        f"importés tour à tour ({TOURS_D_IMPORT} tours mesurés après un premier qui enregistre les séances pour "
        "la première fois) ; tout est annulé à la fin (une transaction jamais validée), la base reste telle "
        "qu’elle était. Pour ces deux lignes, « p50 / p95 » portent sur ces tours.",
        "",
        "Durée de ce passage : "
        + (f"{duree_totale:.0f} s" if duree_totale < 120 else f"{duree_totale / 60:.0f} min")
        + (f" (arguments : `{' '.join(arguments)}`)." if arguments else "."),
        "",
        "## Volumes",
        "",
        "| échelle | " + " | ".join(resultats[0].volumes) + " | génération |",
        "| --- | " + " | ".join("---:" for _ in resultats[0].volumes) + " | --- |",
    ]
    for r in resultats:
        generation = f"{r.generation:.0f} s (`generer_demo`)" if r.generation is not None else "base réutilisée"
        lignes.append(
            f"| {r.echelle} | "
            + " | ".join(f"{n:,}".replace(",", " ") for n in r.volumes.values())
            + f" | {generation} |"
        )
    lignes += ["", "Pages mesurées :", ""]
    lignes += [f"- {r.echelle} : " + " ; ".join(r.choix) for r in resultats]
    lignes += [
        "",
        "## Résultats",
        "",
        "Temps en millisecondes, « requêtes » : requêtes SQL par page.",
        "",
        "| page | "
        + " | ".join(f"{LIBELLES_ECHELLES.get(e, e)} (`{e}`) : p50 / p95 ms, requêtes" for e in colonnes)
        + " | p95 rapport | SQL p50 ms | p50 / SQL | cible | atteinte |",
        "| --- | " + " | ".join("---" for _ in colonnes) + " | ---: | ---: | ---: | --- | --- |",
    ]
    for cle, mesure in pleine.mesures.items():
        cellules = []
        for echelle in colonnes:
            m = par_echelle[echelle].mesures[cle] if echelle in par_echelle else None
            cellules.append(
                f"{ms(m.p50)} / {ms(m.p95)}" + (f", {m.libelle_requetes}" if m.requetes else "") if m else ""
            )
        de_la_petite = petite.mesures[cle] if petite else None
        rapport = f"{mesure.p95 / de_la_petite.p95:.1f} ×".replace(".", ",") if de_la_petite else ""
        de_la_region = (
            par_echelle["region"].mesures.get(cle) if "region" in par_echelle and pleine.echelle != "region" else None
        )
        cible, verdict = evaluer(cle, de_la_petite, mesure, de_la_region) if cle in CIBLES else ("référence", "—")
        sql = (
            f"{ms(mesure.sql_p50)} | {mesure.p50 / mesure.sql_p50:.1f} ×".replace(".", ",") if mesure.sql_p50 else " | "
        )
        lignes.append(f"| {mesure.titre} | " + " | ".join(cellules) + f" | {rapport} | {sql} | {cible} | {verdict} |")
    notes = [f"Échelle `{e}` non mesurée dans ce passage." for e in colonnes if e not in par_echelle]
    if pleine.echelle != "grande":
        notes.append(
            f"Les seuils d’échelle pleine sont appliqués à l’échelle `{pleine.echelle}`, faute de mesure à "
            "l’échelle `grande` : à titre indicatif."
        )
    if petite:
        notes.append(f"Rapport : p95 à `{pleine.echelle}` / p95 à `{petite.echelle}`.")
    else:
        notes.append("Une seule échelle mesurée : ni rapport entre échelles ni comparaison de leurs requêtes.")
    notes.append(
        f"SQL p50 : temps médian des requêtes SQL de la page à `{pleine.echelle}` (en-tête `Server-Timing`) ; "
        "p50 / SQL : ce que la page coûte au-delà de ses requêtes (Python, gabarits, réseau local). Les tableaux "
        "de bord lus deux fois de suite lisent leurs chiffres dans le cache (`indicateurs/fraicheur.py`) ; "
        "« lu juste après une saisie » : chaque lecture suit l’enregistrement d’une grille (non chronométré), "
        "qui périme les chiffres et les jeux de données des tables qu’elle écrit (présences, résumés) : "
        "ceux-là sont recalculés, ceux des actions repris du cache ; « calculé sans cache » : avant chaque lecture, "
        "tout ce qui est gardé est périmé (comme par une écriture dont la table est inconnue) : tout est recalculé."
    )
    lignes += [""] + [f"- {note}" for note in notes]
    charge = section_de_la_charge(RAPPORT.read_text()) if RAPPORT.exists() else ""
    if charge:
        lignes += ["", charge]
    RAPPORT.parent.mkdir(exist_ok=True)
    RAPPORT.write_text("\n".join(lignes) + "\n")


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument(
        "--echelles", nargs="+", default=ECHELLES_STANDARD, choices=ORDRE_DES_ECHELLES, help="échelles à mesurer"
    )
    parser.add_argument("--requetes", type=int, default=50, help="requêtes mesurées par page (50)")
    parser.add_argument("--regenerer", action="store_true", help="recrée les bases même si elles existent")
    options = parser.parse_args()
    debut = time.monotonic()
    resultats = []
    version_pg = ""
    try:
        for echelle in sorted(set(options.echelles), key=ORDRE_DES_ECHELLES.index):
            resultat, version_pg = mesurer_l_echelle(echelle, options.requetes, options.regenerer)
            resultats.append(resultat)
            afficher(resultat)
    except (EchecBanc, psycopg2.Error) as erreur:
        print(f"\nÉchec du banc d’essai : {erreur}", file=sys.stderr)
        return 1
    ecrire_le_rapport(resultats, version_pg, options.requetes, time.monotonic() - debut, sys.argv[1:])
    print(f"\nRapport écrit dans {RAPPORT.relative_to(RACINE)}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
