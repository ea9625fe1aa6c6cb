"""The simulated users of make charge (bench/charge.py runs locust on this file; see it for the
method). Each user has its own session and its own séance: 65 % of its tasks read a page, 35 %
save its séance's attendance grid, alternating two sets of ticked children so that every save
writes. The plan comes from the JSON file named by CHARGE_PLAN; every request, and the last grid
each séance's server answered a save of with success, go to the JSON file named by
CHARGE_RESULTATS when locust quits."""

import itertools
import json
import os
import random
import time
from pathlib import Path

from locust import HttpUser, between, events, task

from bench.charge import ATTENTE, POIDS
from bench.run import champs_du_formulaire, deux_grilles, valeurs_de_la_grille

PLAN = json.loads(Path(os.environ["CHARGE_PLAN"]).read_text())
RESULTATS = Path(os.environ["CHARGE_RESULTATS"])

rangs = itertools.count()
requetes = []  # [name, start (s since the epoch), duration (ms), error or None]
enregistrees = {}  # séance -> the last grid (children ticked) saved with success
cochables = {}  # séance -> the children its grid can tick
debuts = []  # when every user was running


@events.request.add_listener
def noter(name, start_time, response_time, exception, **_):
    requetes.append([name, start_time, response_time, None if exception is None else str(exception)[:300]])


@events.spawning_complete.add_listener
def tous_lances(**_):
    debuts.append(time.time())


@events.quitting.add_listener
def ecrire(**_):
    RESULTATS.write_text(
        json.dumps(
            {
                "debut": debuts[0] if debuts else None,
                "requetes": requetes,
                "enregistrees": {str(seance): sorted(grille) for seance, grille in enregistrees.items()},
                "cochables": {str(seance): sorted(enfants) for seance, enfants in cochables.items()},
            }
        )
    )


class Utilisateur(HttpUser):
    wait_time = between(*ATTENTE)

    def on_start(self):
        rang = next(rangs)
        self.client.cookies.set("sessionid", PLAN["sessions"][rang], domain="127.0.0.1")
        # A connection per request, as a reverse proxy talks to gunicorn by default (nginx's
        # proxy_pass in HTTP/1.0): no idle connection held, none closed by the server's keep-alive
        # timeout just as a request is sent on it.
        self.client.headers["Connection"] = "close"
        seance = PLAN["seances"][rang]
        self.seance = seance["id"]
        self.grille = f"/actions/seances/{self.seance}/presences/"
        self.grilles = deux_grilles(seance["eligibles"])
        self.tour = 0

    def lire(self, page):
        self.client.get(random.choice(PLAN["lectures"][page]), name=page)

    @task(POIDS["tableau"])
    def tableau(self):
        self.lire("tableau")

    @task(POIDS["quartier"])
    def quartier(self):
        self.lire("quartier")

    @task(POIDS["liste"])
    def liste(self):
        self.lire("liste")

    @task(POIDS["action"])
    def action(self):
        self.lire("action")

    @task(POIDS["enregistrer"])
    def enregistrer(self):
        """As a user does: the grid loaded, then sent with its hidden fields as loaded (CSRF
        token, children shown ticked, the séance's version) and the boxes of one grid ticked."""
        with self.client.get(self.grille, name="grille", catch_response=True) as reponse:
            champs = champs_du_formulaire(reponse.content, "presents") if reponse.ok else None
            if champs is None:
                reponse.failure(f"{reponse.status_code} : pas de grille de présences")
                return
        valeurs, cochables[self.seance] = valeurs_de_la_grille(champs)
        grille = self.grilles[self.tour % 2]
        self.tour += 1
        donnees = [*valeurs.items(), *(("presents", enfant) for enfant in grille)]
        with self.client.post(
            self.grille, data=donnees, name="enregistrement", allow_redirects=False, catch_response=True
        ) as reponse:
            # 302 to the action: saved; 200 is the grid sent back with the form's refusal.
            if reponse.status_code == 302:
                enregistrees[self.seance] = grille
            else:
                reponse.failure(f"{reponse.status_code} : grille non enregistrée")
        # The success message waits in a cookie for the next page; as make bench, never sent.
        self.client.cookies.pop("messages", None)
