"""The figures of a dashboard, what each calculation returns, the helpers that turn grouped rows
into totals and breakdowns, and the composition of the registered calculations."""

from dataclasses import dataclass, field
from decimal import ROUND_HALF_UP, Decimal

from ..confidentialite import SECONDAIRE, Effectif, Relation, proteger
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
    # Lines that are the totals of the quartiers' own dashboards: the same figures, masked alike.
    lignes_des_quartiers: bool = False

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
    # The perimeter: a quartier's code, None for the contract.
    perimetre: str | None = None
    # What masking decides from: {perimetre: Figures of its counts of children}, for every
    # perimeter a reader can open (this one included); empty: this perimeter alone.
    perimetres: dict = field(default_factory=dict)


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


def calculer(*, contrat, annee, fiche, quartier=None, aujourdhui=None, codes=None, tous_les_perimetres=False):
    """The figures of one fiche's dashboard: those of the registered calculations named by
    `codes` (all of them by default), in that order, counting the actions of that fiche only. A
    code with no registered calculation gets no figures rather than stopping the dashboard: the
    caller says what it shows instead. With `tous_les_perimetres`, the counts of children of
    the contract and of each of its quartiers come along, for masking."""
    return calculer_par_fiche(
        contrat=contrat,
        annee=annee,
        quartier=quartier,
        aujourdhui=aujourdhui,
        codes_par_fiche={fiche.pk: codes},
        tous_les_perimetres=tous_les_perimetres,
    )[fiche.pk]


def calculer_par_fiche(
    *, contrat, annee, codes_par_fiche, quartier=None, aujourdhui=None, noms=None, tous_les_perimetres=False
):
    """{fiche id: Figures} for several fiches of the contract ({fiche id: codes, or None for
    all}), each counting its own actions: every dataset is read once for all of them. `noms`: a
    dict shared with another pass of the same page, whose names are then read once (Sources).
    With `tous_les_perimetres`, each fiche's figures carry the counts of children of that fiche
    in the contract and in each quartier, for masking: one fiche's masks never depend on another's."""
    sources = Sources(
        contrat=contrat,
        annee=annee,
        fiches=codes_par_fiche,
        quartier=quartier,
        aujourdhui=aujourdhui,
        noms=noms,
        tous_les_perimetres=tous_les_perimetres,
    )
    perimetres = None
    par_fiche = {}
    for fiche, codes in codes_par_fiche.items():
        figures = par_fiche[fiche] = _composer(sources, codes, fiche)
        figures.perimetre = quartier.code if quartier else None
        # The counts the page's figures are masked with, shown on the page or not.
        effectifs = [
            effectif
            for code in figures.totaux
            for effectif in (code, *CALCULS[code].derive_de)
            if CALCULS[effectif].effectif_d_enfants
        ]
        if tous_les_perimetres and effectifs:
            perimetres = perimetres or sources.perimetres()
            figures.perimetres = {
                perimetre: _composer(autre, effectifs, fiche) for perimetre, autre in perimetres.items()
            }
    return par_fiche


def _composer(sources, codes, fiche):
    figures = Figures(comparaison=sources.comparaison)
    for code in dict.fromkeys(CALCULS if codes is None else codes):
        if (calcul := CALCULS.get(code)) is None:
            continue
        resultat = calcul.fonction(Lecture(sources, calcul.lit, fiche))
        figures.totaux[code] = resultat.valeurs
        if resultat.ventilations:
            figures.ventilations[code] = resultat.ventilations
        if resultat.seances_a_saisir is not None:
            figures.seances_a_saisir[code] = resultat.seances_a_saisir
    return figures


# --- Masking -------------------------------------------------------------------------------------


def masquer_petits_effectifs(figures, *, seuil):
    """The same figures with what would point to a child replaced by masked Effectif values,
    decided for each year from the counts of every perimeter (figures.perimetres), so that every
    page and export of the year shows the same masks (indicateurs.confidentialite):

    - counts of children: "< seuil" from 1 to seuil − 1, "s" where a sum would give one away;
    - a figure computed from them (registre: derive_de, complement) is "s" in a perimeter and
      year where what it derives from is masked; an additive one (frequentation) is "s" in a
      second perimeter when a single one is masked, so that the contract minus the quartiers
      does not give it back."""
    perimetres = figures.perimetres or {figures.perimetre: figures}
    decisions = {nom: decider(perimetres, nom, seuil=seuil) for nom in ANNEES}
    for nom, marques in decisions.items():
        for code, totaux in figures.totaux.items():
            totaux[nom] = _masque(totaux[nom], marques.get((code, figures.perimetre, None, None)), seuil)
            for ventilation in figures.ventilations.get(code, []) if CALCULS[code].effectif_d_enfants else []:
                for ligne in ventilation.lignes:
                    marque = marques.get(_cle(code, figures.perimetre, ventilation, ligne))
                    setattr(ligne, nom, _masque(getattr(ligne, nom), marque, seuil))
    return figures


