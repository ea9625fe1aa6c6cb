"""The figures of a dashboard, what each calculation returns, the helpers that turn grouped rows
into totals and breakdowns, and the composition of the registered calculations."""

from dataclasses import dataclass, field
from decimal import ROUND_HALF_UP, Decimal

from ..confidentialite import masquer
from .registre import CALCULS
from .sources import ANNEES, Lecture, Sources


@dataclass
class Ligne:
    cle: str
    libelle: str
    actuelle: object
    precedente: object


@dataclass
class Ventilation:
    axe: str
    titre: str
    lignes: list
    # Empty when each thing counted falls in exactly one line, so that the lines add up to the
    # total; otherwise why one can fall in several, said where the breakdown is shown.
    recouvrement: str = ""

    @property
    def partition(self):
        return not self.recouvrement


@dataclass
class Resultat:
    """What one calculation returns: {year: value}, and its breakdowns."""

    valeurs: dict
    ventilations: list = field(default_factory=list)
    # {year: sessions à saisir} for a rate over sessions saved: the sessions it leaves out.
    seances_a_saisir: dict | None = None


@dataclass
class Figures:
    """Raw figures of one perimeter: totals per code and per year, breakdowns per code; how the
    two years are compared (indicateurs.periodes.Comparaison)."""

    totaux: dict = field(default_factory=dict)
    ventilations: dict = field(default_factory=dict)
    seances_a_saisir: dict = field(default_factory=dict)
    comparaison: object = None


def total(groupes, champ=None, condition=lambda groupe: True):
    """{year: sum} of the groups that meet the condition, of their counts or of another field."""
    return {
        nom: sum(groupe[f"{champ}__{nom}" if champ else nom] or 0 for groupe in groupes if condition(groupe))
        for nom in ANNEES
    }


def sommes_par(cle, groupes):
    """{key: {year: sum}}: the yearly counts of fine groups summed by a coarser key; exact, since
    each record (an action, a child's year) falls in exactly one group."""
    sommes = {}
    for groupe in groupes:
        somme = sommes.get(valeur := cle(groupe))
        if somme is None:
            somme = sommes[valeur] = dict.fromkeys(ANNEES, 0)
        for nom in ANNEES:
            somme[nom] += groupe[nom] or 0
    return sommes


def lignes_de(sommes, libelle, ordre=None):
    """Breakdown lines from {key: {year: sum}}, by key or by `ordre(key)`."""
    return [
        Ligne(cle, libelle(cle), somme["actuelle"], somme["precedente"])
        for cle, somme in sorted(sommes.items(), key=lambda item: ordre(item[0]) if ordre else item[0])
    ]


def ratio(numerateur, denominateur):
    """A percentage, or None for a year with nothing to divide by."""
    if not denominateur:
        return None
    # Half up, as a spreadsheet rounds: 6.25 % shows as 6.3 %.
    return (Decimal(numerateur) * 100 / Decimal(denominateur)).quantize(Decimal("0.1"), rounding=ROUND_HALF_UP)


def calculer(*, contrat, annee, fiche, quartier=None, aujourdhui=None, codes=None):
    """The figures of one fiche's dashboard: those of the registered calculations named by
    `codes` (all of them by default), in that order, counting the actions of that fiche only. A
    code with no registered calculation gets no figures rather than stopping the dashboard: the
    caller says what it shows instead."""
    return calculer_par_fiche(
        contrat=contrat, annee=annee, quartier=quartier, aujourdhui=aujourdhui, codes_par_fiche={fiche.pk: codes}
    )[fiche.pk]


def calculer_par_fiche(*, contrat, annee, codes_par_fiche, quartier=None, aujourdhui=None, noms=None):
    """{fiche id: Figures} for several fiches of the contract ({fiche id: codes, or None for
    all}), each counting its own actions: every dataset is read once for all of them. `noms`: a
    dict shared with another pass of the same page, whose names are then read once (Sources)."""
    sources = Sources(
        contrat=contrat, annee=annee, fiches=codes_par_fiche, quartier=quartier, aujourdhui=aujourdhui, noms=noms
    )
    par_fiche = {}
    for fiche, codes in codes_par_fiche.items():
        figures = par_fiche[fiche] = Figures(comparaison=sources.comparaison)
        for code in dict.fromkeys(CALCULS if codes is None else codes):
            if (calcul := CALCULS.get(code)) is None:
                continue
            resultat = calcul.fonction(Lecture(sources, calcul.lit, fiche))
            figures.totaux[code] = resultat.valeurs
            if resultat.ventilations:
                figures.ventilations[code] = resultat.ventilations
            if resultat.seances_a_saisir is not None:
                figures.seances_a_saisir[code] = resultat.seances_a_saisir
    return par_fiche


def masquer_petits_effectifs(figures, *, seuil):
    """The same figures with small counts of children replaced by masked Effectif values."""
    for code, totaux in figures.totaux.items():
        if not CALCULS[code].effectif_d_enfants:
            continue
        for nom in ANNEES:
            effectif = totaux[nom]
            for ventilation in figures.ventilations.get(code, []):
                _, cellules = masquer(
                    total=effectif,
                    ventilation={ligne.cle: getattr(ligne, nom) for ligne in ventilation.lignes},
                    seuil=seuil,
                )
                for ligne in ventilation.lignes:
                    setattr(ligne, nom, _masque_ou_nombre(cellules[ligne.cle]))
            totaux[nom] = _masque_ou_nombre(masquer(total=effectif, ventilation={}, seuil=seuil)[0])
    return figures


def _masque_ou_nombre(effectif):
    """A count that can be shown stays a number (to compare, chart, export); a masked one is an Effectif."""
    return effectif if effectif.masque else effectif.valeur
