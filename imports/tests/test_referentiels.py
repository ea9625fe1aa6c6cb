"""The State's reference files, read by importer_quartiers and importer_etablissements on the
extracts shipped in their published layouts (fiches/donnees/extraits/, whose README says where
each header was found): a dry run writes nothing, --appliquer creates, a second run changes
nothing, a bad row is named by its line and column, and what the contract has and the file
no longer names is reported, never deleted."""

import io
from pathlib import Path

import pytest
from django.core.exceptions import ValidationError
from django.core.management import call_command
from django.core.management.base import CommandError

from fiches.models import Commune, Contrat, Quartier
from fiches.services import quartiers_importer
from partenaires.enums import EducationPrioritaire, TypeEtablissement
from partenaires.models import Etablissement, Structure

pytestmark = pytest.mark.django_db

EXTRAITS = Path(__file__).resolve().parents[2] / "fiches" / "donnees" / "extraits"
QUARTIERS = EXTRAITS / "quartiers-prioritaires-2024.csv"
ANNUAIRE = EXTRAITS / "annuaire-education.csv"


def lancer(commande, fichier, *options):
    sortie = io.StringIO()
    call_command(commande, str(fichier), *options, stdout=sortie)
    return sortie.getvalue()


def quartiers():
    return {(q.code, q.nom, tuple(sorted(c.code_insee for c in q.communes.all()))) for q in Quartier.objects.all()}


def etablissements():
    return set(Etablissement.objects.values_list("uai", "nom", "type", "education_prioritaire", "commune__code_insee"))


@pytest.fixture
def contrat_des_deux_communes(reference):
    """The contract before its quartiers are known: its two communes only."""
    reference.communes.add(
        Commune.objects.create(code_insee="99101", nom="Bellerive"),
        Commune.objects.create(code_insee="99102", nom="Saint-Aubin-des-Prés"),
    )
    return reference


# --- Quartiers -----------------------------------------------------------------------------------


def test_the_dry_run_of_the_quartiers_writes_nothing(contrat_des_deux_communes):
    sortie = lancer("importer_quartiers", QUARTIERS)

    assert "Ligne 2 : QN09591A Les Tilleuls créé : communes Bellerive (99101)" in sortie
    assert "Simulation : rien n’a été écrit" in sortie
    assert not Quartier.objects.exists()


def test_the_quartiers_of_the_contract_s_communes_are_created_then_a_second_run_changes_nothing(
    contrat_des_deux_communes,
):
    sortie = lancer("importer_quartiers", QUARTIERS, "--appliquer")

    assert "6 créé(s), 0 modifié(s), 0 inchangé(s)" in sortie
    # Val-Fleuri (99103) and Lorme (99104) are outside the contract.
    assert "2 ligne(s) hors du territoire" in sortie
    assert quartiers() == {
        ("QN09591A", "Les Tilleuls", ("99101",)),
        ("QN09592B", "Le Bois-Joli", ("99101",)),
        # Protected from a spreadsheet in the file: ="99101".
        ("QN09593C", "La Source", ("99101",)),
        ("QN09594D", "Les Cèdres", ("99102",)),
        ("QN09595E", "Centre-Gare", ("99101", "99102")),
        ("QN09589F", "Les Peupliers", ("99102",)),
    }
    assert set(Quartier.objects.values_list("contrat", flat=True)) == {contrat_des_deux_communes.pk}
    historique = Quartier.history.filter(code="QN09591A", history_type="+").get()
    assert historique.history_change_reason == "Liste nationale des quartiers prioritaires"
    avant = quartiers(), Quartier.history.count()

    sortie = lancer("importer_quartiers", QUARTIERS, "--appliquer")

    assert "0 créé(s), 0 modifié(s), 6 inchangé(s)" in sortie
    assert "Rien à écrire." in sortie
    assert (quartiers(), Quartier.history.count()) == avant


def test_an_epci_brings_its_quartiers_and_their_communes_into_the_contract(contrat_des_deux_communes):
    lancer("importer_quartiers", QUARTIERS, "--epci", "299500001", "--appliquer")

    moulin = Quartier.objects.get(code="QN09588G")
    assert [(c.code_insee, c.nom) for c in moulin.communes.all()] == [("99103", "Val-Fleuri")]
    assert "99103" in set(contrat_des_deux_communes.communes.values_list("code_insee", flat=True))
    # Lorme's quartier is of another EPCI.
    assert not Quartier.objects.filter(code="QN09587H").exists()


