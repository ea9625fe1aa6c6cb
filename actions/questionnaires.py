"""The « envie d’école » questionnaire (fiche 1.2.3, effet attendu E2), read from its data files
(actions/donnees/questionnaires/, one file per version) and checked without the database, as
fiches.reference reads the fiche. A contract adapts it by adding a version: the answers keep the
version and the form they were given under, and a child's exit answers take their entry's, so
that the two scores are comparable; a published version is never edited.

The score of a set of answers is computed here, once, when they are saved (services): the
indicators read the stored score and never this file."""

import re
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal
from functools import cache
from pathlib import Path

from django.core.exceptions import ValidationError

from fiches.reference import lire_reference, sans_doublon

from .enums import NiveauScolaire

DOSSIER = Path(__file__).resolve().parent / "donnees" / "questionnaires"
# The faces the application draws (templates/actions/questionnaires/_pictogramme.html).
PICTOGRAMMES = ("tres_triste", "triste", "content", "tres_content")
CALCULS = ("moyenne", "somme")
ITEMS_MIN, ITEMS_MAX = 4, 10
# Scores are stored with three decimals (Questionnaire.score): the mean of 8 answers has more.
PRECISION = Decimal("0.001")


@dataclass(frozen=True)
class Reponse:
    valeur: int
    libelle: str
    pictogramme: str


@dataclass(frozen=True)
class Item:
    code: str
    texte: str
    inverse: bool


@dataclass(frozen=True)
class Forme:
    """The questionnaire for one public (élémentaire, collège): its items and the levels it is for."""

    public: str
    libelle: str
    niveaux: tuple
    items: tuple


@dataclass(frozen=True)
class Questionnaire:
    code: str
    version: int
    titre: str
    consigne: str
    echelle: tuple
    calcul: str
    formes: tuple

    @property
    def valeurs(self):
        return [reponse.valeur for reponse in self.echelle]

    def forme(self, public):
        for forme in self.formes:
            if forme.public == public:
                return forme
        raise ValidationError(f"Le questionnaire {self.titre} (version {self.version}) n’a pas de forme « {public} ».")

    def forme_du_niveau(self, niveau):
        """The form for a school level, or None when the questionnaire has none for it."""
        for forme in self.formes:
            if niveau in forme.niveaux:
                return forme
        return None

    def refus(self, forme, reponses):
        """What is wrong with a set of answers, by item code (empty when they can be saved)."""
        erreurs = {}
        for item in forme.items:
            valeur = reponses.get(item.code)
            if valeur in (None, ""):
                erreurs[item.code] = "Choisissez une réponse."
            elif valeur not in self.valeurs:
                erreurs[item.code] = f"Réponse inconnue : {valeur}."
        if inconnus := set(reponses) - {item.code for item in forme.items}:
            erreurs["__all__"] = "Phrases inconnues de ce questionnaire : " + ", ".join(sorted(inconnus)) + "."
        return erreurs

    def score(self, forme, reponses):
        """The score of complete answers: their mean (or sum), a negatively worded item counting
        the scale reversed (on 1–4, 5 minus the answer)."""
        haut, bas = max(self.valeurs), min(self.valeurs)
        points = [(haut + bas - reponses[item.code]) if item.inverse else reponses[item.code] for item in forme.items]
        total = Decimal(sum(points))
        if self.calcul == "moyenne":
            total /= len(points)
        return total.quantize(PRECISION, rounding=ROUND_HALF_UP)


def _exiger(condition, message):
    if not condition:
        raise ValidationError(message)


def _texte(table, cle, ou):
    valeur = table.get(cle)
    _exiger(isinstance(valeur, str) and valeur.strip(), f"{ou} : « {cle} » manque ou est vide.")
    return valeur


