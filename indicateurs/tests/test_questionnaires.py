"""Effect E2 (the « envie d’école » questionnaire before and after), worked out by hand on a
small contract. AnneeScolaire(2025) is 2025-2026; its previous year is 2024-2025. Each answer
set below scores exactly its value (the negatively worded items answered the other way round).

| child | action (quartiers)        | entry → exit | change                         |
| lea   | a1 (A)                    | 2 → 4        | +2  } one child: mean +0.5, rose |
| lea   | a2 (A, B)                 | 3 → 2        | −1  }                            |
| sam   | a2 (A, B)                 | 2 → 3        | +1, rose                         |
| tom   | a2 (A, B)                 | 3 → 3        | 0, not a rise                    |
| hugo  | a1 (A)                    | 2 → (none)   | not counted: one questionnaire   |
| ines  | a0 (A), 2024-2025         | 1 → 2        | +1 in 2024-2025                  |
| ines  | a1 (A)                    | 3 → 1        | −2 in 2025-2026                  |

A child whose consent does not cover the questionnaire can have no answers (actions tests)."""

from datetime import date
from decimal import Decimal

import pytest
from django.conf import settings

from actions.enums import MomentQuestionnaire
from actions.questionnaires import questionnaire
from actions.services import questionnaire_enregistrer
from actions.tests.factories import InscriptionFactory, ParticipantFactory
from indicateurs.calculs import masquer_petits_effectifs
from indicateurs.calculs.figures import regle_de_masquage

from .test_calculs import APRES_LES_DEUX_ANNEES, action, figures_de, perimetre, quartier  # noqa: F401

pytestmark = pytest.mark.django_db

CODES = ("nb_enfants_questionnaire_avant_apres", "evolution_score_envie_ecole", "part_score_envie_ecole_en_hausse")
FORME = questionnaire().forme("elementaire")


def au_score(valeur):
    return {item.code: 5 - valeur if item.inverse else valeur for item in FORME.items}


def repondre(action_, enfant_, entree, sortie=None, le=None):
    le = le or action_.date_debut
    if not action_.inscriptions.filter(participant=enfant_).exists():
        InscriptionFactory(action=action_, participant=enfant_, date_inscription=le)
    for moment, valeur, jour in ((MomentQuestionnaire.ENTREE, entree, le), (MomentQuestionnaire.SORTIE, sortie, None)):
        if valeur is not None:
            questionnaire_enregistrer(
                action=action_,
                participant=enfant_,
                moment=moment,
                reponses=au_score(valeur),
                rempli_le=jour or action_.date_fin,
                mode="papier",
                auteur=None,
            )


def enfant(perimetre):  # noqa: F811
    return ParticipantFactory(
        structure=perimetre.porteur, consentement_questionnaire=True, date_consentement=date(2023, 9, 1)
    )


@pytest.fixture
def territoire(perimetre):  # noqa: F811
    a, b = quartier(perimetre), quartier(perimetre)
    a0 = action(
        perimetre,
        quartiers=[a],
        questionnaire_envie_ecole=True,
        date_debut=date(2024, 10, 1),
        date_fin=date(2025, 6, 30),
    )
    a1 = action(perimetre, quartiers=[a], questionnaire_envie_ecole=True)
    a2 = action(perimetre, quartiers=[a, b], questionnaire_envie_ecole=True)
    lea, sam, tom, hugo, ines = (enfant(perimetre) for _ in range(5))
    repondre(a1, lea, 2, 4)
    repondre(a2, lea, 3, 2)
    repondre(a2, sam, 2, 3)
    repondre(a2, tom, 3, 3)
    repondre(a1, hugo, 2)
    repondre(a0, ines, 1, 2)
    repondre(a1, ines, 3, 1)
    perimetre.quartiers = (a, b)
    return perimetre


def valeurs(figures_, nom="actuelle"):
    return tuple(figures_.totaux[code][nom] for code in CODES)


