"""Small counts of children are not shown outside the structure that owns the records: in a
quartier, "3 girls in CM2 attended" can point to a child. A count from 1 to threshold - 1 is
hidden (primary suppression); when a breakdown would then hide a single cell while its total is
shown, the next smallest cell is hidden too (secondary suppression), so that the hidden cell
cannot be recovered by subtracting the others from the total."""

from dataclasses import dataclass


@dataclass(frozen=True)
class Effectif:
    valeur: int
    masque: bool
    seuil: int

    def __str__(self):
        return f"< {self.seuil}" if self.masque else str(self.valeur)


def _petit(valeur, seuil):
    return 0 < valeur < seuil


def masquer(*, total, ventilation, seuil):
    """The total and its breakdown (a dict label -> count, summing to the total) with the small
    counts masked. Returns (Effectif for the total, dict label -> Effectif)."""
    if _petit(total, seuil):
        return Effectif(total, True, seuil), {cle: Effectif(v, v > 0, seuil) for cle, v in ventilation.items()}
    masques = {cle for cle, valeur in ventilation.items() if _petit(valeur, seuil)}
    if len(masques) == 1:
        # One hidden cell beside a shown total is the total minus the others: hide another.
        candidats = sorted((valeur, cle) for cle, valeur in ventilation.items() if cle not in masques and valeur > 0)
        if candidats:
            masques.add(candidats[0][1])
    return Effectif(total, False, seuil), {
        cle: Effectif(valeur, cle in masques, seuil) for cle, valeur in ventilation.items()
    }
