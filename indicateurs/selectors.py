"""Reads of the dashboards: the computed figures, targets and external values of a perimeter,
in a fixed number of queries."""

from dataclasses import dataclass, field
from decimal import Decimal

from django.conf import settings
from django.db.models import Q
from django.http import Http404
from django.shortcuts import get_object_or_404
from django.utils.http import urlencode
from django.utils.text import Truncator

from comptes.perms import peut_voir_le_tableau_du_contrat
from fiches.annees import AnneeScolaire
from fiches.contours import projeter
from fiches.enums import NatureIndicateur
from fiches.models import Fiche, Quartier
from fiches.templatetags.format_fr import valeur as valeur_en_texte

from . import carte, fraicheur
from .calculs import calculer_par_fiche, masquer_petits_effectifs
from .confidentialite import Effectif, notes
from .enums import Mode, Sens
from .models import Cible, Indicateur, ValeurExterne
from .periodes import Comparaison


def _nombre(valeur):
    return valeur is not None and not isinstance(valeur, Effectif)


@dataclass
class LigneTableau:
    indicateur: Indicateur
    actuelle: object = None
    precedente: object = None
    cible: Decimal | None = None
    valeur_contrat: object = None
    ventilations: list = field(default_factory=list)
    # The sessions à saisir of the year, beside a rate over the sessions saved (None: not such a rate).
    seances_a_saisir: int | None = None
    # A computed indicator whose code names no registered calculation (an admin's typo, or one
    # still to write): shown without figures rather than failing the whole dashboard.
    sans_calcul: bool = False

    @property
    def evolution(self):
        if _nombre(self.actuelle) and _nombre(self.precedente):
            return self.actuelle - self.precedente
        return None

    @property
    def favorable(self):
        """Whether the change goes the way the fiche wants ("augmentation", or a fall in dropouts)."""
        if not self.evolution:
            return None
        return (self.evolution > 0) == (self.indicateur.sens == Sens.HAUSSE)

    @property
    def atteinte(self):
        """How far the target is reached, in percent (for a falling indicator, target over value)."""
        if not (_nombre(self.actuelle) and self.cible):
            return None
        if self.indicateur.sens == Sens.HAUSSE:
            return (Decimal(self.actuelle) * 100 / self.cible).quantize(Decimal("1"))
        return (self.cible * 100 / Decimal(self.actuelle)).quantize(Decimal("1")) if self.actuelle else None


@dataclass
class Tableau:
    contrat: object
    fiche: Fiche
    annee: AnneeScolaire
    quartier: Quartier | None
    masque: bool
    lignes: list
    valeurs_etablissements: list
    # Whether the contract's figures stand beside a quartier's.
    avec_contrat: bool = False
    # How the two years are compared: at the same date while the year is under way, else whole.
    comparaison: Comparaison | None = None
    # {mark: footnote} of the masked figures, for the page and the exports.
    notes: dict = field(default_factory=dict)
    # The closure of the year shown (fiches.ClotureAnnee), set by the view: its figures are final.
    cloture: object = None

    @property
    def perimetre(self):
        return self.quartier.code if self.quartier else "contrat"

    @property
    def parametres(self):
        """The query string of the exports of this page: same fiche, year and quartier."""
        return urlencode(
            {
                "fiche": self.fiche.code,
                "annee": self.annee.libelle,
                **({"quartier": self.quartier.code} if self.quartier else {}),
            }
        )

    def _de_nature(self, nature, *, hors_sections=False):
        return [
            ligne
            for ligne in self.lignes
            if ligne.indicateur.nature == nature and not (hors_sections and ligne.indicateur.section)
        ]

    @property
    def realisation(self):
        return self._de_nature(NatureIndicateur.REALISATION)

    @property
    def effet(self):
        """Every effect indicator, those of a section of their own too (the annual report lists
        them all in one table)."""
        return self._de_nature(NatureIndicateur.EFFET)

    # The dashboard shows the indicators of a section of their own in it, not with their nature.
    @property
    def realisation_hors_sections(self):
        return self._de_nature(NatureIndicateur.REALISATION, hors_sections=True)

    @property
    def effet_hors_sections(self):
        return self._de_nature(NatureIndicateur.EFFET, hors_sections=True)

    @property
    def sections(self):
        """[(title, lines)] of the indicators shown in a section of their own (an expected
        effect measured apart, Indicateur.section), in the order of their first indicator."""
        sections = {}
        for ligne in self.lignes:
            if ligne.indicateur.section:
                sections.setdefault(ligne.indicateur.section, []).append(ligne)
        return list(sections.items())


