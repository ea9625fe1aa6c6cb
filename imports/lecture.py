"""Reading a spreadsheet as French Excel writes it, into rows of cells, and each cell into a
value; nothing here knows what a row means (each kind of import does: presences.py...).

XLSX through openpyxl (read-only, values rather than formulas); CSV through the standard csv
module: UTF-8 with or without BOM, else cp1252 (Excel's « CSV (séparateur : point-virgule) » on
Windows), « ; » between cells (« , » or a tab when the header holds no « ; »). tablib reads both
too, but drops blank lines, which shifts the row numbers an error must name, and refuses a row
longer than its header instead of saying which one it is.

A refusal of the whole file is a ValidationError; a cell that cannot be read raises
CelluleIllisible with the reason, which the kind of import ties to its row and column."""

import csv
import io
import re
import zipfile
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from decimal import Decimal, InvalidOperation

from django.core.exceptions import ValidationError
from openpyxl import load_workbook

from fiches.bornes import DATE_MAX, DATE_MIN

TAILLE_MAX = 5 * 1024 * 1024
LIGNES_MAX = 20_000
# Rows read, blank ones included, for each row kept at most.
LUES_PAR_LIGNE = 10
COLONNES_MAX = 200
EXTENSIONS = (".xlsx", ".csv")
# Day 0 of Excel's dates (its 1900 calendar counts a 29 February 1900 that never was).
ORIGINE_EXCEL = date(1899, 12, 30)
DEBUT_ZIP = b"PK\x03\x04"


class CelluleIllisible(ValueError):
    """A cell that does not hold what its column asks: the message is the reason, in French."""


@dataclass(frozen=True)
class Erreur:
    """An error of one row (ligne: its number in the file, as the spreadsheet shows it; None for
    the file's header), one column, the value found and why it is refused."""

    ligne: int | None
    colonne: str
    valeur: str
    raison: str

    @property
    def cle(self):
        return [self.ligne, self.colonne, self.valeur, self.raison]


@dataclass(frozen=True)
class Tableau:
    """The header's cells, then each non-blank row with its number in the file."""

    entetes: list
    lignes: list


def _refuser(message):
    raise ValidationError({"fichier": message})


def lire_fichier(*, contenu, nom, feuille=None, taille_max=TAILLE_MAX, lignes_max=LIGNES_MAX):
    """The first sheet of an XLSX file (or the one named `feuille`, when it has it), or a CSV
    file, as a Tableau. Refuses an empty, oversized, unreadable file or another type. The
    limits are those of a file sent through a page; a command reading a national reference
    file (reference.py) raises them."""
    if not contenu:
        _refuser("Le fichier est vide.")
    if len(contenu) > taille_max:
        _refuser(f"Le fichier pèse plus de {taille_max // (1024 * 1024)} Mo : découpez-le, par exemple par mois.")
    extension = "." + nom.rsplit(".", 1)[-1].lower() if "." in nom else ""
    if extension not in EXTENSIONS:
        _refuser(
            "Ce type de fichier n’est pas lu : enregistrez-le depuis votre tableur au format Excel (.xlsx) "
            "ou CSV séparateur point-virgule (.csv)."
        )
    if extension == ".xlsx" or contenu.startswith(DEBUT_ZIP):
        lignes = _lignes_xlsx(contenu, feuille)
    else:
        lignes = _lignes_csv(contenu)
    numerotees = []
    for numero, cellules in enumerate(lignes, start=1):
        # A sheet formatted down to its last row lists empty rows: they are skipped, up to a point.
        if len(numerotees) > lignes_max or numero > LUES_PAR_LIGNE * lignes_max:
            _refuser(f"Le fichier compte plus de {lignes_max} lignes : découpez-le.")
        cellules = list(cellules)
        while cellules and _vide(cellules[-1]):
            cellules.pop()
        if len(cellules) > COLONNES_MAX:
            _refuser(f"La ligne {numero} compte plus de {COLONNES_MAX} colonnes.")
        if cellules:
            numerotees.append((numero, cellules))
    if not numerotees:
        _refuser("Le fichier ne contient aucune ligne.")
    (_, entetes), *corps = numerotees
    return Tableau(entetes=[texte(cellule) for cellule in entetes], lignes=corps)


def _lignes_xlsx(contenu, feuille):
    try:
        classeur = load_workbook(io.BytesIO(contenu), read_only=True, data_only=True)
    except (zipfile.BadZipFile, KeyError, ValueError, OSError, TypeError):
        _refuser("Ce fichier Excel ne s’ouvre pas : enregistrez-le de nouveau au format .xlsx depuis votre tableur.")
    onglet = classeur[feuille] if feuille in classeur.sheetnames else classeur.worksheets[0]
    try:
        yield from onglet.iter_rows(values_only=True)
    finally:
        classeur.close()


