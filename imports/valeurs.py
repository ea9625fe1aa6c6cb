"""External values of the indicators (school results, dropouts): a row per indicator, school year
and perimeter (the contract, a quartier by its code, or a school by its UAI), with the value,
its source and the source's date. The template of this kind is the contract's values as they
are (modeles.py): filled in and imported back, only the rows changed are written.

Written through indicateurs.services (valeur_externe_enregistrer, valeur_externe_modifier), one
call per row created or changed: a closed year, a calculated indicator, a value its unit
refuses are refused there as in the form, and the history keeps each value."""

from dataclasses import dataclass

from django.core.exceptions import ValidationError

from fiches.annees import AnneeScolaire
from fiches.clotures import clotures
from fiches.models import Quartier
from indicateurs.enums import Mode
from indicateurs.models import Indicateur, ValeurExterne, nombre_en_clair, valider_selon_l_unite
from indicateurs.services import valeur_externe_enregistrer, valeur_externe_modifier
from partenaires.models import Etablissement

from .apercus import CREEE, INCHANGEE, MODIFIEE, Apercu, LigneApercu, cellule, colonnes_connues
from .lecture import CelluleIllisible, Erreur, lire_date, lire_decimal, texte


@dataclass(frozen=True)
class ColonneValeur:
    cle: str
    titre: str
    obligatoire: bool = True


COLONNES = [
    ColonneValeur("fiche", "Fiche"),
    ColonneValeur("indicateur", "Code de l’indicateur"),
    ColonneValeur("libelle", "Indicateur", obligatoire=False),
    ColonneValeur("annee_scolaire", "Année scolaire"),
    ColonneValeur("quartier", "Code du quartier", obligatoire=False),
    ColonneValeur("uai", "UAI de l’établissement", obligatoire=False),
    ColonneValeur("valeur", "Valeur"),
    ColonneValeur("source", "Source"),
    ColonneValeur("date_source", "Date de la source"),
]
TITRES = {colonne.cle: colonne.titre for colonne in COLONNES}
SOURCE_MAX = ValeurExterne._meta.get_field("source").max_length


def _lire_ligne(numero, cellules, rangs, references, erreurs):
    """The row's values, or None after adding its errors."""
    indicateurs, quartiers, etablissements = references
    lu = {cle: cellule(cellules, rangs.get(cle)) for cle in TITRES}
    avant = len(erreurs)

    def refuser(cle, raison):
        erreurs.append(Erreur(numero, TITRES[cle], texte(lu[cle]), raison))

    indicateur = indicateurs.get((texte(lu["fiche"]), texte(lu["indicateur"])))
    if indicateur is None:
        refuser("indicateur", "aucun indicateur de cette fiche n’a ce code")
    elif indicateur.mode != Mode.EXTERNE:
        refuser("indicateur", "cet indicateur est calculé à partir des saisies, pas saisi")
    annee = AnneeScolaire.depuis_libelle(texte(lu["annee_scolaire"]))
    if annee is None:
        refuser("annee_scolaire", "année scolaire illisible : écrivez-la 2025-2026")
    quartier = etablissement = None
    if texte(lu["quartier"]):
        quartier = quartiers.get(texte(lu["quartier"]).upper())
        if quartier is None:
            refuser("quartier", "aucun quartier du contrat n’a ce code")
    if texte(lu["uai"]):
        etablissement = etablissements.get(texte(lu["uai"]).upper())
        if etablissement is None:
            refuser("uai", "aucun établissement du contrat n’a cette UAI")
    if quartier and etablissement:
        refuser("uai", "choisissez un quartier ou un établissement, pas les deux")
    valeur = date_source = None
    try:
        valeur = lire_decimal(lu["valeur"])
        if valeur is None:
            raise CelluleIllisible("valeur manquante")
        if indicateur is not None:
            valider_selon_l_unite(valeur, indicateur.unite)
    except CelluleIllisible as erreur:
        refuser("valeur", str(erreur))
    except ValidationError as erreur:
        refuser("valeur", " ".join(erreur.messages))
    source = texte(lu["source"])
    if not source or len(source) > SOURCE_MAX:
        refuser("source", f"la source est obligatoire, en {SOURCE_MAX} caractères au plus (ex. DEPP, rectorat)")
    try:
        date_source = lire_date(lu["date_source"])
        if date_source is None:
            raise CelluleIllisible("date de la source manquante")
    except CelluleIllisible as erreur:
        refuser("date_source", str(erreur))
    if len(erreurs) > avant:
        return None
    return {
        "indicateur": indicateur,
        "annee_scolaire": annee.libelle,
        "quartier": quartier,
        "etablissement": etablissement,
        "valeur": valeur,
        "source": source,
        "date_source": date_source,
    }


