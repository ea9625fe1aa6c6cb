"""make charge: a bounded load test. 50 simulated users (locust, bench/locustfile.py) for 60 s
after their ramp-up, against gunicorn on 127.0.0.1 and the full-scale bench data, for the code
as it is and for the code of a reference commit, each on its own copy of fiches_bench_grande;
written into its section of docs/performance.md.

    .venv/bin/python -m bench.charge [--reference a6cfd57] [--modeles]

--modeles measures the same load on the code as it is under each gunicorn worker model instead.
Not a test: it fails (exit 1) when a request fails or a saved grid is not what the database
holds; slower figures are reported, not fatal. See docs/performance.md for the method.
"""

import argparse
import contextlib
import json
import math
import os
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass
from datetime import datetime
from importlib.metadata import version
from pathlib import Path

import psycopg2
import redis
from psycopg2 import sql

from bench.run import (
    FUSEAU,
    RACINE,
    RAPPORT,
    REDIS_DU_BANC,
    SECTION_DE_LA_CHARGE,
    EchecBanc,
    Mesure,
    Serveur,
    actions_de_l_annee_precedente,
    choisir_les_seances,
    curseur_sur,
    environnement,
    est_generee,
    la_machine,
    manage,
    ms,
    quartiers_par_actions,
    url_de_la_base,
)

ECHELLE = "grande"
REFERENCE = "a6cfd57"
UTILISATEURS = 50
CADENCE = 10  # users started per second: all 50 within 5 s
DUREE = 60  # s of load measured once all users run
QUARTIERS = 5
ACTIONS = 5
# What each simulated user does (bench/locustfile.py): the weight of each task, and how long it
# waits between two (s, drawn uniformly). A save is two requests: the grid loaded, then sent.
POIDS = {"tableau": 20, "quartier": 15, "liste": 15, "action": 15, "enregistrer": 35}
ATTENTE = (1, 2)
COMPTE = "demo-chef"  # the one demo account that reads the whole contract and saves any grid
# The worker models tried (--modeles), and the one make charge serves both versions with.
MODELES = {
    "sync-2": ("2 workers synchrones", ["--workers", "2"]),
    "sync-4": ("4 workers synchrones", ["--workers", "4"]),
    "gthread-2x4": (
        "2 workers × 4 threads (gthread)",
        ["--workers", "2", "--worker-class", "gthread", "--threads", "4"],
    ),
    "gevent-2": (
        "2 workers gevent (20 requêtes chacun)",
        ["--workers", "2", "--worker-class", "gevent", "--config", str(RACINE / "bench" / "gunicorn_gevent.py")],
    ),
}
MODELE = "sync-4"
# The requests by name (bench/locustfile.py names them), then all reads together.
PAGES = {
    "tableau": "Tableau de bord du contrat (fiche 1.2.3)",
    "quartier": f"Tableau de bord d’un quartier ({QUARTIERS} quartiers)",
    "liste": "Liste des actions (1re page)",
    "action": f"Page d’une action ({ACTIONS} actions)",
    "grille": "Chargement de la grille de présences (avant chaque enregistrement)",
    "enregistrement": "Enregistrement de la grille de présences",
}
LECTURES = ("tableau", "quartier", "liste", "action")
ORDRE = ["lectures", *PAGES]
# Inside the section run.py keeps: what a plain run writes, and the worker models' table (--modeles).
BLOCS = {
    "passage": ("<!-- make charge, passage : début -->", "<!-- make charge, passage : fin -->"),
    "modeles": ("<!-- make charge, modèles : début -->", "<!-- make charge, modèles : fin -->"),
}
GRAPHE_DES_MIGRATIONS = """
import json
from django.db.migrations.loader import MigrationLoader
graphe = MigrationLoader(None, ignore_no_migrations=True).graph
print(json.dumps({"connues": sorted(graphe.nodes), "dernieres": dict(graphe.leaf_nodes())}))
"""


@dataclass
class Passage:
    titre: str  # which code, which worker model
    mesures: dict  # page or kind -> Mesure of the requests started within the measured window
    debit: float  # requests per second within the window
    erreurs: list  # (page, message) of every failed request of the run, ramp-up and stop included
    perdus: list  # (séance, grid saved, presences found) where they differ
    enregistrements: int  # grids saved with success


# --- Pure parts (tested in bench/tests) --------------------------------------------------------