def _decoder(contenu):
    try:
        return contenu.decode("utf-8-sig")
    except UnicodeDecodeError:
        return contenu.decode("cp1252", errors="replace")


def _lignes_csv(contenu):
    texte_ = _decoder(contenu)
    if "\x00" in texte_:
        _refuser("Ce fichier n’est pas un fichier texte CSV : enregistrez-le au format .csv ou .xlsx.")
    premiere = texte_.split("\n", 1)[0]
    separateur = next((signe for signe in (";", "\t", ",") if signe in premiere), ";")
    try:
        yield from csv.reader(io.StringIO(texte_, newline=""), delimiter=separateur)
    except csv.Error:
        _refuser(
            "Ce fichier CSV est mal formé (guillemets non fermés ?) : enregistrez-le de nouveau depuis votre tableur."
        )


# --- Cells -------------------------------------------------------------------------------------


def _vide(valeur):
    return valeur is None or (isinstance(valeur, str) and not valeur.strip())


def texte(valeur):
    """A cell as text, trimmed: a whole number stays whole (an XLSX cell 2025 is « 2025 »), and
    the apostrophe an export puts before a formula-like text is dropped."""
    if valeur is None:
        return ""
    if isinstance(valeur, float) and valeur.is_integer():
        valeur = int(valeur)
    if isinstance(valeur, datetime):
        return f"{valeur:%d/%m/%Y %H:%M}" if valeur.time() != datetime.min.time() else f"{valeur:%d/%m/%Y}"
    if isinstance(valeur, date):
        return f"{valeur:%d/%m/%Y}"
    resultat = " ".join(str(valeur).split())
    return resultat[1:] if resultat.startswith("'") else resultat


DATE_FR = re.compile(r"([0-9]{1,2})/([0-9]{1,2})/([0-9]{4}|[0-9]{2})")
DATE_ISO = re.compile(r"([0-9]{4})-([0-9]{2})-([0-9]{2})")
# A serial with a fraction of a day (a date and time) is the day.
NUMERO_DE_SERIE = re.compile(r"[0-9]{4,6}(?:[.,][0-9]+)?")


def _dans_les_bornes(jour):
    if not DATE_MIN <= jour <= DATE_MAX:
        raise CelluleIllisible(f"date hors des bornes acceptées (du {DATE_MIN:%d/%m/%Y} au {DATE_MAX:%d/%m/%Y})")
    return jour


def lire_date(valeur):
    """A date typed jj/mm/aaaa (or jj/mm/aa), aaaa-mm-jj, a date cell, or Excel's serial number
    (45962 for 01/11/2025); None for an empty cell."""
    if _vide(valeur):
        return None
    if isinstance(valeur, datetime):
        return _dans_les_bornes(valeur.date())
    if isinstance(valeur, date):
        return _dans_les_bornes(valeur)
    if isinstance(valeur, int | float) and not isinstance(valeur, bool):
        valeur = str(valeur)
    lue = texte(valeur)
    try:
        if trouve := DATE_FR.fullmatch(lue):
            jour, mois, annee = (int(partie) for partie in trouve.groups())
            return _dans_les_bornes(date(annee + 2000 if annee < 100 else annee, mois, jour))
        if trouve := DATE_ISO.fullmatch(lue):
            return _dans_les_bornes(date(*(int(partie) for partie in trouve.groups())))
        if NUMERO_DE_SERIE.fullmatch(lue):
            return _dans_les_bornes(ORIGINE_EXCEL + timedelta(days=int(lue.replace(",", ".").split(".")[0])))
    except (ValueError, OverflowError) as erreur:
        if isinstance(erreur, CelluleIllisible):
            raise
        raise CelluleIllisible("cette date n’existe pas") from erreur
    raise CelluleIllisible("date illisible : écrivez-la jj/mm/aaaa, par exemple 05/11/2025")


NOMBRE = re.compile(r"-?(?:[0-9]{1,3}(?: [0-9]{3})+|[0-9]+)(?:[,.][0-9]+)?")


def lire_decimal(valeur):
    """A number the French way, « 1 234,5 » (spaces of any kind between thousands, a comma or a
    point before the decimals, a « % » after a percentage), or a number cell; None if empty."""
    if _vide(valeur):
        return None
    if isinstance(valeur, bool):
        raise CelluleIllisible("nombre attendu")
    if isinstance(valeur, int | float | Decimal):
        try:
            return Decimal(str(valeur))
        except InvalidOperation as erreur:
            raise CelluleIllisible("nombre illisible") from erreur
    lu = " ".join(str(valeur).replace("%", " ").replace("€", " ").split())
    if not NOMBRE.fullmatch(lu) or lu.count(",") + lu.count(".") > 1:
        raise CelluleIllisible("nombre illisible : écrivez-le par exemple 1 234,5 (virgule avant les décimales)")
    return Decimal(lu.replace(" ", "").replace(",", "."))
