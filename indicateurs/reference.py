from pathlib import Path

from fiches.reference import lire_reference

FICHIER_INDICATEURS = Path(__file__).resolve().parent / "donnees" / "indicateurs-1.2.3.toml"


def lire_indicateurs(chemin=FICHIER_INDICATEURS):
    """The measures of a fiche's indicators, read and refused like the fiche's own file."""
    return lire_reference(chemin)
