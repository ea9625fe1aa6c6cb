"""Effect E1 (co-involvement of schools, actors and parents), worked out by hand on a small
contract. AnneeScolaire(2025) is 2025-2026; its previous year is 2024-2025.

Quartiers A and B; porteurs P1 and P2; partner CAF (and DSDEN, only in a cancelled action);
schools E1 and E2.

| action | quartiers | dates                   | conçue avec           | animée avec | organisations  |
| a1     | A, B      | 15/09/2025 – 30/06/2026 | école, association    | parents     | P1, CAF, E1    |
| a2     | A         | 15/09/2025 – 30/06/2026 | (rien)                | (rien)      | P1, E2         |
| a3     | A         | annulée                 | école                 | habitants   | P2, DSDEN      |
| a4     | B         | 01/10/2024 – 30/06/2025 | centre social         | école       | P2             |
| a5     | B         | 01/06/2025 – 10/09/2025 | école                 | (rien)      | P1             |

Sessions: a1 on 01/10/2025 at E1, 08/10/2025 elsewhere, 15/10/2025 at E1 but cancelled; a2 on
31/08/2026 (last day of the year) at E2; a3 on 01/11/2025 at E1 (cancelled action); a4 on
01/11/2024 at E1; a5 on 31/08/2025 elsewhere and 01/09/2025 at E1 (either side of the turn
of the year)."""

from datetime import date
from decimal import Decimal

import pytest
from django.conf import settings

from actions import services
from actions.enums import Acteur
from actions.models import Seance
from actions.tests.factories import SeanceFactory
from indicateurs.calculs import masquer_petits_effectifs
from indicateurs.calculs.figures import regle_de_masquage
from partenaires.tests.factories import EtablissementFactory, PartenaireFactory, StructureFactory

from .test_calculs import ANNEE, APRES_LES_DEUX_ANNEES, action, enfant, figures_de, perimetre, quartier, venu  # noqa: F401

pytestmark = pytest.mark.django_db

CODES = (
    "part_actions_concues_avec_ecole",
    "part_actions_animees_avec_parents",
    "nb_partenaires_distincts",
    "part_seances_en_ecole",
)


@pytest.fixture
def territoire(perimetre):  # noqa: F811
    contrat = perimetre.contrat
    a, b = quartier(perimetre), quartier(perimetre)
    # P1 is the perimeter's porteur, every action's by default.
    p2 = StructureFactory(contrat=contrat)
    caf, dsden = PartenaireFactory(contrat=contrat), PartenaireFactory(contrat=contrat)
    e1, e2 = EtablissementFactory(contrat=contrat), EtablissementFactory(contrat=contrat)
    a1 = action(
        perimetre,
        quartiers=[a, b],
        partenaires=[caf],
        etablissements=[e1],
        concue_avec=[Acteur.ECOLE, Acteur.ASSOCIATION],
        animee_avec=[Acteur.PARENTS],
    )
    a2 = action(perimetre, quartiers=[a], etablissements=[e2])
    a3 = action(
        perimetre,
        quartiers=[a],
        porteur=p2,
        partenaires=[dsden],
        annulee=True,
        concue_avec=[Acteur.ECOLE],
        animee_avec=[Acteur.HABITANTS],
    )
    a4 = action(
        perimetre,
        quartiers=[b],
        porteur=p2,
        date_debut=date(2024, 10, 1),
        date_fin=date(2025, 6, 30),
        concue_avec=[Acteur.CENTRE_SOCIAL],
        animee_avec=[Acteur.ECOLE],
    )
    a5 = action(
        perimetre, quartiers=[b], date_debut=date(2025, 6, 1), date_fin=date(2025, 9, 10), concue_avec=[Acteur.ECOLE]
    )
    SeanceFactory(action=a1, date=date(2025, 10, 1), etablissement=e1)
    SeanceFactory(action=a1, date=date(2025, 10, 8), lieu="Gymnase")
    annulee = SeanceFactory(action=a1, date=date(2025, 10, 15), etablissement=e1)
    services.seance_annuler(seance=annulee, motif="Grève")
    SeanceFactory(action=a2, date=date(2026, 8, 31), etablissement=e2)
    SeanceFactory(action=a3, date=date(2025, 11, 1), etablissement=e1)
    SeanceFactory(action=a4, date=date(2024, 11, 1), etablissement=e1)
    SeanceFactory(action=a5, date=date(2025, 8, 31), lieu="Médiathèque")
    SeanceFactory(action=a5, date=date(2025, 9, 1), etablissement=e1)
    perimetre.quartiers = (a, b)
    return perimetre


