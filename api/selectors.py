"""The API's reads. Figures come from the dashboards' own selector (indicateurs.selectors.
tableaux_de_bord): computed, compared and masked as the reader's dashboards show them, only
turned into data here."""

from decimal import Decimal

from django.db.models import Prefetch

from fiches.models import Axe, Enjeu, Pilier
from indicateurs.confidentialite import Effectif
from indicateurs.models import Indicateur
from indicateurs.selectors import fiches_du_contrat, quartiers_visibles, tableaux_de_bord

# The breakdowns of the registered calculations (indicateurs.calculs), by their axis.
VENTILATIONS = {
    "realisation": "Par réalisation attendue",
    "thematique": "Par thématique",
    "structure": "Par structure porteuse",
    "quartier": "Par quartier (concerné par l’action, ou de l’action)",
    "sexe": "Par sexe",
    "niveau": "Par niveau scolaire",
    "education_prioritaire": "Par éducation prioritaire de l’école de l’enfant",
    "residence": "Par quartier de résidence",
}


def structure_du_contrat(*, contrat):
    """The contract's piliers, axes, enjeux and fiches, in four queries."""
    return list(
        Pilier.objects.filter(contrat=contrat).prefetch_related(
            Prefetch(
                "axes",
                queryset=Axe.objects.prefetch_related(
                    Prefetch("enjeux", queryset=Enjeu.objects.prefetch_related("fiches"))
                ),
            )
        )
    )


def fiches_de_l_api(*, contrat):
    return fiches_du_contrat(contrat=contrat).select_related("enjeu__axe__pilier")


def fiche_de_l_api(*, contrat, code):
    """A fiche with its objectives, expected results and effects, and its indicators' statements."""
    return (
        fiches_de_l_api(contrat=contrat)
        .prefetch_related("paragraphes", "realisations_attendues", "effets_attendus", "enonces_indicateurs")
        .filter(code=code)
        .first()
    )


def indicateurs_de_l_api(*, contrat, fiche=None):
    indicateurs = Indicateur.objects.filter(fiche__enjeu__axe__pilier__contrat=contrat).select_related("fiche")
    if fiche is not None:
        indicateurs = indicateurs.filter(fiche=fiche)
    return indicateurs.order_by(
        "fiche__enjeu__axe__pilier__ordre", "fiche__enjeu__axe__ordre", "fiche__ordre", "fiche__code", "ordre", "code"
    )


def quartiers_de_l_api(*, perimetre):
    return quartiers_visibles(perimetre=perimetre).order_by("code")


def chiffre(valeur):
    """A figure as data: its value, or none and the mark that hides it (« < 5 », « s »)."""
    if isinstance(valeur, Effectif):
        return {"valeur": None, "masque": str(valeur)}
    if isinstance(valeur, Decimal):
        valeur = float(valeur)
    return {"valeur": valeur, "masque": None}


def valeurs(*, perimetre, annee, fiches, quartier=None, ventilation=None, avec_precedente=True):
    """The figures of these fiches for the year, in the contract or a quartier, as the reader's
    dashboards show them; `ventilation`: only that breakdown; without `avec_precedente`, the
    previous year's figures are left out (a year the public may not read)."""
    tableaux = tableaux_de_bord(perimetre=perimetre, annee=annee, fiches=fiches, quartier=quartier)
    precedente = chiffre if avec_precedente else (lambda _: chiffre(None))
    return [
        {
            "fiche": tableau.fiche.code,
            "titre": tableau.fiche.titre,
            "indicateurs": [
                {
                    "code": ligne.indicateur.code,
                    "libelle": ligne.indicateur.libelle,
                    "nature": ligne.indicateur.nature,
                    "unite": ligne.indicateur.unite,
                    "actuelle": chiffre(ligne.actuelle),
                    "precedente": precedente(ligne.precedente),
                    "cible": None if ligne.cible is None else float(ligne.cible),
                    "valeur_contrat": chiffre(ligne.valeur_contrat) if tableau.avec_contrat else None,
                    "ventilations": [
                        {
                            "axe": v.axe,
                            "titre": v.titre,
                            "recouvrement": v.recouvrement,
                            "lignes": [
                                {
                                    "cle": str(ligne_v.cle),
                                    "libelle": str(ligne_v.libelle),
                                    "actuelle": chiffre(ligne_v.actuelle),
                                    "precedente": precedente(ligne_v.precedente),
                                }
                                for ligne_v in v.lignes
                            ],
                        }
                        for v in ligne.ventilations
                        if ventilation is None or v.axe == ventilation
                    ],
                }
                for ligne in tableau.lignes
            ],
        }
        for tableau in tableaux
    ]
