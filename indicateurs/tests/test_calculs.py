"""The fiche's computed indicators (indicateurs.calculs), checked against figures worked out by hand
on small factory data. AnneeScolaire(2025) is 2025-2026 (1 Sept 2025 - 31 Aug 2026); its previous
year ("precedente") is 2024-2025."""

from datetime import date
from decimal import Decimal
from io import StringIO
from types import SimpleNamespace

import pytest
from django.core.management import call_command
from django.utils import timezone

from actions import services
from actions.enums import NiveauScolaire, Sexe
from actions.models import Seance
from actions.resumes import recalculer_frequentations
from actions.tests.factories import (
    ActionFactory,
    InscriptionFactory,
    ParticipantFactory,
    PresenceFactory,
    SeanceFactory,
)
from fiches.annees import AnneeScolaire
from fiches.models import ClotureAnnee, Thematique
from fiches.tests.factories import FicheFactory, QuartierFactory, RealisationAttendueFactory
from indicateurs.calculs import CALCULS, calculer, masquer_petits_effectifs
from partenaires.enums import EducationPrioritaire
from partenaires.services import etablissements_importer
from partenaires.tests.factories import EtablissementFactory, PartenaireFactory, StructureFactory

pytestmark = pytest.mark.django_db

ANNEE = AnneeScolaire(2025)
# After both years: every session of 2024-2025 and 2025-2026 is in the past.
APRES_LES_DEUX_ANNEES = date(2026, 9, 15)

F, M = Sexe.FILLE, Sexe.GARCON
CP, CM1, CM2, SIXIEME = NiveauScolaire.CP, NiveauScolaire.CM1, NiveauScolaire.CM2, NiveauScolaire.SIXIEME

VIDE = {
    "nb_actions": 0,
    "nb_interventions_croisees": 0,
    "nb_actions_parents": 0,
    "nb_enfants_beneficiaires": 0,
    "nb_participations_anonymes": 0,
    "part_residents_qpv": None,
    "frequentation": 0,
    "taux_assiduite": None,
    "nb_parents": 0,
}
CODES = tuple(VIDE)


# --- Helpers -------------------------------------------------------------------------------------


def cle_realisation(realisation):
    """A réalisation's code is unique within its fiche: the breakdown keys it with the fiche's code."""
    return f"{realisation.fiche.code}-{realisation.code}"


@pytest.fixture
def perimetre():
    """A contract with one fiche, one réalisation attendue of it and one porteur of the contract."""
    realisation = RealisationAttendueFactory()
    contrat = realisation.fiche.enjeu.axe.pilier.contrat
    return SimpleNamespace(contrat=contrat, realisation=realisation, porteur=StructureFactory(contrat=contrat))


def action(perimetre, **kwargs):
    """An action of the perimeter's contract (by default in 2025-2026, run by its porteur)."""
    kwargs.setdefault("realisation", perimetre.realisation)
    kwargs.setdefault("porteur", perimetre.porteur)
    return ActionFactory(**kwargs)


def quartier(perimetre):
    return QuartierFactory(contrat=perimetre.contrat)


def enfant(perimetre, sexe=F, niveau=CM1, residence=None, etablissement=None):
    return ParticipantFactory(
        structure=perimetre.porteur,
        sexe=sexe,
        niveau_scolaire=niveau,
        quartier_residence=residence,
        etablissement=etablissement,
        date_consentement=date(2023, 9, 1),
    )


def seance(action_, jour, **kwargs):
    """The action's session of that day (created once), with its headcounts when given."""
    seance_ = Seance.objects.filter(action=action_, date=jour).first() or SeanceFactory(action=action_, date=jour)
    if kwargs:
        services.seance_enregistrer(action=action_, seance=seance_, donnees=kwargs)
    return seance_


def inscrire(action_, enfant_, le=None):
    if not action_.inscriptions.filter(participant=enfant_).exists():
        InscriptionFactory(action=action_, participant=enfant_, date_inscription=le or action_.date_debut)


def venu(action_, enfant_, *jours):
    """The child, enrolled in the action, attended its sessions of those days."""
    inscrire(action_, enfant_)
    for jour in jours:
        PresenceFactory(seance=seance(action_, jour), participant=enfant_)


def figures_de(perimetre, quartier=None, aujourdhui=APRES_LES_DEUX_ANNEES, **kwargs):
    return calculer(
        contrat=perimetre.contrat,
        annee=ANNEE,
        fiche=perimetre.realisation.fiche,
        quartier=quartier,
        aujourdhui=aujourdhui,
        **kwargs,
    )


def totaux(figures, nom="actuelle"):
    return {code: figures.totaux[code][nom] for code in CODES}


def lignes(figures, code, axe, nom="actuelle"):
    """A breakdown as {key: value} for one year (line order differs between databases for None)."""
    (ventilation,) = [v for v in figures.ventilations[code] if v.axe == axe]
    return {ligne.cle: getattr(ligne, nom) for ligne in ventilation.lignes}


def axes(figures, code):
    return [v.axe for v in figures.ventilations[code]]


OCTOBRE = date(2025, 10, 1)
NOVEMBRE = date(2025, 11, 5)


# --- Distinct children ---------------------------------------------------------------------------


