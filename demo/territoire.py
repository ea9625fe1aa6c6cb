"""A fictional territory to try the application on: never run where real data lives."""

import secrets
from pathlib import Path

from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.exceptions import ImproperlyConfigured
from django.db import transaction

from comptes.auth import PREFIXE_DEMO
from comptes.enums import Role
from fiches.contours import lire_contours, rectangle
from fiches.enums import ZoneScolaire
from fiches.models import Commune, Quartier
from fiches.services import contours_importer
from fiches.validators import lettre_cle_uai
from partenaires.enums import EducationPrioritaire, TypeEtablissement
from partenaires.models import Etablissement, Structure, TypeStructure

# INSEE codes starting with 99 designate foreign countries: no French commune can collide.
COMMUNES = [("99101", "Bellerive"), ("99102", "Saint-Aubin-des-Prés")]

# Codes of the 2024 format in a numbering range no real quartier uses (90 and above).
QUARTIERS = [
    ("QN09591A", "Les Tilleuls", ["99101"]),
    ("QN09592B", "Le Bois-Joli", ["99101"]),
    ("QN09593C", "La Source", ["99101"]),
    ("QN09594D", "Les Cèdres", ["99102"]),
    ("QN09595E", "Centre-Gare", ["99101", "99102"]),
]
# Their outlines, in the layout of the official contours file (demo/donnees/README.md).
CONTOURS = Path(__file__).parent / "donnees" / "contours-qpv-fictifs.geojson"

STRUCTURES = [
    ("Centre social Les Tilleuls", "Centre social", "99101", ["QN09591A", "QN09592B"]),
    ("Centre social La Source", "Centre social", "99101", ["QN09593C", "QN09595E"]),
    ("Association Lire et Grandir", "Opérateur associatif", "99101", ["QN09591A", "QN09593C", "QN09594D"]),
    ("Association Sciences en Herbe", "Opérateur associatif", "99102", ["QN09594D", "QN09595E"]),
    (
        "REAAP de Bellerive",
        "REAAP (réseau d’écoute, d’appui et d’accompagnement des parents, lieux d’accueil Parents)",
        "99101",
        ["QN09591A", "QN09592B", "QN09593C"],
    ),
    ("Service éducation de la ville", "Service municipal", "99101", [q[0] for q in QUARTIERS]),
]

ETABLISSEMENTS = [
    (
        "0959001",
        "École maternelle Les Tilleuls",
        TypeEtablissement.ECOLE_MATERNELLE,
        EducationPrioritaire.REP_PLUS,
        "99101",
        "QN09591A",
    ),
    (
        "0959002",
        "École élémentaire Jean-Moulin",
        TypeEtablissement.ECOLE_ELEMENTAIRE,
        EducationPrioritaire.REP_PLUS,
        "99101",
        "QN09591A",
    ),
    (
        "0959003",
        "École primaire du Bois-Joli",
        TypeEtablissement.ECOLE_PRIMAIRE,
        EducationPrioritaire.REP,
        "99101",
        "QN09592B",
    ),
    (
        "0959004",
        "École élémentaire La Source",
        TypeEtablissement.ECOLE_ELEMENTAIRE,
        EducationPrioritaire.REP,
        "99101",
        "QN09593C",
    ),
    (
        "0959005",
        "École primaire des Cèdres",
        TypeEtablissement.ECOLE_PRIMAIRE,
        EducationPrioritaire.REP,
        "99102",
        "QN09594D",
    ),
    ("0959006", "Collège Louise-Michel", TypeEtablissement.COLLEGE, EducationPrioritaire.REP_PLUS, "99101", "QN09591A"),
    ("0959007", "Collège Simone-Veil", TypeEtablissement.COLLEGE, EducationPrioritaire.REP, "99102", None),
]

# Their memberships (role, structures, quartiers) are given by demo.adhesions.
UTILISATEURS = [
    (f"{PREFIXE_DEMO}admin", Role.ADMINISTRATEUR, "Administratrice", "Démo"),
    (f"{PREFIXE_DEMO}chef", Role.CHEF_DE_PROJET, "Cheffe de projet", "Démo"),
    (f"{PREFIXE_DEMO}animateur", Role.ANIMATEUR, "Animateur", "Démo"),
    (f"{PREFIXE_DEMO}partenaire", Role.PARTENAIRE, "Partenaire", "Démo"),
    (f"{PREFIXE_DEMO}porteur", Role.PORTEUR, "Porteuse de projet", "Démo"),
]