def figures(perimetre, quartier=None, aujourdhui=APRES_LES_DEUX_ANNEES, **kwargs):  # noqa: F811
    return figures_de(perimetre, quartier, aujourdhui, codes=kwargs.pop("codes", CODES), **kwargs)


def valeurs(figures_, nom):
    return {code: figures_.totaux[code][nom] for code in CODES}


def test_the_contract_s_figures_worked_by_hand(territoire):
    resultat = figures(territoire)

    # 2025-2026: a1, a2, a5 (a3 cancelled, a4 ended in June 2025; a5 overlaps both years).
    # School in « conçue avec »: a1, a5; parents or residents in « animée avec »: a1 (a3 cancelled).
    # Organisations: P1, CAF, E1 (a1), E2 (a2); DSDEN and P2 only in a3 (cancelled) and a4.
    # Sessions: 01/10 at E1, 08/10 elsewhere, 31/08/2026 at E2, 01/09/2025 at E1; 15/10 cancelled.
    assert valeurs(resultat, "actuelle") == {
        "part_actions_concues_avec_ecole": Decimal("66.7"),
        "part_actions_animees_avec_parents": Decimal("33.3"),
        "nb_partenaires_distincts": 4,
        "part_seances_en_ecole": Decimal("75.0"),
    }
    # 2024-2025: a4, a5; school: a5; parents: none (a4 is run with a school); P2, P1;
    # sessions 01/11/2024 at E1, 31/08/2025 elsewhere.
    assert valeurs(resultat, "precedente") == {
        "part_actions_concues_avec_ecole": Decimal("50.0"),
        "part_actions_animees_avec_parents": Decimal("0.0"),
        "nb_partenaires_distincts": 2,
        "part_seances_en_ecole": Decimal("50.0"),
    }


def test_distinct_partners_by_quartier_count_an_organisation_in_each_of_its_quartiers(territoire):
    (ventilation,) = figures(territoire).ventilations["nb_partenaires_distincts"]
    a, b = territoire.quartiers

    # A: a1 and a2 (P1, CAF, E1, E2); B: a1 and a5 (P1, CAF, E1), a4 the year before (P2) with a5
    # (P1). P1, CAF and E1 are in both: 4 + 3 lines for a total of 4.
    assert {ligne.cle: (ligne.actuelle, ligne.precedente) for ligne in ventilation.lignes} == {
        a.code: (4, 0),
        b.code: (3, 2),
    }
    assert not ventilation.partition


def test_a_quartier_counts_the_actions_that_concern_it_an_action_of_two_quartiers_in_each(territoire):
    a, b = territoire.quartiers

    # A: a1 (school, parents) and a2 (nothing recorded: counted, as without); a3 cancelled.
    # Sessions of a1 and a2: 01/10 at E1, 08/10 elsewhere, 31/08/2026 at E2.
    assert valeurs(figures(territoire, a), "actuelle") == {
        "part_actions_concues_avec_ecole": Decimal("50.0"),
        "part_actions_animees_avec_parents": Decimal("50.0"),
        "nb_partenaires_distincts": 4,
        "part_seances_en_ecole": Decimal("66.7"),
    }
    # B: a1 and a5, both designed with a school; a1 alone run with parents.
    en_b = figures(territoire, b)
    assert valeurs(en_b, "actuelle") == {
        "part_actions_concues_avec_ecole": Decimal("100.0"),
        "part_actions_animees_avec_parents": Decimal("50.0"),
        "nb_partenaires_distincts": 3,
        "part_seances_en_ecole": Decimal("66.7"),
    }
    # No breakdown by quartier on a quartier's own dashboard.
    assert "nb_partenaires_distincts" not in en_b.ventilations