def test_a_child_in_two_actions_counts_once(perimetre):
    premiere, seconde = action(perimetre), action(perimetre)
    lea = enfant(perimetre, sexe=F, niveau=CM1)
    venu(premiere, lea, OCTOBRE, NOVEMBRE)
    venu(seconde, lea, OCTOBRE)

    figures = figures_de(perimetre)

    # Léa attended 3 sessions in 2 actions: one child, 3 presences.
    assert totaux(figures) == {
        **VIDE,
        "nb_actions": 2,
        "nb_enfants_beneficiaires": 1,
        "part_residents_qpv": Decimal("0.0"),  # 0 resident / 1 child
        "frequentation": 3,  # 3 presences + 0 anonymous
        "taux_assiduite": Decimal("100.0"),  # 3 presences / (2 sessions x 1 + 1 session x 1) possible
    }
    assert lignes(figures, "nb_enfants_beneficiaires", "sexe") == {F: 1}
    assert lignes(figures, "nb_enfants_beneficiaires", "niveau") == {CM1: 1}


def test_a_child_who_came_in_two_quartiers_counts_once_for_the_contract_and_once_in_each_quartier(perimetre):
    nord, sud = quartier(perimetre), quartier(perimetre)
    au_nord, au_sud = action(perimetre, quartiers=[nord]), action(perimetre, quartiers=[sud])
    lea, hugo = enfant(perimetre), enfant(perimetre, sexe=M)
    venu(au_nord, lea, OCTOBRE)
    venu(au_sud, lea, NOVEMBRE)
    venu(au_nord, hugo, OCTOBRE)

    contrat, du_nord, du_sud = figures_de(perimetre), figures_de(perimetre, nord), figures_de(perimetre, sud)

    # Contract: Léa + Hugo = 2; north: Léa + Hugo = 2; south: Léa = 1.
    assert contrat.totaux["nb_enfants_beneficiaires"]["actuelle"] == 2
    assert du_nord.totaux["nb_enfants_beneficiaires"]["actuelle"] == 2
    assert du_sud.totaux["nb_enfants_beneficiaires"]["actuelle"] == 1
    # Breakdown by the action's quartier: Léa in both lines, 2 + 1 = 3 > 2 children.
    assert lignes(contrat, "nb_enfants_beneficiaires", "quartier") == {nord.code: 2, sud.code: 1}
    assert lignes(contrat, "nb_actions", "quartier") == {nord.code: 1, sud.code: 1}


def test_an_action_concerning_two_quartiers_counts_in_each_and_once_for_the_contract(perimetre):
    nord, sud = quartier(perimetre), quartier(perimetre)
    partagee = action(perimetre, quartiers=[nord, sud])
    venu(partagee, enfant(perimetre), OCTOBRE)

    contrat = figures_de(perimetre)

    assert contrat.totaux["nb_actions"]["actuelle"] == 1
    assert lignes(contrat, "nb_actions", "quartier") == {nord.code: 1, sud.code: 1}
    assert lignes(contrat, "nb_enfants_beneficiaires", "quartier") == {nord.code: 1, sud.code: 1}
    for dashboard in (figures_de(perimetre, nord), figures_de(perimetre, sud)):
        assert dashboard.totaux["nb_actions"]["actuelle"] == 1
        assert dashboard.totaux["nb_enfants_beneficiaires"]["actuelle"] == 1


# --- Cancelled actions ---------------------------------------------------------------------------


def _action_complete(perimetre, **kwargs):
    """An action with everything that counts: a school place and partner (croisée), parents,
    one child present once, 2 anonymous children and 1 parent at its session."""
    action_ = action(perimetre, croisee=True, public_parents=True, **kwargs)
    action_.thematiques.add(Thematique.objects.create(code=f"theme-{action_.pk}", libelle=f"Thème {action_.pk}"))
    venu(action_, enfant(perimetre, residence=action_.quartiers.get()), OCTOBRE)
    seance(action_, OCTOBRE, enfants_anonymes=2, parents_presents=1)
    return action_


def test_cancelled_actions_count_nowhere(perimetre):
    retenue = _action_complete(perimetre)
    annulee = _action_complete(perimetre, annulee=True, porteur=StructureFactory(contrat=perimetre.contrat))
    quartier_annule = annulee.quartiers.get()

    figures = figures_de(perimetre)

    # Only the action that was not cancelled: 1 action, 1 child, 1 presence + 2 anonymous, 1 parent.
    assert totaux(figures) == {
        "nb_actions": 1,
        "nb_interventions_croisees": 1,
        "nb_actions_parents": 1,
        "nb_enfants_beneficiaires": 1,
        "nb_participations_anonymes": 2,
        "part_residents_qpv": Decimal("100.0"),  # 1 resident / 1 child
        "frequentation": 3,  # 1 presence + 2 anonymous
        "taux_assiduite": Decimal("100.0"),  # 1 presence / 1 enrolled child x 1 session
        "nb_parents": 1,
    }
    assert lignes(figures, "nb_actions", "structure") == {retenue.porteur.nom: 1}
    assert lignes(figures, "nb_actions", "realisation") == {cle_realisation(perimetre.realisation): 1}
    assert lignes(figures, "nb_actions", "thematique") == {retenue.thematiques.get().code: 1}
    assert lignes(figures, "nb_actions", "quartier") == {retenue.quartiers.get().code: 1}
    assert lignes(figures, "nb_enfants_beneficiaires", "quartier") == {retenue.quartiers.get().code: 1}
    assert lignes(figures, "nb_enfants_beneficiaires", "residence") == {retenue.quartiers.get().code: 1}
    # The cancelled action's own quartier shows nothing at all.
    assert totaux(figures_de(perimetre, quartier_annule)) == VIDE


