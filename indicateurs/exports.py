"""The dashboard's figures as files. CSV for machines, as French Excel opens it (UTF-8 with BOM,
';', decimal comma): one row per indicator and per breakdown value, with codes. XLSX for people:
French headers and labels, figures in their units, one sheet per table (fiches.tableurs). Each
cell made safe to open in a spreadsheet (fiches.tableurs.cellule_sure)."""

import csv
import io
from decimal import Decimal

from django.utils import timezone

from fiches import tableurs
from fiches.enums import NatureIndicateur
from fiches.tableurs import cellule_sure

from .confidentialite import Effectif
from .enums import Mode, Unite

# An external value is entered for a whole school year: it is never cut at a date.
BASE_DES_VALEURS_EXTERNES = "valeurs saisies pour chaque année entière"

COLONNES = [
    "code",
    "libelle",
    "annee_scolaire",
    "perimetre",
    "ventilation",
    "valeur",
    "valeur_annee_precedente",
    "cible",
    "unite",
    # Cut at the same date while the year is under way, else whole years: the two values'
    # comparison holds only on that basis.
    "base_de_comparaison",
]


def lignes_d_export(tableau):
    for ligne in tableau.lignes:
        commun = {
            "code": ligne.indicateur.code,
            "libelle": ligne.indicateur.libelle,
            "annee_scolaire": tableau.annee.libelle,
            "perimetre": tableau.perimetre,
            "unite": ligne.indicateur.unite,
            "base_de_comparaison": (
                tableau.comparaison.libelle if ligne.indicateur.mode == Mode.CALCULE else BASE_DES_VALEURS_EXTERNES
            ),
        }
        yield {
            **commun,
            "ventilation": "",
            "valeur": ligne.actuelle,
            "valeur_annee_precedente": ligne.precedente,
            "cible": ligne.cible,
        }
        for ventilation in ligne.ventilations:
            for detail in ventilation.lignes:
                yield {
                    **commun,
                    "ventilation": f"{ventilation.axe}={detail.cle}",
                    "valeur": detail.actuelle,
                    "valeur_annee_precedente": detail.precedente,
                    "cible": None,
                }
    # The marks of masked figures explained below the figures, as on the page.
    for note in tableau.notes.values():
        yield dict.fromkeys(COLONNES) | {"libelle": note}
    if tableau.cloture is not None:
        yield dict.fromkeys(COLONNES) | {
            "libelle": f"Année clôturée : chiffres définitifs. {tableau.cloture.en_clair()}."
        }


def _lignes_sures(tableau):
    """The rows both files write: no text of theirs (a libellé, a quartier's name) can start a
    formula. Numbers are formatted after, and stay numbers."""
    for ligne in lignes_d_export(tableau):
        yield {cle: cellule_sure(valeur) for cle, valeur in ligne.items()}


def _texte(valeur, unite):
    """As on the page, without thousand separators: shares with one decimal, counts whole."""
    if valeur is None:
        return ""
    if isinstance(valeur, Effectif):
        return str(valeur)
    if unite == "pourcentage" or valeur != int(valeur):
        return f"{valeur:.1f}".replace(".", ",")
    return str(int(valeur))


def en_csv(tableau):
    tampon = io.StringIO()
    ecrivain = csv.DictWriter(tampon, fieldnames=COLONNES, delimiter=";", lineterminator="\r\n")
    ecrivain.writeheader()
    for ligne in _lignes_sures(tableau):
        ecrivain.writerow(
            {
                cle: _texte(valeur, ligne["unite"]) if cle in ("valeur", "valeur_annee_precedente", "cible") else valeur
                for cle, valeur in ligne.items()
            }
        )
    return ("\ufeff" + tampon.getvalue()).encode("utf-8")


# The sheets of a breakdown axis, whatever an indicator titles it ("Par quartier concerné" for
# actions, "Par quartier de l’action" for children): one sheet per axis, the title in a column.
FEUILLES_DES_AXES = {
    "realisation": "Par réalisation attendue",
    "thematique": "Par thématique",
    "structure": "Par structure porteuse",
    "quartier": "Par quartier",
    "sexe": "Par sexe",
    "niveau": "Par niveau scolaire",
    "education_prioritaire": "Par éducation prioritaire",
    "residence": "Par quartier de résidence",
}


def _chiffre(valeur):
    """A figure as the XLSX writes it: a number, or the mark of a masked one (« < 5 », « s »)."""
    if isinstance(valeur, Effectif):
        return str(valeur) if valeur.masque else valeur.valeur
    return valeur


def _dans_son_unite(indicateur, valeur):
    """A share as a percentage, a count as a whole number (a count with decimals, an external
    value, with one)."""
    valeur = _chiffre(valeur)
    if indicateur.unite == Unite.POURCENTAGE:
        return tableurs.Chiffre(valeur, tableurs.POURCENTAGE)
    entier = isinstance(valeur, int) or (isinstance(valeur, Decimal) and valeur == int(valeur))
    return tableurs.Chiffre(valeur, tableurs.ENTIER if entier else tableurs.DECIMAL)


def _perimetre_en_clair(tableau):
    return tableau.quartier.nom if tableau.quartier else "Tout le contrat"


