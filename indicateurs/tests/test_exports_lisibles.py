"""Issue 15, point 3: a dashboard's XLSX that people can read. Read back with openpyxl: French
headers, labels as the page words them with the codes in their own columns, each figure in its
indicator's unit (a share as a percentage, a count whole), columns as wide as their content, a
frozen and filtered header, one sheet per table; and a partner's file masked as their page is,
by the masking decision that indicateurs.confidentialite takes for every page and export."""

import csv
import io

import pytest
from openpyxl import load_workbook
from openpyxl.utils import get_column_letter

from indicateurs.confidentialite import NOTE_SECONDAIRE

from .test_tableaux import ANNEE, _activite, _client

pytestmark = pytest.mark.django_db

PRECEDENTE = "2024-2025"


def _classeur(client, **parametres):
    reponse = client.get("/indicateurs/export.xlsx", {"fiche": "1.2.3", "annee": ANNEE, **parametres})
    assert reponse.status_code == 200
    return load_workbook(io.BytesIO(reponse.content))


def _lignes(feuille):
    entetes, *rangees = feuille.iter_rows()
    return [{entete.value: cellule for entete, cellule in zip(entetes, rangee, strict=True)} for rangee in rangees]


def _indicateurs(classeur):
    return {ligne["Code de l’indicateur"].value: ligne for ligne in _lignes(classeur["Indicateurs"])}


def test_the_contract_s_workbook_reads_in_french_one_sheet_per_table(client, demo, reference):
    quartier = _activite(reference)
    classeur = _classeur(_client(client, "demo-chef"))
    assert classeur.sheetnames[0] == "Indicateurs" and classeur.sheetnames[-1] == "À propos"
    assert {"Par réalisation attendue", "Par niveau scolaire", "Par sexe", "Par quartier"} <= set(classeur.sheetnames)
    for feuille in classeur.worksheets:
        assert feuille.freeze_panes == "A2"
        largeur = feuille.max_column
        assert feuille.auto_filter.ref == f"A1:{get_column_letter(largeur)}{feuille.max_row}"
        assert all(feuille.column_dimensions[get_column_letter(n)].width > 0 for n in range(1, largeur + 1))
    assert [cellule.value for cellule in classeur["Indicateurs"][1]] == [
        "Code de l’indicateur",
        "Indicateur",
        "Nature",
        "Rubrique du tableau de bord",
        "Unité",
        ANNEE,
        PRECEDENTE,
        f"Cible {ANNEE}",
        "Base de comparaison",
    ]
    indicateurs = _indicateurs(classeur)
    enfants, assiduite = indicateurs["nb_enfants_beneficiaires"], indicateurs["taux_assiduite"]
    assert enfants["Nature"].value == "Indicateur de réalisation"
    assert enfants["Rubrique du tableau de bord"].value == "Indicateurs de réalisation"
    assert (
        indicateurs["nb_partenaires_distincts"]["Rubrique du tableau de bord"].value
        == "Effet attendu E1 : co-implication des écoles, des acteurs et des parents"
    )
    assert (enfants[ANNEE].value, enfants[ANNEE].number_format) == (6, "#,##0")
    # A share is a percentage of Excel's: 100 % is 1.
    assert (assiduite[ANNEE].value, assiduite[ANNEE].number_format) == (1, "0.0 %")
    # Labels as the page words them, the codes beside them.
    niveaux = {ligne["Code"].value: ligne for ligne in _lignes(classeur["Par niveau scolaire"])}
    assert niveaux["CM1"]["Intitulé"].value == "CM1"
    quartiers = {
        ligne["Code"].value: ligne["Intitulé"].value
        for ligne in _lignes(classeur["Par quartier"])
        if ligne["Code de l’indicateur"].value == "nb_actions"
    }
    assert quartiers[quartier.code] == quartier.nom
    a_propos = dict(classeur["À propos"].iter_rows(min_row=2, values_only=True))
    assert a_propos["Périmètre"] == "Tout le contrat" and a_propos["Petits effectifs"] == "non masqués"


def test_a_partner_s_workbook_is_masked_as_their_page(client, demo, reference):
    quartier = _activite(reference, enfants=4)
    partenaire = _client(client, "demo-partenaire")
    classeur = _classeur(partenaire, quartier=quartier.code)
    enfants = _indicateurs(classeur)["nb_enfants_beneficiaires"]
    # The mark, as text, right-aligned with the figures.
    assert enfants[ANNEE].value == "< 5" and enfants[ANNEE].alignment.horizontal == "right"
    assiduite = _indicateurs(classeur)["taux_assiduite"]
    assert assiduite[ANNEE].value in ("s", "< 5")
    for ligne in _lignes(classeur["Par sexe"]):
        if ligne["Code de l’indicateur"].value == "nb_enfants_beneficiaires":
            assert ligne[ANNEE].value in ("< 5", "s", 0)
    notes = [ligne[0] for ligne in classeur["Chiffres masqués"].iter_rows(min_row=2, values_only=True)]
    assert any(note.startswith("« < 5 »") for note in notes)
    assert set(notes) <= {NOTE_SECONDAIRE, *(n for n in notes if n.startswith("« < 5 »"))}
    a_propos = dict(classeur["À propos"].iter_rows(min_row=2, values_only=True))
    assert (a_propos["Code du périmètre"], a_propos["Petits effectifs"]) == (quartier.code, "masqués (« < 5 », « s »)")
    # The CSV says the same, for machines: codes, « ; », BOM, decimal comma.
    contenu = partenaire.get("/indicateurs/export.csv", {"fiche": "1.2.3", "annee": ANNEE, "quartier": quartier.code})
    texte = contenu.content.decode("utf-8")
    assert texte.startswith("\ufeff")
    lignes = list(csv.DictReader(io.StringIO(texte[1:]), delimiter=";"))
    (total,) = [x for x in lignes if x["code"] == "nb_enfants_beneficiaires" and not x["ventilation"]]
    assert total["valeur"] == "< 5"


def test_the_csv_keeps_codes_and_the_decimal_comma(client, demo, reference):
    _activite(reference)
    contenu = _client(client, "demo-chef").get("/indicateurs/export.csv", {"fiche": "1.2.3", "annee": ANNEE}).content
    lignes = list(csv.DictReader(io.StringIO(contenu.decode("utf-8-sig")), delimiter=";"))
    assiduite = next(x for x in lignes if x["code"] == "taux_assiduite" and not x["ventilation"])
    assert assiduite["valeur"] == "100,0"
    assert any(x["ventilation"].startswith("niveau=") for x in lignes)
