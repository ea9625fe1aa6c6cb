"""A dashboard's XLSX read back as the rows of its CSV: the same keys, the breakdowns as
« axe=cle », shares back in percent; so that tests compare the two files figure by figure."""

import io
from fractions import Fraction

from openpyxl import load_workbook

from indicateurs.exports import FEUILLES_DES_AXES

AXES = {titre: axe for axe, titre in FEUILLES_DES_AXES.items()}
CLES = {
    "Code de l’indicateur": "code",
    "Indicateur": "libelle",
    "Nature": "nature",
    "Rubrique du tableau de bord": "rubrique",
    "Unité": "unite",
    "Base de comparaison": "base_de_comparaison",
    "Ventilation": "titre_de_la_ventilation",
    "Intitulé": "intitule",
    "Code": "cle",
}


def _valeur(cellule):
    """A number as a Fraction (a share multiplied back by 100), a masked mark as its text."""
    valeur = cellule.value
    if isinstance(valeur, float | int) and not isinstance(valeur, bool):
        nombre = Fraction(str(valeur))
        return nombre * 100 if "%" in cellule.number_format else nombre
    return valeur


def lignes_du_classeur(contenu):
    """[{key: value}] of the figures of a dashboard's XLSX, the indicators first, then each axis."""
    classeur = load_workbook(io.BytesIO(contenu))
    a_propos = dict(classeur["À propos"].iter_rows(min_row=2, values_only=True))
    annee = a_propos["Année scolaire"]
    lignes = []
    for feuille in classeur.worksheets:
        if feuille.title != "Indicateurs" and feuille.title not in AXES:
            continue
        entetes, *rangees = feuille.iter_rows()
        for rangee in rangees:
            ligne = {"perimetre": a_propos["Code du périmètre"], "ventilation": ""}
            for entete, cellule in zip(entetes, rangee, strict=True):
                if entete.value == annee:
                    ligne["valeur"] = _valeur(cellule)
                elif entete.value == f"Cible {annee}":
                    ligne["cible"] = _valeur(cellule)
                elif entete.value in CLES:
                    ligne[CLES[entete.value]] = cellule.value
                else:
                    ligne["valeur_annee_precedente"] = _valeur(cellule)
            if feuille.title in AXES:
                ligne["ventilation"] = f"{AXES[feuille.title]}={ligne['cle']}"
            lignes.append(ligne)
    return lignes
