"""The registered calculations: what an indicator whose mode is "calculé" can compute. An
indicator of any fiche is computed by the calculation registered under its code; a dashboard
composes the calculations of the indicators it shows."""

import inspect
from dataclasses import dataclass
from types import MappingProxyType

from .sources import DONNEES


@dataclass(frozen=True)
class Calcul:
    code: str
    libelle: str
    fonction: object
    # The datasets of Sources the function reads: what attaching it to a dashboard costs.
    lit: tuple
    # A count of distinct children: masked when small outside the structure that owns the records.
    effectif_d_enfants: bool = False

    @property
    def doc(self):
        return inspect.getdoc(self.fonction) or ""


_CALCULS = {}
# Read-only: a calculation is added by its decorator, where its module says what it reads.
CALCULS = MappingProxyType(_CALCULS)


def indicateur(code, *, libelle, lit, effectif_d_enfants=False):
    """Register the decorated function as the calculation of the indicator `code`. It takes the
    dashboard's sources (only the datasets named in `lit` are readable) and returns a Resultat."""
    inconnues = set(lit) - DONNEES
    if inconnues:
        raise ValueError(f"{code} : jeux de données inconnus {sorted(inconnues)} ; connus : {sorted(DONNEES)}.")

    def enregistrer(fonction):
        if code in _CALCULS:
            raise ValueError(f"Un calcul est déjà enregistré sous le code « {code} ».")
        _CALCULS[code] = Calcul(code, libelle, fonction, tuple(lit), effectif_d_enfants)
        return fonction

    return enregistrer
