"""Each calculation alone, on grouped rows worked out by hand in the shape the datasets of
indicateurs.calculs.sources return, without a database. Each sees only the datasets it
declares. Their composition on real records: test_calculs."""

from decimal import Decimal
from types import SimpleNamespace

from actions.enums import NiveauScolaire, Sexe
from indicateurs.calculs import CALCULS
from indicateurs.calculs.sources import Lecture

F, M = Sexe.FILLE, Sexe.GARCON
CP, CM1, SIXIEME = NiveauScolaire.CP, NiveauScolaire.CM1, NiveauScolaire.SIXIEME
UN_QUARTIER = SimpleNamespace(pk=5)


class SourcesDeMain(SimpleNamespace):
    """Datasets written by hand, for one fiche: its groups are all there is."""

    def de_la_fiche(self, nom, fiche):
        return getattr(self, nom)


def calculer(code, *, quartier=None, **donnees):
    calcul = CALCULS[code]
    return calcul.fonction(Lecture(SourcesDeMain(quartier=quartier, **donnees), calcul.lit, fiche=1))


def annees(actuelle, precedente):
    return {"actuelle": actuelle, "precedente": precedente}


def lignes(resultat, axe):
    (ventilation,) = [v for v in resultat.ventilations if v.axe == axe]
    return [(ligne.cle, ligne.libelle, ligne.actuelle, ligne.precedente) for ligne in ventilation.lignes]


QUARTIERS = {5: ("QN09591A", "Nord"), 6: ("QN09592B", "Sud")}

# --- Actions -------------------------------------------------------------------------------------


def profil_d_actions(realisation, porteur, actuelle, precedente, croisee=False, parents=False):
    return {
        "realisation": realisation,
        "porteur": porteur,
        "intervention_croisee": croisee,
        "actuelle": actuelle,
        "precedente": precedente,
        "parents__actuelle": actuelle if parents else 0,
        "parents__precedente": precedente if parents else 0,
    }


# 3 actions this year, 4 the year before.
ACTIONS = {
    "profils_d_actions": [
        profil_d_actions(1, 10, 2, 1, croisee=True),
        profil_d_actions(2, 10, 1, 0, parents=True),
        profil_d_actions(1, 11, 0, 3, croisee=True, parents=True),
    ],
    "realisations": {1: ("1.2.3", 1, "R1", "Accompagnement"), 2: ("1.2.3", 2, "R2", "Parents")},
    "noms_des_structures": {10: "Les Tilleuls", 11: "Association Lire"},
    "actions_par_thematique": [
        {"thematiques__code": "lecture", "thematiques__libelle": "Lecture", "actuelle": 2, "precedente": 1},
    ],
    "actions_par_quartier": [
        {"quartiers": 6, "actuelle": 1, "precedente": 0},
        {"quartiers": 5, "actuelle": 3, "precedente": 4},
    ],
    "noms_des_quartiers": QUARTIERS,
}


def test_nb_actions_sums_the_groups_and_breaks_them_down():
    resultat = calculer("nb_actions", **ACTIONS)

    assert resultat.valeurs == annees(3, 4)
    assert lignes(resultat, "realisation") == [
        ("1.2.3-R1", "Accompagnement", 2, 4),
        ("1.2.3-R2", "Parents", 1, 0),
    ]
    assert lignes(resultat, "thematique") == [("lecture", "Lecture", 2, 1)]
    # Structures by name, quartiers by code.
    assert lignes(resultat, "structure") == [
        ("Association Lire", "Association Lire", 0, 3),
        ("Les Tilleuls", "Les Tilleuls", 3, 1),
    ]
    assert lignes(resultat, "quartier") == [("QN09591A", "Nord", 3, 4), ("QN09592B", "Sud", 1, 0)]


def test_nb_actions_of_a_quartier_has_no_breakdown_by_quartier_and_does_not_read_it():
    sans_quartiers = {nom: donnees for nom, donnees in ACTIONS.items() if nom != "actions_par_quartier"}

    resultat = calculer("nb_actions", quartier=UN_QUARTIER, **sans_quartiers)

    assert [v.axe for v in resultat.ventilations] == ["realisation", "thematique", "structure"]


def test_nb_interventions_croisees_counts_the_groups_of_croisees():
    resultat = calculer("nb_interventions_croisees", profils_d_actions=ACTIONS["profils_d_actions"])

    assert resultat.valeurs == annees(2, 4) and resultat.ventilations == []


def test_nb_actions_parents_counts_the_groups_involving_parents():
    resultat = calculer("nb_actions_parents", profils_d_actions=ACTIONS["profils_d_actions"])

    assert resultat.valeurs == annees(1, 3)


# --- Children ------------------------------------------------------------------------------------


def profil_d_enfants(sexe, niveau, residence, actuelle, precedente, presences):
    """A sum of EffectifAnnuel; None for a year with no row, as SQL sums it."""
    return {
        "sexe": sexe,
        "niveau_scolaire": niveau,
        "residence": residence,
        "actuelle": actuelle,
        "precedente": precedente,
        "presences__actuelle": presences[0],
        "presences__precedente": presences[1],
    }


