"""The national list of the quartiers prioritaires 2024 (ANCT, on data.gouv.fr), in its published
CSV layout: code_qp;lib_qp;insee_reg;lib_reg;insee_dep;lib_dep;insee_com;lib_com;siren_epci;lib_epci,
one row per quartier, a quartier across several communes listing them all in insee_com and
lib_com (« 13055;13070 », « Marseille; La Penne »). The codes of the 2015 generation, where the
file gives them (code_qp_2015, as other State files that cross both generations name it),
recognise a quartier the contract typed under its former code: it takes its new one.

Written through fiches.services.quartiers_importer, in one transaction."""

from django.core.exceptions import ValidationError

from fiches.models import Quartier
from fiches.services import quartiers_importer
from fiches.validators import valider_code_qpv

from .apercus import CREEE, INCHANGEE, MODIFIEE, Apercu, LigneApercu, cellule, colonnes_connues
from .lecture import Erreur, texte
from .referentiels import SEPARATEURS, codes_de_communes, communes_connues

COLONNES = {
    "code": ("code_qp",),
    "nom": ("lib_qp",),
    "communes": ("insee_com",),
    "noms_des_communes": ("lib_com",),
    "epci": ("siren_epci",),
    "codes_2015": ("code_qp_2015", "code_qp2015", "qp_2015"),
}
OBLIGATOIRES = ("code", "nom", "communes", "noms_des_communes")
NOM_MAX = Quartier._meta.get_field("nom").max_length
RAISON = "Liste nationale des quartiers prioritaires"


def _lire(numero, cellules, rangs, entetes, erreurs):
    lu = {cle: texte(cellule(cellules, rangs.get(cle))) for cle in COLONNES}
    avant = len(erreurs)

    def refuser(cle, raison):
        erreurs.append(Erreur(numero, entetes[cle], lu[cle], raison))

    code = lu["code"].upper()
    try:
        valider_code_qpv(code)
    except ValidationError as erreur:
        refuser("code", " ".join(erreur.messages))
    if not lu["nom"] or len(lu["nom"]) > NOM_MAX:
        refuser("nom", f"nom du quartier manquant ou de plus de {NOM_MAX} caractères")
    communes = []
    try:
        codes = codes_de_communes(lu["communes"])
        if not codes:
            raise ValueError("aucune commune")
        noms = [nom for nom in SEPARATEURS.split(lu["noms_des_communes"]) if nom]
        if len(noms) != len(codes):
            refuser("noms_des_communes", f"{len(noms)} nom(s) de commune pour {len(codes)} code(s)")
        communes = list(zip(codes, noms, strict=False))
    except ValueError as erreur:
        refuser("communes", str(erreur))
    codes_2015 = [c.upper() for c in SEPARATEURS.split(lu["codes_2015"]) if c]
    for ancien in codes_2015:
        try:
            valider_code_qpv(ancien)
        except ValidationError as erreur:
            refuser("codes_2015", " ".join(erreur.messages))
    if len(erreurs) > avant:
        return None
    return {"code": code, "nom": lu["nom"], "communes": communes, "epci": lu["epci"], "codes_2015": codes_2015}


def _dans(donnees, territoire):
    return bool(territoire.communes & {code for code, _ in donnees["communes"]}) or (
        bool(territoire.epci) and donnees["epci"] == territoire.epci
    )


