"""The funding of a school year as files (fiches.tableurs), the tables of its page: XLSX, one
sheet per table, for people; CSV, the same tables one under the other, each row naming its
table, for machines. Amounts in euros. Nothing here queries the database."""

from actions.exports import COLONNES_MONTANTS
from fiches.tableurs import DECIMAL, EUROS, Chiffre, Colonne, Feuille

COLONNES = [
    Colonne("annee_scolaire", "Année scolaire"),
    Colonne("definitifs", "Chiffres définitifs"),
    Colonne("tableau", "Tableau"),
    Colonne("code", "Code"),
    Colonne("libelle", "Libellé"),
    *COLONNES_MONTANTS,
    Colonne("enveloppe", "Enveloppe de l’appel à projets", EUROS),
]


def _tableaux(financements):
    """(title, rows) of each table, as the page shows them."""
    synthese = [
        (ligne.cle, ligne.libelle, ligne.demande, ligne.accorde, ligne.verse, None)
        for ligne in [financements.total, *financements.par_categorie]
    ]
    if financements.effet_levier is not None:
        synthese.append(
            (
                "effet_levier",
                "Effet levier (euros accordés au total pour 1 euro de crédits spécifiques)",
                None,
                Chiffre(financements.effet_levier, DECIMAL),
                None,
                None,
            )
        )

    def montants(lignes):
        return [(ligne.cle, ligne.libelle, ligne.demande, ligne.accorde, ligne.verse, None) for ligne in lignes]

    campagne = [
        ("", ligne.financeur, ligne.demande_dossiers, ligne.accorde, None, ligne.enveloppe)
        for ligne in financements.par_financeur_de_campagne
    ]
    return [
        ("Synthèse", synthese),
        ("Par financeur", montants(financements.par_financeur)),
        ("Par source", montants(financements.par_source)),
        ("Par fiche", montants(financements.par_fiche)),
        ("Par quartier (pas une partition)", montants(financements.par_quartier)),
        ("Appel à projets (demandé dans les dossiers)", campagne),
    ]


def _ligne(financements, titre, valeurs):
    return [financements.annee.libelle, "oui" if financements.cloture else "non", titre, *valeurs]


def feuilles(financements):
    """XLSX: a sheet per table."""
    return [
        Feuille(titre, COLONNES, [_ligne(financements, titre, valeurs) for valeurs in lignes])
        for titre, lignes in _tableaux(financements)
    ]


def feuille_unique(financements):
    """CSV: every table in one, each row naming its table."""
    return Feuille(
        "Financements",
        COLONNES,
        [_ligne(financements, titre, valeurs) for titre, lignes in _tableaux(financements) for valeurs in lignes],
    )