def test_the_demo_s_quartiers_are_unchanged_and_one_still_used_absent_from_the_file_is_kept(demo, reference, tmp_path):
    lignes = QUARTIERS.read_text(encoding="utf-8-sig").splitlines()
    sans_la_source = tmp_path / "liste.csv"
    sans_la_source.write_text("\n".join(ligne for ligne in lignes if not ligne.startswith("QN09593C")), "utf-8")
    structure = Structure.objects.get(nom="Centre social La Source")

    sortie = lancer("importer_quartiers", sans_la_source, "--appliquer")

    assert "1 créé(s), 0 modifié(s), 4 inchangé(s)" in sortie
    assert "Absent du fichier, gardé : La Source (QN09593C)" in sortie
    la_source = Quartier.objects.get(code="QN09593C")
    assert la_source in structure.quartiers.all()
    assert Etablissement.objects.filter(quartier=la_source).exists()


def test_a_renamed_quartier_and_one_under_its_2015_code_are_updated(contrat_des_deux_communes, tmp_path):
    bellerive = Commune.objects.get(code_insee="99101")
    renomme = Quartier.objects.create(contrat=contrat_des_deux_communes, code="QN09591A", nom="Tilleuls")
    renomme.communes.set([bellerive])
    ancien = Quartier.objects.create(contrat=contrat_des_deux_communes, code="QP095001", nom="Le Bois-Joli")
    ancien.communes.set([bellerive])
    fichier = tmp_path / "liste.csv"
    fichier.write_bytes(
        "code_qp;lib_qp;insee_com;lib_com;code_qp_2015\r\n"
        "QN09591A;Les Tilleuls;99101;Bellerive;\r\n"
        "QN09592B;Le Bois-Joli;99101;Bellerive;QP095001\r\n".encode("cp1252")
    )

    sortie = lancer("importer_quartiers", fichier, "--appliquer")

    assert "QN09591A Les Tilleuls modifié : nom « Tilleuls » → « Les Tilleuls »" in sortie
    assert "QN09592B Le Bois-Joli modifié : code QP095001 → QN09592B" in sortie
    ancien.refresh_from_db()
    assert (ancien.code, Quartier.objects.count()) == ("QN09592B", 2)


def test_a_bad_row_of_the_quartiers_is_named_and_nothing_is_written(contrat_des_deux_communes):
    with pytest.raises(CommandError, match="1 erreur"):
        lancer("importer_quartiers", EXTRAITS / "quartiers-prioritaires-2024-ligne-fausse.csv", "--appliquer")

    assert not Quartier.objects.exists()


def test_the_bad_row_s_line_column_and_reason_are_printed(contrat_des_deux_communes):
    sortie = io.StringIO()
    with pytest.raises(CommandError):
        call_command(
            "importer_quartiers", str(EXTRAITS / "quartiers-prioritaires-2024-ligne-fausse.csv"), stdout=sortie
        )

    assert "Erreur ligne 10, colonne « code_qp » (« QN0959 ») : « QN0959 » n’est pas un code de quartier" in (
        sortie.getvalue()
    )


def test_a_quartier_of_another_contract_is_refused(contrat_des_deux_communes, tmp_path):
    autre = Contrat.objects.create(code="autre", nom="Autre contrat")
    Quartier.objects.create(contrat=autre, code="QN09591A", nom="Les Tilleuls")
    fichier = tmp_path / "liste.csv"
    fichier.write_text("code_qp;lib_qp;insee_com;lib_com\nQN09591A;Les Tilleuls;99101;Bellerive\n", "utf-8")

    with pytest.raises(CommandError, match="Choisissez le contrat"):
        lancer("importer_quartiers", fichier)
    sortie = io.StringIO()
    with pytest.raises(CommandError):
        call_command("importer_quartiers", str(fichier), "--contrat", contrat_des_deux_communes.code, stdout=sortie)
    assert "ce quartier est celui du contrat « Autre contrat »" in sortie.getvalue()


def test_a_missing_column_is_named(contrat_des_deux_communes, tmp_path):
    fichier = tmp_path / "liste.csv"
    fichier.write_text("code_qp;lib_qp;lib_com\nQN09591A;Les Tilleuls;Bellerive\n", "utf-8")
    sortie = io.StringIO()

    with pytest.raises(CommandError):
        call_command("importer_quartiers", str(fichier), stdout=sortie)

    assert "Erreur ligne 1, colonne « insee_com » : colonne introuvable dans la première ligne." in sortie.getvalue()