def analyser(*, tableau, territoire):
    """Each row of the territory against the quartiers (every contract's: a code is unique), in
    a fixed number of queries."""
    apercu = Apercu()
    contrat = territoire.contrat
    rangs = colonnes_connues(tableau.entetes, COLONNES)
    entetes = {cle: tableau.entetes[rangs[cle]] if cle in rangs else titres[0] for cle, titres in COLONNES.items()}
    manquantes = [cle for cle in OBLIGATOIRES if cle not in rangs]
    if territoire.epci and "epci" not in rangs:
        manquantes.append("epci")
    for cle in manquantes:
        apercu.erreurs.append(Erreur(1, entetes[cle], "", "colonne introuvable dans la première ligne"))
    if apercu.erreurs:
        return apercu
    lues = []
    for numero, cellules in tableau.lignes:
        donnees = _lire(numero, cellules, rangs, entetes, apercu.erreurs)
        if donnees is None:
            continue
        if _dans(donnees, territoire):
            lues.append((numero, donnees))
        else:
            apercu.hors_territoire += 1
    codes = {d["code"] for _, d in lues} | {ancien for _, d in lues for ancien in d["codes_2015"]}
    existants = {
        q.code: q
        for q in Quartier.objects.filter(code__in=codes)
        .avec_contour()
        .select_related("contrat")
        .prefetch_related("communes")
    }
    communes = communes_connues({code for _, d in lues for code, _ in d["communes"]})
    ecritures, vus, repris = [], {}, set()
    for numero, donnees in lues:
        code = donnees["code"]
        if code in vus:
            apercu.erreurs.append(Erreur(numero, entetes["code"], code, f"même quartier qu’à la ligne {vus[code]}"))
            continue
        vus[code] = numero
        quartier = existants.get(code)
        anciens = [existants[a] for a in donnees["codes_2015"] if a in existants and a != code]
        if quartier is None and anciens:
            if len(anciens) > 1:
                apercu.erreurs.append(
                    Erreur(
                        numero,
                        entetes["codes_2015"],
                        ", ".join(q.code for q in anciens),
                        "plusieurs quartiers enregistrés deviennent ce seul quartier : réunissez-les d’abord "
                        "dans l’administration",
                    )
                )
                continue
            quartier = anciens[0]
        if quartier is not None and quartier.contrat_id != contrat.pk:
            apercu.erreurs.append(
                Erreur(numero, entetes["code"], code, f"ce quartier est celui du contrat « {quartier.contrat.nom} »")
            )
            continue
        objet = f"{code} {donnees['nom']}"
        nouvelles = [f"{nom} ({c})" for c, nom in donnees["communes"] if c not in communes]
        if quartier is None:
            detail = ", ".join(f"{nom} ({c})" for c, nom in donnees["communes"])
            apercu.lignes.append(LigneApercu(numero, objet, CREEE, f"communes {detail}"))
            ecritures.append({"quartier": None, **donnees})
            continue
        repris.add(quartier.pk)
        changements = []
        if quartier.code != code:
            changements.append(f"code {quartier.code} → {code}")
        if quartier.nom != donnees["nom"]:
            changements.append(f"nom « {quartier.nom} » → « {donnees['nom']} »")
        avant = sorted(c.code_insee for c in quartier.communes.all())
        if avant != sorted(c for c, _ in donnees["communes"]):
            changements.append(f"communes {', '.join(avant)} → {', '.join(sorted(c for c, _ in donnees['communes']))}")
        if nouvelles:
            changements.append("commune(s) ajoutée(s) : " + ", ".join(nouvelles))
        if changements:
            apercu.lignes.append(LigneApercu(numero, objet, MODIFIEE, " ; ".join(changements)))
            ecritures.append({"quartier": quartier, **donnees})
        else:
            apercu.lignes.append(LigneApercu(numero, objet, INCHANGEE))
    # Those of the territory only: a quartier of a commune the import was not asked about is
    # no more absent than it is present.
    de_l_import = {code for _, d in lues for code, _ in d["communes"]} | territoire.communes
    apercu.absents = [
        str(q)
        for q in Quartier.objects.filter(contrat=contrat, communes__code_insee__in=de_l_import)
        .exclude(pk__in=repris)
        .distinct()
        .order_by("code")
    ]
    apercu.ecritures = ecritures
    return apercu


def ecrire(*, apercu, territoire):
    quartiers_importer(contrat=territoire.contrat, lignes=apercu.ecritures, raison=RAISON)