def plafond_de_la_demande():
    """Requests per second the users would send if every response took no time: each waits
    ATTENTE on average between two tasks, of so many requests on average."""
    requetes_par_tache = sum(poids * (2 if tache == "enregistrer" else 1) for tache, poids in POIDS.items())
    requetes_par_tache /= sum(POIDS.values())
    return UTILISATEURS / (sum(ATTENTE) / 2) * requetes_par_tache, requetes_par_tache


def autour_de_la_mediane(lignes, nombre):
    """`nombre` consecutive rows of an ordered list, centred on its lower median (run.mediane_basse)."""
    debut = max(0, min((len(lignes) - 1) // 2 - (nombre - 1) // 2, len(lignes) - nombre))
    return lignes[debut : debut + nombre]


def resumer(requetes, debut, duree):
    """The requests started within [debut, debut + duree): a Mesure per page and per kind, and
    the throughput in requests per second."""
    mesures = {}
    comptees = [(page, duree_ms) for page, depart, duree_ms, _ in requetes if debut <= depart < debut + duree]
    for page, duree_ms in comptees:
        mesures.setdefault(page, Mesure(PAGES[page])).durees.append(duree_ms)
        if page in LECTURES:
            mesures.setdefault("lectures", Mesure("Lectures (les quatre pages)")).durees.append(duree_ms)
    return {cle: mesures[cle] for cle in ORDRE if cle in mesures}, len(comptees) / duree


def enregistrements_perdus(curseur, enregistrees, cochables):
    """The séances whose presences, among the children their grid shows, are not the last grid
    the server answered a save of with success: [(séance, grid, presences)]. A DB-API cursor."""
    if not enregistrees:
        return []
    seances = sorted(int(seance) for seance in enregistrees)
    curseur.execute(
        "SELECT seance_id, participant_id FROM actions_presence WHERE seance_id IN ("
        + ", ".join(["%s"] * len(seances))
        + ")",
        seances,
    )
    presents = {seance: set() for seance in seances}
    for seance, enfant in curseur.fetchall():
        presents[seance].add(enfant)
    perdus = []
    for seance in seances:
        attendus = set(enregistrees[str(seance)])
        trouves = presents[seance] & set(cochables[str(seance)])
        if trouves != attendus:
            perdus.append((seance, sorted(attendus), sorted(trouves)))
    return perdus


def remplacer_le_bloc(texte, bloc, contenu):
    """The report with `contenu` as the block `bloc` of make charge's section, which is added at
    its end when missing."""
    if SECTION_DE_LA_CHARGE[0] not in texte:
        vide = [SECTION_DE_LA_CHARGE[0], *(marque for marques in BLOCS.values() for marque in marques)]
        texte = (texte.rstrip("\n") + "\n\n" if texte.strip() else "") + "\n".join([*vide, SECTION_DE_LA_CHARGE[1]])
    debut, fin = BLOCS[bloc]
    avant, reste = texte.split(debut, 1)
    apres = reste.split(fin, 1)[1]
    return f"{avant}{debut}\n{contenu.strip()}\n{fin}{apres}".rstrip("\n") + "\n"


# --- Data, code and servers ------------------------------------------------------------------


def url_de_la_copie(nom):
    return url_de_la_base(ECHELLE).rsplit("/", 1)[0] + f"/fiches_charge_{nom}"


def administrer(url, requete):
    """CREATE/DROP DATABASE, from the server's maintenance database (they refuse transactions)."""
    connexion = psycopg2.connect(url.rsplit("/", 1)[0] + "/postgres")
    connexion.autocommit = True
    try:
        with connexion.cursor() as curseur:
            curseur.execute(requete)
    finally:
        connexion.close()


def supprimer_la_copie(url):
    nom = url.rsplit("/", 1)[1]
    administrer(url, sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(sql.Identifier(nom)))


def copier_la_base(source, copie, essais=12):
    """A copy of the bench data (files copied: seconds, not a dump), its statistics included.
    PostgreSQL copies only a database nobody is connected to: it waits 5 s each time."""
    supprimer_la_copie(copie)
    requete = sql.SQL("CREATE DATABASE {} TEMPLATE {} STRATEGY FILE_COPY").format(
        sql.Identifier(copie.rsplit("/", 1)[1]), sql.Identifier(source.rsplit("/", 1)[1])
    )
    for essai in range(essais):
        try:
            administrer(copie, requete)
            return
        except psycopg2.errors.ObjectInUse as erreur:
            if essai == essais - 1:
                raise EchecBanc(
                    f"{source} reste ouverte ailleurs (make bench en cours ?) : pas de copie.\n{erreur}"
                ) from None
            print(f"[charge] {source} est ouverte ailleurs : nouvel essai de copie…", flush=True)


def oublier_les_chiffres(url):
    """The shared cache's entries of the copy (config.settings.base prefixes its keys with the
    database's name): no figure of an earlier run on a copy of the same name is read, and none
    is left behind. Other databases' entries, a bench's under way, stay."""
    cache = redis.Redis.from_url(os.environ.get("REDIS_URL", REDIS_DU_BANC))
    for cle in cache.scan_iter(match=f"{url.rsplit('/', 1)[1]}:*", count=1000):
        cache.delete(cle)


def django_sur_la_base(racine, url, code, echec):
    """Runs `code` after django.setup() with the code in `racine` on the database; its output."""
    fini = subprocess.run(
        [sys.executable, "-c", f"import django\ndjango.setup()\n{code}"],
        cwd=racine,
        env=environnement(url),
        capture_output=True,
        text=True,
    )
    if fini.returncode:
        raise EchecBanc(f"{echec} :\n{fini.stderr[-2000:]}")
    return fini.stdout


def ramener_au_schema(racine, url):
    """The copy's schema as the code in `racine` knows it: migrations it does not know, applied
    by a newer code, are unapplied by the code as it is, then the older code migrates."""
    graphe = json.loads(django_sur_la_base(racine, url, GRAPHE_DES_MIGRATIONS, "Migrations illisibles"))
    connues = {tuple(noeud) for noeud in graphe["connues"]}
    with curseur_sur(url) as curseur:
        curseur.execute("SELECT app, name FROM django_migrations")
        inconnues = set(curseur.fetchall()) - connues
    for app in sorted({app for app, _ in inconnues}):
        manage(url, "migrate", app, graphe["dernieres"].get(app, "zero"), "--noinput")
    django_sur_la_base(
        racine,
        url,
        "from django.core.management import call_command\ncall_command('migrate', interactive=False, verbosity=0)",
        "migrate impossible",
    )


def ouvrir_des_sessions(racine, url, nombre):
    """`nombre` sessions of COMPTE, opened by the code in `racine` as bench/session.py does: no
    login form, so django-axes never counts a failure nor locks the account."""
    sortie = django_sur_la_base(
        racine,
        url,
        f"from bench.session import ouvrir_session\nfor _ in range({nombre}): print(ouvrir_session({COMPTE!r}))",
        f"Sessions de {COMPTE} impossibles",
    )
    return sortie.split()


@contextlib.contextmanager
def code_de(reference):
    """The code of `reference` checked out in a temporary directory, with this one's .venv."""
    dossier = Path(tempfile.mkdtemp(prefix="charge-reference-"))
    git = ["git", "-C", str(RACINE), "worktree"]
    subprocess.run([*git, "add", "--detach", "--quiet", str(dossier), reference], check=True)
    try:
        for lien in (".venv", "node_modules"):
            if (RACINE / lien).exists():
                (dossier / lien).symlink_to(RACINE / lien)
        yield dossier
    finally:
        subprocess.run([*git, "remove", "--force", str(dossier)], check=True)


def lancer_locust(port, plan):
    """The load, run by locust in a process of its own; what bench/locustfile.py wrote."""
    with tempfile.TemporaryDirectory(prefix="charge-") as dossier:
        fichier_du_plan, resultats = Path(dossier) / "plan.json", Path(dossier) / "resultats.json"
        fichier_du_plan.write_text(json.dumps(plan))
        # A second more than the ramp-up and the window; users then finish the task under way.
        duree = math.ceil(UTILISATEURS / CADENCE) + DUREE + 1
        fini = subprocess.run(
            [sys.executable, "-m", "locust", "-f", str(RACINE / "bench" / "locustfile.py"), "--headless"]
            + ["--users", str(UTILISATEURS), "--spawn-rate", str(CADENCE), "--run-time", f"{duree}s"]
            + ["--stop-timeout", "30", "--host", f"http://127.0.0.1:{port}", "--only-summary"],
            cwd=RACINE,
            env=dict(os.environ, CHARGE_PLAN=str(fichier_du_plan), CHARGE_RESULTATS=str(resultats)),
            capture_output=True,
            text=True,
        )
        if not resultats.exists():
            raise EchecBanc(f"locust n’a rien rendu :\n{fini.stderr[-3000:]}")
        lus = json.loads(resultats.read_text())
    if lus["debut"] is None:
        raise EchecBanc(f"locust n’a pas lancé ses {UTILISATEURS} utilisateurs :\n{fini.stderr[-3000:]}")
    return lus


def passer(titre, racine, url, modele, plan):
    """One run of the load against the code in `racine` on the database `url`."""
    plan = dict(plan, sessions=ouvrir_des_sessions(racine, url, UTILISATEURS))
    oublier_les_chiffres(url)
    print(f"[charge] {titre} : {UTILISATEURS} utilisateurs pendant {DUREE} s…", flush=True)
    with Serveur(url, racine, MODELES[modele][1]) as serveur:
        lus = lancer_locust(serveur.port, plan)
        erreurs = [(page, erreur) for page, _, _, erreur in lus["requetes"] if erreur]
        if erreurs:
            print(f"Fin du journal de gunicorn :\n{serveur.fin_du_journal()}", file=sys.stderr)
    mesures, debit = resumer(lus["requetes"], lus["debut"], DUREE)
    with curseur_sur(url) as curseur:
        perdus = enregistrements_perdus(curseur, lus["enregistrees"], lus["cochables"])
    enregistrements = sum(1 for page, _, _, erreur in lus["requetes"] if page == "enregistrement" and not erreur)
    passage = Passage(titre, mesures, debit, erreurs, perdus, enregistrements)
    afficher(passage)
    return passage


def choisir(url):
    """What the users read and save, picked as bench/run.py picks its pages, several of each."""
    aujourdhui = datetime.now(FUSEAU).date()
    with curseur_sur(url) as curseur:
        quartiers = autour_de_la_mediane(quartiers_par_actions(curseur), QUARTIERS)
        actions = autour_de_la_mediane(actions_de_l_annee_precedente(curseur, aujourdhui), ACTIONS)
        seances = choisir_les_seances(curseur, aujourdhui, UTILISATEURS)
    if len(seances) < UTILISATEURS or len(quartiers) < QUARTIERS or len(actions) < ACTIONS:
        raise EchecBanc(
            f"Il faut {UTILISATEURS} séances passées de l’année en cours d’actions différentes, {QUARTIERS} quartiers "
            f"ayant des actions et {ACTIONS} actions de l’an passé : {len(seances)}, {len(quartiers)}, {len(actions)}."
        )
    plan = {
        "lectures": {
            "tableau": ["/indicateurs/fiches/1.2.3/"],
            "quartier": [f"/indicateurs/fiches/1.2.3/quartiers/{code}/" for code, _ in quartiers],
            "liste": ["/actions/"],
            "action": [f"/actions/{action}/" for action, _, _ in actions],
        },
        "seances": [{"id": seance, "eligibles": eligibles} for seance, _, eligibles in seances],
    }
    choix = [
        "quartiers " + ", ".join(f"{code} ({n} actions)" for code, n in quartiers) + " : ceux de la médiane",
        "actions "
        + ", ".join(f"{action} ({inscrits} inscrits)" for action, _, inscrits in actions)
        + " : celles de la médiane de l’année précédente",
        f"{len(seances)} séances de {len(seances)} actions différentes, du {min(j for _, j, _ in seances):%d/%m/%Y} "
        f"au {max(j for _, j, _ in seances):%d/%m/%Y}, de {min(len(e) for _, _, e in seances)} à "
        f"{max(len(e) for _, _, e in seances)} enfants inscrits et consentants",
    ]
    return plan, choix


# --- Report ----------------------------------------------------------------------------------


def afficher(passage):
    print(
        f"\n{passage.titre} : {ms(passage.debit)} requêtes/s, {len(passage.erreurs)} erreurs, "
        f"{len(passage.perdus)} enregistrements perdus sur {passage.enregistrements}"
    )
    for mesure in passage.mesures.values():
        print(f"  {mesure.titre[:60]:<60} {len(mesure.durees):>6} {ms(mesure.p50):>8} {ms(mesure.p95):>8}")


def rapport(ancien, nouveau):
    return f"{nouveau / ancien:.2f} ×".replace(".", ",") if ancien else "—"


def lignes_des_passages(passages):
    """A table: one column per run (and the ratio of the second to the first when there are two):
    throughput, p50 / p95 of the reads together then of each page, errors and lost saves."""
    compare = len(passages) == 2

    def ligne(titre, cellules, ratio=""):
        return "| " + " | ".join([titre, *cellules, *([ratio] if compare else [])]) + " |"

    lignes = [
        ligne("", [p.titre for p in passages], "actuel / référence"),
        ligne("---", ["---:" for _ in passages], "---:"),
        ligne("débit (requêtes/s)", [ms(p.debit) for p in passages], compare and rapport(*(p.debit for p in passages))),
    ]
    for cle in ORDRE:
        mesures = [p.mesures.get(cle) for p in passages]
        titre = next((m.titre for m in mesures if m), None)
        if titre is None:
            continue
        lignes.append(
            ligne(
                f"**{titre}**" if cle == "lectures" else titre,
                [f"{ms(m.p50)} / {ms(m.p95)} ({len(m.durees)})" if m else "" for m in mesures],
                compare and all(mesures) and "p95 : " + rapport(*(m.p95 for m in mesures)) or "",
            )
        )
    lignes.append(
        ligne(
            "erreurs HTTP ; enregistrements perdus",
            [f"{len(p.erreurs)} ; {len(p.perdus)} sur {p.enregistrements}" for p in passages],
        )
    )
    return lignes


def en_tete(version_pg):
    maintenant = datetime.now(FUSEAU)
    return [
        f"Mesures du {maintenant:%d/%m/%Y à %H:%M} (heure de Paris), {la_machine()} ; PostgreSQL {version_pg}, "
        f"locust {version('locust')}, gunicorn {version('gunicorn')}.",
    ]


def plafond_du_debit(passages):
    """What the throughput can reach under this load, whatever the code: the users wait between
    two tasks, so that past a point serving faster shortens only the response times."""
    plafond, requetes_par_tache = plafond_de_la_demande()
    attente = sum(ATTENTE) / 2
    par_tache = f"{requetes_par_tache:.2f}".replace(".", ",")
    phrases = [
        f"Plafond du débit sous cette charge : {ms(plafond)} requêtes/s, ce que demanderaient {UTILISATEURS} "
        f"utilisateurs qui attendent en moyenne {ms(attente)} s entre deux tâches de {par_tache} requête en "
        "moyenne si chaque réponse était instantanée. En deçà, la machine est saturée : le débit mesure sa "
        "capacité, et le temps de réponse surtout l’attente dans la file de gunicorn. Pour chaque passage, le "
        "temps moyen d’une tâche, réponses seules (le cycle d’un utilisateur moins son attente) : "
        + " ; ".join(
            f"{p.titre}, {ms((UTILISATEURS * requetes_par_tache / p.debit - attente) * 1000)} ms"
            for p in passages
            if p.debit
        )
        + "."
    ]
    if len(passages) == 2 and passages[0].debit:
        phrases.append(
            f"Aucun code ne peut donc dépasser {rapport(passages[0].debit, plafond)} le débit de la référence "
            "avec cette charge : au-delà, le gain se lit dans les temps de réponse."
        )
    return [" ".join(phrases)]


def bloc_du_passage(passages, choix, version_pg, reference, duree_totale):
    modele = MODELES[MODELE][0]
    lignes = [
        f"## Charge : {UTILISATEURS} utilisateurs simultanés (`make charge`)",
        "",
        *en_tete(version_pg),
        "",
        "```sh",
        "make charge                                   # code actuel et code de référence, même charge",
        'make charge CHARGE_ARGS="--reference <commit>"   # une autre référence (commit, branche)',
        'make charge CHARGE_ARGS="--modeles"           # la même charge sous chaque modèle de workers',
        "```",
        "",
        f"`bench/charge.py` lance locust (`bench/locustfile.py`) sans interface : {UTILISATEURS} utilisateurs simulés, "
        f"{CADENCE} de plus par seconde, puis {DUREE} s mesurées une fois tous lancés (les requêtes parties "
        "dans cette fenêtre ; le débit est leur nombre, lectures, chargements de grille et enregistrements, divisé "
        "par sa durée). Entre deux tâches, chacun attend "
        "1 à 2 s ; 65 % de ses tâches lisent une page (tableau de bord du contrat, 20 % ; d’un quartier, "
        "15 % ; liste des actions, 15 % ; page d’une action, 15 %), 35 % enregistrent la grille de présences "
        "de sa séance : il la charge (jeton CSRF, enfants cochés au chargement, version de la séance), puis "
        "l’envoie en cochant tour à tour deux listes d’enfants différentes, pour que chaque envoi écrive "
        "(comme `make bench`). Chaque utilisateur a sa session de `demo-chef` (le compte de démonstration "
        "qui voit tout le contrat et saisit toute séance), ouverte sans formulaire comme `make bench` : "
        "django-axes ne compte aucun échec de connexion et ne verrouille rien ; et sa séance, d’une action "
        "à lui : ils ne s’attendent que sur les résumés communs.",
        "",
        "Les pages sont choisies comme `make bench` les choisit, plusieurs de chaque : " + " ; ".join(choix) + ".",
        "",
        f"Le même passage est mené contre le code actuel et contre celui de `{reference}` (un `git worktree` "
        "temporaire, même `.venv`), chacun servi par son gunicorn (`config.settings.bench`, "
        f"{modele} ; le cache partagé, Redis, s’il en a un : les entrées de sa copie y sont oubliées avant "
        f"le passage) sur un port à lui et sa propre copie de `fiches_bench_{ECHELLE}` "
        "(`CREATE DATABASE … TEMPLATE`, supprimée à la fin) : la copie de la référence est ramenée au schéma "
        "que ses migrations connaissent (celles qu’elle ne connaît pas sont défaites par le code actuel, "
        "puis elle migre), celle du code actuel migre. Après chaque passage, la base doit tenir pour chaque "
        "séance, parmi les enfants de sa grille, exactement la dernière grille dont le serveur a confirmé "
        "l’enregistrement (302) : un écart est un enregistrement perdu. Une erreur HTTP (pendant la montée "
        "et l’arrêt aussi) ou un enregistrement perdu fait échouer `make charge`.",
        "",
        *plafond_du_debit(passages),
        "",
        "Temps en millisecondes, au rang le plus proche, de l’envoi à la lecture complète de la réponse ; "
        "entre parenthèses, le nombre de requêtes mesurées ; rapports : code actuel / référence.",
        "",
        *lignes_des_passages(passages),
        "",
        f"Durée de ce passage : {duree_totale:.0f} s, copies et migrations comprises.",
    ]
    return "\n".join(lignes)


def bloc_des_modeles(passages, version_pg):
    lignes = [
        "### Modèle de workers de gunicorn",
        "",
        *en_tete(version_pg),
        "",
        'La même charge, sur le code actuel, sous chaque modèle (`make charge CHARGE_ARGS="--modeles"`) :',
        "",
        *lignes_des_passages(passages),
        "",
        classement(passages),
        "",
        f"`make charge` sert les deux versions avec {MODELES[MODELE][0]} (`{MODELE}`), ce que la "
        f"production devrait faire aussi (README, « Production ») : {POURQUOI}",
    ]
    return "\n".join(lignes)


def classement(passages):
    """Who did best, in words: throughput, then the p95 of each kind."""
    debit = max(passages, key=lambda p: p.debit)
    phrases = [f"Débit le plus haut : {debit.titre} ({ms(debit.debit)} requêtes/s)"]
    for cle, genre in [("lectures", "des lectures"), ("enregistrement", "des enregistrements")]:
        mesures = [p for p in passages if cle in p.mesures]
        if mesures:
            meilleur = min(mesures, key=lambda p: p.mesures[cle].p95)
            phrases.append(f"p95 {genre} le plus bas : {meilleur.titre} ({ms(meilleur.mesures[cle].p95)} ms)")
    return " ; ".join(phrases) + "."


# Why MODELE: the measures of 01/12/2026, on a shared machine whose load changed from run to run,
# and once on a quiet one.
POURQUOI = (
    "les pages calculent (Python et PostgreSQL sur les mêmes deux cœurs). Sur une machine calme, le "
    "01/12/2026 à 05:27 avec le cache par table, les trois premiers modèles ont servi le même débit "
    "(37,8, 37,4 et 37,4 requêtes/s : la capacité des deux cœurs), et les 4 workers synchrones le p95 des "
    "lectures le plus bas (511 ms, contre 572 pour 2 workers et 547 pour gthread) ; gevent, 29,2 requêtes/s. "
    "Mesuré quatre fois plus tôt le même jour sur une machine partagée très chargée, le débit de chaque "
    "modèle avait plus varié d’un passage à l’autre qu’entre les modèles (gthread : 8,3, 8,3, 20,7 puis "
    "13,4 requêtes/s ; 4 workers synchrones : 7,1, 8,0, 15,6 puis 13,3), alors que le p95 des 4 workers "
    "synchrones était toujours le plus bas (lectures : 8,0 contre 9,5 s pour gthread, 6,8 contre 9,6, 2,6 "
    "contre 2,9, 3,7 contre 5,0) : deux workers par cœur occupent un cœur pendant qu’un autre attend "
    "PostgreSQL ou Redis et servent les requêtes dans leur ordre d’arrivée, quand les threads et gevent se "
    "disputent le verrou global de Python dans un même processus et allongent la queue des temps ; rien de "
    "plus à installer ni à régler, quand gevent demande psycogreen, une connexion à PostgreSQL par requête "
    "et un plafond de requêtes par worker (`bench/gunicorn_gevent.py`) pour ne pas épuiser ses connexions."
)


def ecrire(bloc, contenu):
    texte = RAPPORT.read_text() if RAPPORT.exists() else ""
    RAPPORT.write_text(remplacer_le_bloc(texte, bloc, contenu))


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--reference", default=REFERENCE, help=f"commit du code de référence ({REFERENCE})")
    parser.add_argument("--modeles", action="store_true", help="compare les modèles de workers de gunicorn")
    options = parser.parse_args()
    debut = time.monotonic()
    source = url_de_la_base(ECHELLE)
    if not est_generee(source):
        print(f"La base fiches_bench_{ECHELLE} manque : make bench la construit.", file=sys.stderr)
        return 1
    actuelle, ancienne = url_de_la_copie("actuel"), url_de_la_copie("reference")
    passages = []
    try:
        plan, choix = choisir(source)
        with curseur_sur(source) as curseur:
            curseur.execute("SHOW server_version")
            version_pg = curseur.fetchone()[0]
        # Both copies before the code as it is migrates anything: the reference's is taken from
        # the bench data as they were.
        copier_la_base(source, actuelle)
        if options.modeles:
            manage(actuelle, "migrate", "--noinput")
            for modele, (libelle, _) in MODELES.items():
                passages.append(passer(f"{libelle}", RACINE, actuelle, modele, plan))
        else:
            copier_la_base(source, ancienne)
            with code_de(options.reference) as racine_de_reference:
                ramener_au_schema(racine_de_reference, ancienne)
                passages.append(passer(f"référence `{options.reference}`", racine_de_reference, ancienne, MODELE, plan))
            manage(actuelle, "migrate", "--noinput")
            passages.append(passer("code actuel", RACINE, actuelle, MODELE, plan))
    except (EchecBanc, psycopg2.Error, subprocess.CalledProcessError) as erreur:
        print(f"\nÉchec de make charge : {erreur}", file=sys.stderr)
        return 1
    finally:
        for copie in (actuelle, ancienne):
            supprimer_la_copie(copie)
            oublier_les_chiffres(copie)
    if options.modeles:
        ecrire("modeles", bloc_des_modeles(passages, version_pg))
    else:
        ecrire("passage", bloc_du_passage(passages, choix, version_pg, options.reference, time.monotonic() - debut))
    print(f"\nRapport écrit dans {RAPPORT}")
    echecs = [p for p in passages if p.erreurs or p.perdus]
    for passage in echecs:
        print(
            f"{passage.titre} : {len(passage.erreurs)} erreurs HTTP, {len(passage.perdus)} enregistrements perdus",
            file=sys.stderr,
        )
        for page, erreur in passage.erreurs[:10]:
            print(f"  {page} : {erreur}", file=sys.stderr)
        for seance, attendus, trouves in passage.perdus[:10]:
            print(f"  séance {seance} : grille enregistrée {attendus}, présences {trouves}", file=sys.stderr)
    return 1 if echecs else 0


if __name__ == "__main__":
    sys.exit(main())
