"""The Education nationale's directory of schools (data.education.gouv.fr, dataset
fr-en-annuaire-education), in its CSV export, « ; »-separated, about seventy columns of which
these are read: Identifiant_de_l_etablissement (the UAI), Nom_etablissement, Type_etablissement
(Ecole, Collège, Lycée, and services the contract does not follow), Code_commune, Nom_commune,
Appartenance_Education_Prioritaire (REP, REP+ or empty), and, to tell the kind of a school or a
lycée, Ecole_maternelle, Ecole_elementaire and Voie_generale, Voie_technologique,
Voie_professionnelle (1 or 0). Headers are matched whatever their case (the export of the
dataset's labels, or of its field names).

Written through partenaires.services.etablissements_importer, in one transaction."""

from django.core.exceptions import ValidationError

from fiches.validators import valider_uai
from partenaires.enums import EducationPrioritaire, TypeEtablissement
from partenaires.models import Etablissement
from partenaires.services import etablissements_importer

from .apercus import CREEE, INCHANGEE, MODIFIEE, Apercu, LigneApercu, cellule, colonnes_connues
from .lecture import Erreur, texte
from .referentiels import IGNOREE, code_de_commune, communes_connues

COLONNES = {
    "uai": ("Identifiant_de_l_etablissement",),
    "nom": ("Nom_etablissement",),
    "type": ("Type_etablissement",),
    "commune": ("Code_commune",),
    "nom_commune": ("Nom_commune",),
    "education_prioritaire": ("Appartenance_Education_Prioritaire",),
    "maternelle": ("Ecole_maternelle",),
    "elementaire": ("Ecole_elementaire",),
    "generale": ("Voie_generale",),
    "technologique": ("Voie_technologique",),
    "professionnelle": ("Voie_professionnelle",),
}
OBLIGATOIRES = ("uai", "nom", "type", "commune", "education_prioritaire")
EDUCATION_PRIORITAIRE = {
    "": EducationPrioritaire.HORS,
    "REP": EducationPrioritaire.REP,
    "REP+": EducationPrioritaire.REP_PLUS,
}
NOM_MAX = Etablissement._meta.get_field("nom").max_length
RAISON = "Annuaire de l’Éducation nationale"
LIBELLES_EP = dict(EducationPrioritaire.choices)
LIBELLES_TYPE = dict(TypeEtablissement.choices)


def _oui(valeur):
    return texte(valeur) in ("1", "oui", "Oui", "OUI")


def _type(lu):
    """The kind of school, or None for what the contract does not follow (EREA, information
    and orientation, administrative services); ValueError when a school says neither nursery
    nor elementary."""
    genre = texte(lu["type"]).lower().replace("é", "e").replace("è", "e")
    if genre == "ecole":
        maternelle, elementaire = _oui(lu["maternelle"]), _oui(lu["elementaire"])
        if maternelle and elementaire:
            return TypeEtablissement.ECOLE_PRIMAIRE
        if maternelle or elementaire:
            return TypeEtablissement.ECOLE_MATERNELLE if maternelle else TypeEtablissement.ECOLE_ELEMENTAIRE
        raise ValueError("école ni maternelle ni élémentaire d’après Ecole_maternelle et Ecole_elementaire")
    if genre == "college":
        return TypeEtablissement.COLLEGE
    if genre == "lycee":
        seulement_pro = _oui(lu["professionnelle"]) and not (_oui(lu["generale"]) or _oui(lu["technologique"]))
        return TypeEtablissement.LYCEE_PROFESSIONNEL if seulement_pro else TypeEtablissement.LYCEE
    return None