def a_propos(tableau):
    """What the file is, as (rubrique, valeur) rows of its last sheet: the one place where what
    holds for a whole school year (the year closed and its figures final, say) is to be said."""
    return [
        ("Fiche", f"{tableau.fiche.code} – {tableau.fiche.titre}"),
        ("Périmètre", _perimetre_en_clair(tableau)),
        ("Code du périmètre", tableau.perimetre),
        ("Année scolaire", tableau.annee.libelle),
        ("Comparaison des indicateurs calculés", tableau.comparaison.libelle if tableau.comparaison else ""),
        ("Comparaison des valeurs externes", BASE_DES_VALEURS_EXTERNES),
        ("Petits effectifs", "masqués (« < 5 », « s »)" if tableau.masque else "non masqués"),
        ("Exporté le", f"{timezone.localtime():%d/%m/%Y à %H:%M}"),
    ]


# The sections of the page an indicator with no section of its own is shown in.
RUBRIQUES = {NatureIndicateur.REALISATION: "Indicateurs de réalisation", NatureIndicateur.EFFET: "Indicateurs d’effets"}


def _feuille_des_indicateurs(tableau):
    annee, precedente = tableau.annee.libelle, tableau.annee.precedente().libelle
    colonnes = [
        tableurs.Colonne("code", "Code de l’indicateur"),
        tableurs.Colonne("libelle", "Indicateur"),
        tableurs.Colonne("nature", "Nature"),
        tableurs.Colonne("rubrique", "Rubrique du tableau de bord"),
        tableurs.Colonne("unite", "Unité"),
        tableurs.Colonne("valeur", annee, tableurs.DECIMAL),
        tableurs.Colonne("valeur_annee_precedente", precedente, tableurs.DECIMAL),
        tableurs.Colonne("cible", f"Cible {annee}", tableurs.DECIMAL),
        tableurs.Colonne("base_de_comparaison", "Base de comparaison"),
    ]
    feuille = tableurs.Feuille("Indicateurs", colonnes)
    for ligne in tableau.lignes:
        indicateur = ligne.indicateur
        nombres = [_dans_son_unite(indicateur, v) for v in (ligne.actuelle, ligne.precedente, ligne.cible)]
        feuille.lignes.append(
            [
                indicateur.code,
                indicateur.libelle,
                indicateur.get_nature_display(),
                indicateur.section or RUBRIQUES[indicateur.nature],
                indicateur.get_unite_display(),
                *nombres,
                tableau.comparaison.libelle if indicateur.mode == Mode.CALCULE else BASE_DES_VALEURS_EXTERNES,
            ]
        )
    return feuille


def _feuilles_des_ventilations(tableau):
    annee, precedente = tableau.annee.libelle, tableau.annee.precedente().libelle
    feuilles = {}
    for ligne in tableau.lignes:
        for ventilation in ligne.ventilations:
            feuille = feuilles.get(ventilation.axe)
            if feuille is None:
                feuille = feuilles[ventilation.axe] = tableurs.Feuille(
                    FEUILLES_DES_AXES.get(ventilation.axe, ventilation.titre),
                    [
                        tableurs.Colonne("code", "Code de l’indicateur"),
                        tableurs.Colonne("libelle", "Indicateur"),
                        tableurs.Colonne("ventilation", "Ventilation"),
                        tableurs.Colonne("intitule", "Intitulé"),
                        tableurs.Colonne("cle", "Code"),
                        tableurs.Colonne("valeur", annee, tableurs.DECIMAL),
                        tableurs.Colonne("valeur_annee_precedente", precedente, tableurs.DECIMAL),
                    ],
                )
            for detail in ventilation.lignes:
                feuille.lignes.append(
                    [
                        ligne.indicateur.code,
                        ligne.indicateur.libelle,
                        ventilation.titre,
                        detail.libelle,
                        detail.cle,
                        _dans_son_unite(ligne.indicateur, detail.actuelle),
                        _dans_son_unite(ligne.indicateur, detail.precedente),
                    ]
                )
    return list(feuilles.values())


def en_xlsx(tableau):
    """The dashboard for people: the indicators, then one sheet per breakdown axis, the schools'
    values of a quartier, the notes of masked figures and what the file is. French headers and
    labels, the codes in their own columns; each figure in its indicator's unit."""
    feuilles = [_feuille_des_indicateurs(tableau), *_feuilles_des_ventilations(tableau)]
    if tableau.valeurs_etablissements:
        etablissements = tableurs.Feuille(
            "Établissements",
            [
                tableurs.Colonne("etablissement", "Établissement"),
                tableurs.Colonne("uai", "UAI"),
                tableurs.Colonne("code", "Code de l’indicateur"),
                tableurs.Colonne("libelle", "Indicateur"),
                tableurs.Colonne("valeur", tableau.annee.libelle, tableurs.DECIMAL),
            ],
        )
        for valeur in tableau.valeurs_etablissements:
            etablissements.lignes.append(
                [
                    valeur.etablissement.nom,
                    valeur.etablissement.uai,
                    valeur.indicateur.code,
                    valeur.indicateur.libelle,
                    _dans_son_unite(valeur.indicateur, valeur.valeur),
                ]
            )
        feuilles.append(etablissements)
    if tableau.notes:
        feuilles.append(
            tableurs.Feuille(
                "Chiffres masqués",
                [tableurs.Colonne("note", "Chiffres masqués, ici comme sur toutes les pages et exports de l’année")],
                [[note] for note in tableau.notes.values()],
            )
        )
    feuilles.append(
        tableurs.Feuille(
            "À propos",
            [tableurs.Colonne("rubrique", "Rubrique"), tableurs.Colonne("valeur", "Valeur")],
            a_propos(tableau),
        )
    )
    return tableurs.en_classeur(feuilles)
