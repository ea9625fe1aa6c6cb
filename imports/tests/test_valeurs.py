"""External values imported from their template (the contract's values as they are): read back
unchanged they change nothing; a new or corrected value is written by the values' services; a
calculated indicator, an unknown place, a value the unit refuses, a closed year are named."""

from decimal import Decimal

import pytest
from django.contrib.auth import get_user_model
from django.utils import timezone

from dossiers.services import annee_cloturer
from fiches.annees import AnneeScolaire
from indicateurs.models import ValeurExterne

from ..enums import NatureImport
from ..modeles import modele
from ..selectors import valeurs_a_reimporter
from .outils import classeur, csv_francais, importer, previsualiser

pytestmark = pytest.mark.django_db

ENTETES = [
    "Fiche",
    "Code de l’indicateur",
    "Année scolaire",
    "Code du quartier",
    "UAI de l’établissement",
    "Valeur",
    "Source",
    "Date de la source",
]


def valeurs():
    return set(
        ValeurExterne.objects.values_list(
            "indicateur__code", "annee_scolaire", "quartier_id", "valeur", "source", "version"
        )
    )


def test_the_template_of_the_values_imported_back_changes_nothing(demo, reference):
    avant = valeurs()
    contenu = modele(NatureImport.VALEURS, valeurs=valeurs_a_reimporter(contrat=reference))

    _, apercu = importer(contenu, nature="valeurs", contrat=reference)

    assert (apercu.nb_crees, apercu.nb_modifies) == (0, 0)
    assert apercu.nb_inchanges == ValeurExterne.objects.count() > 0
    assert valeurs() == avant


def test_a_new_and_a_corrected_value_are_written_and_reimporting_changes_nothing(demo, reference):
    existante = (
        ValeurExterne.objects.filter(quartier=None, etablissement=None).select_related("indicateur__fiche").first()
    )
    annee = AnneeScolaire.courante().libelle
    contenu = csv_francais(
        [
            ENTETES,
            [
                existante.indicateur.fiche.code,
                existante.indicateur.code,
                existante.annee_scolaire,
                "",
                "",
                "12,5",
                "DEPP",
                "02/09/2026",
            ],
            [existante.indicateur.fiche.code, existante.indicateur.code, annee, "", "", "13", "DEPP", "45901"],
        ]
    )

    _, apercu = importer(contenu, nature="valeurs", contrat=reference, nom="v.csv")

    assert (apercu.nb_crees, apercu.nb_modifies) == (1, 1)
    existante.refresh_from_db()
    assert (existante.valeur, existante.source, existante.version) == (Decimal("12.5"), "DEPP", 1)
    assert (
        ValeurExterne.objects.get(
            indicateur=existante.indicateur, annee_scolaire=annee, quartier=None, etablissement=None
        ).valeur
        == 13
    )
    _, encore = importer(contenu, nature="valeurs", contrat=reference, nom="v.csv")
    assert (encore.nb_crees, encore.nb_modifies, encore.nb_inchanges) == (0, 0, 2)


def test_each_refused_value_is_named_and_nothing_is_written(demo, reference):
    existante = ValeurExterne.objects.select_related("indicateur__fiche").first()
    fiche, code = existante.indicateur.fiche.code, existante.indicateur.code
    fermee = AnneeScolaire.courante().precedente()
    annee_cloturer(contrat=reference, annee=fermee, auteur=get_user_model().objects.get(username="demo-chef"))
    avant = valeurs()
    contenu = classeur(
        [
            ENTETES,
            [fiche, "nb_enfants_beneficiaires", "2025-2026", None, None, 1, "DEPP", "01/09/2026"],
            [fiche, code, "2025", "QN00000X", None, 1, "DEPP", "01/09/2026"],
            [fiche, code, "2023-2024", None, None, 150, "", None],
            [fiche, code, fermee.libelle, None, None, 1, "DEPP", "01/09/2026"],
        ]
    )

    import_tableur, apercu = previsualiser(contenu, nature="valeurs", contrat=reference)

    assert [(e.ligne, e.colonne, e.raison.split(" :")[0].split(",")[0]) for e in apercu.erreurs] == [
        (2, "Code de l’indicateur", "cet indicateur est calculé à partir des saisies"),
        (3, "Année scolaire", "année scolaire illisible"),
        (3, "Code du quartier", "aucun quartier du contrat n’a ce code"),
        (4, "Valeur", "Un pourcentage est compris entre 0 et 100"),
        (4, "Source", "la source est obligatoire"),
        (4, "Date de la source", "date de la source manquante"),
        (
            5,
            "Année scolaire",
            f"L’année scolaire {fermee} est clôturée depuis le {timezone.localdate():%d/%m/%Y} "
            "par Cheffe de projet Démo",
        ),
    ]
    assert valeurs() == avant
