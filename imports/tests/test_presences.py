"""A month of attendance imported in the layout of its export: read back unchanged it changes
nothing; changed, it writes through the month grid's service (same rules, summaries, history),
all or nothing; each refusal is named by row, column, value and reason in the preview."""

import datetime

import pytest
from django.core.exceptions import ValidationError
from django.utils import timezone
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from actions.models import Presence, Seance
from actions.tests.factories import ActionFactory, InscriptionFactory, SeanceFactory
from actions.tests.test_exports import un_mois_d_octobre
from actions.tests.test_resumes import coherent
from fiches.models import ClotureAnnee

from ..enums import EtatImport
from ..models import ImportTableur
from ..services import import_confirmer, import_previsualiser
from .outils import auteur, classeur, csv_francais, export_du_mois, importer, previsualiser

pytestmark = pytest.mark.django_db

ENTETES = ["Code de l’enfant", "Niveau scolaire", "Inscrit le", "Consentement parental le"]


def presences(action):
    return set(Presence.objects.filter(seance__action=action).values_list("seance__date", "participant__code"))


@pytest.mark.parametrize("format", ["xlsx", "csv"])
def test_a_month_exported_and_imported_back_unchanged_changes_nothing(format):
    action = un_mois_d_octobre()
    avant = presences(action), list(Seance.objects.filter(action=action).values_list("version", "saisie_le"))

    import_tableur, apercu = importer(export_du_mois(action, format=format), action=action, nom=f"mois.{format}")

    assert (apercu.nb_crees, apercu.nb_modifies, apercu.nb_inchanges) == (0, 0, 3)
    assert (presences(action), list(Seance.objects.filter(action=action).values_list("version", "saisie_le"))) == avant
    assert import_tableur.etat == EtatImport.CONFIRME


def test_a_changed_month_is_written_by_the_month_grid_s_rules_and_reimporting_it_changes_nothing():
    action = un_mois_d_octobre()
    contenu = csv_francais(
        [
            ["code", "01/10/2025", "15/10/2025", "22/10/2025"],
            ["A00001", "0", "1", "1"],
            ["B00002", "–", "1", "0"],
        ]
    )

    _, apercu = importer(contenu, action=action, nom="mois.csv")

    assert (apercu.nb_modifies, apercu.nb_inchanges) == (2, 0)
    assert "01/10/2025 : absent" in apercu.lignes[0].detail
    assert presences(action) == {
        (datetime.date(2025, 10, 15), "A00001"),
        (datetime.date(2025, 10, 22), "A00001"),
        (datetime.date(2025, 10, 15), "B00002"),
    }
    # The 22nd, never saved, is saved now: its grid counts; the history says who changed.
    vingt_deux = Seance.objects.get(action=action, date=datetime.date(2025, 10, 22))
    assert vingt_deux.saisie_le is not None and vingt_deux.nb_presents == 1
    assert "présent : A00001" in vingt_deux.history.first().history_change_reason
    coherent()

    _, encore = importer(contenu, action=action, nom="mois.csv")
    assert (encore.nb_crees, encore.nb_modifies, encore.nb_inchanges) == (0, 0, 2)


def test_a_file_with_one_bad_row_writes_nothing_and_the_preview_names_it():
    action = un_mois_d_octobre()
    contenu = classeur(
        [
            [*ENTETES, "01/10/2025", "15/10/2025"],
            ["A00001", "CM1", None, None, 0, 1],
            ["B00002", "CM1", None, None, None, "peut-être"],
        ]
    )
    avant = presences(action)

    import_tableur, apercu = previsualiser(contenu, action=action)

    assert [erreur.cle for erreur in apercu.erreurs] == [
        [3, "15/10/2025", "peut-être", "valeur non reconnue : 1 (présent), 0 (absent), vide, « – » ou « annulée »"]
    ]
    assert import_tableur.nb_erreurs == 1
    with pytest.raises(ValidationError, match="1 erreur"):
        import_confirmer(import_tableur=import_tableur, auteur=None)
    assert presences(action) == avant
    assert ImportTableur.objects.get().etat == EtatImport.APERCU


