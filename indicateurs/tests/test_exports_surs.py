"""Issue 16, point 5: no exported cell can be a formula. Each indicator's libellé is set to a
formula behind one of the dangerous first characters, then every export the site serves (every
CSV and XLSX of e2e/plan.py, so that an export added later is checked too), for the contract and
for a quartier, is read back: each libellé comes out behind an apostrophe, no cell is a formula
or starts like one, and numbers, negative ones included, stay numbers."""

import csv
import io
import re
from decimal import Decimal
from fractions import Fraction

import pytest
from django.contrib.auth import get_user_model
from django.utils import timezone
from openpyxl import load_workbook

from e2e.plan import SANS_PAGE, Demo
from fiches.tableurs import DEBUTS_DE_FORMULE, cellule_sure
from indicateurs.models import Indicateur, ValeurExterne
from indicateurs.tests.classeurs import lignes_du_classeur

pytestmark = pytest.mark.django_db

ANNEE = "2025-2026"
FORMULE = 'HYPERLINK("http://exemple.org/piege","Cliquez")'
TYPES_TABLEUR = ("text/csv", "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet")
NOMBRE_FR = re.compile(r"-?\d+(,\d+)?")


def test_the_rule_leaves_numbers_and_harmless_text_alone():
    assert cellule_sure("=1+1") == "'=1+1"
    assert [cellule_sure(debut + "x") for debut in DEBUTS_DE_FORMULE] == ["'" + d + "x" for d in DEBUTS_DE_FORMULE]
    assert cellule_sure(-3.5) == -3.5 and cellule_sure(Decimal("-2")) == Decimal("-2") and cellule_sure(None) is None
    assert cellule_sure("Taux de réussite = 80 %") == "Taux de réussite = 80 %"


@pytest.fixture
def pieges(demo, reference, client):
    """Every indicator's libellé starts a formula, one prefix after the other; one external value
    has decimals (no figure of an indicator is negative: the database refuses one, and the rule
    leaves a negative number alone, above)."""
    libelles = {}
    for rang, indicateur in enumerate(Indicateur.objects.order_by("code")):
        debut = DEBUTS_DE_FORMULE[rang % len(DEBUTS_DE_FORMULE)]
        indicateur.libelle = f"{debut}{FORMULE}"
        indicateur.save(update_fields=["libelle"])
        libelles[indicateur.code] = indicateur.libelle
    assert set(DEBUTS_DE_FORMULE) <= {libelle[0] for libelle in libelles.values()}
    ValeurExterne.objects.filter(indicateur__code="retard_entree_6e", annee_scolaire=ANNEE).delete()
    ValeurExterne.objects.create(
        indicateur=Indicateur.objects.get(code="retard_entree_6e"),
        contrat=reference,
        annee_scolaire=ANNEE,
        valeur=Decimal("3.5"),
        source="Rectorat",
        date_source=timezone.localdate(),
    )
    client.force_login(get_user_model().objects.get(username="demo-chef"))
    return libelles


def _exports():
    """The dashboards' exports of the plan (the lists' have their own test, in actions)."""
    demo = Demo()
    adresses = [
        attendu.chemin(demo)
        for nom, attendu in SANS_PAGE.items()
        if nom.startswith("indicateurs:") and attendu.type_de_contenu in TYPES_TABLEUR
    ]
    assert len(adresses) >= 2, "les exports CSV et XLSX ont disparu du plan du site"
    return adresses


def _lignes_csv(contenu):
    return list(csv.DictReader(io.StringIO(contenu.decode("utf-8-sig")), delimiter=";"))


def _lignes_xlsx(contenu):
    for feuille in load_workbook(io.BytesIO(contenu)).worksheets:
        for ligne in feuille.iter_rows():
            for cellule in ligne:
                assert cellule.data_type != "f", f"formule en {feuille.title}!{cellule.coordinate} : {cellule.value}"
    return [{cle: valeur for cle, valeur in ligne.items() if cle != "cle"} for ligne in lignes_du_classeur(contenu)]


@pytest.mark.parametrize("quartier", [None, "QN09591A"], ids=["contrat", "quartier"])
def test_every_export_neutralises_every_formula_and_keeps_numbers(client, pieges, quartier):
    parametres = {"fiche": "1.2.3", "annee": ANNEE} | ({"quartier": quartier} if quartier else {})
    for adresse in _exports():
        reponse = client.get(adresse, parametres)
        assert reponse.status_code == 200, adresse
        lire = _lignes_csv if reponse["Content-Type"].startswith("text/csv") else _lignes_xlsx
        lignes = [ligne for ligne in lire(reponse.content) if ligne["code"]]
        vus = set()
        for ligne in lignes:
            code = ligne["code"]
            # XML turns a carriage return into a line feed when the XLSX is read: the same text.
            assert ligne["libelle"].replace("\r", "\n") == "'" + pieges[code].replace("\r", "\n")
            vus.add(code)
            for valeur in ligne.values():
                if isinstance(valeur, str) and valeur.startswith(DEBUTS_DE_FORMULE):
                    # Only a number may start with a minus sign.
                    assert NOMBRE_FR.fullmatch(valeur), (adresse, valeur)
        assert vus == set(pieges), adresse
        if not quartier:
            retard = next(ligne for ligne in lignes if ligne["code"] == "retard_entree_6e" and not ligne["ventilation"])
            assert retard["valeur"] in ("3,5", Fraction("3.5")), adresse
