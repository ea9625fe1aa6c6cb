"""What every file that opens in a spreadsheet (CSV, XLSX) writes in a cell.

A text that starts like a formula is run by Excel or LibreOffice when the file is opened:
`=HYPERLINK("http://...","Cliquez")` in a libellé becomes a link in a partner's spreadsheet, and
worse formulas exist. Every export passes each of its cells through `cellule_sure` (OWASP, CSV
injection): a text starting with =, +, -, @, a tab or a carriage return is prefixed with an
apostrophe, which spreadsheets show as text. Numbers are not text: a negative figure stays a
number, in CSV as in XLSX."""

import csv
import io
import re
from dataclasses import dataclass, field
from datetime import date, datetime, time
from decimal import Decimal

from django.utils.functional import Promise
from openpyxl import Workbook
from openpyxl.styles import Alignment, Font
from openpyxl.utils import get_column_letter

DEBUTS_DE_FORMULE = ("=", "+", "-", "@", "\t", "\r")


def cellule_sure(valeur):
    if isinstance(valeur, str) and valeur.startswith(DEBUTS_DE_FORMULE):
        return "'" + valeur
    return valeur


# --- Files people read: XLSX, and CSV as French Excel opens it -----------------------------------

TEXTE = "texte"
ENTIER = "entier"
# A number that is a name (a year, a record's number): whole, never « 2 025 ».
NUMERO = "numero"
DECIMAL = "decimal"
# A figure written as a percentage (85.3 for 85,3 %): a fraction of 1 in XLSX, shown with « % ».
POURCENTAGE = "pourcentage"
EUROS = "euros"
DATE = "date"
HEURE = "heure"

# Number formats are stored in the file in Excel's invariant notation; a French Excel or
# LibreOffice shows them with its own separators: « 1 234 », « 85,3 % », « 1 234,50 € ».
FORMATS_XLSX = {
    ENTIER: "#,##0",
    NUMERO: "0",
    DECIMAL: "#,##0.0",
    POURCENTAGE: "0.0 %",
    EUROS: '#,##0.00 "€"',
    DATE: "DD/MM/YYYY",
    HEURE: "HH:MM",
}
LARGEUR_MIN, LARGEUR_MAX = 6, 60
# Characters a sheet's name may not hold, and its length (Excel's limits).
HORS_NOM_DE_FEUILLE = re.compile(r"[\[\]:*?/\\]")
LONGUEUR_NOM_DE_FEUILLE = 31


@dataclass(frozen=True)
class Colonne:
    """`cle`: the CSV header, stable for machines; `titre`: the XLSX header, for people."""

    cle: str
    titre: str
    format: str = TEXTE


@dataclass
class Feuille:
    """One table: a sheet of an XLSX file, or the whole of a CSV file. `lignes`: one sequence of
    values per row, in the order of `colonnes`. A text in a number's column (a masked « < 5 »
    or « s ») is written as text, aligned with the numbers."""

    titre: str
    colonnes: list
    lignes: list = field(default_factory=list)


@dataclass(frozen=True)
class Chiffre:
    """A value with its own format, where a column holds figures of several units (a dashboard's
    counts and shares)."""

    valeur: object
    format: str


def _deballer(valeur, format):
    if isinstance(valeur, Chiffre):
        valeur, format = valeur.valeur, valeur.format
    # A translated label (a choice's) is written in the language of the request.
    return (str(valeur) if isinstance(valeur, Promise) else valeur), format


def _nombre(valeur):
    return isinstance(valeur, int | float | Decimal) and not isinstance(valeur, bool)


def _valeur_xlsx(valeur, format):
    if format == POURCENTAGE and _nombre(valeur):
        return float(Decimal(str(valeur)) / 100)
    if isinstance(valeur, Decimal):
        return int(valeur) if format == ENTIER else float(valeur)
    return cellule_sure(valeur)


def _texte_affiche(valeur, format):
    """Roughly what the cell shows, to fit the column's width to it."""
    if valeur is None:
        return ""
    if format == DATE and isinstance(valeur, date | datetime):
        return "00/00/0000"
    if format == EUROS and _nombre(valeur):
        return f"{valeur:,.2f} €"
    if format == POURCENTAGE and _nombre(valeur):
        return f"{valeur:.1f} %"
    if _nombre(valeur) and format != NUMERO:
        return f"{valeur:,}"
    return str(valeur)