# --- School years --------------------------------------------------------------------------------


def test_sessions_on_31_august_and_1_september_fall_in_different_school_years(perimetre):
    a_cheval = action(perimetre, date_debut=date(2025, 6, 1), date_fin=date(2025, 10, 31))
    lea, hugo = enfant(perimetre), enfant(perimetre, sexe=M)
    venu(a_cheval, lea, date(2025, 8, 31))
    venu(a_cheval, hugo, date(2025, 9, 1))
    seance(a_cheval, date(2025, 8, 31), enfants_anonymes=3, parents_presents=1)
    seance(a_cheval, date(2025, 9, 1), enfants_anonymes=5, parents_presents=2)

    figures = figures_de(perimetre)

    # 31 August 2025 is in 2024-2025: Léa, 3 anonymous, 1 parent; 1 September in 2025-2026: Hugo, 5, 2.
    # The action overlaps both years and counts in each; a session with parents makes it a parents action.
    commun = {"nb_actions": 1, "nb_actions_parents": 1, "nb_enfants_beneficiaires": 1}
    assert totaux(figures, "precedente") == {
        **VIDE,
        **commun,
        "nb_participations_anonymes": 3,
        "part_residents_qpv": Decimal("0.0"),
        "frequentation": 4,  # 1 + 3
        # 31 Aug: both enrolled on 1 June, so 2 possible; Léa only came: 1 / 2.
        "taux_assiduite": Decimal("50.0"),
        "nb_parents": 1,
    }
    assert totaux(figures, "actuelle") == {
        **VIDE,
        **commun,
        "nb_participations_anonymes": 5,
        "part_residents_qpv": Decimal("0.0"),
        "frequentation": 6,  # 1 + 5
        "taux_assiduite": Decimal("50.0"),  # 1 September: Hugo / 2 enrolled
        "nb_parents": 2,
    }
    # A line exists when either year has children: 0 for the other year.
    assert lignes(figures, "nb_enfants_beneficiaires", "sexe", "precedente") == {F: 1, M: 0}
    assert lignes(figures, "nb_enfants_beneficiaires", "sexe", "actuelle") == {F: 0, M: 1}


@pytest.mark.parametrize(
    ("debut", "fin", "precedente", "actuelle"),
    [
        (date(2024, 9, 1), date(2025, 8, 31), 1, 0),  # the whole of 2024-2025
        (date(2025, 8, 31), date(2025, 9, 1), 1, 1),  # two days across the boundary
        (date(2025, 9, 1), date(2025, 9, 1), 0, 1),  # the first day of 2025-2026
        (date(2026, 8, 31), date(2026, 9, 30), 0, 1),  # the last day of 2025-2026
        (date(2023, 9, 1), date(2024, 8, 31), 0, 0),  # two years before
        (date(2026, 9, 1), date(2027, 6, 30), 0, 0),  # the next year
        (date(2023, 9, 1), date(2027, 6, 30), 1, 1),  # longer than both years
    ],
)
def test_an_action_counts_in_every_school_year_its_dates_overlap(perimetre, debut, fin, precedente, actuelle):
    action(perimetre, date_debut=debut, date_fin=fin)

    figures = figures_de(perimetre)

    assert figures.totaux["nb_actions"] == {"actuelle": actuelle, "precedente": precedente}


def test_a_year_without_data_is_all_zeros_and_no_ratio(perimetre):
    # Records two years before, and in another contract: none of them in 2024-2025 or 2025-2026.
    ancienne = action(perimetre, date_debut=date(2023, 9, 1), date_fin=date(2024, 6, 30))
    venu(ancienne, enfant(perimetre), date(2023, 10, 4))
    seance(ancienne, date(2023, 10, 4), enfants_anonymes=4, parents_presents=2)
    ailleurs = ActionFactory()
    venu(ailleurs, ParticipantFactory(structure=ailleurs.porteur), OCTOBRE)

    figures = figures_de(perimetre)

    assert totaux(figures, "actuelle") == VIDE
    assert totaux(figures, "precedente") == VIDE
    for code, ventilations in figures.ventilations.items():
        assert all(ventilation.lignes == [] for ventilation in ventilations), code


