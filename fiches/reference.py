"""Reading a reference file: TOML parsing and the checks that need no database, refused in
French with the element at fault. The loaders (services of each layer) write what it holds."""

import tomllib
from pathlib import Path

from django.core.exceptions import ValidationError

FICHIER_REFERENCE = Path(__file__).resolve().parent / "donnees" / "fiche-1.2.3.toml"


def lire_reference(chemin=FICHIER_REFERENCE):
    try:
        with open(chemin, "rb") as fichier:
            return tomllib.load(fichier)
    except UnicodeDecodeError as erreur:
        raise ValidationError(f"Le fichier {chemin} n’est pas encodé en UTF-8.") from erreur
    except tomllib.TOMLDecodeError as erreur:
        raise ValidationError(f"Le fichier {chemin} n’est pas un TOML valide : {erreur}") from erreur


def sans_doublon(cles, libelle):
    vues = []
    for cle in cles:
        if cle in vues:
            raise ValidationError(f"{libelle} apparaît deux fois dans le fichier : {cle}.")
        vues.append(cle)


def par_cle(elements, cle, libelle):
    """The file's elements indexed by their key, refusing a key given twice (one would be lost)."""
    sans_doublon([element[cle] for element in elements], libelle)
    return elements


def chercher(table, cle, libelle):
    try:
        return table[cle]
    except KeyError:
        raise ValidationError(f"{libelle} « {cle} » est cité mais n’est pas défini dans le fichier.") from None
