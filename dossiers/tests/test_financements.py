"""Funding at a glance (dossiers.financements), figures worked by hand on a small case.

School year 2025-2026 (1/9/2025 – 31/8/2026). Action A (fiche F1, quartiers Tilleuls and Parc)
starts on 15/9/2025, action B (fiche F2, Parc only, born of a dossier of the 2025 campaign) on
1/10/2025. Lines (requested / granted / paid):
  A  ville (ANCT)  2025  10 000 / 8 000 / 4 000
  A  CAF (CAF)     2025   6 000 / 6 000 / 6 000
  B  ville (ANCT)  2026   3 000 / 2 000 /     0   budget year 2026 of an action begun in 2025-2026
  B  CAF (none)    2025   1 000 / 1 000 /   500   no financeur of its own: the source's, CAF
  A  CAF (CAF)     2027  50 000 / 50 000 / 0      of 2026-2027: left out
  C  ville (ANCT)  2025   7 000 / 7 000 / 7 000   C began on 20/9/2024: of 2024-2025, left out
Totals 20 000 / 17 000 / 10 500; crédits spécifiques granted 10 000, droit commun 7 000;
leverage 17 000 / 10 000 = 1.70."""

import datetime
import io
from decimal import Decimal

import pytest
from django.contrib.auth import get_user_model
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone
from openpyxl import load_workbook

from actions.tests.factories import ActionFactory, FinancementFactory
from comptes.enums import Role
from comptes.models import Adhesion
from demo.activite import generer_activite
from demo.clotures import annee_precedente_cloturer
from demo.dossiers import dossiers_de_demo
from dossiers.enums import EtatDossier
from dossiers.financements import financements_de_l_annee
from dossiers.models import Campagne, Dossier, EnveloppeCampagne, LigneBudget
from fiches.annees import AnneeScolaire
from fiches.models import ClotureAnnee
from fiches.tests.factories import ContratFactory, FicheFactory, QuartierFactory, RealisationAttendueFactory
from partenaires.enums import CategorieFinancement
from partenaires.tests.factories import PartenaireFactory, SourceFinancementFactory, StructureFactory

pytestmark = pytest.mark.django_db

ANNEE = AnneeScolaire(2025)


def euros(texte):
    return Decimal(texte)


@pytest.fixture
def cas():
    contrat = ContratFactory()
    f1 = FicheFactory(enjeu__axe__pilier__contrat=contrat, code="8.1.1", titre="Réussite éducative")
    f2 = FicheFactory(enjeu=f1.enjeu, code="8.1.2", titre="Parentalité")
    r1, r2 = RealisationAttendueFactory(fiche=f1), RealisationAttendueFactory(fiche=f2)
    tilleuls = QuartierFactory(contrat=contrat, code="QN095001", nom="Les Tilleuls")
    parc = QuartierFactory(contrat=contrat, code="QN095002", nom="Le Parc")
    structure = StructureFactory(contrat=contrat)
    anct = PartenaireFactory(contrat=contrat, nom="ANCT")
    caf = PartenaireFactory(contrat=contrat, nom="CAF")
    ville = SourceFinancementFactory(
        contrat=contrat, libelle="Crédits ville", categorie=CategorieFinancement.POLITIQUE_VILLE, financeur=anct
    )
    prestation = SourceFinancementFactory(
        contrat=contrat, libelle="Prestation CAF", categorie=CategorieFinancement.DROIT_COMMUN, financeur=caf
    )
    a = ActionFactory(
        realisation=r1, porteur=structure, date_debut=datetime.date(2025, 9, 15), quartiers=[tilleuls, parc]
    )
    b = ActionFactory(realisation=r2, porteur=structure, date_debut=datetime.date(2025, 10, 1), quartiers=[parc])
    c = ActionFactory(
        realisation=r1,
        porteur=structure,
        date_debut=datetime.date(2024, 9, 20),
        date_fin=datetime.date(2025, 6, 30),
        quartiers=[parc],
    )
    for action, source, financeur, annee, montants in [
        (a, ville, anct, 2025, ("10000", "8000", "4000")),
        (a, prestation, caf, 2025, ("6000", "6000", "6000")),
        (b, ville, anct, 2026, ("3000", "2000", "0")),
        (b, prestation, None, 2025, ("1000", "1000", "500")),
        (a, prestation, caf, 2027, ("50000", "50000", "0")),
        (c, ville, anct, 2025, ("7000", "7000", "7000")),
    ]:
        FinancementFactory(
            action=action,
            source=source,
            financeur=financeur,
            annee=annee,
            **dict(zip(("montant_demande", "montant_accorde", "montant_verse"), map(euros, montants), strict=True)),
        )
    campagne = Campagne.objects.create(
        contrat=contrat,
        intitule="Appel à projets 2025-2026",
        annee_scolaire=2025,
        ouverture=datetime.date(2025, 5, 1),
        cloture=datetime.date(2025, 6, 30),
        source=ville,
    )
    EnveloppeCampagne.objects.create(campagne=campagne, financeur=anct, montant=euros("50000"))
    EnveloppeCampagne.objects.create(campagne=campagne, financeur=caf, montant=euros("20000"))
    # Requested in the dossiers: the deposited one and B's; the draft asks nothing yet.
    for titre, etat, action, montants in [
        ("Déposé", EtatDossier.DEPOSE, None, {anct: "12000", caf: "3000"}),
        ("Brouillon", EtatDossier.BROUILLON, None, {anct: "99999"}),
        ("Devenu B", EtatDossier.CONVENTIONNE, b, {anct: "3500"}),
    ]:
        dossier = Dossier.objects.create(campagne=campagne, structure=structure, titre=titre, etat=etat, action=action)
        for financeur, montant in montants.items():
            LigneBudget.objects.create(dossier=dossier, financeur=financeur, montant_demande=euros(montant))
    return {"contrat": contrat, "parc": parc, "structure": structure, "ville": ville, "r1": r1, "anct": anct}