def test_previous_year_values_are_computed_beside_the_current_ones(perimetre):
    nord = quartier(perimetre)
    l_an_dernier = action(perimetre, date_debut=date(2024, 9, 2), date_fin=date(2025, 6, 30), quartiers=[nord])
    cette_annee = action(perimetre, quartiers=[nord])
    lea = enfant(perimetre, sexe=F, niveau=CM1, residence=nord)
    hugo, ines = enfant(perimetre, sexe=M, niveau=CM2), enfant(perimetre, sexe=F, niveau=CM2)
    for enfant_ in (lea, hugo, ines):
        venu(l_an_dernier, enfant_, date(2024, 10, 2))
    venu(l_an_dernier, lea, date(2024, 11, 6))
    venu(cette_annee, lea, OCTOBRE)
    seance(l_an_dernier, date(2024, 10, 2), enfants_anonymes=7)

    figures = figures_de(perimetre)

    # 2024-2025: Léa, Hugo, Inès (2 sessions: 3 enrolled x 2 = 6 possible, 4 presences).
    assert totaux(figures, "precedente") == {
        **VIDE,
        "nb_actions": 1,
        "nb_enfants_beneficiaires": 3,
        "nb_participations_anonymes": 7,
        "part_residents_qpv": Decimal("33.3"),  # Léa / 3 = 33.33
        "frequentation": 11,  # 4 presences + 7 anonymous
        "taux_assiduite": Decimal("66.7"),  # 4 / 6 = 66.67
    }
    # 2025-2026: Léa alone, once, the only child enrolled.
    assert totaux(figures, "actuelle") == {
        **VIDE,
        "nb_actions": 1,
        "nb_enfants_beneficiaires": 1,
        "part_residents_qpv": Decimal("100.0"),
        "frequentation": 1,
        "taux_assiduite": Decimal("100.0"),
    }
    assert lignes(figures, "nb_enfants_beneficiaires", "sexe", "precedente") == {F: 2, M: 1}
    assert lignes(figures, "nb_enfants_beneficiaires", "sexe", "actuelle") == {F: 1, M: 0}
    assert lignes(figures, "nb_enfants_beneficiaires", "niveau", "precedente") == {CM1: 1, CM2: 2}
    assert lignes(figures, "nb_enfants_beneficiaires", "residence", "precedente") == {nord.code: 1, "hors_qpv": 2}
    assert lignes(figures, "nb_enfants_beneficiaires", "quartier", "precedente") == {nord.code: 3}
    assert lignes(figures, "nb_actions", "realisation", "precedente") == {cle_realisation(perimetre.realisation): 1}


# --- Anonymous headcounts ------------------------------------------------------------------------


def test_sessions_left_outside_their_action_s_new_dates_still_count(perimetre):
    atelier = action(perimetre)
    seance(atelier, OCTOBRE, enfants_anonymes=4, parents_presents=2)
    venu(atelier, enfant(perimetre), OCTOBRE, NOVEMBRE)
    # The action is moved to the next school year after its sessions took place; the form
    # allows it. It no longer counts as an action of 2025-2026, but what happened at its
    # sessions still does.
    atelier.date_debut, atelier.date_fin = date(2026, 9, 15), date(2027, 6, 30)
    atelier.save()

    apres = totaux(figures_de(perimetre))
    assert apres["nb_actions"] == 0
    assert apres["nb_participations_anonymes"] == 4 and apres["nb_parents"] == 2
    assert apres["frequentation"] == 2 + 4 and apres["taux_assiduite"] == Decimal("100.0")


def test_headcount_only_sessions_add_to_frequentation_but_not_to_the_children(perimetre):
    fete = action(perimetre)
    seance(fete, OCTOBRE, enfants_anonymes=12)
    seance(fete, NOVEMBRE, enfants_anonymes=8)

    seules = figures_de(perimetre)
    lea = enfant(perimetre)
    venu(fete, lea, OCTOBRE)
    avec_lea = figures_de(perimetre)

    # Headcounts only: 12 + 8 = 20 anonymous children, nobody enrolled so no rate.
    assert totaux(seules) == {**VIDE, "nb_actions": 1, "nb_participations_anonymes": 20, "frequentation": 20}
    # Léa came once: 1 child beside the 20 anonymous (never 21 children); frequentation 1 + 20.
    assert totaux(avec_lea) == {
        **VIDE,
        "nb_actions": 1,
        "nb_enfants_beneficiaires": 1,
        "nb_participations_anonymes": 20,
        "part_residents_qpv": Decimal("0.0"),
        "frequentation": 21,
        "taux_assiduite": Decimal("50.0"),  # 1 presence / (2 sessions x 1 enrolled)
    }


# --- Derived characters --------------------------------------------------------------------------


def test_interventions_croisees_and_parents_actions_are_derived_from_the_records(perimetre):
    ecole = StructureFactory(contrat=perimetre.contrat, type__scolaire=True)
    partenaire = PartenaireFactory(contrat=perimetre.contrat)
    action(perimetre)  # neither
    action(perimetre, croisee=True)  # at a school, run by a centre social: croisée
    action(perimetre, porteur=ecole)  # a school alone: not croisée
    action(perimetre, porteur=ecole, partenaires=[partenaire])  # a school with a partner: croisée
    action(perimetre, public_parents=True)  # parents by its public
    avec_parents = action(perimetre)
    seance(avec_parents, OCTOBRE, parents_presents=3)  # parents by a session
    seance(avec_parents, NOVEMBRE, parents_presents=4)
    sans_parents = action(perimetre)
    seance(sans_parents, OCTOBRE, parents_presents=0)

    figures = figures_de(perimetre)

    assert totaux(figures) == {
        **VIDE,
        "nb_actions": 7,
        "nb_interventions_croisees": 2,
        "nb_actions_parents": 2,
        "nb_parents": 7,  # 3 + 4
    }


# --- Breakdowns ----------------------------------------------------------------------------------