# The same 4 children each year, by the éducation prioritaire of their school (None: no school).
PAR_EDUCATION_PRIORITAIRE = [
    {"education_prioritaire": None, "actuelle": 1, "precedente": 1},
    {"education_prioritaire": "hors", "actuelle": None, "precedente": 2},
    {"education_prioritaire": "rep_plus", "actuelle": 1, "precedente": 1},
    {"education_prioritaire": "rep", "actuelle": 1, "precedente": None},
    {"education_prioritaire": "rep_plus", "actuelle": 1, "precedente": None},
]

# 4 children each year; 10 presences this year, 12 the year before.
PROFILS_D_ENFANTS = [
    profil_d_enfants(F, CM1, 5, 2, 1, (7, 3)),
    profil_d_enfants(M, CP, 0, 1, None, (2, None)),
    profil_d_enfants(F, SIXIEME, 6, None, 2, (None, 5)),
    profil_d_enfants(M, CM1, 5, 1, 1, (1, 4)),
]


def test_nb_enfants_beneficiaires_sums_the_counters_and_breaks_them_down():
    resultat = calculer(
        "nb_enfants_beneficiaires",
        profils_d_enfants=PROFILS_D_ENFANTS,
        enfants_par_quartier=[
            {"perimetre": 6, "actuelle": None, "precedente": 2},
            {"perimetre": 5, "actuelle": 3, "precedente": 3},
        ],
        noms_des_quartiers=QUARTIERS,
        enfants_par_education_prioritaire=PAR_EDUCATION_PRIORITAIRE,
    )

    assert resultat.valeurs == annees(4, 4)
    assert lignes(resultat, "sexe") == [(F, "Fille", 2, 3), (M, "Garçon", 2, 1)]
    # Levels in the order of the curriculum.
    assert lignes(resultat, "niveau") == [(CP, "CP", 1, 0), (CM1, "CM1", 3, 2), (SIXIEME, "6e", 0, 2)]
    # Quartiers by code, children living outside them last.
    assert lignes(resultat, "residence") == [
        ("QN09591A", "Nord", 3, 2),
        ("QN09592B", "Sud", 0, 2),
        ("hors_qpv", "Hors quartier prioritaire", 1, 0),
    ]
    assert lignes(resultat, "quartier") == [("QN09591A", "Nord", 3, 3), ("QN09592B", "Sud", 0, 2)]
    # REP+ first, then REP, outside, no school; the groups of a key summed.
    assert lignes(resultat, "education_prioritaire") == [
        ("rep_plus", "REP+", 2, 1),
        ("rep", "REP", 1, 0),
        ("hors", "Hors éducation prioritaire", 0, 2),
        ("sans_etablissement", "École non renseignée", 1, 1),
    ]


def test_nb_enfants_beneficiaires_of_a_quartier_has_no_breakdown_by_quartier_and_does_not_read_it():
    resultat = calculer(
        "nb_enfants_beneficiaires",
        quartier=UN_QUARTIER,
        profils_d_enfants=PROFILS_D_ENFANTS,
        noms_des_quartiers=QUARTIERS,
        enfants_par_education_prioritaire=PAR_EDUCATION_PRIORITAIRE,
    )

    assert [v.axe for v in resultat.ventilations] == ["sexe", "niveau", "education_prioritaire", "residence"]


def test_part_residents_qpv_divides_residents_by_children():
    # This year 3 residents of 4, the year before 4 of 4.
    assert calculer("part_residents_qpv", profils_d_enfants=PROFILS_D_ENFANTS).valeurs == annees(
        Decimal("75.0"), Decimal("100.0")
    )


def test_part_residents_qpv_rounds_half_up_and_has_no_value_without_children():
    profils = [profil_d_enfants(F, CM1, 5, 1, None, (1, None)), profil_d_enfants(M, CM1, 0, 15, None, (15, None))]

    # 1 / 16 = 6.25 %: 6.3, as a spreadsheet shows it.
    assert calculer("part_residents_qpv", profils_d_enfants=profils).valeurs == annees(Decimal("6.3"), None)


# --- Sessions ------------------------------------------------------------------------------------

SEANCES = {"anonymes": annees(5, 0), "parents": annees(4, 1), "possibles": annees(20, 16), "a_saisir": annees(3, 0)}


def test_nb_participations_anonymes_are_the_children_counted_at_the_door():
    resultat = calculer("nb_participations_anonymes", seances=SEANCES)

    assert resultat.valeurs == annees(5, 0)
    # Its own values: masking or any later change leaves the shared dataset alone.
    assert resultat.valeurs is not SEANCES["anonymes"]


def test_nb_parents_are_the_parents_present():
    assert calculer("nb_parents", seances=SEANCES).valeurs == annees(4, 1)


def test_frequentation_adds_the_children_counted_at_the_door_to_the_presences():
    # 10 + 5 this year, 12 + 0 the year before.
    resultat = calculer("frequentation", presences=annees(10, 12), seances=SEANCES)

    assert resultat.valeurs == annees(15, 12)


def test_taux_assiduite_divides_presences_by_presences_possible_so_far():
    # 10 / 16 this year; the year before, no session held: no rate.
    seances = {**SEANCES, "possibles": annees(16, 0)}
    resultat = calculer("taux_assiduite", presences=annees(10, 12), seances=seances)

    assert resultat.valeurs == annees(Decimal("62.5"), None)
    # The sessions it leaves out, shown beside it.
    assert resultat.seances_a_saisir == annees(3, 0)