def test_a_year_under_way_is_cut_at_the_same_day_of_both_years(territoire):
    # On 05/10/2025: a1, a2, a5 begun (as the whole year); sessions up to then: 01/10 at E1 and
    # 01/09 at E1. On 05/10/2024: a4 begun (01/10/2024), a5 not yet; no session yet.
    resultat = figures(territoire, aujourdhui=date(2025, 10, 5))

    assert valeurs(resultat, "actuelle") == {
        "part_actions_concues_avec_ecole": Decimal("66.7"),
        "part_actions_animees_avec_parents": Decimal("33.3"),
        "nb_partenaires_distincts": 4,
        "part_seances_en_ecole": Decimal("100.0"),
    }
    assert valeurs(resultat, "precedente") == {
        "part_actions_concues_avec_ecole": Decimal("0.0"),
        "part_actions_animees_avec_parents": Decimal("0.0"),
        "nb_partenaires_distincts": 1,
        "part_seances_en_ecole": None,
    }


def test_a_year_with_no_action_has_no_share_and_no_partner(perimetre):  # noqa: F811
    resultat = figures(perimetre)
    assert valeurs(resultat, "actuelle") == {
        "part_actions_concues_avec_ecole": None,
        "part_actions_animees_avec_parents": None,
        "nb_partenaires_distincts": 0,
        "part_seances_en_ecole": None,
    }


def test_parents_who_only_attend_do_not_make_an_action_run_with_parents(perimetre):  # noqa: F811
    atelier = action(perimetre, public_parents=True)
    SeanceFactory(action=atelier, date=date(2025, 10, 1), parents_presents=12)
    resultat = figures(perimetre, codes=[*CODES, "nb_actions_parents"])
    assert resultat.totaux["nb_actions_parents"]["actuelle"] == 1
    assert resultat.totaux["part_actions_animees_avec_parents"]["actuelle"] == Decimal("0.0")


def test_a_partner_sees_the_e1_figures_whole_beside_masked_counts_of_children(territoire):
    """Counts of actions, sessions and organisations point to no child: never masked, even small,
    while the children of the same dashboard are."""
    a1 = territoire.realisation.actions.filter(quartiers=territoire.quartiers[0]).order_by("pk").first()
    for _ in range(2):
        venu(a1, enfant(territoire), date(2025, 10, 1))
    avant = valeurs(figures(territoire), "actuelle")
    masquees = masquer_petits_effectifs(
        figures(territoire, codes=[*CODES, "nb_enfants_beneficiaires"], tous_les_perimetres=True),
        seuil=settings.SEUIL_PETITS_EFFECTIFS,
    )
    assert str(masquees.totaux["nb_enfants_beneficiaires"]["actuelle"]) == "< 5"
    assert valeurs(masquees, "actuelle") == avant
    for code in CODES:
        assert regle_de_masquage(code, seuil=5) == "Jamais masqué : ce n’est pas un effectif d’enfants."


# --- Sessions, from the summaries the write services keep ----------------------------------------
# Whole years are read from actions.SeancesAnnuelles, a year cut at a date from SeancesDuJour:
# each service that changes a session moves them, and the share follows with no query of its own.


def _part_des_seances(territoire, quartier=None, aujourdhui=APRES_LES_DEUX_ANNEES):  # noqa: F811
    return figures(territoire, quartier, aujourdhui, codes=["part_seances_en_ecole"]).totaux["part_seances_en_ecole"]


