"""Enrolments imported from a file (the month's export reads back as them): new ones written by
the enrolment form's service, those already there left, refusals named by row."""

import datetime

import pytest
from django.utils import timezone

from actions.models import Inscription, Seance
from actions.tests.factories import ParticipantFactory
from actions.tests.test_exports import un_mois_d_octobre
from fiches.models import ClotureAnnee

from .outils import csv_francais, export_du_mois, importer, previsualiser

pytestmark = pytest.mark.django_db


def inscriptions(action):
    return set(Inscription.objects.filter(action=action).values_list("participant__code", "date_inscription"))


@pytest.mark.parametrize("format", ["xlsx", "csv"])
def test_a_month_exported_and_imported_back_as_enrolments_changes_nothing(format):
    action = un_mois_d_octobre()
    avant = inscriptions(action)

    _, apercu = importer(export_du_mois(action, format=format), action=action, nature="inscriptions", nom=f"m.{format}")

    assert (apercu.nb_crees, apercu.nb_modifies, apercu.nb_inchanges) == (0, 0, 3)
    assert inscriptions(action) == avant


def test_new_enrolments_count_in_the_sessions_after_them_and_reimporting_changes_nothing():
    action = un_mois_d_octobre()
    nouveau = ParticipantFactory(structure=action.porteur, code="N00004")
    contenu = csv_francais([["Code de l’enfant", "Inscrit le"], ["A00001", "01/09/2025"], ["n00004", "12/10/2025"]])

    _, apercu = importer(contenu, action=action, nature="inscriptions", nom="i.csv")

    assert (apercu.nb_crees, apercu.nb_inchanges) == (1, 1)
    assert (nouveau.code, datetime.date(2025, 10, 12)) in inscriptions(action)
    # Enrolled on the 12th, consenting since September: expected on the 15th, not on the 1st.
    assert Seance.objects.get(action=action, date=datetime.date(2025, 10, 15)).nb_inscrits == 3
    assert Seance.objects.get(action=action, date=datetime.date(2025, 10, 1)).nb_inscrits == 1
    _, encore = importer(contenu, action=action, nature="inscriptions", nom="i.csv")
    assert (encore.nb_crees, encore.nb_inchanges) == (0, 2)


def test_each_refused_enrolment_is_named_and_nothing_is_written():
    action = un_mois_d_octobre()
    ParticipantFactory(code="E00005")  # followed by another structure
    ParticipantFactory(structure=action.porteur, code="F00006")
    ParticipantFactory(structure=action.porteur, code="G00007")
    ClotureAnnee.objects.create(contrat=action.porteur.contrat, annee_scolaire=2024, cloturee_le=timezone.now())
    avant = inscriptions(action)
    contenu = csv_francais(
        [
            ["code", "date_inscription"],
            ["E00005", "01/10/2025"],
            ["B00002", "01/10/2025"],
            ["F00006", "01/01/2024"],
            ["G00007", "31/12"],
            ["", "01/10/2025"],
        ]
    )

    import_tableur, apercu = previsualiser(contenu, action=action, nature="inscriptions", nom="i.csv")

    assert [(e.ligne, e.colonne, e.valeur, e.raison.split(" :")[0].split(",")[0]) for e in apercu.erreurs] == [
        (2, "Code de l’enfant", "E00005", f"aucun enfant suivi par {action.porteur} n’a ce code"),
        (4, "Inscrit le", "01/01/2024", "la date d’inscription doit tomber pendant l’action"),
        (5, "Inscrit le", "31/12", "date illisible"),
        (6, "Code de l’enfant", "", "code de l’enfant manquant"),
        (3, "Inscrit le", "01/10/2025", "cet enfant est inscrit à l’action depuis le 10/10/2025"),
    ]
    assert import_tableur.nb_erreurs == 5
    assert inscriptions(action) == avant


def test_an_enrolment_in_a_closed_year_is_refused():
    action = un_mois_d_octobre()
    ParticipantFactory(structure=action.porteur, code="F00006")
    ClotureAnnee.objects.create(contrat=action.porteur.contrat, annee_scolaire=2025, cloturee_le=timezone.now())

    _, apercu = previsualiser(
        csv_francais([["code", "Inscrit le"], ["F00006", "01/10/2025"]]),
        action=action,
        nature="inscriptions",
        nom="i.csv",
    )

    (erreur,) = apercu.erreurs
    assert erreur.raison.startswith("L’année scolaire 2025-2026 est clôturée")
