"""The map of the contract's quartiers, coloured by one indicator: its classes and colours, from
figures a dashboard already computed (indicateurs.selectors.carte_des_quartiers reads them)."""

from dataclasses import dataclass, field
from decimal import Decimal

from fiches.templatetags.format_fr import valeur as en_texte

from .confidentialite import Effectif

# ColorBrewer's YlGnBu, sequential, which its authors give as safe for colour-blind readers and
# for printing in black and white (light to dark): the palette of each number of classes.
PALETTES = {
    1: ["#7fcdbb"],
    2: ["#edf8b1", "#2c7fb8"],
    3: ["#edf8b1", "#7fcdbb", "#2c7fb8"],
    4: ["#ffffcc", "#a1dab4", "#41b6c4", "#225ea8"],
}
CLASSES = max(PALETTES)
SANS_VALEUR = "#f8f9fa"


@dataclass
class Classe:
    libelle: str
    couleur: str
    # Masked figures are hatched, not only of another colour: told apart in print too.
    hachuree: bool = False


@dataclass
class QuartierDeCarte:
    code: str
    nom: str
    valeur: object
    texte: str
    lien: str
    classe: Classe | None = None
    # The path of its outline in the drawing; empty when no outline was imported.
    chemin: str = ""
    # Its number, drawn at `repere` (x, y) in its outline and given in the table: a printed map
    # names its quartiers so.
    numero: int = 0
    repere: tuple = (0, 0)


@dataclass
class Carte:
    """What the map partial (indicateurs/carte.html) draws: the quartiers with their figure and
    class, the legend, the drawing's size, the indicators it can be coloured by."""

    identifiant: str
    titre: str
    choix: list
    choisi: str
    quartiers: list
    classes: list
    largeur: int
    hauteur: int
    # The other parameters of the page, carried by the indicator's form.
    gardes: dict = field(default_factory=dict)
    erreur: str = ""

    @property
    def dessines(self):
        return [quartier for quartier in self.quartiers if quartier.chemin]

    @property
    def sans_contour(self):
        return [quartier for quartier in self.quartiers if not quartier.chemin]


def _nombre(valeur):
    return Decimal(valeur.valeur if isinstance(valeur, Effectif) else valeur)


def masque(valeur):
    return isinstance(valeur, Effectif) and valeur.masque


def classer(quartiers, *, unite, seuil):
    """Give each quartier its class: up to CLASSES classes of equal width between the smallest
    and the largest figure shown, each labelled by the figures it holds; a masked figure in a
    class of its own, hatched, whatever it hides (its place on the scale would give its size
    away); no figure, a class of its own. Returns the legend, in order."""
    montres = {q.code: _nombre(q.valeur) for q in quartiers if q.valeur is not None and not masque(q.valeur)}
    nombres = sorted(set(montres.values()))
    compte = min(CLASSES, len(nombres))
    membres = [[] for _ in range(compte)]
    for quartier in quartiers:
        if quartier.code not in montres:
            continue
        # In decimals: counts are integers, shares and rates decimals, and no float creeps in.
        etendue = nombres[-1] - nombres[0] if compte else 0
        rang = min(compte - 1, int((montres[quartier.code] - nombres[0]) * compte / etendue)) if etendue else 0
        membres[rang].append(quartier)
    legende = []
    palette = PALETTES.get(compte, [])
    for rang, groupe in enumerate(membres):
        if not groupe:
            continue
        bas, haut = min(montres[q.code] for q in groupe), max(montres[q.code] for q in groupe)
        libelle = en_texte(bas, unite) if bas == haut else f"de {en_texte(bas, unite)} à {en_texte(haut, unite)}"
        classe = Classe(libelle, palette[rang])
        legende.append(classe)
        for quartier in groupe:
            quartier.classe = classe
    for libelle, couleur, hachuree, retenus in (
        (
            f"Chiffre masqué (« < {seuil} » ou « s ») : petit effectif protégé",
            "#dee2e6",
            True,
            [q for q in quartiers if masque(q.valeur)],
        ),
        ("Pas de chiffre", SANS_VALEUR, False, [q for q in quartiers if q.valeur is None]),
    ):
        if retenus:
            classe = Classe(libelle, couleur, hachuree)
            legende.append(classe)
            for quartier in retenus:
                quartier.classe = classe
    return legende
