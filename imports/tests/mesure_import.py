"""Times a 5,000-row month of attendance through the import's two steps (import_previsualiser,
import_confirmer), on the test database: SQLite by default, PostgreSQL with DATABASE_URL. Not a
test (no assertion on a duration, and its name keeps it out of the suite); run it by hand:

    .venv/bin/pytest -q -s -p no:cacheprovider imports/tests/mesure_import.py

The bench (bench/) can call the same two services on its full-scale data."""

import datetime
import time

import pytest
from django.contrib.auth import get_user_model

from actions.models import Inscription, Participant, Seance
from actions.resumes import recalculer_seances_annuelles, recompter_inscrits
from actions.tests.factories import ActionFactory

from ..services import import_confirmer, import_previsualiser
from .outils import csv_francais

ENFANTS = 5_000
JOURS = [datetime.date(2025, 10, jour) for jour in (1, 3, 6, 8, 10, 13, 15, 17)]


@pytest.mark.django_db
def test_mesurer_un_mois_de_5000_enfants():
    action = ActionFactory(date_debut=datetime.date(2025, 9, 1))
    enfants = Participant.objects.bulk_create(
        Participant(
            structure=action.porteur,
            code=f"M{rang:07d}",
            sexe="F" if rang % 2 else "M",
            annee_naissance=2016,
            niveau_scolaire="CM1",
            date_consentement=datetime.date(2025, 9, 1),
        )
        for rang in range(ENFANTS)
    )
    Inscription.objects.bulk_create(
        Inscription(action=action, participant=enfant, date_inscription=action.date_debut) for enfant in enfants
    )
    seances = Seance.objects.bulk_create(Seance(action=action, date=jour) for jour in JOURS)
    recompter_inscrits(seances=[seance.pk for seance in seances])
    recalculer_seances_annuelles(actions=[action.pk])
    lignes = [["code", *(f"{jour:%d/%m/%Y}" for jour in JOURS)]]
    lignes += [
        [enfant.code, *("1" if (rang + n) % 3 else "0" for n in range(len(JOURS)))]
        for rang, enfant in enumerate(enfants)
    ]
    contenu = csv_francais(lignes)
    auteur = get_user_model().objects.create(username="mesure")

    def apercu_du_fichier():
        return import_previsualiser(
            contrat=action.porteur.contrat,
            auteur=auteur,
            nature="presences",
            nom="mois.csv",
            contenu=contenu,
            action=action,
        )

    debut = time.perf_counter()
    import_tableur, apercu = apercu_du_fichier()
    apercu_s = time.perf_counter() - debut
    debut = time.perf_counter()
    import_confirmer(import_tableur=import_tableur, auteur=auteur)
    confirmation_s = time.perf_counter() - debut
    debut = time.perf_counter()
    _, encore = apercu_du_fichier()
    reimport_s = time.perf_counter() - debut
    print(
        f"\n{ENFANTS} lignes × {len(JOURS)} séances ({len(contenu) // 1024} Kio) : aperçu {apercu_s:.2f} s "
        f"({apercu.nb_modifies} lignes modifiées), confirmation {confirmation_s:.2f} s, "
        f"aperçu du même fichier ensuite {reimport_s:.2f} s ({encore.nb_modifies} modifiée)"
    )
