"""A region: several contracts de ville, each a large city of its own (demo.echelle), to measure
the application when one database holds many contracts. Too many rows for INSERT: they are
loaded by COPY into tables stripped of their secondary indexes (demo.copie), then indexed and
summarised once. PostgreSQL only."""

import time
from contextlib import contextmanager

from django.contrib.auth import get_user_model
from django.db import connection, transaction

from actions.models import Action, Financement, Inscription, Participant, Presence, QuestionnaireRempli, Seance
from comptes.auth import PREFIXE_DEMO
from comptes.enums import Role
from comptes.services import adhesion_definir
from fiches.enums import ZoneScolaire
from fiches.models import Commune
from fiches.reference import lire_reference
from indicateurs.services import reference_charger

from .copie import EcritureParCopie, index_retablir, index_retirer
from .echelle import generer_activite_a_l_echelle
from .fiche_fictive import charger_fiche_fictive
from .resumes_en_sql import MODELES_RESUMES, resumer_en_sql
from .territoire import NOMS_DE_QUARTIERS, QUARTIERS, ajouter_des_quartiers, codes_de_quartiers

# The cities the region adds to the demo's, each in a département of Île-de-France (zone C, as
# the demo's), two of them sharing one; their communes coded from 99103 on, as the demo's.
VILLES = [
    ("Montclair", "075"),
    ("Rochebrune", "077"),
    ("Valmont", "078"),
    ("Clairefont", "091"),
    ("Beaulieu", "092"),
    ("Fontenay-la-Forêt", "093"),
    ("Mirebeau", "094"),
    ("Castelneuf", "075"),
    ("Villefranche-des-Prés", "077"),
]
# Numbered 90 and above in their département, as the demo's: no real quartier has these codes.
PREMIER_NUMERO = 90
MODELES_CHARGES = [Participant, Seance, Inscription, Presence, QuestionnaireRempli, Financement]


class RegionRefusee(Exception):
    pass


def refuser_hors_de_postgresql():
    """Before anything is written: a region needs PostgreSQL."""
    if connection.vendor != "postgresql":
        raise RegionRefusee(
            "L’échelle « region » se charge par COPY, propre à PostgreSQL : lancez la commande avec "
            "DATABASE_URL=postgres://… (la base SQLite de développement ne la reçoit pas)."
        )


@contextmanager
def _phase(journal, libelle):
    debut = time.monotonic()
    yield
    journal(f"  {libelle} : {time.monotonic() - debut:.1f} s")


@transaction.atomic
def contrat_de_la_region(*, rang, quartiers):
    """The `rang`-th city the region adds (from 1): its contract loaded from the reference file
    (fiche 1.2.3, its partners and indicators) and the fictional fiche, two communes,
    `quartiers` quartiers with their structures and schools, and the demo's administrator and
    chef de projet as members. Run again, adds only what is missing."""
    ville, departement = VILLES[rang - 1]
    donnees = lire_reference()
    donnees["contrat"] = {
        **donnees["contrat"],
        "code": f"contrat-region-{rang + 1:02d}",
        "nom": f"Contrat de ville de {ville}",
    }
    contrat, _ = reference_charger(donnees=donnees)
    charger_fiche_fictive(contrat=contrat)
    communes = [
        Commune.objects.get_or_create(code_insee=f"99{101 + 2 * rang + decalage}", defaults={"nom": nom})[0]
        for decalage, nom in enumerate([ville, f"{ville}-Est"])
    ]
    contrat.communes.add(*communes)
    contrat.territoire = f"{ville} (territoire fictif de démonstration)"
    contrat.zone_scolaire = ZoneScolaire.C
    contrat.save(update_fields=["territoire", "zone_scolaire"])
    # The second city of a département takes the codes after the first's.
    serie = [d for _, d in VILLES[: rang - 1]].count(departement)
    noms = [nom for _, nom, _ in QUARTIERS] + NOMS_DE_QUARTIERS
    ajouter_des_quartiers(
        contrat=contrat,
        noms=noms[:quartiers],
        codes=codes_de_quartiers(departement, PREMIER_NUMERO)[serie * len(noms) :],
        departement=departement,
        serie=serie,
    )
    comptes = get_user_model().objects.in_bulk([f"{PREFIXE_DEMO}admin", f"{PREFIXE_DEMO}chef"], field_name="username")
    # Their first contract stays the demo's: the one their pages open on.
    adhesion_definir(utilisateur=comptes[f"{PREFIXE_DEMO}admin"], contrat=contrat, role=Role.ADMINISTRATEUR)
    adhesion_definir(utilisateur=comptes[f"{PREFIXE_DEMO}chef"], contrat=contrat, role=Role.CHEF_DE_PROJET)
    return contrat


def _tables_chargees():
    return [
        table
        for modele in MODELES_CHARGES + MODELES_RESUMES
        for table in [
            modele._meta.db_table,
            *([modele.history.model._meta.db_table] if hasattr(modele, "history") else []),
        ]
    ]


def generer_la_region(*, contrat, echelle, journal=print, aujourdhui=None):
    """The region of `echelle` (several contracts): `contrat`, the demo's, grown already to a
    city's quartiers, and the cities added to it, each filled with a city's activity. Returns
    the contracts and the totals of the activity, None instead when the database has actions
    already (run again, changes nothing); refused on a database other than PostgreSQL."""
    refuser_hors_de_postgresql()
    par_contrat = echelle.par_contrat()
    with _phase(journal, "territoires des contrats ajoutés"):
        contrats = [contrat] + [
            contrat_de_la_region(rang=rang, quartiers=par_contrat.quartiers) for rang in range(1, echelle.contrats)
        ]
    if Action.objects.exists():
        return contrats, None
    totaux = {}
    with transaction.atomic():
        tables = _tables_chargees()
        with _phase(journal, "retrait des index secondaires"):
            definitions = index_retirer(tables)
        for rang, contrat_de_ville in enumerate(contrats):
            with _phase(journal, f"activité de « {contrat_de_ville.code} » (COPY)"):
                activite = generer_activite_a_l_echelle(
                    contrat=contrat_de_ville,
                    echelle=par_contrat,
                    aujourdhui=aujourdhui,
                    rang=rang,
                    ecriture=EcritureParCopie(),
                    resumer=False,
                )
            for cle, valeur in activite.items():
                totaux[cle] = totaux.get(cle, 0) + valeur
        with _phase(journal, "résumés des tableaux de bord (SQL)"):
            resumer_en_sql(journal=journal)
        with _phase(journal, "index secondaires et contraintes reconstruits"):
            index_retablir(definitions)
        with _phase(journal, "ANALYZE des tables chargées"), connection.cursor() as curseur:
            for table in tables:
                curseur.execute(f"ANALYZE {connection.ops.quote_name(table)}")
    return contrats, totaux
