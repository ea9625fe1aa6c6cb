"""The dashboard's figures as files: CSV for Excel in French (UTF-8 with BOM, ';', decimal
comma) and XLSX. One row per indicator and per breakdown value, each cell made safe to open in
a spreadsheet (fiches.tableurs)."""

import csv
import io
from decimal import Decimal

from openpyxl import Workbook

from fiches.tableurs import cellule_sure

from .confidentialite import Effectif
from .enums import Mode

# An external value is entered for a whole school year: it is never cut at a date.
BASE_DES_VALEURS_EXTERNES = "valeurs saisies pour chaque année entière"

COLONNES = [
    "code",
    "libelle",
    "annee_scolaire",
    "perimetre",
    "ventilation",
    "valeur",
    "valeur_annee_precedente",
    "cible",
    "unite",
    # Cut at the same date while the year is under way, else whole years: the two values'
    # comparison holds only on that basis.
    "base_de_comparaison",
]


def lignes_d_export(tableau):
    for ligne in tableau.lignes:
        commun = {
            "code": ligne.indicateur.code,
            "libelle": ligne.indicateur.libelle,
            "annee_scolaire": tableau.annee.libelle,
            "perimetre": tableau.perimetre,
            "unite": ligne.indicateur.unite,
            "base_de_comparaison": (
                tableau.comparaison.libelle if ligne.indicateur.mode == Mode.CALCULE else BASE_DES_VALEURS_EXTERNES
            ),
        }
        yield {
            **commun,
            "ventilation": "",
            "valeur": ligne.actuelle,
            "valeur_annee_precedente": ligne.precedente,
            "cible": ligne.cible,
        }
        for ventilation in ligne.ventilations:
            for detail in ventilation.lignes:
                yield {
                    **commun,
                    "ventilation": f"{ventilation.axe}={detail.cle}",
                    "valeur": detail.actuelle,
                    "valeur_annee_precedente": detail.precedente,
                    "cible": None,
                }
    # The marks of masked figures explained below the figures, as on the page.
    for note in tableau.notes.values():
        yield dict.fromkeys(COLONNES) | {"libelle": note}
    if tableau.cloture is not None:
        yield dict.fromkeys(COLONNES) | {
            "libelle": f"Année clôturée : chiffres définitifs. {tableau.cloture.en_clair()}."
        }


def _lignes_sures(tableau):
    """The rows both files write: no text of theirs (a libellé, a quartier's name) can start a
    formula. Numbers are formatted after, and stay numbers."""
    for ligne in lignes_d_export(tableau):
        yield {cle: cellule_sure(valeur) for cle, valeur in ligne.items()}


def _texte(valeur, unite):
    """As on the page, without thousand separators: shares with one decimal, counts whole."""
    if valeur is None:
        return ""
    if isinstance(valeur, Effectif):
        return str(valeur)
    if unite == "pourcentage" or valeur != int(valeur):
        return f"{valeur:.1f}".replace(".", ",")
    return str(int(valeur))


def en_csv(tableau):
    tampon = io.StringIO()
    ecrivain = csv.DictWriter(tampon, fieldnames=COLONNES, delimiter=";", lineterminator="\r\n")
    ecrivain.writeheader()
    for ligne in _lignes_sures(tableau):
        ecrivain.writerow(
            {
                cle: _texte(valeur, ligne["unite"]) if cle in ("valeur", "valeur_annee_precedente", "cible") else valeur
                for cle, valeur in ligne.items()
            }
        )
    return ("\ufeff" + tampon.getvalue()).encode("utf-8")


def _cellule(valeur):
    if isinstance(valeur, Effectif):
        return str(valeur)
    if isinstance(valeur, Decimal):
        return float(valeur)
    return valeur


def en_xlsx(tableau):
    classeur = Workbook()
    feuille = classeur.active
    feuille.title = f"Indicateurs {tableau.annee.libelle}"
    feuille.append(COLONNES)
    for ligne in _lignes_sures(tableau):
        feuille.append([_cellule(ligne[colonne]) for colonne in COLONNES])
    feuille.freeze_panes = "A2"
    tampon = io.BytesIO()
    classeur.save(tampon)
    return tampon.getvalue()