def raisons(apercu):
    return [(erreur.ligne, erreur.colonne, erreur.valeur, erreur.raison.split(" :")[0]) for erreur in apercu.erreurs]


def test_each_refusal_names_its_row_column_value_and_reason():
    action = un_mois_d_octobre()
    autre = SeanceFactory(action=ActionFactory(porteur=action.porteur), date=datetime.date(2025, 10, 29))
    contenu = csv_francais(
        [
            ["code", "01/10/2025", "08/10/2025 14:00", "29/10/2025", "Remarques"],
            ["C00003", "1", "", "", ""],
            ["B00002", "1", "", "", ""],
            ["A00001", "", "1", "", ""],
            ["Z99999", "1", "", "", ""],
            ["A00001", "", "", "", ""],
        ]
    )

    _, apercu = previsualiser(contenu, action=action, nom="mois.csv")

    assert raisons(apercu) == [
        (1, "Remarques", "Remarques", "colonne non reconnue"),
        (1, "29/10/2025", "29/10/2025", "cette action n’a pas de séance à cette date"),
        (2, "01/10/2025", "1", "le consentement parental n’était pas recueilli à cette date"),
        (3, "01/10/2025", "1", "l’enfant n’était pas inscrit à cette date (inscrit le 10/10/2025)"),
        (4, "08/10/2025 14:00", "1", "séance annulée"),
        (5, "Code de l’enfant", "Z99999", "aucun enfant inscrit à cette action n’a ce code"),
        (6, "Code de l’enfant", "A00001", "cet enfant a déjà sa ligne (ligne 4)"),
    ]
    assert not autre.presences.exists()


def test_a_closed_year_refuses_a_change_and_reads_back_unchanged():
    action = un_mois_d_octobre()
    ClotureAnnee.objects.create(contrat=action.porteur.contrat, annee_scolaire=2025, cloturee_le=timezone.now())

    _, inchange = previsualiser(export_du_mois(action), action=action)
    _, change = previsualiser(csv_francais([["code", "15/10/2025"], ["A00001", "1"]]), action=action, nom="m.csv")

    assert not inchange.erreurs
    (erreur,) = change.erreurs
    assert (erreur.ligne, erreur.colonne, erreur.valeur) == (2, "15/10/2025", "1")
    assert erreur.raison.startswith("L’année scolaire 2025-2026 est clôturée depuis le")


def test_a_session_to_come_takes_no_presence():
    action = ActionFactory(date_debut=timezone.localdate(), date_fin=timezone.localdate() + datetime.timedelta(days=60))
    InscriptionFactory(action=action, participant__code="A00001", date_inscription=action.date_debut)
    demain = SeanceFactory(action=action, date=timezone.localdate() + datetime.timedelta(days=1))

    _, apercu = previsualiser(
        csv_francais([["code", f"{demain.date:%d/%m/%Y}"], ["A00001", "1"]]), action=action, nom="m.csv"
    )

    assert apercu.erreurs[0].raison.startswith("séance à venir")


def test_data_changed_between_preview_and_confirmation_are_refused_and_nothing_is_written():
    action = un_mois_d_octobre()
    import_tableur, _ = previsualiser(
        csv_francais([["code", "15/10/2025"], ["A00001", "1"]]), action=action, nom="m.csv"
    )
    # Meanwhile, someone ticks A on the 15th from the grid: the file would now change nothing.
    importer(csv_francais([["code", "15/10/2025"], ["A00001", "1"]]), action=action, nom="autre.csv")

    with pytest.raises(ValidationError, match="Les données ont changé depuis l’aperçu"):
        import_confirmer(import_tableur=import_tableur, auteur=None)
    assert ImportTableur.objects.get(pk=import_tableur.pk).etat == EtatImport.APERCU


def test_an_import_is_confirmed_once():
    action = un_mois_d_octobre()
    import_tableur, _ = importer(csv_francais([["code", "15/10/2025"], ["A00001", "1"]]), action=action, nom="m.csv")

    with pytest.raises(ValidationError, match="déjà importé"):
        import_confirmer(import_tableur=import_tableur, auteur=None)


