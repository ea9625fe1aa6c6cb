"""The summaries of actions.resumes built from nothing in a few set-based statements, for a
database whose activity was all just loaded in bulk (demo.region): at that volume, the
services' code, made for a save's few rows, would take longer than the load. The same figures
as `manage.py recalculer_resumes` (demo/tests/test_region.py compares them); any change to what
actions.resumes counts must be made here too. PostgreSQL only."""

import time

from django.db import connection

from actions.enums import StatutAction
from actions.models import (
    Action,
    ArriveesDuJour,
    ArriveesDuJourDuPerimetre,
    EffectifAnnuel,
    FrequentationAnnuelle,
    Inscription,
    NiveauAnnuel,
    Participant,
    Presence,
    Seance,
    SeancesAnnuelles,
    SeancesDuJour,
    SeancesDuJourParAction,
)
from actions.resumes import SOMMES_DU_JOUR
from fiches.models import RealisationAttendue
from partenaires.models import Etablissement, Structure

MODELES_RESUMES = [
    FrequentationAnnuelle,
    EffectifAnnuel,
    ArriveesDuJour,
    ArriveesDuJourDuPerimetre,
    SeancesAnnuelles,
    SeancesDuJour,
    SeancesDuJourParAction,
]


def _tables():
    noms = {
        modele.__name__.lower(): connection.ops.quote_name(modele._meta.db_table)
        for modele in [
            *MODELES_RESUMES,
            Action,
            Inscription,
            NiveauAnnuel,
            Participant,
            Presence,
            Seance,
            RealisationAttendue,
            Etablissement,
            Structure,
        ]
    }
    noms["action_quartiers"] = connection.ops.quote_name(Action.quartiers.through._meta.db_table)
    return noms


# The school year of a date (actions.resumes.annee_scolaire).
ANNEE = "(CASE WHEN extract(month FROM {d}) >= 9 THEN extract(year FROM {d}) ELSE extract(year FROM {d}) - 1 END)::int"
# The sessions that count, with their action's fiche: not cancelled, of actions not cancelled.
SEANCES_QUI_COMPTENT = """
    {seance} s JOIN {action} a ON a.id = s.action_id JOIN {realisationattendue} r ON r.id = a.realisation_id
    WHERE s.annulee_le IS NULL AND a.statut <> %(annulee)s
"""
# The sums of actions.resumes._sommes_des_seances over sessions `s`, by field of SOMMES_DU_JOUR.
SOMMES = {
    "enfants_anonymes": "sum(s.enfants_anonymes)",
    "parents_presents": "sum(s.parents_presents)",
    "nb_inscrits": "coalesce(sum(s.nb_inscrits) FILTER (WHERE s.saisie_le IS NOT NULL), 0)",
    "nb_presents": "sum(s.nb_presents)",
    "seances_non_saisies": "count(*) FILTER (WHERE s.saisie_le IS NULL)",
    "nb_seances": "count(*)",
    "seances_en_ecole": "count(*) FILTER (WHERE s.etablissement_id IS NOT NULL)",
}
assert list(SOMMES) == SOMMES_DU_JOUR, "actions.resumes sums other fields: see the module's docstring"