# The figures the list of fiches shows for each, when the fiche has them; completed by its first
# other indicators up to CHIFFRES_PAR_FICHE.
CHIFFRES_CLES = ("nb_actions", "nb_enfants_beneficiaires", "taux_assiduite")
CHIFFRES_PAR_FICHE = 3


def fiches_du_contrat(*, contrat):
    return Fiche.objects.du_contrat(contrat)


def fiche_a_afficher(*, code, perimetre):
    return get_object_or_404(fiches_du_contrat(contrat=perimetre.contrat), code=code)


def quartiers_visibles(*, perimetre):
    """Partners granted some quartiers see only theirs; everyone else the whole contract."""
    quartiers = Quartier.objects.filter(contrat=perimetre.contrat)
    if perimetre.partenaire and perimetre.quartier_ids:
        return quartiers.filter(pk__in=perimetre.quartier_ids)
    return quartiers


def premier_quartier(*, perimetre):
    """The first of the quartiers a partner was granted, where their dashboards open."""
    premier = quartiers_visibles(perimetre=perimetre).order_by("nom").first()
    if premier is None:
        raise Http404("Aucun de vos quartiers n’est dans ce contrat.")
    return premier


def quartier_a_afficher(*, code, perimetre):
    return get_object_or_404(quartiers_visibles(perimetre=perimetre), code=code)


def _figures(*, perimetre, annee, quartier, codes_par_fiche, aujourdhui=None, noms=None):
    """The computed figures of these fiches ({fiche id: codes}), compared as of `aujourdhui`,
    small counts masked outside the officers: they see the records themselves, everyone else
    aggregates, masked from the figures of every perimeter of the same fiche they could open, so
    that no two of them can be combined."""
    masque = not perimetre.responsable
    cle = ":".join(
        [
            str(perimetre.contrat.pk),
            annee.libelle,
            str(quartier.pk if quartier else "-"),
            repr(sorted(codes_par_fiche.items())),
            "masque" if masque else "clair",
        ]
    )
    par_fiche = fraicheur.en_cache(
        cle,
        lambda: calculer_par_fiche(
            contrat=perimetre.contrat,
            annee=annee,
            quartier=quartier,
            aujourdhui=aujourdhui,
            codes_par_fiche=codes_par_fiche,
            noms=noms,
            tous_les_perimetres=masque,
        ),
        aujourdhui=aujourdhui,
    )
    if masque:
        for figures in par_fiche.values():
            masquer_petits_effectifs(figures, seuil=settings.SEUIL_PETITS_EFFECTIFS)
    return par_fiche


def notes_des_chiffres(*, perimetre):
    """{mark: footnote} of the masked figures this reader may meet; none for the officers."""
    return {} if perimetre.responsable else notes(settings.SEUIL_PETITS_EFFECTIFS)


def _calcules(indicateurs):
    return [indicateur.code for indicateur in indicateurs if indicateur.mode == Mode.CALCULE]


def _externes(*, contrat, annee, quartier, indicateurs):
    """{(indicator id, "contrat" | "quartier", school year): value} of the contract's or the
    quartier's external values, for the year and the one before."""
    externes = {}
    for valeur in ValeurExterne.objects.filter(
        Q(quartier__isnull=True) | Q(quartier=quartier),
        contrat=contrat,
        indicateur__in=indicateurs,
        etablissement__isnull=True,
        annee_scolaire__in=[annee.libelle, annee.precedente().libelle],
    ):
        perimetre_valeur = "quartier" if valeur.quartier_id else "contrat"
        externes[(valeur.indicateur_id, perimetre_valeur, valeur.annee_scolaire)] = valeur.valeur
    return externes


def _ligne(indicateur, *, annee, figures, externes, ici, cible=None):
    ligne = LigneTableau(indicateur=indicateur, cible=cible)
    if indicateur.mode == Mode.CALCULE:
        valeurs = figures.totaux.get(indicateur.code)
        ligne.sans_calcul = valeurs is None
        if valeurs is not None:
            ligne.actuelle, ligne.precedente = valeurs["actuelle"], valeurs["precedente"]
            ligne.ventilations = figures.ventilations.get(indicateur.code, [])
            if (a_saisir := figures.seances_a_saisir.get(indicateur.code)) is not None:
                ligne.seances_a_saisir = a_saisir["actuelle"]
    else:
        ligne.actuelle = externes.get((indicateur.pk, ici, annee.libelle))
        ligne.precedente = externes.get((indicateur.pk, ici, annee.precedente().libelle))
    return ligne