def test_a_session_moved_to_a_school_and_back_moves_the_share(territoire):
    a, b = territoire.quartiers
    gymnase = Seance.objects.get(date=date(2025, 10, 8))
    e2 = Seance.objects.get(date=date(2026, 8, 31)).etablissement

    services.seance_enregistrer(action=gymnase.action, seance=gymnase, donnees={"etablissement": e2, "lieu": ""})
    # 2025-2026: 01/10 at E1, 08/10 now at E2, 31/08/2026 at E2, 01/09/2025 at E1: four of four;
    # in A (a1, a2) three of three, in B (a1, a5) three of three.
    assert _part_des_seances(territoire)["actuelle"] == Decimal("100.0")
    assert _part_des_seances(territoire, a)["actuelle"] == _part_des_seances(territoire, b)["actuelle"] == 100
    # Cut at 10/10/2025: 01/09, 01/10 and 08/10, all at a school now.
    assert _part_des_seances(territoire, aujourdhui=date(2025, 10, 10))["actuelle"] == Decimal("100.0")

    services.seance_enregistrer(
        action=gymnase.action, seance=gymnase, donnees={"etablissement": None, "lieu": "Gymnase"}
    )
    assert _part_des_seances(territoire)["actuelle"] == Decimal("75.0")
    assert _part_des_seances(territoire, aujourdhui=date(2025, 10, 10))["actuelle"] == Decimal("66.7")


def test_a_session_cancelled_or_restored_leaves_or_rejoins_the_share(territoire):
    services.seance_retablir(seance=Seance.objects.get(date=date(2025, 10, 15)))
    # 2025-2026: 01/10, 15/10 (restored), 01/09 at E1, 31/08/2026 at E2, 08/10 elsewhere.
    assert _part_des_seances(territoire)["actuelle"] == Decimal("80.0")

    services.seance_annuler(seance=Seance.objects.get(date=date(2025, 10, 1)), motif="Grève")
    assert _part_des_seances(territoire)["actuelle"] == Decimal("75.0")
    # Cut at 05/10/2025, only 01/09 is left, at E1; in A (a1, a2), none at all.
    assert _part_des_seances(territoire, aujourdhui=date(2025, 10, 5))["actuelle"] == Decimal("100.0")
    assert _part_des_seances(territoire, territoire.quartiers[0], date(2025, 10, 5))["actuelle"] is None


def test_cut_at_a_date_the_year_before_counts_its_sessions_up_to_the_same_day(territoire):
    premiere = Seance.objects.get(date=date(2024, 11, 1))
    a4, e1 = premiere.action, premiere.etablissement
    SeanceFactory(action=a4, date=date(2024, 10, 3), lieu="Gymnase")
    # The same day a year before counts; the day after, not yet.
    SeanceFactory(action=a4, date=date(2024, 10, 5), etablissement=e1)
    SeanceFactory(action=a4, date=date(2024, 10, 6), etablissement=e1)

    # On 05/10/2025: 01/09 and 01/10/2025 at E1; on 05/10/2024: 03/10 elsewhere, 05/10 at E1. In
    # B (a1, a4, a5) the same sessions; in A (a1, a2) 01/10 alone, and nothing the year before.
    a, b = territoire.quartiers
    for quartier_ in (None, b):
        assert _part_des_seances(territoire, quartier_, date(2025, 10, 5)) == {
            "actuelle": Decimal("100.0"),
            "precedente": Decimal("50.0"),
        }
    assert _part_des_seances(territoire, a, date(2025, 10, 5)) == {"actuelle": Decimal("100.0"), "precedente": None}
    # The whole year before: 03/10, 05/10, 06/10 and 01/11/2024, 31/08/2025 (a5) elsewhere.
    assert _part_des_seances(territoire)["precedente"] == Decimal("60.0")


# --- The dashboard, its exports and the definition pages ----------------------------------------

SECTION = "Effet attendu E1 : co-implication des écoles, des acteurs et des parents"


def _dashboard_data(reference):
    """One action of the demo's first quartier designed with a school and run with parents,
    with 2 children: their count is masked for a partner, the E1 figures are not."""
    from indicateurs.tests.test_tableaux import _activite

    quartier_ = _activite(reference, enfants=2)
    Action = quartier_.actions.model
    Action.objects.filter(quartiers=quartier_).update(concue_avec=[Acteur.ECOLE], animee_avec=[Acteur.PARENTS])
    return quartier_