def _requetes():
    t = _tables()
    seances_qui_comptent = SEANCES_QUI_COMPTENT.format(**t)
    colonnes = ", ".join(SOMMES)
    annuelles = [champ for champ in SOMMES if champ != "nb_presents"]
    annee_de_la_seance = ANNEE.format(d="s.date")
    frequentations = f"""
        INSERT INTO {t["frequentationannuelle"]} (participant_id, annee_scolaire, fiche_id, quartier_id,
            nb_presences, premiere_presence, contrat_id, sexe, niveau_scolaire, quartier_residence_id,
            education_prioritaire)
        SELECT l.participant_id, l.annee, l.fiche_id, l.quartier_id, l.n, l.premiere, st.contrat_id, e.sexe,
            coalesce(na.niveau_scolaire, e.niveau_scolaire), e.quartier_residence_id,
            coalesce(et.education_prioritaire, '')
        FROM (
            SELECT p.participant_id, {annee_de_la_seance} AS annee, r.fiche_id, {{quartier}} AS quartier_id,
                count(*) AS n, min(s.date) AS premiere
            FROM {t["presence"]} p JOIN {t["seance"]} s ON s.id = p.seance_id
                JOIN {t["action"]} a ON a.id = s.action_id
                JOIN {t["realisationattendue"]} r ON r.id = a.realisation_id {{jointure}}
            WHERE s.annulee_le IS NULL AND a.statut <> %(annulee)s
            GROUP BY 1, 2, 3, 4
        ) l
        JOIN {t["participant"]} e ON e.id = l.participant_id
        JOIN {t["structure"]} st ON st.id = e.structure_id
        LEFT JOIN {t["etablissement"]} et ON et.id = e.etablissement_id
        LEFT JOIN {t["niveauannuel"]} na ON na.participant_id = l.participant_id AND na.annee_scolaire = l.annee
    """
    effectif = "contrat_id, fiche_id, coalesce(quartier_id, 0), annee_scolaire"
    profil = "sexe, niveau_scolaire, coalesce(quartier_residence_id, 0)"
    return [
        # Seance.nb_inscrits and nb_presents (recompter_inscrits, recompter_presents), of every session.
        "Seance.nb_inscrits, nb_presents",
        f"""
        UPDATE {t["seance"]} s SET nb_inscrits = coalesce(i.n, 0), nb_presents = coalesce(p.n, 0)
        FROM {t["seance"]} c
        LEFT JOIN (
            SELECT s.id, count(*) AS n FROM {t["seance"]} s
            JOIN {t["inscription"]} i ON i.action_id = s.action_id AND i.date_inscription <= s.date
            JOIN {t["participant"]} e ON e.id = i.participant_id AND e.date_consentement <= s.date
            GROUP BY s.id
        ) i ON i.id = c.id
        LEFT JOIN (SELECT seance_id AS id, count(*) AS n FROM {t["presence"]} GROUP BY seance_id) p ON p.id = c.id
        WHERE c.id = s.id
        """,
        # SeancesAnnuelles: the sessions not cancelled, of any action.
        "SeancesAnnuelles",
        f"""
        INSERT INTO {t["seancesannuelles"]} (action_id, annee_scolaire, {", ".join(annuelles)})
        SELECT s.action_id, {annee_de_la_seance}, {", ".join(SOMMES[champ] for champ in annuelles)}
        FROM {t["seance"]} s WHERE s.annulee_le IS NULL GROUP BY 1, 2
        """,
        # SeancesDuJourParAction: each action's days, in the whole contract (0) and in each of its quartiers.
        "SeancesDuJourParAction",
        f"""
        INSERT INTO {t["seancesdujourparaction"]} (action_id, fiche_id, perimetre, jour, {colonnes})
        WITH jours AS (
            SELECT s.action_id, r.fiche_id, s.date AS jour,
                {", ".join(f"{somme} AS {champ}" for champ, somme in SOMMES.items())}
            FROM {seances_qui_comptent}
            GROUP BY 1, 2, 3
        )
        SELECT action_id, fiche_id, 0, jour, {colonnes} FROM jours
        UNION ALL
        SELECT j.action_id, j.fiche_id, aq.quartier_id, j.jour, {", ".join(f"j.{champ}" for champ in SOMMES)}
        FROM jours j JOIN {t["action_quartiers"]} aq ON aq.action_id = j.action_id
        """,
        # SeancesDuJour: the same summed over the actions.
        "SeancesDuJour",
        f"""
        INSERT INTO {t["seancesdujour"]} (fiche_id, perimetre, jour, {colonnes})
        SELECT fiche_id, perimetre, jour, {", ".join(f"sum({champ})" for champ in SOMMES)}
        FROM {t["seancesdujourparaction"]} GROUP BY 1, 2, 3
        """,
        # FrequentationAnnuelle, in the whole contract then in each quartier of the actions.
        "FrequentationAnnuelle (contrat)",
        frequentations.format(quartier="NULL::integer", jointure=""),
        "FrequentationAnnuelle (quartiers)",
        frequentations.format(
            quartier="aq.quartier_id", jointure=f"JOIN {t['action_quartiers']} aq ON aq.action_id = a.id"
        ),
        # Their counters.
        "EffectifAnnuel",
        f"""
        INSERT INTO {t["effectifannuel"]} (contrat_id, fiche_id, perimetre, annee_scolaire, sexe,
            niveau_scolaire, residence, nb_enfants, nb_presences)
        SELECT {effectif}, {profil}, count(*), sum(nb_presences)
        FROM {t["frequentationannuelle"]} GROUP BY 1, 2, 3, 4, 5, 6, 7
        """,
        "ArriveesDuJour",
        f"""
        INSERT INTO {t["arriveesdujour"]} (contrat_id, fiche_id, perimetre, annee_scolaire, jour, sexe,
            niveau_scolaire, residence, nb_enfants)
        SELECT {effectif}, premiere_presence, {profil}, count(*)
        FROM {t["frequentationannuelle"]} GROUP BY 1, 2, 3, 4, 5, 6, 7, 8
        """,
        "ArriveesDuJourDuPerimetre",
        f"""
        INSERT INTO {t["arriveesdujourduperimetre"]} (contrat_id, fiche_id, perimetre, annee_scolaire, jour,
            nb_enfants)
        SELECT {effectif}, premiere_presence, count(*)
        FROM {t["frequentationannuelle"]} GROUP BY 1, 2, 3, 4, 5
        """,
    ]


def resumer_en_sql(*, journal=None):
    """Every summary of the database, from nothing: run once its activity is loaded, when its
    summary tables are still empty. `journal`, when given, is told each statement's duration."""
    requetes = _requetes()
    with connection.cursor() as curseur:
        # For this transaction only: the groupings of millions of rows hashed in memory.
        curseur.execute("SET LOCAL work_mem = '512MB'")
        for libelle, requete in zip(requetes[::2], requetes[1::2], strict=True):
            debut = time.monotonic()
            curseur.execute(requete, {"annulee": StatutAction.ANNULEE})
            if journal:
                journal(f"    {libelle} : {time.monotonic() - debut:.1f} s")