def _montants(lignes):
    return {ligne.libelle: (ligne.demande, ligne.accorde, ligne.verse) for ligne in lignes}


def test_every_total_of_the_small_case_as_worked_by_hand(cas):
    f = financements_de_l_annee(contrat=cas["contrat"], annee=ANNEE)
    assert (f.total.demande, f.total.accorde, f.total.verse) == (20000, 17000, 10500)
    assert _montants(f.par_categorie) == {
        "Crédits spécifiques de la politique de la ville": (13000, 10000, 4000),
        "Crédits de droit commun": (7000, 7000, 6500),
    }
    assert (f.credits_specifiques, f.droit_commun, f.effet_levier) == (10000, 7000, Decimal("1.70"))
    # B's CAF line has no financeur of its own: it counts for its source's, the CAF.
    assert _montants(f.par_financeur) == {"ANCT": (13000, 10000, 4000), "CAF": (7000, 7000, 6500)}
    assert _montants(f.par_source) == {"Crédits ville": (13000, 10000, 4000), "Prestation CAF": (7000, 7000, 6500)}
    assert _montants(f.par_fiche) == {
        "8.1.1 – Réussite éducative": (16000, 14000, 10000),
        "8.1.2 – Parentalité": (4000, 3000, 500),
    }
    # Not a partition: A counts in both quartiers, the quartiers add up to more than the total.
    assert _montants(f.par_quartier) == {"Le Parc": (20000, 17000, 10500), "Les Tilleuls": (16000, 14000, 10000)}
    assert [
        (c.financeur, c.enveloppe, c.demande_dossiers, c.accorde, c.reste) for c in f.par_financeur_de_campagne
    ] == [
        ("ANCT", 50000, 15500, 2000, 48000),
        ("CAF", 20000, 3000, 1000, 19000),
    ]
    assert f.cloture is None


def test_the_line_left_out_counts_in_its_own_year(cas):
    """C's 2025 line is of 2024-2025 (C began then); A's 2027 line of 2026-2027."""
    avant = financements_de_l_annee(contrat=cas["contrat"], annee=AnneeScolaire(2024))
    assert (avant.total.demande, avant.effet_levier, avant.campagnes) == (7000, Decimal("1.00"), [])
    apres = financements_de_l_annee(contrat=cas["contrat"], annee=AnneeScolaire(2026))
    assert (apres.total.accorde, apres.effet_levier) == (50000, None)


def test_another_contracts_lines_are_not_counted(cas):
    autre = ContratFactory()
    FinancementFactory(action=ActionFactory(realisation__fiche__enjeu__axe__pilier__contrat=autre), annee=2025)
    assert financements_de_l_annee(contrat=cas["contrat"], annee=ANNEE).total.demande == 20000


def test_the_reads_do_not_grow_with_the_data(cas, django_assert_num_queries):
    with django_assert_num_queries(10):
        financements_de_l_annee(contrat=cas["contrat"], annee=ANNEE)
    for _ in range(5):
        action = ActionFactory(
            realisation=cas["r1"],
            porteur=cas["structure"],
            quartiers=[cas["parc"], QuartierFactory(contrat=cas["contrat"])],
        )
        FinancementFactory(action=action, source=cas["ville"], financeur=PartenaireFactory(contrat=cas["contrat"]))
        FinancementFactory(action=action, source=SourceFinancementFactory(contrat=cas["contrat"]))
    with django_assert_num_queries(10):
        grand = financements_de_l_annee(contrat=cas["contrat"], annee=ANNEE)
    # Five new financeurs, and the lines of sources without one under « Financeur non précisé ».
    assert len(grand.par_financeur) == 2 + 5 + 1
    assert len(grand.par_quartier) == 2 + 5