def _nom_de_feuille(titre, pris):
    nom = HORS_NOM_DE_FEUILLE.sub("-", titre)[:LONGUEUR_NOM_DE_FEUILLE] or "Feuille"
    rang = 2
    while nom.lower() in pris:
        suffixe = f" ({rang})"
        nom = nom[: LONGUEUR_NOM_DE_FEUILLE - len(suffixe)] + suffixe
        rang += 1
    pris.add(nom.lower())
    return nom


def en_classeur(feuilles):
    """An XLSX file, one sheet per table: bold header row, frozen, with a filter on every column;
    numbers stay numbers in their format (integers, shares as %, euros with cents, dates);
    columns as wide as what they hold. Every text passes through `cellule_sure`."""
    classeur = Workbook()
    classeur.remove(classeur.active)
    pris = set()
    gras = Font(bold=True)
    a_droite = Alignment(horizontal="right")
    for feuille in feuilles:
        onglet = classeur.create_sheet(_nom_de_feuille(feuille.titre, pris))
        onglet.append([colonne.titre for colonne in feuille.colonnes])
        largeurs = [len(colonne.titre) for colonne in feuille.colonnes]
        for cellule in onglet[1]:
            cellule.font = gras
        for rang, ligne in enumerate(feuille.lignes, start=2):
            for numero, (colonne, contenu) in enumerate(zip(feuille.colonnes, ligne, strict=True), start=1):
                valeur, format = _deballer(contenu, colonne.format)
                cellule = onglet.cell(row=rang, column=numero, value=_valeur_xlsx(valeur, format))
                if format in FORMATS_XLSX:
                    if _nombre(valeur) or isinstance(valeur, date | time):
                        cellule.number_format = FORMATS_XLSX[format]
                    elif valeur is not None:
                        cellule.alignment = a_droite
                largeurs[numero - 1] = max(largeurs[numero - 1], len(_texte_affiche(valeur, format)))
        for numero, largeur in enumerate(largeurs, start=1):
            onglet.column_dimensions[get_column_letter(numero)].width = min(max(largeur + 2, LARGEUR_MIN), LARGEUR_MAX)
        onglet.freeze_panes = "A2"
        onglet.auto_filter.ref = f"A1:{get_column_letter(len(feuille.colonnes))}{len(feuille.lignes) + 1}"
    tampon = io.BytesIO()
    classeur.save(tampon)
    return tampon.getvalue()


def _texte_csv(contenu, format):
    """As French Excel reads a cell: decimal comma, no thousands separator, dates dd/mm/yyyy."""
    valeur, format = _deballer(contenu, format)
    if valeur is None:
        return ""
    if isinstance(valeur, bool):
        return "oui" if valeur else "non"
    if format == EUROS and _nombre(valeur):
        return f"{valeur:.2f}".replace(".", ",")
    if format in (DECIMAL, POURCENTAGE) and _nombre(valeur):
        return f"{valeur:.1f}".replace(".", ",")
    if isinstance(valeur, float | Decimal):
        return str(valeur).replace(".", ",")
    if isinstance(valeur, datetime):
        return f"{valeur:%d/%m/%Y %H:%M}"
    if isinstance(valeur, date):
        return f"{valeur:%d/%m/%Y}"
    if isinstance(valeur, time):
        return f"{valeur:%H:%M}"
    return str(cellule_sure(valeur))


def en_csv(feuille):
    """A CSV file for machines, as French Excel opens it: UTF-8 with BOM, « ; » between cells,
    decimal comma, CRLF; the headers are the columns' stable keys."""
    tampon = io.StringIO()
    ecrivain = csv.writer(tampon, delimiter=";", lineterminator="\r\n")
    ecrivain.writerow([colonne.cle for colonne in feuille.colonnes])
    for ligne in feuille.lignes:
        ecrivain.writerow([_texte_csv(v, c.format) for c, v in zip(feuille.colonnes, ligne, strict=True)])
    return ("\ufeff" + tampon.getvalue()).encode("utf-8")
