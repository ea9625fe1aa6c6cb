"""The template of each kind of import: an XLSX file with the headers in French, an example row
or the records as they are, and a sheet that says how to fill it (fiches.tableurs)."""

from datetime import timedelta

from django.utils import timezone

from actions.exports import COLONNES_ENFANT, COLONNES_ENFANTS, MODE_D_EMPLOI
from fiches.annees import AnneeScolaire
from fiches.tableurs import DATE, DECIMAL, ENTIER, Colonne, Feuille, en_classeur

from .enfants import HORS_QUARTIER
from .enfants import TITRES as TITRES_ENFANTS
from .enums import NatureImport
from .valeurs import COLONNES as COLONNES_VALEURS


def _mode_d_emploi(lignes):
    return Feuille("Mode d’emploi", [Colonne("element", "Élément"), Colonne("sens", "Signification")], lignes)


def _presences():
    lundi = timezone.localdate() - timedelta(days=timezone.localdate().weekday())
    seances = [f"{lundi - timedelta(days=7):%d/%m/%Y}", f"{lundi:%d/%m/%Y} 14:00"]
    colonnes = [*COLONNES_ENFANT, *(Colonne(titre, titre, ENTIER) for titre in seances)]
    exemple = ["A1B2C3D4", "CM1", lundi - timedelta(days=30), lundi - timedelta(days=30), 1, 0]
    return [
        Feuille("Présences", colonnes, [exemple]),
        _mode_d_emploi(
            [
                ("Le plus simple", "exportez le mois depuis la grille de l’action, remplissez-le, importez-le"),
                *MODE_D_EMPLOI,
                ("Colonnes de l’enfant", "seul le code est lu ; le niveau et les dates sont là pour vous"),
            ]
        ),
    ]


def _enfants():
    colonnes = [*COLONNES_ENFANTS, Colonne("autre", TITRES_ENFANTS["autre"])]
    # A new child (no code) at the usual level for their age, living outside the quartiers.
    ne_en = AnneeScolaire.courante().annee_de_rentree - 9
    exemple = ["", "Fille", "F", ne_en, "CM1", "CM1", None, None, None, HORS_QUARTIER, None, "Votre structure"]
    # Consent given today, not covering the « envie d’école » questionnaire.
    exemple += [timezone.localdate(), "non", None, None, None]
    return [
        Feuille("Enfants", colonnes, [exemple]),
        _mode_d_emploi(
            [
                ("Le plus simple", "exportez la liste des enfants (responsables), corrigez-la, importez-la"),
                ("Une ligne", "un enfant, sans nom ni adresse : seulement ce que sa fiche demande"),
                ("Ligne d’exemple", "à remplacer : « Votre structure » par le nom exact de la vôtre"),
                (
                    TITRES_ENFANTS["code"],
                    "vide pour un nouvel enfant (un code lui est donné) ; sinon l’enfant à modifier",
                ),
                ("Libellé ou code", "le sexe, le niveau, l’établissement (ou son UAI), le quartier (ou son code)"),
                (TITRES_ENFANTS["structure"], "une des structures pour lesquelles vous saisissez"),
                (
                    TITRES_ENFANTS["ecart_niveau"],
                    "obligatoire quand le niveau n’est pas celui de l’année de naissance (Redoublement…)",
                ),
                (
                    TITRES_ENFANTS["autre"],
                    "un nouvel enfant du même profil (structure, sexe, année, niveau, établissement) qu’un enfant "
                    "déjà suivi ou qu’une ligne précédente est laissé de côté, peut-être le même : écrivez « oui » "
                    "si c’est un autre enfant. Sans « oui », importer deux fois le même fichier ne crée les enfants "
                    "qu’une fois ; avec « oui », chaque import les crée : exportez ensuite la liste pour leurs codes",
                ),
                ("Anonymisé le, Inscriptions", "ne sont pas lues"),
            ]
        ),
    ]


def _inscriptions():
    code, inscription = (c for c in COLONNES_ENFANT if c.cle in ("code", "date_inscription"))
    return [
        Feuille("Présences", [code, inscription], [["A1B2C3D4", timezone.localdate()]]),
        _mode_d_emploi(
            [
                (
                    code.titre,
                    "le code de l’enfant, sur sa fiche (l’enfant doit être suivi par la structure de l’action)",
                ),
                (inscription.titre, "la date d’inscription, jj/mm/aaaa, pendant les dates de l’action"),
                ("Un mois exporté", "l’export des présences d’un mois se relit aussi comme ses inscriptions"),
                ("Déjà inscrit", "un enfant déjà inscrit à la même date reste tel quel"),
            ]
        ),
    ]


def _valeurs(valeurs):
    formats = {"valeur": DECIMAL, "date_source": DATE}
    colonnes = [Colonne(c.cle, c.titre, formats.get(c.cle, "texte")) for c in COLONNES_VALEURS]
    lignes = [
        [
            v.indicateur.fiche.code,
            v.indicateur.code,
            v.indicateur.libelle,
            v.annee_scolaire,
            v.quartier.code if v.quartier else "",
            v.etablissement.uai if v.etablissement else "",
            v.valeur,
            v.source,
            v.date_source,
        ]
        for v in valeurs
    ]
    return [
        Feuille("Valeurs externes", colonnes, lignes),
        _mode_d_emploi(
            [
                ("Une ligne", "une valeur d’un indicateur saisi, pour une année scolaire et un périmètre"),
                ("Code du quartier, UAI", "vides pour tout le contrat ; l’un ou l’autre, jamais les deux"),
                ("Valeur", "un nombre, virgule décimale (un pourcentage de 0 à 100, un nombre entier)"),
                ("Les lignes présentes", "les valeurs saisies aujourd’hui : une ligne inchangée n’est pas réécrite"),
            ]
        ),
    ]


def modele(nature, *, valeurs=()):
    """The XLSX template of the kind; for the external values, `valeurs` are its rows."""
    feuilles = {
        NatureImport.ENFANTS: _enfants,
        NatureImport.PRESENCES: _presences,
        NatureImport.INSCRIPTIONS: _inscriptions,
        NatureImport.VALEURS: lambda: _valeurs(valeurs),
    }[nature]()
    return en_classeur(feuilles)
