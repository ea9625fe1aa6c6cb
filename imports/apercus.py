"""What an import would do, row by row, before anything is written: the same reading serves the
preview and, under the locks of the confirmation, the check that nothing changed meanwhile."""

import hashlib
import json
import re
import unicodedata
from dataclasses import dataclass, field

CREEE, MODIFIEE, INCHANGEE = "creee", "modifiee", "inchangee"


@dataclass(frozen=True)
class LigneApercu:
    """A row of the file and what importing it does (statut), in French (detail)."""

    ligne: int
    objet: str
    statut: str
    detail: str = ""

    @property
    def cle(self):
        return [self.ligne, self.objet, self.statut, self.detail]


@dataclass
class Apercu:
    """The rows' outcomes, the errors (lecture.Erreur), and what to write (`ecritures`, read by
    the kind's writer only): nothing is written when an error remains."""

    lignes: list = field(default_factory=list)
    erreurs: list = field(default_factory=list)
    ecritures: object = None
    # For a reference file (referentiels.py): what the contract has and the file no longer
    # names, kept, and the rows left out as outside the contract's territory.
    absents: list = field(default_factory=list)
    hors_territoire: int = 0

    def nombre(self, statut):
        return sum(1 for ligne in self.lignes if ligne.statut == statut)

    @property
    def nb_crees(self):
        return self.nombre(CREEE)

    @property
    def nb_modifies(self):
        return self.nombre(MODIFIEE)

    @property
    def nb_inchanges(self):
        return self.nombre(INCHANGEE)

    @property
    def empreinte(self):
        """What the preview announced: the same file read against other data gives another."""
        contenu = json.dumps(
            [[ligne.cle for ligne in self.lignes], [erreur.cle for erreur in self.erreurs]],
            ensure_ascii=False,
            default=str,
        )
        return hashlib.sha256(contenu.encode()).hexdigest()


def normaliser(entete):
    """A header as compared: lower case, without accents, apostrophes or repeated spaces."""
    sans_accents = unicodedata.normalize("NFKD", entete).encode("ascii", "ignore").decode()
    return re.sub(r"[\s'’_]+", " ", sans_accents.lower()).strip()


def colonnes_connues(entetes, attendues):
    """Which column of the file holds each expected one: `attendues` maps a name to the headers
    that name it (its CSV key, its XLSX title). Returns {name: index}."""
    noms = {normaliser(titre): nom for nom, titres in attendues.items() for titre in titres}
    trouvees = {}
    for rang, entete in enumerate(entetes):
        nom = noms.get(normaliser(entete))
        if nom and nom not in trouvees:
            trouvees[nom] = rang
    return trouvees


def cellule(cellules, rang):
    return cellules[rang] if rang is not None and rang < len(cellules) else None