@transaction.atomic
def generer_demo(*, contrat):
    """Fill the contract with a fictional territory and give each demo user a fresh password."""
    if not settings.DEMO_AUTORISEE:
        raise ImproperlyConfigured("Les données de démonstration sont interdites avec ces réglages (production).")
    communes = {
        code: Commune.objects.get_or_create(code_insee=code, defaults={"nom": nom})[0] for code, nom in COMMUNES
    }
    contrat.communes.add(*communes.values())
    if not contrat.territoire:
        contrat.territoire = "Bellerive et Saint-Aubin-des-Prés (territoire fictif de démonstration)"
        contrat.save(update_fields=["territoire"])
    if not contrat.zone_scolaire:
        # The fiche's reference file names no city, so it sets no zone; the fictional quartiers
        # are numbered in the Val-d'Oise (095), of the académie de Versailles: zone C.
        contrat.zone_scolaire = ZoneScolaire.C
        contrat.save(update_fields=["zone_scolaire"])

    quartiers = {}
    for code, nom, codes_communes in QUARTIERS:
        quartier, _ = Quartier.objects.get_or_create(code=code, defaults={"contrat": contrat, "nom": nom})
        quartier.communes.set([communes[c] for c in codes_communes])
        quartiers[code] = quartier
    contours_importer(contours=lire_contours(CONTOURS.read_bytes()).contours, appliquer=True, contrat=contrat)

    TypeStructure.objects.get_or_create(libelle="Service municipal", defaults={"ordre": 5})
    types = {t.libelle: t for t in TypeStructure.objects.all()}
    for nom, type_libelle, code_commune, codes_quartiers in STRUCTURES:
        structure, _ = Structure.objects.get_or_create(
            contrat=contrat,
            nom=nom,
            defaults={"type": types[type_libelle], "commune": communes[code_commune]},
        )
        structure.quartiers.set([quartiers[c] for c in codes_quartiers])

    for chiffres, nom, type_etablissement, ep, code_commune, code_quartier in ETABLISSEMENTS:
        Etablissement.objects.get_or_create(
            uai=chiffres + lettre_cle_uai(chiffres),
            defaults={
                "contrat": contrat,
                "nom": nom,
                "type": type_etablissement,
                "education_prioritaire": ep,
                "commune": communes[code_commune],
                "quartier": quartiers.get(code_quartier),
            },
        )

    identifiants = []
    for username, role, prenom, nom in UTILISATEURS:
        utilisateur, _ = get_user_model().objects.get_or_create(
            username=username, defaults={"first_name": prenom, "last_name": nom}
        )
        mot_de_passe = secrets.token_urlsafe(12)
        utilisateur.set_password(mot_de_passe)
        utilisateur.save()
        identifiants.append((username, role.label, mot_de_passe))
    return identifiants


# Names for the quartiers a large city adds to the five above; codes follow in the same
# unused numbering range (96 to 99, any letter).
NOMS_DE_QUARTIERS = [
    "Les Peupliers", "La Roseraie", "Les Hauts-de-Seille", "Le Clos-Saint-Jean", "Les Marronniers",
    "La Grande-Borne", "Le Parc-aux-Lièvres", "Les Aubépines", "Le Val-Fourré", "La Butte-Rouge",
    "Les Mureaux-Nord", "Le Champ-de-Foire", "Les Glycines", "La Croix-Blanche", "Les Acacias",
    "Le Moulin-Neuf", "La Fontaine-d’Argent", "Les Châtaigniers", "Le Plateau", "Les Bruyères",
    "La Chênaie", "Les Vignes-Hautes", "Le Pont-de-Pierre", "Les Lilas", "La Petite-Prairie",
    "Les Sablons", "Le Mail", "Les Coteaux", "La Garenne", "Les Iris",
    "Le Bel-Air", "Les Pâquerettes", "La Source-Haute", "Les Érables", "Le Vieux-Port",
]  # fmt: skip