# --- Schools -------------------------------------------------------------------------------------


def test_the_dry_run_of_the_schools_writes_nothing(demo):
    avant = etablissements()

    sortie = lancer("importer_etablissements", ANNUAIRE)

    assert "Simulation : rien n’a été écrit" in sortie
    assert etablissements() == avant


def test_the_schools_are_created_or_updated_then_a_second_run_changes_nothing(demo):
    jean_moulin = Etablissement.objects.get(uai="0959002U")
    jean_moulin.education_prioritaire = EducationPrioritaire.REP
    jean_moulin.save()

    sortie = lancer("importer_etablissements", ANNUAIRE, "--appliquer")

    assert "Ligne 3 : 0959002U École élémentaire Jean-Moulin modifié : REP → REP+" in sortie
    assert "Ligne 11 : 0959010C Circonscription de Bellerive ignoré" in sortie
    assert "2 créé(s), 1 modifié(s), 6 inchangé(s), 1 ignoré(s)" in sortie
    assert "1 ligne(s) hors du territoire" in sortie
    jean_moulin.refresh_from_db()
    assert jean_moulin.education_prioritaire == EducationPrioritaire.REP_PLUS
    # The contract's choice of its quartier is kept.
    assert jean_moulin.quartier.code == "QN09591A"
    assert set(
        Etablissement.objects.filter(uai__in=["0959008A", "0959009B"]).values_list(
            "uai", "type", "education_prioritaire", "commune__code_insee", "quartier"
        )
    ) == {
        ("0959008A", TypeEtablissement.ECOLE_MATERNELLE, EducationPrioritaire.HORS, "99102", None),
        ("0959009B", TypeEtablissement.LYCEE_PROFESSIONNEL, EducationPrioritaire.HORS, "99101", None),
    }
    assert not Etablissement.objects.filter(uai__in=["0959010C", "0959011D"]).exists()
    avant = etablissements(), Etablissement.history.count()

    sortie = lancer("importer_etablissements", ANNUAIRE, "--appliquer")

    assert "0 créé(s), 0 modifié(s), 9 inchangé(s)" in sortie
    assert (etablissements(), Etablissement.history.count()) == avant


def test_the_directory_is_read_in_cp1252_and_a_school_it_no_longer_lists_is_kept(demo, tmp_path):
    lignes = ANNUAIRE.read_text(encoding="utf-8-sig").splitlines()
    fichier = tmp_path / "annuaire.csv"
    fichier.write_bytes("\r\n".join(ligne for ligne in lignes if "Simone-Veil" not in ligne).encode("cp1252"))

    sortie = lancer("importer_etablissements", fichier, "--communes", "99101,99102", "--appliquer")

    assert "École primaire des Cèdres inchangé" in sortie
    assert "Absent du fichier, gardé : Collège Simone-Veil (0959007" in sortie
    assert Etablissement.objects.filter(nom="Collège Simone-Veil").exists()


def test_a_bad_row_of_the_directory_is_named_and_nothing_is_written(demo):
    avant = etablissements()
    sortie = io.StringIO()

    with pytest.raises(CommandError, match="1 erreur"):
        call_command(
            "importer_etablissements",
            str(EXTRAITS / "annuaire-education-ligne-fausse.csv"),
            "--appliquer",
            stdout=sortie,
        )

    assert (
        "Erreur ligne 13, colonne « Appartenance_Education_Prioritaire » (« REP renforcé ») : "
        "attendu REP, REP+ ou rien (hors éducation prioritaire)."
    ) in sortie.getvalue()
    assert etablissements() == avant


def test_the_quartiers_service_writes_all_or_nothing(contrat_des_deux_communes):
    lignes = [
        {"quartier": None, "code": "QN09588G", "nom": "Le Moulin", "communes": [("99103", "Val-Fleuri")]},
        {"quartier": None, "code": "QN09592B", "nom": "Le Bois-Joli", "communes": [("9910", "Nulle part")]},
    ]

    with pytest.raises(ValidationError, match="Commune « Nulle part \\(9910\\) »"):
        quartiers_importer(contrat=contrat_des_deux_communes, lignes=lignes, raison="essai")

    # Val-Fleuri, created before the refusal, is rolled back with it.
    assert not Quartier.objects.exists()
    assert not Commune.objects.filter(code_insee__in=["99103", "9910"]).exists()
