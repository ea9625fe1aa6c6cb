"""The registry of calculations (indicateurs.calculs.CALCULS): what a computed indicator of any
fiche can be attached to."""

import pytest

from fiches.annees import AnneeScolaire
from fiches.reference import lire_reference
from indicateurs.calculs import CALCULS, indicateur
from indicateurs.calculs.sources import DONNEES, Lecture, Sources
from indicateurs.enums import Mode


def test_every_computed_indicator_of_the_fiche_s_file_has_a_registered_calculation():
    calcules = {d["code"] for d in lire_reference()["indicateurs"] if d["mode"] == Mode.CALCULE}

    assert len(calcules) == 16
    assert calcules <= set(CALCULS)


def test_each_calculation_says_what_it_computes_and_what_it_reads():
    for code, calcul in CALCULS.items():
        assert calcul.code == code
        assert calcul.libelle and calcul.doc, code
        assert calcul.lit and set(calcul.lit) <= DONNEES, code


def test_only_counts_of_distinct_children_are_masked():
    assert {code for code, calcul in CALCULS.items() if calcul.effectif_d_enfants} == {
        "nb_enfants_beneficiaires",
        "nb_enfants_questionnaire_avant_apres",
    }


def test_a_code_is_registered_once():
    with pytest.raises(ValueError, match="déjà enregistré"):
        indicateur("nb_actions", libelle="Doublon", lit=("seances",))(lambda sources: None)

    assert CALCULS["nb_actions"].libelle == "Nombre d’actions"


def test_a_calculation_reads_datasets_that_exist():
    with pytest.raises(ValueError, match="presences_des_enfants"):
        indicateur("nb_nouveau", libelle="Nouveau", lit=("presences_des_enfants",))

    assert "nb_nouveau" not in CALCULS


def test_a_calculation_sees_the_perimeter_and_only_the_datasets_it_declares():
    sources = Sources(contrat=None, annee=AnneeScolaire(2025), fiches=[7, 8])
    sources.__dict__.update(seances={7: {"parents": {}}}, profils_d_enfants=[], _actions=[])
    lecture = Lecture(sources, ("seances",), 7)

    assert lecture.quartier is None and lecture.fiche == 7 and lecture.seances == {"parents": {}}
    # The groups of another fiche are not this one's: its sums are zero.
    assert Lecture(sources, ("seances",), 8).seances["parents"] == {"actuelle": 0, "precedente": 0}
    with pytest.raises(AttributeError, match="profils_d_enfants"):
        lecture.profils_d_enfants  # noqa: B018
    with pytest.raises(AttributeError):
        lecture._actions  # noqa: B018
