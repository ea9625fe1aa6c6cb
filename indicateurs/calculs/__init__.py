"""The computed indicators, live: one small function per indicator, registered under its code
(registre), reading datasets shared by the whole dashboard (sources).

Importing the package registers every calculation, so that CALCULS is complete wherever it is read."""

from . import coimplication, effet, questionnaires, realisation  # noqa: F401  (registration)
from .figures import Figures, Ligne, Resultat, Ventilation, calculer, calculer_par_fiche, masquer_petits_effectifs
from .registre import CALCULS, indicateur

__all__ = [
    "CALCULS",
    "Figures",
    "Ligne",
    "Resultat",
    "Ventilation",
    "calculer",
    "calculer_par_fiche",
    "indicateur",
    "masquer_petits_effectifs",
]