@pytest.fixture
def chef(client, cas):
    utilisateur = get_user_model().objects.create_user(username="chef-essai")
    Adhesion.objects.create(utilisateur=utilisateur, contrat=cas["contrat"], role=Role.CHEF_DE_PROJET)
    client.force_login(utilisateur)
    return client


def test_the_page_shows_the_figures_in_euros_and_says_what_is_not_a_partition(chef):
    page = chef.get(reverse("dossiers:financements"), {"annee": "2025-2026"}).content.decode()
    for attendu in [
        "17\u202f000,00\u00a0€",
        "10\u202f500,00\u00a0€",
        "1,70",
        "Pas une partition",
        "48\u202f000,00\u00a0€",
    ]:
        assert attendu in page
    assert "chiffres définitifs" not in page


def test_a_closed_year_is_marked_final(chef, cas):
    ClotureAnnee.objects.create(contrat=cas["contrat"], annee_scolaire=2025, cloturee_le=timezone.now())
    page = chef.get(reverse("dossiers:financements"), {"annee": "2025-2026"}).content.decode()
    assert "chiffres définitifs" in page
    feuille = chef.get(reverse("dossiers:financements_csv"), {"annee": "2025-2026"}).content.decode("utf-8-sig")
    assert feuille.splitlines()[1].startswith("2025-2026;oui;Synthèse;total;Total;20000,00;17000,00;10500,00;")


def test_the_exports_hold_the_same_tables_in_euros(chef):
    classeur = load_workbook(
        io.BytesIO(chef.get(reverse("dossiers:financements_xlsx"), {"annee": "2025-2026"}).content)
    )
    assert classeur.sheetnames[:2] == ["Synthèse", "Par financeur"]
    synthese = classeur["Synthèse"]
    assert [c.value for c in synthese[2]][3:8] == ["total", "Total", 20000, 17000, 10500]
    assert synthese["F2"].number_format == '#,##0.00 "€"'
    quartiers = classeur[classeur.sheetnames[4]]
    assert quartiers.title.startswith("Par quartier (pas une partition")
    assert [(r[4].value, r[6].value) for r in quartiers.iter_rows(min_row=2)] == [
        ("Le Parc", 17000),
        ("Les Tilleuls", 14000),
    ]
    lignes = (
        chef.get(reverse("dossiers:financements_csv"), {"annee": "2025-2026"}).content.decode("utf-8-sig").splitlines()
    )
    assert "2025-2026;non;Appel à projets (demandé dans les dossiers);;ANCT;15500,00;2000,00;;50000,00" in lignes


def test_the_demo_shows_funding_of_every_kind_and_its_campaign(demo, reference):
    """The demo as `make run` loads it: the current year has both categories, a leverage, and
    its campaign's envelopes with what its conventionné dossiers were granted; the previous
    year is closed."""
    generer_activite(contrat=reference)
    dossiers_de_demo(contrat=reference)
    annee_precedente_cloturer(contrat=reference)
    courante = financements_de_l_annee(contrat=reference, annee=AnneeScolaire.courante())
    assert courante.credits_specifiques and courante.droit_commun and courante.effet_levier > 1
    assert len(courante.par_quartier) > 1 and len(courante.par_financeur) > 1
    assert courante.campagnes and any(ligne.accorde for ligne in courante.par_financeur_de_campagne)
    precedente = financements_de_l_annee(contrat=reference, annee=AnneeScolaire.courante().precedente())
    assert precedente.total.accorde and precedente.cloture is not None


def test_the_page_reads_as_many_queries_whatever_the_data(chef, cas):
    adresse = f"{reverse('dossiers:financements')}?annee=2025-2026"
    with CaptureQueriesContext(connection) as petit:
        assert chef.get(adresse).status_code == 200
    for _ in range(4):
        action = ActionFactory(
            realisation=cas["r1"], porteur=cas["structure"], quartiers=[QuartierFactory(contrat=cas["contrat"])]
        )
        FinancementFactory(action=action, source=cas["ville"], financeur=PartenaireFactory(contrat=cas["contrat"]))
    with CaptureQueriesContext(connection) as grand:
        assert chef.get(adresse).status_code == 200
    assert len(grand) == len(petit)
