"""Small counts of children are not shown outside the structure that owns the records: in a
quartier, "3 girls in CM2 attended" can point to a child.

- A count of 1 to threshold - 1 children is hidden and shows "< 5" (primary suppression).
- A reader sees totals, breakdowns, the contract and every quartier, both years, on pages and in
  exports: sums tie them together (a total and its breakdown, the contract and its quartiers).
  Whenever those sums would still give a hidden count away, exactly or by its bounds ("< 5" is
  1 to 4, so two of them that must make 8 are 4 and 4), another count is hidden, marked "s"
  (secondary suppression), until every hidden count keeps at least two possible values.
- "s" says nothing of the size of what it hides (0 or more). A "< 5" that would give a value
  away by its very bounds, with nothing left to hide around it, is marked "s" too.

`proteger` decides, for one school year, from every count a reader can combine; the dashboards
then only render the decision (indicateurs.calculs.figures)."""

import math
from dataclasses import dataclass
from fractions import Fraction

PRIMAIRE = "<"
SECONDAIRE = "s"
NOTE_PRIMAIRE = (
    "« < {seuil} » : de 1 à {maximum} enfants, effectif masqué pour qu’on ne puisse pas reconnaître un enfant."
)
NOTE_SECONDAIRE = (
    "« s » : chiffre masqué pour qu’on ne puisse pas en déduire un petit effectif, par différence entre "
    "des chiffres publiés ou parce qu’il est calculé sur peu d’enfants (part, taux, fréquentation) ; "
    "il peut valoir 0 ou plus."
)


@dataclass(frozen=True)
class Effectif:
    """A masked figure (a count, or a share or rate computed from masked counts)."""

    valeur: object
    masque: bool
    seuil: int
    secondaire: bool = False

    def __str__(self):
        if not self.masque:
            return str(self.valeur)
        return SECONDAIRE if self.secondaire else f"< {self.seuil}"


@dataclass(frozen=True)
class Relation:
    """A published total and the published counts it is made of. Whether the parts add up to
    the total (a partition) or overlap (a child counted in two quartiers) is read from the
    figures: what holds is what a reader may know."""

    total: object
    parties: tuple


def notes(seuil):
    """The footnotes of the two marks, as the page and the exports give them."""
    return {
        PRIMAIRE: NOTE_PRIMAIRE.format(seuil=seuil, maximum=seuil - 1),
        SECONDAIRE: NOTE_SECONDAIRE,
    }


def proteger(valeurs, relations, *, seuil):
    """{cell: mark} of the counts to hide, for counts {cell: int} tied by `relations`, so that
    no hidden count can be worked out from the others, exactly or by its bounds."""
    marques = {cle: PRIMAIRE for cle, valeur in valeurs.items() if 0 < valeur < seuil}
    autour = {}
    for relation in relations:
        for cle in (relation.total, *relation.parties):
            autour.setdefault(cle, []).append(relation)
    _un_seul_cache(valeurs, relations, marques)
    while retrouvees := retrouvables(valeurs, relations, marques, seuil=seuil):
        ajouts = {}
        for cle in sorted(retrouvees, key=repr):
            # One more hidden count in a sum already given one this round is enough for both.
            if any(_cellules(r) & ajouts.keys() for r in autour.get(cle, [])):
                continue
            if (complement := _complement(cle, valeurs, autour.get(cle, []), marques | ajouts)) is not None:
                ajouts[complement] = SECONDAIRE
        if not ajouts:
            # Everything around is hidden already: "< 5" lines, each at least 1, can add up to the
            # most their total can be (4 lines of 1 under a "< 5"). One of the sum with the most of
            # them says less as "s" (0 or more).
            primaires = [
                [c for c in _cellules_triees(r) if marques.get(c) == PRIMAIRE]
                for cle in sorted(retrouvees, key=repr)
                for r in autour.get(cle, [])
            ]
            if not (primaires := max(primaires, key=len, default=[])):
                # Every cell around is an "s" already: nothing left to hide (never met by the tests).
                return marques
            ajouts[primaires[0]] = SECONDAIRE
        marques.update(ajouts)
    return marques


def _un_seul_cache(valeurs, relations, marques):
    """The cheap part first, in place: a sum that holds with a single hidden cell gives it away."""
    exactes = [r for r in relations if valeurs[r.total] == sum(valeurs[p] for p in r.parties)]
    while True:
        ajouts = 0
        for relation in exactes:
            masquees = [cle for cle in _cellules_triees(relation) if cle in marques]
            if len(masquees) == 1 and (cle := _complement(masquees[0], valeurs, [relation], marques)) is not None:
                marques[cle] = SECONDAIRE
                ajouts += 1
        if not ajouts:
            return


def _cellules(relation):
    return {relation.total, *relation.parties}


def _cellules_triees(relation):
    # Parts before the total: hiding a breakdown line costs less than a total, which other pages show.
    return [*sorted(relation.parties, key=repr), relation.total]


def _complement(cle, valeurs, relations, masquees):
    """The shown count to hide beside `cle`: in a sum with it, a line rather than a total, the
    smallest; never a zero (hiding 0 beside a small count would leave it as it was)."""
    candidats = {
        c for relation in relations for c in _cellules(relation) if c not in masquees and valeurs.get(c, 0) > 0
    }
    if not candidats:
        return None
    totaux = {relation.total for relation in relations}
    return min(candidats, key=lambda c: (c in totaux, valeurs[c], repr(c)))


# --- What a reader can work out ------------------------------------------------------------------