def _contour_du_rang(rang):
    """The outline of the large city's `rang`-th quartier: rectangles in rows south of the five
    quartiers, so that the bench's map draws as many shapes as there are quartiers."""
    colonne, ligne = rang % 7, rang // 7
    return rectangle(2.29 + colonne * 0.012, 48.998 - ligne * 0.008, 2.30 + colonne * 0.012, 49.004 - ligne * 0.008)


def codes_de_quartiers(departement="095", premier=96):
    return [
        f"QN{departement}{numero}{lettre}" for numero in range(premier, 100) for lettre in "ABCDEFGHJKLMNPRSTUVWXYZ"
    ]


@transaction.atomic
def contours_completer(*, contrat):
    """Give the demo's quartiers that have none their outline: a database generated before the
    maps (the bench's) draws them without being generated again."""
    contours_importer(contours=lire_contours(CONTOURS.read_bytes()).contours, appliquer=True, contrat=contrat)
    for rang, code in enumerate(codes_de_quartiers()):
        Quartier.objects.filter(contrat=contrat, code=code, contour__isnull=True).update(contour=_contour_du_rang(rang))


@transaction.atomic
def etendre_territoire(*, contrat, quartiers):
    """Grow the demo territory to a large city's: up to `quartiers` quartiers, each with its
    centre social, two schools, an association for every three quartiers and a collège for
    every two. Run after generer_demo; does nothing for quartiers that already exist."""
    return ajouter_des_quartiers(
        contrat=contrat,
        noms=NOMS_DE_QUARTIERS[: max(quartiers - len(QUARTIERS), 0)],
        codes=codes_de_quartiers(),
        departement="095",
    )


def ajouter_des_quartiers(*, contrat, noms, codes, departement, serie=0):
    """The quartiers named `noms` and coded `codes`, spread over the contract's communes, with
    what etendre_territoire gives each. Their schools' UAI are numbered in the département
    from 9100 (écoles) and 9300 (collèges), 400 further for each `serie` of a département
    shared by several contracts."""
    communes = list(contrat.communes.order_by("code_insee"))
    types = {t.libelle: t for t in TypeStructure.objects.all()}
    nouveaux = []
    for rang, nom in enumerate(noms):
        commune = communes[rang % len(communes)]
        quartier, cree = Quartier.objects.get_or_create(
            code=codes[rang], defaults={"contrat": contrat, "nom": nom, "contour": _contour_du_rang(rang)}
        )
        if not cree:
            continue
        quartier.communes.set([commune])
        nouveaux.append(quartier)
        centre = Structure.objects.create(
            contrat=contrat, nom=f"Centre social {nom}", type=types["Centre social"], commune=commune
        )
        centre.quartiers.set([quartier])
        for decalage, (suffixe, type_etablissement) in enumerate(
            [
                ("École élémentaire", TypeEtablissement.ECOLE_ELEMENTAIRE),
                ("École maternelle", TypeEtablissement.ECOLE_MATERNELLE),
            ]
        ):
            chiffres = f"{departement}{9100 + 400 * serie + 2 * rang + decalage}"
            Etablissement.objects.create(
                uai=chiffres + lettre_cle_uai(chiffres),
                contrat=contrat,
                nom=f"{suffixe} {nom}",
                type=type_etablissement,
                education_prioritaire=EducationPrioritaire.REP_PLUS if rang % 3 == 0 else EducationPrioritaire.REP,
                commune=commune,
                quartier=quartier,
            )
    for rang in range(0, len(nouveaux), 3):
        groupe = nouveaux[rang : rang + 3]
        association = Structure.objects.create(
            contrat=contrat,
            nom=f"Association Réussir ensemble {groupe[0].nom}",
            type=types["Opérateur associatif"],
            commune=groupe[0].communes.first(),
        )
        association.quartiers.set(groupe)
    for rang in range(0, len(nouveaux), 2):
        chiffres = f"{departement}{9300 + 400 * serie + rang}"
        Etablissement.objects.create(
            uai=chiffres + lettre_cle_uai(chiffres),
            contrat=contrat,
            nom=f"Collège {nouveaux[rang].nom}",
            type=TypeEtablissement.COLLEGE,
            education_prioritaire=EducationPrioritaire.REP,
            commune=nouveaux[rang].communes.first(),
            quartier=nouveaux[rang],
        )
    return nouveaux