def test_two_sessions_of_a_day_are_told_apart_by_their_time():
    action = un_mois_d_octobre()
    SeanceFactory(action=action, date=datetime.date(2025, 10, 15), heure_debut=datetime.time(16, 0))

    _, sans_heure = previsualiser(csv_francais([["code", "15/10/2025"], ["A00001", "1"]]), action=action, nom="m.csv")
    _, a_l_heure = previsualiser(
        csv_francais([["code", "15/10/2025 16h00"], ["A00001", "1"]]), action=action, nom="m.csv"
    )

    # The 15th has a session without time and one at 16:00: the plain date names the first.
    assert not sans_heure.erreurs and not a_l_heure.erreurs
    assert a_l_heure.lignes[0].detail == "15/10/2025 16h00 : présent"


def grand_mois(enfants):
    """An action with `enfants` children and four sessions in October 2025, none entered."""
    action = ActionFactory(date_debut=datetime.date(2025, 9, 1))
    for rang in range(enfants):
        InscriptionFactory(action=action, participant__code=f"E{rang:05d}", date_inscription=action.date_debut)
    jours = [datetime.date(2025, 10, jour) for jour in (1, 8, 15, 22)]
    for jour in jours:
        SeanceFactory(action=action, date=jour, a_saisir=True)
    lignes = [["code", *(f"{jour:%d/%m/%Y}" for jour in jours)]]
    lignes += [[f"E{rang:05d}", *("1" if (rang + n) % 2 else "0" for n in range(4))] for rang in range(enfants)]
    return action, csv_francais(lignes)


# The preview, in its transaction (savepoint): the action's sessions at the columns' dates, its
# enrolments, their presences, the closures of their school year; the author's stale previews
# removed, the import's row written.
REQUETES_APERCU = 8
# The confirmation: the import (and its contract) locked, the action locked, the same reads
# again, then the month grid's save (its own queries, pinned in actions/tests/test_mois.py: three
# per session saved, four sessions here) and the import's row.
REQUETES_CONFIRMATION = 51


@pytest.mark.parametrize("enfants", [3, 30])
def test_the_preview_and_the_confirmation_cost_the_same_queries_for_3_or_30_children(
    enfants, django_assert_num_queries
):
    action, contenu = grand_mois(enfants)
    qui = auteur()
    with django_assert_num_queries(REQUETES_APERCU):
        import_tableur, _ = import_previsualiser(
            contrat=action.porteur.contrat, auteur=qui, nature="presences", nom="m.csv", contenu=contenu, action=action
        )
    with django_assert_num_queries(REQUETES_CONFIRMATION):
        import_confirmer(import_tableur=import_tableur, auteur=qui)
    assert Presence.objects.filter(seance__action=action).count() == 2 * enfants


# What a spreadsheet cell can hold (openpyxl writes no control character, no NaN).
CELLULES_XLSX = st.one_of(
    st.none(),
    st.text(st.characters(blacklist_categories=("Cc", "Cs")), max_size=20),
    st.integers(-(10**12), 10**12),
    st.floats(allow_nan=False, allow_infinity=False),
    st.booleans(),
    st.dates(),
    st.datetimes(),
)


@settings(suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(st.lists(st.lists(CELLULES_XLSX, min_size=3, max_size=3), min_size=1, max_size=4))
def test_no_cell_of_a_month_makes_the_preview_fail_otherwise_than_by_a_french_row_error(lignes):
    action = ActionFactory(date_debut=datetime.date(2025, 9, 1))
    code = InscriptionFactory(action=action, date_inscription=action.date_debut).participant.code
    SeanceFactory(action=action, date=datetime.date(2025, 10, 1))
    # The first row names a child of the action: its cells are read against the session.
    lignes[0][0] = code
    contenu = classeur([["Code de l’enfant", "01/10/2025", "08/10/2025"], *lignes])

    _, apercu = previsualiser(contenu, action=action)

    assert all(erreur.raison and erreur.ligne for erreur in apercu.erreurs)