def tableau_de_bord(*, perimetre, annee, fiche, quartier=None, aujourdhui=None, colonne_du_contrat=True):
    """The dashboard of one fiche, for the contract or one quartier, compared with the previous
    year as of `aujourdhui` (today by default): at the same date while the year is under way,
    whole once it is over. A quartier's shows the contract's figure beside each of its own to
    those who may read the contract's dashboard: one more calculation pass, for the contract,
    compared the same way, skipped without `colonne_du_contrat` (the exports have no such column)."""
    return tableaux_de_bord(
        perimetre=perimetre,
        annee=annee,
        fiches=[fiche],
        quartier=quartier,
        aujourdhui=aujourdhui,
        colonne_du_contrat=colonne_du_contrat,
    )[0]


def tableaux_de_bord(*, perimetre, annee, fiches, quartier=None, aujourdhui=None, colonne_du_contrat=True):
    """The dashboards of these fiches (tableau_de_bord), in their order, in the queries of one:
    every dataset is read once for all of them, and each fiche's figures are masked from its own
    counts only, so that each is the very dashboard of its page (the annual report reads them so)."""
    contrat = perimetre.contrat
    indicateurs = list(Indicateur.objects.filter(fiche__in=fiches))
    par_fiche = {fiche.pk: [] for fiche in fiches}
    for indicateur in indicateurs:
        par_fiche[indicateur.fiche_id].append(indicateur)
    calcules = {pk: _calcules(indicateurs_de_fiche) for pk, indicateurs_de_fiche in par_fiche.items()}
    noms = {}
    figures = _figures(
        perimetre=perimetre, annee=annee, quartier=quartier, codes_par_fiche=calcules, aujourdhui=aujourdhui, noms=noms
    )
    avec_contrat = colonne_du_contrat and quartier is not None and peut_voir_le_tableau_du_contrat(perimetre)
    if avec_contrat:
        figures_contrat = _figures(
            perimetre=perimetre,
            annee=annee,
            quartier=None,
            codes_par_fiche=calcules,
            aujourdhui=aujourdhui,
            noms=noms,
        )
    cibles = {
        c.indicateur_id: c.valeur
        for c in Cible.objects.filter(
            indicateur__fiche__in=fiches, contrat=contrat, quartier=quartier, annee_scolaire=annee.libelle
        )
    }
    externes = _externes(contrat=contrat, annee=annee, quartier=quartier, indicateurs=indicateurs)
    ici = "quartier" if quartier else "contrat"
    etablissements = {fiche.pk: [] for fiche in fiches}
    if quartier:
        for valeur in (
            ValeurExterne.objects.filter(
                indicateur__fiche__in=fiches,
                contrat=contrat,
                etablissement__quartier=quartier,
                annee_scolaire=annee.libelle,
            )
            .select_related("indicateur", "etablissement")
            .order_by("etablissement__nom", "indicateur__ordre")
        ):
            etablissements[valeur.indicateur.fiche_id].append(valeur)
    tableaux = []
    for fiche in fiches:
        lignes = []
        for indicateur in par_fiche[fiche.pk]:
            ligne = _ligne(
                indicateur,
                annee=annee,
                figures=figures[fiche.pk],
                externes=externes,
                ici=ici,
                cible=cibles.get(indicateur.pk),
            )
            if avec_contrat:
                ligne.valeur_contrat = _ligne(
                    indicateur, annee=annee, figures=figures_contrat[fiche.pk], externes=externes, ici="contrat"
                ).actuelle
            lignes.append(ligne)
        tableaux.append(
            Tableau(
                contrat,
                fiche,
                annee,
                quartier,
                not perimetre.responsable,
                lignes,
                etablissements[fiche.pk],
                avec_contrat=avec_contrat,
                comparaison=figures[fiche.pk].comparaison,
                notes=notes_des_chiffres(perimetre=perimetre),
            )
        )
    return tableaux


@dataclass
class ChiffresDeFiche:
    fiche: Fiche
    lignes: list


def _chiffres_cles(indicateurs):
    rang = {code: position for position, code in enumerate(CHIFFRES_CLES)}
    choisis = sorted(indicateurs, key=lambda i: (rang.get(i.code, len(rang)), i.ordre, i.code))
    return sorted(choisis[:CHIFFRES_PAR_FICHE], key=lambda i: (i.ordre, i.code))