def test_children_are_broken_down_by_sex_level_and_residence(perimetre):
    nord, sud = quartier(perimetre), quartier(perimetre)
    atelier = action(perimetre)
    enfants = [
        enfant(perimetre, F, CM1, nord),
        enfant(perimetre, F, CM1, None),
        enfant(perimetre, F, SIXIEME, sud),
        enfant(perimetre, M, CP, nord),
        enfant(perimetre, M, CM1, nord),
        enfant(perimetre, M, SIXIEME, None),
    ]
    for enfant_ in enfants:
        venu(atelier, enfant_, OCTOBRE, NOVEMBRE)  # twice each: still counted once

    figures = figures_de(perimetre)

    assert figures.totaux["nb_enfants_beneficiaires"]["actuelle"] == 6
    assert lignes(figures, "nb_enfants_beneficiaires", "sexe") == {F: 3, M: 3}
    assert lignes(figures, "nb_enfants_beneficiaires", "residence") == {nord.code: 3, sud.code: 1, "hors_qpv": 2}
    # 4 residents of a QPV out of 6 children: 66.67 %.
    assert figures.totaux["part_residents_qpv"]["actuelle"] == Decimal("66.7")
    # Levels in the order of the curriculum, with their labels.
    (niveaux,) = [v for v in figures.ventilations["nb_enfants_beneficiaires"] if v.axe == "niveau"]
    assert [(ligne.cle, ligne.libelle, ligne.actuelle) for ligne in niveaux.lignes] == [
        (CP, "CP", 1),
        (CM1, "CM1", 3),
        (SIXIEME, "6e", 2),
    ]
    (residences,) = [v for v in figures.ventilations["nb_enfants_beneficiaires"] if v.axe == "residence"]
    assert {ligne.cle: ligne.libelle for ligne in residences.lignes}["hors_qpv"] == "Hors quartier prioritaire"


REP_PLUS, REP, HORS = EducationPrioritaire.REP_PLUS, EducationPrioritaire.REP, EducationPrioritaire.HORS


def test_children_are_broken_down_by_the_education_prioritaire_of_their_school(perimetre):
    ecole = {
        ep: EtablissementFactory(contrat=perimetre.contrat, education_prioritaire=ep) for ep in (REP_PLUS, REP, HORS)
    }
    nord = quartier(perimetre)
    ici, la_bas = action(perimetre), action(perimetre, quartiers=[nord])
    # This year: 2 children of a REP+ school, 1 of a REP school, 1 of a school outside, 1 with no school.
    enfants = [enfant(perimetre, etablissement=ecole.get(ep)) for ep in (REP_PLUS, REP_PLUS, REP, HORS, None)]
    for enfant_ in enfants:
        venu(ici, enfant_, OCTOBRE, NOVEMBRE)
    # The child of the REP school also came to an action of the quartier: once for the
    # contract, and in the quartier.
    venu(la_bas, enfants[2], NOVEMBRE)
    # Last year: one child of the REP school.
    ancienne = action(perimetre, date_debut=date(2024, 9, 15), date_fin=date(2025, 6, 30))
    venu(ancienne, enfant(perimetre, etablissement=ecole[REP]), date(2024, 10, 1))

    figures = figures_de(perimetre)

    (ventilation,) = [v for v in figures.ventilations["nb_enfants_beneficiaires"] if v.axe == "education_prioritaire"]
    assert [(ligne.libelle, ligne.actuelle, ligne.precedente) for ligne in ventilation.lignes] == [
        ("REP+", 2, 0),
        ("REP", 1, 1),
        ("Hors éducation prioritaire", 1, 0),
        ("École non renseignée", 1, 0),
    ]
    # Each child in one line: the lines add up to the total.
    assert ventilation.partition
    assert sum(ligne.actuelle for ligne in ventilation.lignes) == figures.totaux["nb_enfants_beneficiaires"]["actuelle"]
    assert lignes(figures_de(perimetre, quartier=nord), "nb_enfants_beneficiaires", "education_prioritaire") == {REP: 1}
    # Cut at a date (15 October): this year's children came on 1 October; last year's too.
    au_15_octobre = figures_de(perimetre, aujourdhui=date(2025, 10, 15))
    assert lignes(au_15_octobre, "nb_enfants_beneficiaires", "education_prioritaire") == {
        REP_PLUS: 2,
        REP: 1,
        HORS: 1,
        "sans_etablissement": 1,
    }
    assert lignes(au_15_octobre, "nb_enfants_beneficiaires", "education_prioritaire", "precedente") == {
        REP_PLUS: 0,
        REP: 1,
        HORS: 0,
        "sans_etablissement": 0,
    }
    # Cut at 30 September: nobody had come yet this year.
    au_30_septembre = figures_de(perimetre, aujourdhui=date(2025, 9, 30))
    assert lignes(au_30_septembre, "nb_enfants_beneficiaires", "education_prioritaire") == {}


