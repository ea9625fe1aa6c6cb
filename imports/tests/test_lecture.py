"""Reading a file as French Excel writes it: encodings, separators, decimal comma, dates typed or
as Excel serials, blank lines keeping the row numbers; refusals of the whole file in French; and
no cell value, whatever it holds, raises anything but a French refusal of that cell."""

import datetime
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError
from hypothesis import given
from hypothesis import strategies as st

from ..lecture import LIGNES_MAX, TAILLE_MAX, CelluleIllisible, lire_date, lire_decimal, lire_fichier
from ..presences import _lire_case
from .outils import classeur, csv_francais


def lire(contenu, nom="f.csv"):
    tableau = lire_fichier(contenu=contenu, nom=nom)
    return tableau.entetes, tableau.lignes


@pytest.mark.parametrize("encodage", ["utf-8-sig", "utf-8", "cp1252"])
def test_a_csv_is_read_in_utf8_with_or_without_bom_or_in_cp1252(encodage):
    entetes, lignes = lire(csv_francais([["Code de l’enfant", "Réussite"], ["A1", "12,5"]], encodage))
    assert entetes == ["Code de l’enfant", "Réussite"]
    assert lignes == [(2, ["A1", "12,5"])]


def test_blank_lines_are_skipped_and_rows_keep_their_number_in_the_file():
    contenu = "code;valeur\r\n\r\nA1;1\r\n;;\r\nB2;2\r\n".encode("utf-8-sig")
    assert lire(contenu)[1] == [(3, ["A1", "1"]), (5, ["B2", "2"])]


def test_a_sheet_formatted_down_to_many_empty_rows_is_read_for_its_rows():
    lignes = [["code", "n"], ["A1", 1], *([None, None] for _ in range(LIGNES_MAX + 5)), ["B2", 2]]
    assert lire(classeur(lignes), "f.xlsx")[1] == [(2, ["A1", 1]), (LIGNES_MAX + 8, ["B2", 2])]


def test_a_file_of_too_many_rows_is_refused():
    with pytest.raises(ValidationError, match="plus de 20000 lignes"):
        lire(csv_francais([["code"], *([f"A{rang}"] for rang in range(LIGNES_MAX + 1))]))


def test_an_xlsx_is_read_from_its_first_sheet_with_its_dates_and_numbers():
    entetes, lignes = lire(classeur([["code", "date", "n"], ["A1", datetime.datetime(2025, 10, 1), 3.5]]), "f.xlsx")
    assert entetes == ["code", "date", "n"]
    assert lignes == [(2, ["A1", datetime.datetime(2025, 10, 1), 3.5])]


@pytest.mark.parametrize(
    ("contenu", "nom", "message"),
    [
        (b"", "f.csv", "Le fichier est vide."),
        (b"a;b", "f.pdf", "Ce type de fichier n’est pas lu"),
        (b"PK\x03\x04abime", "f.xlsx", "Ce fichier Excel ne s’ouvre pas"),
        (b"\r\n\r\n", "f.csv", "Le fichier ne contient aucune ligne."),
        (b"x" * (TAILLE_MAX + 1), "f.csv", "Le fichier pèse plus de 5 Mo"),
        (b"a\x00b", "f.csv", "Ce fichier n’est pas un fichier texte CSV"),
    ],
)
def test_a_file_that_cannot_be_read_is_refused_in_french(contenu, nom, message):
    with pytest.raises(ValidationError) as refus:
        lire_fichier(contenu=contenu, nom=nom)
    assert refus.value.message_dict["fichier"][0].startswith(message)


@pytest.mark.parametrize(
    ("valeur", "attendue"),
    [
        ("05/11/2025", datetime.date(2025, 11, 5)),
        ("5/11/25", datetime.date(2025, 11, 5)),
        ("2025-11-05", datetime.date(2025, 11, 5)),
        ("45966", datetime.date(2025, 11, 5)),
        (45966, datetime.date(2025, 11, 5)),
        (45966.0, datetime.date(2025, 11, 5)),
        (45966.75, datetime.date(2025, 11, 5)),
        (datetime.datetime(2025, 11, 5, 0, 0), datetime.date(2025, 11, 5)),
        ("", None),
        (None, None),
    ],
)
def test_a_date_is_read_typed_the_french_way_or_as_an_excel_serial(valeur, attendue):
    assert lire_date(valeur) == attendue


@pytest.mark.parametrize("valeur", ["31/02/2025", "05/11/1850", "demain", "12"])
def test_a_date_that_is_none_is_refused_with_its_reason(valeur):
    with pytest.raises(CelluleIllisible):
        lire_date(valeur)


@pytest.mark.parametrize(
    ("valeur", "attendue"),
    [
        ("12,5", Decimal("12.5")),
        ("1 234,50", Decimal("1234.50")),
        ("1\u202f234", 1234),
        ("85,3 %", Decimal("85.3")),
        (3.5, Decimal("3.5")),
    ],
)
def test_a_number_is_read_with_its_decimal_comma(valeur, attendue):
    assert lire_decimal(valeur) == attendue


@pytest.mark.parametrize("valeur", ["1.234,5", "douze", "1,2,3", True])
def test_a_number_read_two_ways_is_refused_rather_than_guessed(valeur):
    with pytest.raises(CelluleIllisible):
        lire_decimal(valeur)


CELLULES = st.one_of(
    st.none(),
    st.text(max_size=30),
    st.integers(),
    st.floats(allow_nan=True, allow_infinity=True),
    st.booleans(),
    st.datetimes(),
    st.dates(),
    st.decimals(allow_nan=True),
)


@given(CELLULES)
def test_no_cell_value_raises_anything_but_a_french_refusal_of_the_cell(valeur):
    for lecteur in (lire_date, lire_decimal, _lire_case):
        try:
            lecteur(valeur)
        except CelluleIllisible as refus:
            assert str(refus)


@given(st.lists(st.lists(st.text(max_size=12), max_size=6), max_size=6), st.sampled_from(["utf-8-sig", "cp1252"]))
def test_no_csv_content_raises_anything_but_a_french_refusal_of_the_file(lignes, encodage):
    try:
        contenu = csv_francais(lignes, encodage)
    except UnicodeEncodeError:
        return
    try:
        lire_fichier(contenu=contenu, nom="f.csv")
    except ValidationError as refus:
        assert refus.message_dict["fichier"]