def test_the_contract_s_figures_worked_by_hand(territoire):
    resultat = figures_de(territoire, codes=CODES)
    # lea +0.5 (the mean of her two actions), sam +1, tom 0, ines −2; hugo has no exit.
    # Mean (0.5 + 1 + 0 − 2) / 4 = −0.125, half away from zero: −0.13; rose: lea, sam.
    assert valeurs(resultat) == (4, Decimal("-0.13"), Decimal("50.0"))
    # 2024-2025: ines alone, +1 (the same child a year apart counts in each year).
    assert valeurs(resultat, "precedente") == (1, Decimal("1.00"), Decimal("100.0"))


def test_each_quartier_counts_the_pairs_of_its_actions(territoire):
    a, b = territoire.quartiers
    assert valeurs(figures_de(territoire, a, codes=CODES)) == (4, Decimal("-0.13"), Decimal("50.0"))
    # B: a2 only; lea's change there is −1 (her a1 is in A alone): −1, +1, 0.
    assert valeurs(figures_de(territoire, b, codes=CODES)) == (3, Decimal("0.00"), Decimal("33.3"))


def test_no_pair_gives_no_mean_nor_share(perimetre):  # noqa: F811
    seule = action(perimetre, questionnaire_envie_ecole=True)
    repondre(seule, enfant(perimetre), 2)
    assert valeurs(figures_de(perimetre, codes=CODES)) == (0, None, None)


def test_a_year_under_way_counts_the_exits_filled_by_the_same_day(territoire):
    # On 01/06/2026 no exit of 2025-2026 is filled (30/06/2026); ines' 2024-2025 exit (30/06/2025) is after 01/06/2025.
    assert valeurs(figures_de(territoire, aujourdhui=date(2026, 6, 1), codes=CODES)) == (0, None, None)
    assert valeurs(figures_de(territoire, aujourdhui=date(2026, 6, 1), codes=CODES), "precedente") == (0, None, None)
    assert valeurs(figures_de(territoire, aujourdhui=date(2026, 7, 1), codes=CODES), "precedente") == (
        1,
        Decimal("1.00"),
        Decimal("100.0"),
    )


def test_outside_the_officers_fewer_children_than_the_threshold_hide_the_mean_and_the_share(territoire):
    masquees = masquer_petits_effectifs(
        figures_de(territoire, codes=CODES, tous_les_perimetres=True), seuil=settings.SEUIL_PETITS_EFFECTIFS
    )
    compte, moyenne, part = valeurs(masquees)
    assert (str(compte), str(moyenne), str(part)) == ("< 5", "s", "s")
    assert all(valeur.valeur is not None for valeur in (compte, moyenne, part))
    assert "« Enfants ayant répondu au questionnaire « envie d’école » avant et après » est masqué" in (
        regle_de_masquage("evolution_score_envie_ecole", seuil=5)
    )


def test_five_children_show_their_figures(territoire):
    a1 = territoire.realisation.actions.filter(questionnaire_envie_ecole=True, date_debut=date(2025, 9, 15)).first()
    repondre(a1, enfant(territoire), 1, 4)
    masquees = masquer_petits_effectifs(
        figures_de(territoire, codes=CODES, tous_les_perimetres=True), seuil=settings.SEUIL_PETITS_EFFECTIFS
    )
    # (0.5 + 1 + 0 − 2 + 3) / 5 = 0.5; rose: lea, sam and the new child.
    assert valeurs(masquees) == (5, Decimal("0.50"), Decimal("60.0"))


@pytest.mark.parametrize("enfants", [1, 12])
def test_the_figures_cost_one_query_whatever_the_number_of_children(perimetre, django_assert_num_queries, enfants):  # noqa: F811
    action_ = action(perimetre, questionnaire_envie_ecole=True)
    for _ in range(enfants):
        repondre(action_, enfant(perimetre), 2, 3)
    with django_assert_num_queries(1):
        resultat = figures_de(perimetre, codes=CODES)
    assert valeurs(resultat)[0] == enfants


def test_the_mean_change_shows_its_hundredths_and_counts_stay_whole():
    from fiches.templatetags.format_fr import evolution, valeur

    assert (valeur(Decimal("-0.13"), "nombre"), valeur(12, "nombre")) == ("-0,13", "12")
    assert (evolution(Decimal("0.2"), "nombre"), evolution(3, "nombre")) == ("en hausse (+0,20)", "en hausse (+3)")