def regle_de_masquage(code, *, seuil):
    """How the figure of `code` is masked outside the officers, as its definition page says it;
    None for a code with no registered calculation."""
    if (calcul := CALCULS.get(code)) is None:
        return None
    if calcul.effectif_d_enfants:
        return (
            f"Hors chefs de projet, de 1 à {seuil - 1} enfants : « < {seuil} ». Masqué « s » quand il se "
            "déduirait d’autres chiffres publiés de l’année ou de la précédente (total et ventilations, "
            "contrat et quartiers, exports), exactement ou par ses bornes."
        )
    if not calcul.derive_de:
        return "Jamais masqué : ce n’est pas un effectif d’enfants."
    sources = [f"« {CALCULS[derive].libelle} »" for derive in calcul.derive_de]
    if calcul.complement:
        sources.append("sa ligne « Hors quartier prioritaire »")
    regle = f"Hors chefs de projet, masqué « s » quand {' ou '.join(sources)} est masqué"
    regle += ", au même périmètre et la même année"
    if calcul.additif:
        regle += (
            " ; si un seul périmètre est alors masqué, le quartier au plus petit nombre d’enfants affiché "
            "l’est aussi (à défaut, le contrat), pour que le contrat moins les quartiers ne le redonne pas"
        )
    return regle + "."


def decider(perimetres, nom, *, seuil):
    """{(code, perimetre, axe, cle): mark} of the year `nom`, for the perimeters' figures."""
    valeurs, relations = cellules(perimetres, nom)
    marques = proteger(valeurs, relations, seuil=seuil)
    derives = [code for code, calcul in CALCULS.items() if calcul.derive_de or calcul.complement]
    # A figure may derive from another derived one (the rate from the presences): until stable.
    while True:
        avant = len(marques)
        for code in derives:
            calcul = CALCULS[code]
            masques = {perimetre for perimetre in perimetres if _derive_masque(calcul, perimetre, marques)}
            if calcul.additif and len(masques) == 1:
                masques |= _second(perimetres, masques, calcul.derive_de[0], valeurs, marques)
            for perimetre in masques:
                marques.setdefault((code, perimetre, None, None), SECONDAIRE)
        if len(marques) == avant:
            return marques


def cellules(perimetres, nom):
    """({cell: count}, [Relation]) of the counts of children of the year `nom` in every perimeter:
    each total with each of its breakdowns, and each line of the contract with the same line of
    the quartiers. A quartier's total is one cell, on its page and on the contract's."""
    valeurs, relations, colonnes = {}, [], {}
    for perimetre, figures in perimetres.items():
        for code, totaux in figures.totaux.items():
            if not CALCULS[code].effectif_d_enfants:
                continue
            total = (code, perimetre, None, None)
            valeurs[total] = totaux[nom] or 0
            for ventilation in figures.ventilations.get(code, []):
                parties = []
                for ligne in ventilation.lignes:
                    cle = _cle(code, perimetre, ventilation, ligne)
                    valeurs[cle] = getattr(ligne, nom) or 0
                    parties.append(cle)
                    if perimetre is not None and not ventilation.lignes_des_quartiers:
                        colonnes.setdefault((code, None, ventilation.axe, ligne.cle), []).append(cle)
                relations.append(Relation(total, tuple(parties)))
    relations += [Relation(total, tuple(parties)) for total, parties in colonnes.items() if total in valeurs]
    return valeurs, relations


def _cle(code, perimetre, ventilation, ligne):
    if ventilation.lignes_des_quartiers:
        return (code, ligne.cle, None, None)
    return (code, perimetre, ventilation.axe, ligne.cle)


def _derive_masque(calcul, perimetre, marques):
    if any((code, perimetre, None, None) in marques for code in calcul.derive_de):
        return True
    if calcul.complement:
        code, axe, cle = calcul.complement
        return (code, perimetre, axe, cle) in marques
    return False


def _second(perimetres, masques, code, valeurs, marques):
    """The perimeter to mask beside a single one: the quartier with the fewest children among
    those whose count is shown and not zero, else the contract."""
    quartiers = [
        (valeurs[cle], perimetre)
        for perimetre in perimetres
        if perimetre is not None
        and perimetre not in masques
        and (cle := (code, perimetre, None, None)) not in marques
        and valeurs.get(cle, 0) > 0
    ]
    if quartiers:
        return {min(quartiers)[1]}
    return {None} - masques if None in perimetres else set()


def _masque(valeur, marque, seuil):
    """A figure that can be shown stays a number (to compare, chart, export); a masked one is an Effectif."""
    if marque is None or valeur is None:
        return valeur
    return Effectif(valeur, True, seuil, secondaire=marque == SECONDAIRE)
