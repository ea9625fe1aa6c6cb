"""Effect E2 of fiche 1.2.3: the children's wish for school, measured by the « envie d’école »
questionnaire (actions.questionnaires) at entry and exit of an action. Figures over the children
with both: masked as the other counts of children, and the mean and share with them."""

from decimal import ROUND_HALF_UP, Decimal

from .figures import Resultat, ratio
from .registre import indicateur
from .sources import ANNEES

CENTIEME = Decimal("0.01")


@indicateur(
    "nb_enfants_questionnaire_avant_apres",
    libelle="Enfants ayant répondu au questionnaire « envie d’école » avant et après",
    lit=("questionnaires",),
    effectif_d_enfants=True,
)
def nb_enfants_questionnaire_avant_apres(sources):
    """Children who answered the questionnaire at the entry and at the exit of an action of the
    year, each counted once however many actions."""
    return Resultat(dict(sources.questionnaires["enfants"]))


@indicateur(
    "evolution_score_envie_ecole",
    libelle="Évolution moyenne du score « envie d’école »",
    lit=("questionnaires",),
    derive_de=("nb_enfants_questionnaire_avant_apres",),
)
def evolution_score_envie_ecole(sources):
    """Mean of the children's change of score (exit minus entry, on the scale of 1 to 4), a
    child of several actions with the mean of their changes; to the hundredth."""
    evolution = sources.questionnaires["evolution"]
    return Resultat(
        {
            nom: None if evolution[nom] is None else Decimal(evolution[nom]).quantize(CENTIEME, rounding=ROUND_HALF_UP)
            for nom in ANNEES
        }
    )


@indicateur(
    "part_score_envie_ecole_en_hausse",
    libelle="Part des enfants dont le score « envie d’école » a augmenté",
    lit=("questionnaires",),
    derive_de=("nb_enfants_questionnaire_avant_apres",),
)
def part_score_envie_ecole_en_hausse(sources):
    """Children whose score rose between entry and exit, out of the children with both, in
    percent: an unchanged score is not a rise."""
    questionnaires = sources.questionnaires
    return Resultat({nom: ratio(questionnaires["hausse"][nom], questionnaires["enfants"][nom]) for nom in ANNEES})
