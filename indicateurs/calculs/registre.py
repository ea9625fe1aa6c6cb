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
    # Masking of a figure computed over the children (a share, a rate, presences, an average):
    # hidden, marked "s", in a perimeter and year where one of these codes is hidden...
    derive_de: tuple = ()
    # ... or where this breakdown line (code, axe, cle) is: with the total of its count, the
    # figure would give that line away (a share of the children is that line over the total).
    complement: tuple | None = None
    # The contract's figure is the sum of the quartiers' when each action concerns one quartier:
    # hidden in a single perimeter, it would be the difference, so a second one is hidden.
    additif: bool = False

    @property
    def doc(self):
        return inspect.getdoc(self.fonction) or ""


_CALCULS = {}
# Read-only: a calculation is added by its decorator, where its module says what it reads.
CALCULS = MappingProxyType(_CALCULS)


def indicateur(code, *, libelle, lit, effectif_d_enfants=False, derive_de=(), complement=None, additif=False):
    """Register the decorated function as the calculation of the indicator `code`. It takes the
    dashboard's sources (only the datasets named in `lit` are readable) and returns a Resultat."""
    inconnues = set(lit) - DONNEES
    if inconnues:
        raise ValueError(f"{code} : jeux de données inconnus {sorted(inconnues)} ; connus : {sorted(DONNEES)}.")

    def enregistrer(fonction):
        if code in _CALCULS:
            raise ValueError(f"Un calcul est déjà enregistré sous le code « {code} ».")
        _CALCULS[code] = Calcul(
            code, libelle, fonction, tuple(lit), effectif_d_enfants, tuple(derive_de), complement, additif
        )
        return fonction

    return enregistrer