def test_a_closed_year_keeps_the_education_prioritaire_its_children_were_counted_with(perimetre):
    """The directory turns a REP school to hors éducation prioritaire: the closed year's breakdown
    stays as it was closed; this year's follows once the child's rows are rewritten."""
    aujourdhui = timezone.localdate()
    ouverte = AnneeScolaire.de_la_date(aujourdhui)
    fermee = ouverte.precedente()
    ecole = EtablissementFactory(contrat=perimetre.contrat, education_prioritaire=REP)
    eleve = enfant(perimetre, etablissement=ecole)
    avant = action(perimetre, date_debut=fermee.debut, date_fin=fermee.fin)
    venu(avant, eleve, date(fermee.annee_de_rentree, 10, 1))
    # The first day of the year: never after today.
    maintenant = action(perimetre, date_debut=ouverte.debut, date_fin=ouverte.fin)
    venu(maintenant, eleve, ouverte.debut)
    ClotureAnnee.objects.create(
        contrat=perimetre.contrat, annee_scolaire=fermee.annee_de_rentree, cloturee_le=timezone.now()
    )

    def repartition():
        figures = calculer(
            contrat=perimetre.contrat, annee=ouverte, fiche=perimetre.realisation.fiche, aujourdhui=aujourdhui
        )
        return tuple(
            {
                cle: n
                for cle, n in lignes(figures, "nb_enfants_beneficiaires", "education_prioritaire", nom).items()
                if n
            }
            for nom in ("actuelle", "precedente")
        )

    assert repartition() == ({REP: 1}, {REP: 1})

    etablissements_importer(
        contrat=perimetre.contrat,
        lignes=[
            {
                "etablissement": ecole,
                "uai": ecole.uai,
                "nom": ecole.nom,
                "type": ecole.type,
                "education_prioritaire": HORS,
                "commune": ecole.commune,
            }
        ],
        raison="Annuaire de l’éducation",
    )

    # Nothing rewritten yet: both years as they were counted.
    assert repartition() == ({REP: 1}, {REP: 1})
    # Any write touching the child rewrites all of its rows: only this year's move.
    recalculer_frequentations(participants=[eleve.pk])
    assert repartition() == ({HORS: 1}, {REP: 1})
    # So does the rebuild of every summary from the records.
    call_command("recalculer_resumes", stdout=StringIO())
    assert repartition() == ({HORS: 1}, {REP: 1})
    # Another school moves this year's rows at once, never the closed year's.
    services.participant_enregistrer(
        participant=eleve, donnees={"etablissement": EtablissementFactory(contrat=perimetre.contrat, rep_plus=True)}
    )
    assert repartition() == ({REP_PLUS: 1}, {REP: 1})


def test_masking_hides_the_small_lines_of_the_education_prioritaire_breakdown(perimetre):
    rep, hors = (EtablissementFactory(contrat=perimetre.contrat, education_prioritaire=ep) for ep in (REP, HORS))
    atelier = action(perimetre)
    for etablissement in [rep] + [hors] * 6:
        venu(atelier, enfant(perimetre, etablissement=etablissement), OCTOBRE)

    figures = masquer_petits_effectifs(figures_de(perimetre), seuil=5)

    # 7 children shown; 1 of a REP school hidden, so the 6 others too (else 7 - 6 = 1).
    assert {cle: str(v) for cle, v in lignes(figures, "nb_enfants_beneficiaires", "education_prioritaire").items()} == {
        REP: "< 5",
        HORS: "s",
    }
    assert str(figures.totaux["nb_enfants_beneficiaires"]["actuelle"]) == "7"


def test_actions_are_broken_down_by_realisation_thematique_structure_and_quartier(perimetre):
    autre_realisation = RealisationAttendueFactory(fiche=perimetre.realisation.fiche)
    autre_porteur = StructureFactory(contrat=perimetre.contrat)
    nord, sud = quartier(perimetre), quartier(perimetre)
    lecture = Thematique.objects.create(code="lecture", libelle="Lecture", ordre=1)
    sport = Thematique.objects.create(code="sport", libelle="Sport", ordre=2)
    premiere = action(perimetre, quartiers=[nord])
    premiere.thematiques.set([lecture, sport])
    seconde = action(perimetre, quartiers=[nord, sud], porteur=autre_porteur)
    seconde.thematiques.set([lecture])
    action(perimetre, quartiers=[sud], realisation=autre_realisation)  # no thematique

    figures = figures_de(perimetre)

    assert figures.totaux["nb_actions"]["actuelle"] == 3
    assert axes(figures, "nb_actions") == ["realisation", "thematique", "structure", "quartier"]
    assert lignes(figures, "nb_actions", "realisation") == {
        cle_realisation(perimetre.realisation): 2,
        cle_realisation(autre_realisation): 1,
    }
    # The first action counts under both of its themes; the third has none.
    assert lignes(figures, "nb_actions", "thematique") == {"lecture": 2, "sport": 1}
    assert lignes(figures, "nb_actions", "structure") == {perimetre.porteur.nom: 2, autre_porteur.nom: 1}
    assert lignes(figures, "nb_actions", "quartier") == {nord.code: 2, sud.code: 2}


def test_each_fiche_counts_only_its_own_actions_and_children(perimetre):
    """Two fiches of the contract, one with a réalisation of the same code: an action and a child
    of the other fiche change nothing on this fiche's dashboard, and the reverse."""
    autre_fiche = FicheFactory(enjeu=perimetre.realisation.fiche.enjeu)
    homonyme = RealisationAttendueFactory(fiche=autre_fiche, code=perimetre.realisation.code)
    ici, ailleurs = action(perimetre), action(perimetre, realisation=homonyme)
    lea, hugo = enfant(perimetre), enfant(perimetre, sexe=M)
    # Léa comes to both fiches' actions: she counts once in each.
    venu(ici, lea, OCTOBRE)
    venu(ailleurs, lea, OCTOBRE, NOVEMBRE)
    venu(ailleurs, hugo, OCTOBRE)
    seance(ailleurs, OCTOBRE, enfants_anonymes=5, parents_presents=3)

    de_la_fiche = figures_de(perimetre)
    de_l_autre = calculer(contrat=perimetre.contrat, annee=ANNEE, fiche=autre_fiche, aujourdhui=APRES_LES_DEUX_ANNEES)

    assert totaux(de_la_fiche) == {
        **VIDE,
        "nb_actions": 1,
        "nb_enfants_beneficiaires": 1,
        "part_residents_qpv": Decimal("0.0"),
        "frequentation": 1,
        "taux_assiduite": Decimal("100.0"),
    }
    assert totaux(de_l_autre) == {
        **VIDE,
        "nb_actions": 1,
        # Its session counted parents.
        "nb_actions_parents": 1,
        "nb_enfants_beneficiaires": 2,
        "nb_participations_anonymes": 5,
        "part_residents_qpv": Decimal("0.0"),
        "frequentation": 3 + 5,
        "taux_assiduite": Decimal("75.0"),
        "nb_parents": 3,
    }
    (par_realisation,) = [v for v in de_la_fiche.ventilations["nb_actions"] if v.axe == "realisation"]
    assert [(ligne.cle, ligne.actuelle) for ligne in par_realisation.lignes] == [(cle_realisation(ici.realisation), 1)]