def lire_questionnaire(chemin):
    """A version of the questionnaire read from its file and checked; refused in French with
    the element at fault."""
    donnees = lire_reference(chemin)
    nom = Path(chemin).name
    version = donnees.get("version")
    _exiger(isinstance(version, int) and version >= 1, f"{nom} : « version » doit être un entier positif.")
    attendu = re.fullmatch(r".+-v(\d+)\.toml", nom)
    _exiger(
        attendu and int(attendu.group(1)) == version,
        f"{nom} : le nom du fichier doit finir par -v{version}.toml, la version qu’il déclare.",
    )
    echelle = []
    for reponse in donnees.get("echelle", []):
        _exiger(
            reponse.get("pictogramme") in PICTOGRAMMES,
            f"{nom} : pictogramme inconnu « {reponse.get('pictogramme')} » (possibles : {', '.join(PICTOGRAMMES)}).",
        )
        echelle.append(Reponse(reponse.get("valeur"), _texte(reponse, "libelle", nom), reponse["pictogramme"]))
    _exiger(
        [reponse.valeur for reponse in echelle] == list(range(1, len(echelle) + 1)) and len(echelle) >= 2,
        f"{nom} : l’échelle doit numéroter ses réponses 1, 2, 3… dans l’ordre.",
    )
    calcul = donnees.get("score", {}).get("calcul")
    _exiger(calcul in CALCULS, f"{nom} : le score se calcule par « moyenne » ou « somme », pas « {calcul} ».")
    formes = []
    for forme in donnees.get("formes", []):
        public = _texte(forme, "public", nom)
        inconnus = set(forme.get("niveaux", [])) - set(NiveauScolaire.values)
        _exiger(not inconnus, f"{nom}, forme {public} : niveaux inconnus : {', '.join(sorted(inconnus))}.")
        items = tuple(
            Item(
                _texte(item, "code", f"{nom}, forme {public}"),
                _texte(item, "texte", f"{nom}, forme {public}"),
                item.get("inverse", False) is True,
            )
            for item in forme.get("items", [])
        )
        _exiger(
            ITEMS_MIN <= len(items) <= ITEMS_MAX,
            f"{nom}, forme {public} : {len(items)} phrases, il en faut de {ITEMS_MIN} à {ITEMS_MAX}.",
        )
        sans_doublon([item.code for item in items], f"{nom}, forme {public} : la phrase")
        formes.append(Forme(public, _texte(forme, "libelle", nom), tuple(forme.get("niveaux", [])), items))
    _exiger(formes, f"{nom} : aucune forme (élémentaire, collège…).")
    sans_doublon([forme.public for forme in formes], f"{nom} : la forme")
    sans_doublon([niveau for forme in formes for niveau in forme.niveaux], f"{nom} : le niveau")
    return Questionnaire(
        code=_texte(donnees, "code", nom),
        version=version,
        titre=_texte(donnees, "titre", nom),
        consigne=_texte(donnees, "consigne", nom),
        echelle=tuple(echelle),
        calcul=calcul,
        formes=tuple(formes),
    )


@cache
def versions(dossier=DOSSIER):
    """Every version of the questionnaire, by number."""
    lus = [lire_questionnaire(chemin) for chemin in sorted(Path(dossier).glob("*.toml"))]
    sans_doublon([questionnaire.version for questionnaire in lus], "La version du questionnaire")
    return {questionnaire.version: questionnaire for questionnaire in lus}


def questionnaire(version=None, dossier=DOSSIER):
    """A version of the questionnaire, the latest when none is named (new entry answers)."""
    toutes = versions(dossier)
    if version is None:
        return toutes[max(toutes)]
    if version not in toutes:
        raise ValidationError(f"La version {version} du questionnaire n’existe plus dans {dossier}.")
    return toutes[version]


def a_remplir(*, niveau, entree=None, rempli=None):
    """The version and form a child answers under: those of their answers being corrected, else
    those of their entry (an exit compares with it), else the latest version's form for their
    level (None when it has none)."""
    deja = rempli or entree
    if deja is not None:
        version = questionnaire(deja.version)
        return version, version.forme(deja.forme)
    version = questionnaire()
    return version, version.forme_du_niveau(niveau)