def chiffres_des_fiches(*, perimetre, annee, quartier=None, aujourdhui=None):
    """The contract's fiches, each with a few key figures for the whole contract (CHIFFRES_CLES
    first), compared as the dashboards are, in a fixed number of queries however many fiches:
    every dataset is read once for all of them. For a partner granted some quartiers, the fiches
    alone; the same figures of one of their quartiers with `quartier` (one the caller read in
    their scope, quartiers_visibles), masked as that quartier's dashboards are."""
    contrat = perimetre.contrat
    fiches = list(fiches_du_contrat(contrat=contrat).prefetch_related("indicateurs"))
    if quartier is None and not peut_voir_le_tableau_du_contrat(perimetre):
        return [ChiffresDeFiche(fiche, []) for fiche in fiches]
    choisis = {fiche.pk: _chiffres_cles(fiche.indicateurs.all()) for fiche in fiches}
    figures = _figures(
        perimetre=perimetre,
        annee=annee,
        quartier=quartier,
        codes_par_fiche={pk: _calcules(indicateurs) for pk, indicateurs in choisis.items()},
        aujourdhui=aujourdhui,
    )
    tous = [indicateur for indicateurs in choisis.values() for indicateur in indicateurs]
    externes = {}
    if any(indicateur.mode == Mode.EXTERNE for indicateur in tous):
        externes = _externes(contrat=contrat, annee=annee, quartier=quartier, indicateurs=tous)
    ici = "quartier" if quartier else "contrat"
    return [
        ChiffresDeFiche(
            fiche,
            [
                _ligne(indicateur, annee=annee, figures=figures[fiche.pk], externes=externes, ici=ici)
                for indicateur in choisis[fiche.pk]
            ],
        )
        for fiche in fiches
    ]


def indicateur_a_afficher(*, fiche, code, perimetre):
    return get_object_or_404(
        Indicateur.objects.filter(fiche__enjeu__axe__pilier__contrat=perimetre.contrat, fiche__code=fiche)
        .select_related("enonce__fiche", "fiche")
        .prefetch_related("cibles__quartier"),
        code=code,
    )


def valeurs_externes(*, contrat):
    return ValeurExterne.objects.filter(contrat=contrat).select_related("indicateur", "quartier", "etablissement")


def suppression_de_valeur_externe(*, contrat, pk):
    """The history row of the deletion of value `pk` of the contract, or None: a chef correcting a
    value another has just deleted is told so, rather than shown "page not found"."""
    return (
        ValeurExterne.history.filter(id=pk, contrat_id=contrat.pk, history_type="-")
        .select_related("history_user")
        .order_by("-history_date")
        .first()
    )


def carte_des_quartiers(*, tableau, demande=None, lien, gardes=None, identifiant="carte"):
    """The map of the contract's quartiers coloured by one of the dashboard's computed
    indicators, `demande` (its code, from the page's query) or the first: those the contract's
    dashboard breaks down by quartier, whose lines are the very figures of the quartiers'
    dashboards, masked alike. Figures come from `tableau` (a contract's Tableau, already
    computed); the outlines cost one query, whatever the number of quartiers. `lien(code)` gives
    a quartier's page; `gardes` are the page's other query parameters, which the indicator's
    form carries. An unknown code is said in French beside the choice, and the first drawn.
    None when the fiche has no such indicator."""
    par_quartier = {}
    for ligne in tableau.lignes:
        for ventilation in ligne.ventilations:
            if ventilation.axe == "quartier":
                par_quartier[ligne.indicateur.code] = (ligne.indicateur, ventilation)
    if not par_quartier:
        return None
    erreur = ""
    if demande not in par_quartier:
        if demande:
            # What was asked is said back, cut: the address may hold anything.
            erreur = (
                f"« {Truncator(demande).chars(40)} » n’est pas un indicateur de cette fiche compté par quartier : "
                "la carte montre le premier de la liste."
            )
        demande = next(iter(par_quartier))
    indicateur, ventilation = par_quartier[demande]
    valeurs = {ligne.cle: ligne.actuelle for ligne in ventilation.lignes}
    lignes = Quartier.objects.filter(contrat=tableau.contrat).values_list("code", "nom", "contour").order_by("nom")
    geometries, quartiers = {}, []
    for code, nom, contour in lignes:
        if contour:
            geometries[code] = contour
        # A quartier with no line of the breakdown counted nothing.
        chiffre = valeurs.get(code, 0)
        quartiers.append(
            carte.QuartierDeCarte(code, nom, chiffre, valeur_en_texte(chiffre, indicateur.unite), lien(code))
        )
    trace = projeter(geometries)
    for numero, quartier in enumerate(quartiers, start=1):
        quartier.numero = numero
        quartier.chemin = trace.chemins.get(quartier.code, "")
        quartier.repere = trace.reperes.get(quartier.code, (0, 0))
    return carte.Carte(
        identifiant=identifiant,
        titre=f"{indicateur.libelle}, {tableau.annee}, par quartier",
        choix=[(code, indicateur.libelle) for code, (indicateur, _) in par_quartier.items()],
        choisi=demande,
        quartiers=quartiers,
        classes=carte.classer(quartiers, unite=indicateur.unite, seuil=settings.SEUIL_PETITS_EFFECTIFS),
        largeur=trace.largeur,
        hauteur=trace.hauteur,
        gardes=gardes or {},
        erreur=erreur,
    )