# --- Quartier dashboard --------------------------------------------------------------------------


def test_a_quartier_dashboard_counts_only_the_actions_concerning_it_and_their_children(perimetre):
    nord, sud = quartier(perimetre), quartier(perimetre)
    au_nord, au_sud = action(perimetre, quartiers=[nord]), action(perimetre, quartiers=[sud], croisee=True)
    # A child living in the south who comes to the north's action counts in the north.
    lea, hugo = enfant(perimetre, residence=sud), enfant(perimetre, sexe=M, residence=nord)
    ines = enfant(perimetre)
    venu(au_nord, lea, OCTOBRE, NOVEMBRE)
    venu(au_nord, hugo, OCTOBRE)
    venu(au_sud, ines, OCTOBRE)
    seance(au_nord, OCTOBRE, enfants_anonymes=4, parents_presents=1)
    seance(au_sud, OCTOBRE, enfants_anonymes=6, parents_presents=2)

    du_nord = figures_de(perimetre, nord)

    assert totaux(du_nord) == {
        **VIDE,
        "nb_actions": 1,
        "nb_actions_parents": 1,
        "nb_enfants_beneficiaires": 2,  # Léa, Hugo
        "nb_participations_anonymes": 4,
        "part_residents_qpv": Decimal("100.0"),  # both live in a QPV (not necessarily this one)
        "frequentation": 7,  # 3 presences + 4 anonymous
        "taux_assiduite": Decimal("75.0"),  # 3 presences / (2 sessions x 2 enrolled)
        "nb_parents": 1,
    }
    assert lignes(du_nord, "nb_enfants_beneficiaires", "residence") == {nord.code: 1, sud.code: 1}
    # No breakdown by quartier inside a quartier.
    assert "quartier" not in axes(du_nord, "nb_actions")
    assert "quartier" not in axes(du_nord, "nb_enfants_beneficiaires")
    # The whole contract adds the south: 2 actions, 3 children, 4 + 6 anonymous, 1 + 2 parents.
    contrat = figures_de(perimetre)
    assert totaux(contrat) == {
        "nb_actions": 2,
        "nb_interventions_croisees": 1,
        "nb_actions_parents": 2,
        "nb_enfants_beneficiaires": 3,
        "nb_participations_anonymes": 10,
        "part_residents_qpv": Decimal("66.7"),  # 2 / 3
        "frequentation": 14,  # 4 presences + 10 anonymous
        "taux_assiduite": Decimal("80.0"),  # 4 / (2 x 2 + 1 x 1)
        "nb_parents": 3,
    }


# --- Attendance rate -----------------------------------------------------------------------------


def test_attendance_rate_counts_a_session_only_for_children_already_enrolled_and_not_future_sessions(perimetre):
    atelier = action(perimetre, date_debut=date(2025, 9, 15))
    jours = [date(2025, 10, 1), date(2025, 10, 8), date(2025, 10, 15), date(2025, 10, 22)]
    for jour in jours:
        seance(atelier, jour)
    lea, hugo, ines = enfant(perimetre), enfant(perimetre), enfant(perimetre)
    inscrire(atelier, lea, le=date(2025, 9, 15))
    inscrire(atelier, hugo, le=date(2025, 10, 5))
    inscrire(atelier, ines, le=date(2025, 10, 15))  # enrolled on the session's day: possible that day
    for enfant_, jour in [(lea, jours[0]), (lea, jours[1]), (hugo, jours[2]), (ines, jours[2])]:
        venu(atelier, enfant_, jour)

    figures = figures_de(perimetre, aujourdhui=date(2025, 10, 20))

    # Possible: 1 Oct Léa (1) + 8 Oct Léa, Hugo (2) + 15 Oct Léa, Hugo, Inès (3) = 6; 22 Oct is to come.
    # Presences 4: 4 / 6 = 66.67 %. (All enrolled throughout would give 4 / 9; with 22 Oct, 4 / 12.)
    assert figures.totaux["taux_assiduite"] == {"actuelle": Decimal("66.7"), "precedente": None}
    # Once 22 October is past, its 3 possible presences count: 4 / 9 = 44.4 %.
    assert figures_de(perimetre, aujourdhui=date(2025, 10, 22)).totaux["taux_assiduite"]["actuelle"] == Decimal("44.4")


def test_attendance_rate_is_none_before_the_first_session(perimetre):
    atelier = action(perimetre)
    inscrire(atelier, enfant(perimetre))
    seance(atelier, OCTOBRE)

    figures = figures_de(perimetre, aujourdhui=date(2025, 9, 30))

    assert figures.totaux["taux_assiduite"] == {"actuelle": None, "precedente": None}


# --- Small counts masked -------------------------------------------------------------------------