@pytest.mark.parametrize(
    ("compte", "adresse"),
    [
        # An animateur reads the contract's dashboard, small counts masked.
        ("demo-animateur", "/indicateurs/fiches/1.2.3/"),
        # A partner granted some quartiers reads theirs.
        ("demo-partenaire", "/indicateurs/fiches/1.2.3/quartiers/QN09591A/"),
    ],
)
def test_the_dashboard_shows_e1_in_its_own_section_unmasked_outside_the_officers(
    client, demo, reference, compte, adresse
):
    from indicateurs.tests.test_tableaux import _client, _figure

    _dashboard_data(reference)
    reponse = _client(client, compte).get(adresse, {"annee": "2025-2026"})
    assert reponse.status_code == 200
    html = reponse.content.decode()

    debut = html.index(f">{SECTION}</h2>")
    section = html[debut : html.index("</section>", debut)]
    assert f'<caption class="visually-hidden">{SECTION}</caption>' in section
    for code in CODES:
        assert f'id="indicateur-{code}"' in section
        assert f'id="indicateur-{code}"' not in html[:debut]
    assert _figure(html, "nb_enfants_beneficiaires") == "&lt; 5"
    assert _figure(html, "part_actions_concues_avec_ecole") == "100,0\u00a0%"
    assert _figure(html, "part_actions_animees_avec_parents") == "100,0\u00a0%"
    assert _figure(html, "nb_partenaires_distincts") == "1"
    # On the contract's, the distinct partners by quartier, as a chart with its table.
    par_quartier = "Nombre de partenaires distincts impliqués – par quartier concerné"
    assert (par_quartier in html) == ("quartiers" not in adresse)


def test_the_exports_carry_the_e1_figures_and_their_breakdown(client, demo, reference):
    import csv
    import io

    from indicateurs.tests.classeurs import lignes_du_classeur
    from indicateurs.tests.test_tableaux import _client

    quartier_ = _dashboard_data(reference)
    client = _client(client, "demo-animateur")
    parametres = {"fiche": "1.2.3", "annee": "2025-2026"}
    contenu = client.get("/indicateurs/export.csv", parametres).content.decode("utf-8")
    lignes = list(csv.DictReader(io.StringIO(contenu[1:]), delimiter=";"))
    totaux = {ligne["code"]: ligne["valeur"] for ligne in lignes if not ligne["ventilation"]}
    assert {code: totaux[code] for code in CODES} == {
        "part_actions_concues_avec_ecole": "100,0",
        "part_actions_animees_avec_parents": "100,0",
        "nb_partenaires_distincts": "1",
        "part_seances_en_ecole": "0,0",
    }
    assert {
        ligne["ventilation"]: ligne["valeur"] for ligne in lignes if ligne["code"] == "nb_partenaires_distincts"
    } == {"": "1", f"quartier={quartier_.code}": "1"}
    xlsx = lignes_du_classeur(client.get("/indicateurs/export.xlsx", parametres).content)
    rubriques = {ligne["code"]: ligne["rubrique"] for ligne in xlsx if not ligne["ventilation"]}
    assert {rubriques[code] for code in CODES} == {SECTION}
    assert any(
        ligne["ventilation"] == f"quartier={quartier_.code}"
        for ligne in xlsx
        if ligne["code"] == "nb_partenaires_distincts"
    )


@pytest.mark.parametrize("code", CODES)
def test_each_definition_page_states_its_rule(client, demo, reference, code):
    from indicateurs.tests.test_tableaux import _client

    html = _client(client, "demo-partenaire").get(f"/indicateurs/fiches/1.2.3/definitions/{code}/").content.decode()
    assert "annulé" in html
    assert "Jamais masqué : ce n’est pas un effectif d’enfants." in html
    assert "dans chacun" in html
