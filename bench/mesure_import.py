"""Times the import of a 5,000-row month of attendance at a scale's volumes: the two steps of
imports.services (import_previsualiser, import_confirmer) on the scale's database, alternately
with two files that tick different boxes, so that every confirmation writes; the first round,
which saves the sessions for the first time, is not kept. Prints one JSON line: the seconds of
each preview and each confirmation, and their queries.

Everything it writes (an action of 5,000 enrolled children, its 8 sessions, the imports, their
presences and summaries) is rolled back at the end: the scale's database is left as it was.

Run from the project root by bench/run.py:
DJANGO_SETTINGS_MODULE=config.settings.bench python -m bench.mesure_import [rounds]"""

import csv
import io
import json
import sys
import time
from datetime import timedelta

import django

LIGNES = 5000
SEANCES = 8


class Annuler(Exception):
    """Raised at the end to roll the whole measure back."""


def _jours_passes(aujourdhui, rentree):
    """The SEANCES last weekdays before today within the school year under way."""
    jours, jour = [], aujourdhui - timedelta(days=1)
    while len(jours) < SEANCES and jour >= rentree:
        if jour.weekday() < 5:
            jours.append(jour)
        jour -= timedelta(days=1)
    if len(jours) < SEANCES:
        raise SystemExit(f"Moins de {SEANCES} jours ouvrés depuis la rentrée : mesure de l’import impossible.")
    return sorted(jours)


def _fichier(enfants, jours, decalage):
    """A month of attendance as French Excel saves it (« ; », UTF-8 with BOM)."""
    tampon = io.StringIO()
    ecrivain = csv.writer(tampon, delimiter=";", lineterminator="\r\n")
    ecrivain.writerow(["Code de l’enfant", *(f"{jour:%d/%m/%Y}" for jour in jours)])
    for rang, enfant in enumerate(enfants):
        ecrivain.writerow([enfant.code, *("1" if (rang + n + decalage) % 3 else "0" for n in range(len(jours)))])
    return tampon.getvalue().encode("utf-8-sig")


def mesurer(tours):
    from django.contrib.auth import get_user_model
    from django.db import connection, transaction
    from django.test.utils import CaptureQueriesContext
    from django.utils import timezone

    from actions.models import Action, Inscription, Participant, Seance
    from actions.resumes import recalculer_seances_annuelles, recompter_inscrits
    from actions.selectors import nouveaux_codes
    from fiches.annees import AnneeScolaire
    from imports.services import import_confirmer, import_previsualiser

    aujourdhui = timezone.localdate()
    annee = AnneeScolaire.de_la_date(aujourdhui)
    jours = _jours_passes(aujourdhui, annee.debut)
    chef = get_user_model().objects.get(username="demo-chef")
    modele = Action.objects.filter(date_debut__gte=annee.debut).select_related("porteur__contrat").first()
    mesures = {"apercu": [], "confirmation": [], "requetes_apercu": [], "requetes_confirmation": []}
    try:
        with transaction.atomic():
            action = Action.objects.create(
                realisation=modele.realisation,
                titre="Mesure de l’import (annulée à la fin)",
                porteur=modele.porteur,
                date_debut=annee.debut,
                date_fin=annee.fin,
            )
            enfants = Participant.objects.bulk_create(
                Participant(
                    structure=action.porteur,
                    code=code,
                    sexe="FM"[rang % 2],
                    annee_naissance=annee.annee_de_rentree - 9,
                    niveau_scolaire="CM1",
                    date_consentement=annee.debut,
                )
                for rang, code in enumerate(nouveaux_codes(LIGNES))
            )
            Inscription.objects.bulk_create(
                Inscription(action=action, participant=enfant, date_inscription=annee.debut) for enfant in enfants
            )
            seances = Seance.objects.bulk_create(Seance(action=action, date=jour) for jour in jours)
            recompter_inscrits(seances=[seance.pk for seance in seances])
            recalculer_seances_annuelles(actions=[action.pk])
            fichiers = [_fichier(enfants, jours, decalage) for decalage in (0, 1)]
            for tour in range(tours):
                with CaptureQueriesContext(connection) as requetes:
                    debut = time.perf_counter()
                    import_tableur, apercu = import_previsualiser(
                        contrat=modele.porteur.contrat,
                        auteur=chef,
                        nature="presences",
                        nom=f"mois-{tour % 2}.csv",
                        contenu=fichiers[tour % 2],
                        action=action,
                    )
                    duree_apercu = time.perf_counter() - debut
                if apercu.erreurs:
                    raise SystemExit(f"L’aperçu de l’import compte des erreurs : {apercu.erreurs[:3]}")
                requetes_apercu = len(requetes)
                with CaptureQueriesContext(connection) as requetes:
                    debut = time.perf_counter()
                    import_confirmer(import_tableur=import_tableur, auteur=chef)
                    duree_confirmation = time.perf_counter() - debut
                if tour:
                    mesures["apercu"].append(duree_apercu)
                    mesures["requetes_apercu"].append(requetes_apercu)
                    mesures["confirmation"].append(duree_confirmation)
                    mesures["requetes_confirmation"].append(len(requetes))
            raise Annuler
    except Annuler:
        pass
    return mesures


if __name__ == "__main__":
    django.setup()
    print(json.dumps(mesurer(1 + (int(sys.argv[1]) if len(sys.argv) > 1 else 3))))