def analyser(*, tableau, territoire):
    """Each row of the territory's communes against the schools (every contract's: a UAI is
    unique), in a fixed number of queries."""
    apercu = Apercu()
    contrat = territoire.contrat
    rangs = colonnes_connues(tableau.entetes, COLONNES)
    entetes = {cle: tableau.entetes[rangs[cle]] if cle in rangs else titres[0] for cle, titres in COLONNES.items()}
    for cle in OBLIGATOIRES:
        if cle not in rangs:
            apercu.erreurs.append(Erreur(1, entetes[cle], "", "colonne introuvable dans la première ligne"))
    if apercu.erreurs:
        return apercu
    lues = []
    for numero, cellules in tableau.lignes:
        lu = {cle: cellule(cellules, rangs.get(cle)) for cle in COLONNES}
        if code_de_commune(lu["commune"]) in territoire.communes:
            lues.append((numero, lu))
        else:
            apercu.hors_territoire += 1
    uais = {texte(lu["uai"]).upper() for _, lu in lues}
    existants = {e.uai: e for e in Etablissement.objects.filter(uai__in=uais).select_related("contrat", "commune")}
    communes = communes_connues(territoire.communes)
    ecritures, vus = [], {}
    for numero, lu in lues:
        avant = len(apercu.erreurs)

        def refuser(cle, raison, numero=numero, lu=lu):
            apercu.erreurs.append(Erreur(numero, entetes[cle], texte(lu[cle]), raison))

        uai, nom = texte(lu["uai"]).upper(), texte(lu["nom"])
        try:
            genre = _type(lu)
        except ValueError as erreur:
            refuser("type", str(erreur))
            continue
        if genre is None:
            apercu.lignes.append(
                LigneApercu(numero, f"{uai} {nom}", IGNOREE, f"« {texte(lu['type'])} » n’est pas une école suivie")
            )
            continue
        try:
            valider_uai(uai)
        except ValidationError as erreur:
            refuser("uai", " ".join(erreur.messages))
        if not nom or len(nom) > NOM_MAX:
            refuser("nom", f"nom manquant ou de plus de {NOM_MAX} caractères")
        ep = EDUCATION_PRIORITAIRE.get(texte(lu["education_prioritaire"]).upper().replace(" ", ""))
        if ep is None:
            refuser("education_prioritaire", "attendu REP, REP+ ou rien (hors éducation prioritaire)")
        commune = communes.get(code_de_commune(lu["commune"]))
        if commune is None:
            refuser("commune", "commune du territoire absente des communes enregistrées")
        if uai in vus:
            refuser("uai", f"même établissement qu’à la ligne {vus[uai]}")
        if len(apercu.erreurs) > avant:
            continue
        vus[uai] = numero
        etablissement = existants.get(uai)
        if etablissement is not None and etablissement.contrat_id != contrat.pk:
            refuser("uai", f"cet établissement est celui du contrat « {etablissement.contrat.nom} »")
            continue
        donnees = {"uai": uai, "nom": nom, "type": genre, "education_prioritaire": ep, "commune": commune}
        objet = f"{uai} {nom}"
        if etablissement is None:
            apercu.lignes.append(
                LigneApercu(numero, objet, CREEE, f"{LIBELLES_TYPE[genre]}, {LIBELLES_EP[ep]}, {commune.nom}")
            )
            ecritures.append({"etablissement": None, **donnees})
            continue
        changements = []
        if etablissement.nom != nom:
            changements.append(f"nom « {etablissement.nom} » → « {nom} »")
        if etablissement.type != genre:
            changements.append(f"type {LIBELLES_TYPE[etablissement.type]} → {LIBELLES_TYPE[genre]}")
        if etablissement.education_prioritaire != ep:
            changements.append(f"{LIBELLES_EP[etablissement.education_prioritaire]} → {LIBELLES_EP[ep]}")
        if etablissement.commune_id != commune.pk:
            changements.append(f"commune {etablissement.commune.nom} → {commune.nom}")
        if changements:
            apercu.lignes.append(LigneApercu(numero, objet, MODIFIEE, " ; ".join(changements)))
            ecritures.append({"etablissement": etablissement, **donnees})
        else:
            apercu.lignes.append(LigneApercu(numero, objet, INCHANGEE))
    apercu.absents = [
        str(e)
        for e in Etablissement.objects.filter(contrat=contrat, commune__code_insee__in=territoire.communes)
        .exclude(uai__in=vus)
        .order_by("uai")
    ]
    apercu.ecritures = ecritures
    return apercu


def ecrire(*, apercu, territoire):
    etablissements_importer(contrat=territoire.contrat, lignes=apercu.ecritures, raison=RAISON)