def _cle(donnees):
    return (
        donnees["indicateur"].pk,
        donnees["annee_scolaire"],
        getattr(donnees["quartier"], "pk", None),
        getattr(donnees["etablissement"], "pk", None),
    )


def analyser(*, tableau, contrat, **_):
    """Each row against the contract's values, in a fixed number of queries: its indicators,
    quartiers, schools, values and closures."""
    apercu = Apercu()
    rangs = colonnes_connues(tableau.entetes, {c.cle: (c.cle, c.titre) for c in COLONNES})
    for colonne in COLONNES:
        if colonne.obligatoire and colonne.cle not in rangs:
            apercu.erreurs.append(
                Erreur(1, colonne.titre, "", f"colonne « {colonne.titre} » introuvable dans la première ligne")
            )
    if apercu.erreurs:
        return apercu
    indicateurs = {
        (i.fiche.code, i.code): i
        for i in Indicateur.objects.filter(fiche__enjeu__axe__pilier__contrat=contrat).select_related("fiche")
    }
    references = (
        indicateurs,
        {q.code: q for q in Quartier.objects.filter(contrat=contrat)},
        {e.uai: e for e in Etablissement.objects.filter(contrat=contrat)},
    )
    existantes = {
        (v.indicateur_id, v.annee_scolaire, v.quartier_id, v.etablissement_id): v
        for v in ValeurExterne.objects.filter(contrat=contrat)
    }
    lues = [
        (numero, _lire_ligne(numero, cellules, rangs, references, apercu.erreurs))
        for numero, cellules in tableau.lignes
    ]
    fermees = clotures(contrat=contrat, annees={donnees["annee_scolaire"] for _, donnees in lues if donnees})
    ecritures, vues = [], {}
    for numero, donnees in lues:
        if donnees is None:
            continue
        cle, objet = _cle(donnees), f"{donnees['indicateur'].code} {donnees['annee_scolaire']}"
        if cle in vues:
            apercu.erreurs.append(
                Erreur(
                    numero, TITRES["indicateur"], donnees["indicateur"].code, f"même valeur qu’à la ligne {vues[cle]}"
                )
            )
            continue
        vues[cle] = numero
        existante = existantes.get(cle)
        avant = existante and (existante.valeur, existante.source, existante.date_source)
        if avant == (donnees["valeur"], donnees["source"], donnees["date_source"]):
            apercu.lignes.append(LigneApercu(numero, objet, INCHANGEE))
            continue
        cloture = fermees.get(AnneeScolaire.depuis_libelle(donnees["annee_scolaire"]).annee_de_rentree)
        if cloture:
            apercu.erreurs.append(
                Erreur(
                    numero,
                    TITRES["annee_scolaire"],
                    donnees["annee_scolaire"],
                    f"{cloture.en_clair()} : ses valeurs externes ne peuvent plus être ajoutées ni modifiées",
                )
            )
            continue
        ecritures.append((existante, donnees))
        detail = f"{nombre_en_clair(donnees['valeur'])} ({donnees['source']}, {donnees['date_source']:%d/%m/%Y})"
        if existante:
            detail = f"{nombre_en_clair(existante.valeur)} → {detail}"
        apercu.lignes.append(LigneApercu(numero, objet, MODIFIEE if existante else CREEE, detail))
    apercu.ecritures = ecritures
    return apercu


def ecrire(*, apercu, contrat, **_):
    for existante, donnees in apercu.ecritures:
        if existante is None:
            valeur_externe_enregistrer(contrat=contrat, donnees=donnees)
        else:
            valeur_externe_modifier(valeur=existante, donnees=donnees, version=existante.version)