def retrouvables(valeurs, relations, marques, *, seuil):
    """The hidden cells whose value follows from the shown ones: by exact linear algebra on the
    sums that hold, then by propagating the bounds of each hidden cell ([1, seuil - 1] for
    "< 5", [0, ∞) for "s") through those sums and through the inequalities of overlapping ones
    (total ≤ sum of the parts, each part ≤ total)."""
    egalites, inegalites = _contraintes(valeurs, relations, marques)
    bornes = {cle: [1, seuil - 1] if marque == PRIMAIRE else [0, None] for cle, marque in marques.items()}
    echelon = echelonner(egalites)
    trouvees = {var for var, ligne, _ in echelon if len(ligne) == 1}
    propager(bornes, [*egalites, *((ligne, rhs) for _, ligne, rhs in echelon)], inegalites)
    return trouvees | {cle for cle, (bas, haut) in bornes.items() if haut is not None and bas == haut}


def _contraintes(valeurs, relations, marques):
    """Linear equalities and inequalities (≤) over the hidden cells, shown values substituted:
    ({cell: coefficient}, right-hand side)."""
    egalites, inegalites = [], []

    def ajouter(liste, termes):
        coefficients, constante = {}, 0
        for cle, facteur in termes:
            if cle in marques:
                coefficients[cle] = coefficients.get(cle, 0) + facteur
            else:
                constante -= facteur * valeurs[cle]
        if coefficients := {cle: f for cle, f in coefficients.items() if f}:
            liste.append((coefficients, constante))

    for relation in relations:
        total, parties = valeurs[relation.total], [valeurs[p] for p in relation.parties]
        termes = [(relation.total, 1), *((p, -1) for p in relation.parties)]
        if total == sum(parties):
            ajouter(egalites, termes)
            continue
        if total <= sum(parties):
            ajouter(inegalites, termes)
        for partie, valeur in zip(relation.parties, parties, strict=True):
            if valeur <= total:
                ajouter(inegalites, [(partie, 1), (relation.total, -1)])
    return egalites, inegalites


def echelonner(equations):
    """Gauss-Jordan elimination in exact fractions: [(pivot, {cell: coefficient}, rhs)], each
    pivot eliminated from every other row. A pivot whose row holds nothing else is determined."""
    lignes = []
    for coefficients, rhs in equations:
        coefficients = dict(coefficients)
        for pivot, ligne, constante in lignes:
            if facteur := coefficients.get(pivot):
                for cle, valeur in ligne.items():
                    coefficients[cle] = coefficients.get(cle, 0) - facteur * valeur
                rhs -= facteur * constante
        coefficients = {cle: valeur for cle, valeur in coefficients.items() if valeur}
        if not coefficients:
            continue
        pivot = min(coefficients, key=repr)
        diviseur = coefficients[pivot]
        coefficients = {cle: _quotient(valeur, diviseur) for cle, valeur in coefficients.items()}
        rhs = _quotient(rhs, diviseur)
        for rang, (autre, ligne, constante) in enumerate(lignes):
            if facteur := ligne.get(pivot):
                for cle, valeur in coefficients.items():
                    ligne[cle] = ligne.get(cle, 0) - facteur * valeur
                lignes[rang] = (autre, {c: v for c, v in ligne.items() if v}, constante - facteur * rhs)
        lignes.append((pivot, coefficients, rhs))
    return lignes


def propager(bornes, egalites, inegalites, *, tours=50):
    """Narrow the integer bounds [low, high] (None: unbounded) of each cell through the
    equalities and the inequalities (≤), in place, until nothing moves."""
    contraintes = [(c, r, True) for c, r in egalites] + [(c, r, False) for c, r in inegalites]
    for _ in range(tours):
        bouge = False
        for coefficients, rhs, egale in contraintes:
            # The sum's least and greatest values, its unbounded terms counted apart; a term's own
            # part is taken out below. Bounds tightened meanwhile only make these looser: still true.
            termes = [(cle, f, *_extremes(f, bornes[cle])) for cle, f in coefficients.items()]
            bas = sum(petit for *_, petit, _ in termes if petit is not None)
            haut = sum(grand for *_, grand in termes if grand is not None)
            bas_infinis = sum(petit is None for *_, petit, _ in termes)
            haut_infinis = sum(grand is None for *_, grand in termes)
            for cle, f, petit, grand in termes:
                reste_min = None if bas_infinis - (petit is None) else bas - (petit or 0)
                reste_max = None if haut_infinis - (grand is None) else haut - (grand or 0)
                # f × x = rhs − rest (equality), or f × x ≤ rhs − rest (inequality).
                plafond = None if reste_min is None else _quotient(rhs - reste_min, f)
                plancher = None if reste_max is None or not egale else _quotient(rhs - reste_max, f)
                if f < 0:
                    plafond, plancher = plancher, plafond
                bouge |= _resserrer(bornes[cle], plancher, plafond)
        if not bouge:
            return


def _extremes(facteur, borne):
    """(least, greatest) of facteur × a cell within its bounds; None where unbounded."""
    bas, haut = borne
    bas, haut = (None if bas is None else facteur * bas), (None if haut is None else facteur * haut)
    return (bas, haut) if facteur > 0 else (haut, bas)


def _quotient(a, b):
    return a * b if b in (1, -1) else Fraction(a) / b


def _resserrer(borne, bas, haut):
    bouge = False
    if bas is not None and (nouveau := math.ceil(bas)) > borne[0]:
        borne[0], bouge = nouveau, True
    if haut is not None and (borne[1] is None or math.floor(haut) < borne[1]):
        borne[1], bouge = math.floor(haut), True
    return bouge