def _enfants_venus(perimetre, sexes):
    atelier = action(perimetre)
    for sexe in sexes:
        venu(atelier, enfant(perimetre, sexe=sexe), OCTOBRE)


def test_masking_hides_a_total_of_children_below_the_threshold(perimetre):
    _enfants_venus(perimetre, [F, F, M])

    figures = masquer_petits_effectifs(figures_de(perimetre), seuil=5)

    # 3 children < 5: the total and every non-zero line are hidden; 2024-2025 (0) stays shown.
    total = figures.totaux["nb_enfants_beneficiaires"]
    assert (str(total["actuelle"]), total["actuelle"].masque) == ("< 5", True)
    assert str(total["precedente"]) == "0"
    assert {cle: str(v) for cle, v in lignes(figures, "nb_enfants_beneficiaires", "sexe").items()} == {
        F: "< 5",
        M: "< 5",
    }
    # Counts of actions are not counts of children: untouched.
    assert figures.totaux["nb_actions"]["actuelle"] == 1


def test_masking_hides_a_second_cell_beside_a_single_small_one(perimetre):
    _enfants_venus(perimetre, [F] + [M] * 5)

    figures = masquer_petits_effectifs(figures_de(perimetre), seuil=5)

    # 6 children shown; 1 girl hidden, so 5 boys hidden too (else 6 - 5 = 1 girl).
    assert str(figures.totaux["nb_enfants_beneficiaires"]["actuelle"]) == "6"
    sexe = lignes(figures, "nb_enfants_beneficiaires", "sexe")
    assert {cle: (v.valeur, v.masque) for cle, v in sexe.items()} == {F: (1, True), M: (5, True)}
    # The 5 boys are hidden to protect the girl, and say so rather than "< 5".
    assert (str(sexe[F]), str(sexe[M])) == ("< 5", "s")
    # All 6 in CM1: a single line equal to the total is shown.
    assert {cle: str(v) for cle, v in lignes(figures, "nb_enfants_beneficiaires", "niveau").items()} == {CM1: "6"}


# --- Bounded number of queries -------------------------------------------------------------------

# Nine datasets, the tenth of effect E1 (organisations: those the actions involve), whose
# other figures ride on the actions' profiles and the sessions' summaries, the eleventh of
# effect E2 (questionnaires: the pairs grouped per child, then over the children) and the
# twelfth of the children by éducation prioritaire (their yearly attendance rows).
REQUETES = 12


def _peupler(perimetre, taille):
    """`taille` x (one action per year, each in its own quartier with a theme, 3 children who come
    to 2 sessions, headcounts and parents)."""
    for n in range(taille):
        for annee in (ANNEE.precedente(), ANNEE):
            debut = date(annee.annee_de_rentree, 9, 15)
            atelier = action(perimetre, date_debut=debut, date_fin=date(debut.year + 1, 6, 30), croisee=n % 2 == 0)
            atelier.thematiques.add(
                Thematique.objects.get_or_create(code=f"theme-{n}", defaults={"libelle": f"Thème {n}"})[0]
            )
            for rang, sexe in enumerate([F, M, F]):
                venu(
                    atelier,
                    enfant(perimetre, sexe=sexe, residence=atelier.quartiers.get() if rang else None),
                    date(debut.year, 10, 1),
                    date(debut.year, 11, 5),
                )
            seance(atelier, date(debut.year, 10, 1), enfants_anonymes=2, parents_presents=1)


@pytest.mark.parametrize("taille", [1, 10])
def test_the_number_of_queries_does_not_grow_with_the_data(perimetre, django_assert_num_queries, taille):
    _peupler(perimetre, taille)

    with django_assert_num_queries(REQUETES):
        figures = figures_de(perimetre)

    # Each year: `taille` actions, 3 children each, 6 presences + 2 anonymous each.
    assert figures.totaux["nb_actions"] == {"actuelle": taille, "precedente": taille}
    assert figures.totaux["nb_enfants_beneficiaires"] == {"actuelle": 3 * taille, "precedente": 3 * taille}
    assert figures.totaux["frequentation"]["actuelle"] == 8 * taille
    assert figures.totaux["part_residents_qpv"]["actuelle"] == Decimal("66.7")  # 2 of 3 children


@pytest.mark.parametrize("code", list(CALCULS))
def test_an_indicator_computed_alone_gives_its_dashboard_figures_and_reads_only_its_datasets(
    perimetre, django_assert_max_num_queries, code
):
    _peupler(perimetre, 2)
    tableau = figures_de(perimetre)

    # After both years: each dataset is one query (the presences possible reuse the sessions').
    with django_assert_max_num_queries(len(CALCULS[code].lit)):
        seul = calculer(
            contrat=perimetre.contrat,
            annee=ANNEE,
            fiche=perimetre.realisation.fiche,
            aujourdhui=APRES_LES_DEUX_ANNEES,
            codes=[code],
        )

    assert seul.totaux == {code: tableau.totaux[code]}
    assert seul.ventilations.get(code) == tableau.ventilations.get(code)


def test_a_code_with_no_registered_calculation_gets_no_figures(perimetre, django_assert_num_queries):
    with django_assert_num_queries(1):
        figures = calculer(
            contrat=perimetre.contrat,
            annee=ANNEE,
            fiche=perimetre.realisation.fiche,
            codes=["nb_inconnu", "nb_parents"],
        )

    assert figures.totaux == {"nb_parents": {"actuelle": 0, "precedente": 0}}
