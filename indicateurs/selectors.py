"""Reads of the dashboards: the computed figures, targets and external values of a perimeter,
in a fixed number of queries."""

from dataclasses import dataclass, field
from decimal import Decimal

from django.conf import settings
from django.db.models import Q
from django.shortcuts import get_object_or_404

from fiches.annees import AnneeScolaire
from fiches.enums import NatureIndicateur
from fiches.models import Quartier

from .calculs import calculer, masquer_petits_effectifs
from .confidentialite import Effectif, notes
from .enums import Mode, Sens
from .models import Cible, Indicateur, ValeurExterne


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
    annee: AnneeScolaire
    quartier: Quartier | None
    masque: bool
    lignes: list
    valeurs_etablissements: list
    # {mark: footnote} of the masked figures, for the page and the exports.
    notes: dict = field(default_factory=dict)

    @property
    def perimetre(self):
        return self.quartier.code if self.quartier else "contrat"

    @property
    def realisation(self):
        return [ligne for ligne in self.lignes if ligne.indicateur.nature == NatureIndicateur.REALISATION]

    @property
    def effet(self):
        return [ligne for ligne in self.lignes if ligne.indicateur.nature == NatureIndicateur.EFFET]


def indicateurs_du_contrat(*, contrat):
    return Indicateur.objects.filter(enonce__fiche__enjeu__axe__pilier__contrat=contrat).select_related("enonce")


def annee_demandee(valeur):
    return AnneeScolaire.depuis_libelle(valeur) or AnneeScolaire.courante()


def quartiers_visibles(*, perimetre):
    """Partners granted some quartiers see only theirs; everyone else the whole contract."""
    quartiers = Quartier.objects.filter(contrat=perimetre.contrat)
    if perimetre.partenaire and perimetre.quartier_ids:
        return quartiers.filter(pk__in=perimetre.quartier_ids)
    return quartiers


def quartier_a_afficher(*, code, perimetre):
    return get_object_or_404(quartiers_visibles(perimetre=perimetre), code=code)


def tableau_de_bord(*, perimetre, annee, quartier=None):
    contrat = perimetre.contrat
    indicateurs = list(indicateurs_du_contrat(contrat=contrat))
    calcules = [indicateur.code for indicateur in indicateurs if indicateur.mode == Mode.CALCULE]
    # Officers see the records themselves; everyone else sees aggregates with small counts masked,
    # decided from the figures of every page they could open, so that no two of them can be combined.
    masque = not perimetre.responsable
    figures = calculer(contrat=contrat, annee=annee, quartier=quartier, codes=calcules, tous_les_perimetres=masque)
    seuil = settings.SEUIL_PETITS_EFFECTIFS
    if masque:
        masquer_petits_effectifs(figures, seuil=seuil)
    cibles = {
        c.indicateur_id: c.valeur
        for c in Cible.objects.filter(contrat=contrat, quartier=quartier, annee_scolaire=annee.libelle)
    }
    externes = {}
    for valeur in ValeurExterne.objects.filter(
        Q(quartier__isnull=True) | Q(quartier=quartier),
        contrat=contrat,
        etablissement__isnull=True,
        annee_scolaire__in=[annee.libelle, annee.precedente().libelle],
    ):
        perimetre_valeur = "quartier" if valeur.quartier_id else "contrat"
        externes[(valeur.indicateur_id, perimetre_valeur, valeur.annee_scolaire)] = valeur.valeur
    ici = "quartier" if quartier else "contrat"
    lignes = []
    for indicateur in indicateurs:
        ligne = LigneTableau(indicateur=indicateur, cible=cibles.get(indicateur.pk))
        if indicateur.mode == Mode.CALCULE:
            valeurs = figures.totaux.get(indicateur.code)
            ligne.sans_calcul = valeurs is None
            if valeurs is not None:
                ligne.actuelle, ligne.precedente = valeurs["actuelle"], valeurs["precedente"]
                ligne.ventilations = figures.ventilations.get(indicateur.code, [])
        else:
            ligne.actuelle = externes.get((indicateur.pk, ici, annee.libelle))
            ligne.precedente = externes.get((indicateur.pk, ici, annee.precedente().libelle))
            if quartier:
                ligne.valeur_contrat = externes.get((indicateur.pk, "contrat", annee.libelle))
        lignes.append(ligne)
    valeurs_etablissements = (
        list(
            ValeurExterne.objects.filter(
                contrat=contrat, etablissement__quartier=quartier, annee_scolaire=annee.libelle
            )
            .select_related("indicateur", "etablissement")
            .order_by("etablissement__nom", "indicateur__ordre")
        )
        if quartier
        else []
    )
    return Tableau(contrat, annee, quartier, masque, lignes, valeurs_etablissements, notes(seuil) if masque else {})


def indicateur_a_afficher(*, code, perimetre):
    return get_object_or_404(
        indicateurs_du_contrat(contrat=perimetre.contrat)
        .select_related("enonce__fiche")
        .prefetch_related("cibles__quartier"),
        code=code,
    )


def valeurs_externes(*, contrat):
    return ValeurExterne.objects.filter(contrat=contrat).select_related("indicateur", "quartier", "etablissement")
