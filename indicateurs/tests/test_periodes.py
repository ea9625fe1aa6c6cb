"""Comparable years: while a school year is under way, each computed figure of the year and of
the year before is cut at the same day of the school year; a finished year is compared whole
with the whole year before. Worked by hand on small factory data, with the dashboard's day
given (aujourdhui), for every computed indicator."""

import csv
import io
import re
from datetime import date
from decimal import Decimal
from types import SimpleNamespace

import pytest
from django.contrib.auth import get_user_model
from django.utils import timezone

from actions import services
from actions.models import Action, FrequentationAnnuelle, NiveauAnnuel
from actions.tests.factories import ParticipantFactory, SeanceFactory
from comptes.enums import Role
from comptes.perimetre import Perimetre
from fiches.annees import AnneeScolaire
from fiches.models import Fiche, RealisationAttendue
from fiches.tests.factories import FicheFactory, RealisationAttendueFactory
from indicateurs import exports, selectors
from indicateurs.calculs import calculer
from indicateurs.periodes import Comparaison
from indicateurs.tests.classeurs import lignes_du_classeur
from partenaires.tests.factories import StructureFactory

from .test_calculs import CM1, CM2, SIXIEME, action, enfant, inscrire, quartier, seance, venu

pytestmark = pytest.mark.django_db


@pytest.fixture
def perimetre():
    """As test_calculs': a contract, a réalisation of its fiche, a porteur."""
    realisation = RealisationAttendueFactory()
    contrat = realisation.fiche.enjeu.axe.pilier.contrat
    return SimpleNamespace(contrat=contrat, realisation=realisation, porteur=StructureFactory(contrat=contrat))


EN_COURS = AnneeScolaire(2026)
AUJOURDHUI = date(2026, 11, 30)


def _deux_annees(perimetre):
    """The hand-worked case: the same date one year apart. One action a year, each begun on
    1 October; a third action of 2025-2026 that began on 1 December 2025 (after the same date).
    In 2025-2026 Léa came on 30/11/2025 (the same date: counts), Hugo on 01/12/2025 only (the
    day after: does not); in 2026-2027 Inès came on 30/11/2026."""
    ancien = action(perimetre, date_debut=date(2025, 10, 1), date_fin=date(2026, 6, 30), public_parents=True)
    tardif = action(perimetre, date_debut=date(2025, 12, 1), date_fin=date(2026, 6, 30), public_parents=True)
    actuel = action(perimetre, date_debut=date(2026, 10, 1), date_fin=date(2027, 6, 30))
    nord = quartier(perimetre)
    lea, hugo, ines = enfant(perimetre, residence=nord), enfant(perimetre), enfant(perimetre, residence=nord)
    for enfant_ in (lea, hugo):
        inscrire(ancien, enfant_, le=date(2025, 10, 1))
    inscrire(actuel, ines, le=date(2026, 10, 1))
    seance(ancien, date(2025, 11, 30), enfants_anonymes=4, parents_presents=1)
    seance(ancien, date(2025, 12, 1), enfants_anonymes=6, parents_presents=2)
    venu(ancien, lea, date(2025, 11, 30))
    venu(ancien, hugo, date(2025, 12, 1))
    venu(tardif, hugo, date(2026, 3, 4))
    seance(actuel, date(2026, 11, 30), enfants_anonymes=1, parents_presents=3)
    venu(actuel, ines, date(2026, 11, 30))
    # Never entered: not counted absent, but à saisir.
    SeanceFactory(action=actuel, date=date(2026, 11, 25), a_saisir=True)
    return nord


def test_a_year_under_way_is_compared_with_the_previous_one_at_the_same_date(perimetre):
    _deux_annees(perimetre)

    figures = calculer(
        contrat=perimetre.contrat, fiche=perimetre.realisation.fiche, annee=EN_COURS, aujourdhui=AUJOURDHUI
    )

    assert figures.comparaison.libelle == "au 30/11, même période 2025-2026"
    totaux = figures.totaux
    # Actions begun by 30/11: the December one is not there yet.
    assert totaux["nb_actions"] == {"actuelle": 1, "precedente": 1}
    # The old one is for parents; this year's counted parents at a session by then.
    assert totaux["nb_actions_parents"] == {"actuelle": 1, "precedente": 1}
    # Léa (30/11/2025) counts, Hugo (first came 01/12/2025) does not.
    assert totaux["nb_enfants_beneficiaires"] == {"actuelle": 1, "precedente": 1}
    assert totaux["part_residents_qpv"] == {"actuelle": Decimal("100.0"), "precedente": Decimal("100.0")}
    # Sessions up to 30/11: Léa + 4 counted at the door; Inès + 1.
    assert totaux["nb_participations_anonymes"] == {"actuelle": 1, "precedente": 4}
    assert totaux["frequentation"] == {"actuelle": 2, "precedente": 5}
    assert totaux["nb_parents"] == {"actuelle": 3, "precedente": 1}
    # 30/11/2025: Léa of Léa and Hugo; 30/11/2026: Inès of Inès (25/11 never entered).
    assert totaux["taux_assiduite"] == {"actuelle": Decimal("100.0"), "precedente": Decimal("50.0")}
    assert figures.seances_a_saisir["taux_assiduite"] == {"actuelle": 1, "precedente": 0}
    (par_quartier,) = [v for v in figures.ventilations["nb_enfants_beneficiaires"] if v.axe == "residence"]
    assert [(ligne.actuelle, ligne.precedente) for ligne in par_quartier.lignes] == [(1, 1)]


def test_the_day_after_the_same_date_the_previous_year_counts_it(perimetre):
    _deux_annees(perimetre)

    totaux = calculer(
        contrat=perimetre.contrat, fiche=perimetre.realisation.fiche, annee=EN_COURS, aujourdhui=date(2026, 12, 1)
    ).totaux

    assert totaux["nb_actions"]["precedente"] == 2
    assert totaux["nb_enfants_beneficiaires"]["precedente"] == 2
    assert totaux["frequentation"]["precedente"] == 1 + 4 + 1 + 6
    assert totaux["nb_parents"]["precedente"] == 1 + 2


def test_an_action_involves_the_parents_by_its_sessions_up_to_the_date(perimetre):
    atelier = action(perimetre, date_debut=date(2025, 10, 1), date_fin=date(2026, 6, 30))
    seance(atelier, date(2025, 11, 30))
    seance(atelier, date(2025, 12, 1), parents_presents=2)

    def parents(aujourdhui, annee=EN_COURS):
        return calculer(
            contrat=perimetre.contrat, fiche=perimetre.realisation.fiche, annee=annee, aujourdhui=aujourdhui
        ).totaux["nb_actions_parents"]

    assert parents(AUJOURDHUI) == {"actuelle": 0, "precedente": 0}
    assert parents(date(2026, 12, 1)) == {"actuelle": 0, "precedente": 1}
    # Whole years: the parents of 2025-2026 make it a parents action of 2025-2026 only.
    prolongee = action(perimetre, date_debut=date(2024, 10, 1), date_fin=date(2026, 6, 30))
    seance(prolongee, date(2025, 10, 1), parents_presents=1)
    assert parents(date(2027, 9, 15), annee=AnneeScolaire(2025)) == {"actuelle": 2, "precedente": 0}


def test_a_finished_year_is_compared_with_the_whole_previous_year(perimetre):
    _deux_annees(perimetre)

    # 2026-2027 once it is over, against the whole of 2025-2026.
    figures = calculer(
        contrat=perimetre.contrat, fiche=perimetre.realisation.fiche, annee=EN_COURS, aujourdhui=date(2027, 9, 15)
    )

    assert figures.comparaison.libelle == "année entière, comparée à 2025-2026 entière"
    totaux = figures.totaux
    assert totaux["nb_actions"] == {"actuelle": 1, "precedente": 2}
    assert totaux["nb_enfants_beneficiaires"] == {"actuelle": 1, "precedente": 2}
    # Léa, Hugo twice, 4 + 6 at the door.
    assert totaux["frequentation"] == {"actuelle": 2, "precedente": 3 + 10}
    assert totaux["nb_parents"] == {"actuelle": 3, "precedente": 3}
    assert totaux["taux_assiduite"]["precedente"] == Decimal("60.0")  # 3 of 2 + 2 + 1
    assert figures.seances_a_saisir["taux_assiduite"] == {"actuelle": 1, "precedente": 0}


def test_a_quartier_s_dashboard_is_cut_at_the_same_date_too(perimetre):
    nord = _deux_annees(perimetre)
    ailleurs = action(perimetre, date_debut=date(2025, 10, 1), date_fin=date(2026, 6, 30))
    ailleurs.quartiers.set([nord])
    tom = enfant(perimetre)
    venu(ailleurs, tom, date(2025, 11, 2), date(2025, 12, 2))

    figures = calculer(
        contrat=perimetre.contrat,
        fiche=perimetre.realisation.fiche,
        annee=EN_COURS,
        quartier=nord,
        aujourdhui=AUJOURDHUI,
    )

    assert figures.totaux["nb_actions"] == {"actuelle": 0, "precedente": 1}
    assert figures.totaux["nb_enfants_beneficiaires"] == {"actuelle": 0, "precedente": 1}
    assert figures.totaux["frequentation"] == {"actuelle": 0, "precedente": 1}


def test_a_leap_day_is_compared_with_the_28_february_before_it(perimetre):
    atelier = action(perimetre, date_debut=date(2026, 9, 1), date_fin=date(2027, 6, 30))
    avant, apres = enfant(perimetre), enfant(perimetre)
    venu(atelier, avant, date(2027, 2, 28))
    venu(atelier, apres, date(2027, 3, 1))

    figures = calculer(
        contrat=perimetre.contrat,
        fiche=perimetre.realisation.fiche,
        annee=AnneeScolaire(2027),
        aujourdhui=date(2028, 2, 29),
    )

    assert figures.comparaison.periodes["precedente"] == (date(2026, 9, 1), date(2027, 2, 28))
    assert figures.comparaison.libelle == "au 29/02, même période 2026-2027 (jusqu’au 28/02/2027)"
    assert figures.totaux["nb_enfants_beneficiaires"]["precedente"] == 1
    assert figures.totaux["frequentation"]["precedente"] == 1


def test_the_28_february_after_a_leap_year_leaves_out_its_29th(perimetre):
    atelier = action(perimetre, date_debut=date(2027, 9, 1), date_fin=date(2028, 6, 30))
    venu(atelier, enfant(perimetre), date(2028, 2, 28))
    venu(atelier, enfant(perimetre), date(2028, 2, 29))

    figures = calculer(
        contrat=perimetre.contrat,
        fiche=perimetre.realisation.fiche,
        annee=AnneeScolaire(2028),
        aujourdhui=date(2029, 2, 28),
    )

    assert figures.comparaison.libelle == "au 28/02, même période 2027-2028"
    assert figures.totaux["nb_enfants_beneficiaires"]["precedente"] == 1


@pytest.mark.parametrize(
    ("jour", "attendu"),
    [
        (date(2026, 11, 30), date(2025, 11, 30)),
        (date(2026, 9, 1), date(2025, 9, 1)),
        (date(2027, 8, 31), date(2026, 8, 31)),
        (date(2028, 2, 29), date(2027, 2, 28)),
        (date(2027, 2, 28), date(2026, 2, 28)),
    ],
)
def test_the_same_day_of_the_previous_school_year(jour, attendu):
    assert AnneeScolaire.de_la_date(jour).precedente().au_meme_jour(jour) == attendu


def test_a_year_to_come_or_finished_is_read_whole_and_one_under_way_is_cut():
    assert Comparaison(EN_COURS, date(2026, 9, 1)).en_cours
    assert Comparaison(EN_COURS, date(2027, 8, 31)).en_cours
    assert not Comparaison(EN_COURS, date(2027, 9, 1)).en_cours
    assert not Comparaison(EN_COURS, date(2026, 8, 31)).en_cours


def test_a_cut_dashboard_costs_the_same_queries_as_a_whole_one_whatever_the_volume(
    perimetre, django_assert_num_queries
):
    _deux_annees(perimetre)
    for fois in (1, 5):
        for _ in range(fois):
            atelier = action(perimetre, date_debut=date(2025, 10, 1), date_fin=date(2027, 6, 30))
            atelier.quartiers.set([quartier(perimetre)])
            for jour in (date(2025, 10, 8), date(2026, 10, 7)):
                venu(atelier, enfant(perimetre), jour)
        for aujourdhui in (AUJOURDHUI, date(2027, 9, 15)):
            # Twelve datasets (effect E1's organisations, E2's questionnaires and the children by
            # éducation prioritaire included), cut at a date or not.
            with django_assert_num_queries(12):
                calculer(
                    contrat=perimetre.contrat, fiche=perimetre.realisation.fiche, annee=EN_COURS, aujourdhui=aujourdhui
                )


# --- The level of each school year --------------------------------------------------------------


def _niveaux(figures, annee):
    (par_niveau,) = [v for v in figures.ventilations["nb_enfants_beneficiaires"] if v.axe == "niveau"]
    return {ligne.cle: getattr(ligne, annee) for ligne in par_niveau.lignes if getattr(ligne, annee)}


def test_a_past_year_counts_the_level_a_child_had_then(perimetre):
    """A child in CM2 in 2025-2026, now in 6e: the 2025-2026 breakdown counts CM2."""
    ancien = action(perimetre, date_debut=date(2025, 9, 15), date_fin=date(2026, 6, 30))
    actuel = action(perimetre, date_debut=date(2026, 9, 15), date_fin=date(2027, 6, 30))
    lea = ParticipantFactory(structure=perimetre.porteur, niveau_scolaire=CM2, date_consentement=date(2025, 9, 1))
    services.participants_inscrire(action=ancien, participants=[lea], date_inscription=date(2025, 9, 15), auteur=None)
    venu(ancien, lea, date(2025, 10, 1))

    # The rentrée: her level is changed to 6e (today, in 2026-2027), and she enrols again.
    services.participant_enregistrer(participant=lea, donnees={"niveau_scolaire": SIXIEME})
    services.participants_inscrire(action=actuel, participants=[lea], date_inscription=date(2026, 9, 15), auteur=None)
    venu(actuel, lea, date(2026, 10, 1))

    passee = calculer(
        contrat=perimetre.contrat, fiche=perimetre.realisation.fiche, annee=AnneeScolaire(2025), aujourdhui=AUJOURDHUI
    )
    assert _niveaux(passee, "actuelle") == {CM2: 1}
    en_cours = calculer(
        contrat=perimetre.contrat, fiche=perimetre.realisation.fiche, annee=EN_COURS, aujourdhui=AUJOURDHUI
    )
    assert _niveaux(en_cours, "actuelle") == {SIXIEME: 1}
    assert _niveaux(en_cours, "precedente") == {CM2: 1}


def test_a_level_corrected_this_year_moves_this_year_s_counts_only(perimetre):
    # A correction is for the school year of the day it is made: the real one here.
    annee = AnneeScolaire.courante()
    atelier = action(perimetre, date_debut=annee.debut, date_fin=annee.fin)
    ines = enfant(perimetre, niveau=CM1)
    services.participants_inscrire(action=atelier, participants=[ines], date_inscription=annee.debut, auteur=None)
    venu(atelier, ines, annee.debut)

    services.participant_enregistrer(participant=ines, donnees={"niveau_scolaire": CM2})

    figures = calculer(contrat=perimetre.contrat, fiche=perimetre.realisation.fiche, annee=annee, aujourdhui=annee.fin)
    assert _niveaux(figures, "actuelle") == {CM2: 1}


def test_a_level_changed_keeps_the_past_level_of_a_child_who_came_to_two_fiches(perimetre):
    """Enrolled without a level noted for 2024-2025 (records from before NiveauAnnuel), Léa came
    to the actions of two fiches that year: changing her level today notes her 2024-2025 level
    once, and each fiche's 2024-2025 keeps it."""
    fiche = perimetre.realisation.fiche
    autre = RealisationAttendueFactory(fiche=FicheFactory(enjeu=fiche.enjeu))
    lea = enfant(perimetre, niveau=CM1)
    for realisation in (perimetre.realisation, autre):
        atelier = action(perimetre, realisation=realisation, date_debut=date(2024, 9, 15), date_fin=date(2025, 6, 30))
        venu(atelier, lea, date(2024, 10, 1))
    NiveauAnnuel.objects.filter(participant=lea).delete()

    services.participant_enregistrer(participant=lea, donnees={"niveau_scolaire": CM2})

    assert NiveauAnnuel.objects.get(participant=lea, annee_scolaire=2024).niveau_scolaire == CM1
    for de in (fiche, autre.fiche):
        figures = calculer(contrat=perimetre.contrat, fiche=de, annee=AnneeScolaire(2024), aujourdhui=AUJOURDHUI)
        assert _niveaux(figures, "actuelle") == {CM1: 1}


# --- The dashboard and its exports ---------------------------------------------------------------


def _tableau(reference, annee, aujourdhui, role=Role.CHEF_DE_PROJET):
    return selectors.tableau_de_bord(
        perimetre=Perimetre(contrat=reference, role=role),
        annee=annee,
        fiche=Fiche.objects.du_contrat(reference).get(code="1.2.3"),
        aujourdhui=aujourdhui,
    )


def _csv(tableau):
    contenu = exports.en_csv(tableau).decode("utf-8")
    return list(csv.DictReader(io.StringIO(contenu[1:]), delimiter=";"))


def test_the_exports_carry_the_comparison_basis(reference):
    en_cours = _tableau(reference, EN_COURS, AUJOURDHUI)
    lignes = _csv(en_cours)
    bases = {ligne["code"]: ligne["base_de_comparaison"] for ligne in lignes}
    assert bases["nb_enfants_beneficiaires"] == "au 30/11, même période 2025-2026"
    assert bases["taux_assiduite"] == "au 30/11, même période 2025-2026"
    # A value entered for a school year is never cut at a date.
    assert bases["taux_reussite_dnb"] == "valeurs saisies pour chaque année entière"
    xlsx = lignes_du_classeur(exports.en_xlsx(en_cours))
    assert {r["base_de_comparaison"] for r in xlsx if r["code"] == "frequentation" and not r["ventilation"]} == {
        "au 30/11, même période 2025-2026"
    }

    finie = _csv(_tableau(reference, AnneeScolaire(2025), AUJOURDHUI))
    assert {ligne["base_de_comparaison"] for ligne in finie if ligne["code"] == "nb_actions"} == {
        "année entière, comparée à 2024-2025 entière"
    }


def test_the_page_of_the_current_year_says_how_it_compares_and_what_is_a_saisir(client, demo, reference):
    annee = AnneeScolaire.courante()
    realisation = RealisationAttendue.objects.get(fiche__code="1.2.3", code="R1")
    atelier = action(
        SimpleNamespace(realisation=realisation, porteur=reference.structures.order_by("pk").first()),
        date_debut=annee.debut,
        date_fin=annee.fin,
    )
    SeanceFactory(action=atelier, date=annee.debut, a_saisir=True)
    client.force_login(get_user_model().objects.get(username="demo-chef"))

    html = client.get("/indicateurs/fiches/1.2.3/", {"annee": annee.libelle}).content.decode()

    libelle = Comparaison(annee, timezone.localdate()).libelle
    assert libelle.startswith(f"au {timezone.localdate():%d/%m}, même période {annee.precedente()}")
    assert libelle in html
    ligne = re.search(r'<tr id="indicateur-taux_assiduite">(.*?)</tr>', html, re.S).group(1)
    assert "1&nbsp;séance à saisir, non comptée" in ligne
    # The list of fiches says it of their key figures too.
    assert libelle in client.get("/indicateurs/", {"annee": annee.libelle}).content.decode()
    assert "même période" not in client.get("/indicateurs/", {"annee": annee.precedente().libelle}).content.decode()


# --- One dashboard per fiche ---------------------------------------------------------------------


def test_each_fiche_s_dashboard_is_cut_at_the_same_date_on_its_own_actions(perimetre):
    """Léa came to another fiche's atelier on 05/10/2025 and to this fiche's on 01/12/2025 only:
    at 30/11, she is one of the other fiche's children of 2025-2026, not yet one of this one's.
    Hugo came to this fiche's on 05/10/2025; Inès on 02/11/2026."""
    fiche = perimetre.realisation.fiche
    autre = RealisationAttendueFactory(fiche=FicheFactory(enjeu=fiche.enjeu))
    ancien = action(perimetre, date_debut=date(2025, 10, 1), date_fin=date(2026, 6, 30))
    actuel = action(perimetre, date_debut=date(2026, 10, 1), date_fin=date(2027, 6, 30))
    ailleurs = action(perimetre, realisation=autre, date_debut=date(2025, 10, 1), date_fin=date(2026, 6, 30))
    lea, hugo, ines = enfant(perimetre), enfant(perimetre), enfant(perimetre)
    venu(ailleurs, lea, date(2025, 10, 5))
    venu(ancien, lea, date(2025, 12, 1))
    venu(ancien, hugo, date(2025, 10, 5))
    venu(actuel, ines, date(2026, 11, 2))

    def totaux(de, aujourdhui=AUJOURDHUI):
        return calculer(contrat=perimetre.contrat, fiche=de, annee=EN_COURS, aujourdhui=aujourdhui).totaux

    ici, la = totaux(fiche), totaux(autre.fiche)
    assert ici["nb_enfants_beneficiaires"] == {"actuelle": 1, "precedente": 1}
    assert ici["frequentation"] == {"actuelle": 1, "precedente": 1}
    assert ici["nb_actions"] == {"actuelle": 1, "precedente": 1}
    assert la["nb_enfants_beneficiaires"] == {"actuelle": 0, "precedente": 1}
    assert la["frequentation"] == {"actuelle": 0, "precedente": 1}
    assert la["nb_actions"] == {"actuelle": 0, "precedente": 1}
    # The day after the same date, Léa has come to this fiche's actions too.
    assert totaux(fiche, date(2026, 12, 1))["nb_enfants_beneficiaires"]["precedente"] == 2
    assert set(
        FrequentationAnnuelle.objects.filter(participant=lea, quartier=None).values_list("fiche", "premiere_presence")
    ) == {(fiche.pk, date(2025, 12, 1)), (autre.fiche_id, date(2025, 10, 5))}


def test_the_contract_s_column_of_a_quartier_s_dashboard_is_cut_at_the_same_date(reference):
    """The contract's figures beside a quartier's are compared as the quartier's are: on
    05/12/2026, Inès (30/11) and Tom (03/12) are the contract's children of 2026-2027 so far, Zoé
    (10/01/2027) is not yet."""
    realisation = RealisationAttendue.objects.get(fiche__code="1.2.3", code="R1")
    perimetre = SimpleNamespace(contrat=reference, realisation=realisation, porteur=StructureFactory(contrat=reference))
    nord = _deux_annees(perimetre)
    actuel = Action.objects.get(realisation=realisation, date_debut=date(2026, 10, 1))
    venu(actuel, enfant(perimetre), date(2026, 12, 3))
    venu(actuel, enfant(perimetre), date(2027, 1, 10))
    fiche, le_5_decembre = realisation.fiche, date(2026, 12, 5)

    tableau = selectors.tableau_de_bord(
        perimetre=Perimetre(contrat=reference, role=Role.CHEF_DE_PROJET),
        annee=EN_COURS,
        fiche=fiche,
        quartier=nord,
        aujourdhui=le_5_decembre,
    )

    assert tableau.avec_contrat and tableau.comparaison.en_cours
    contrat = {ligne.indicateur.code: ligne.valeur_contrat for ligne in tableau.lignes}
    coupe = calculer(contrat=reference, fiche=fiche, annee=EN_COURS, aujourdhui=le_5_decembre).totaux
    assert contrat["nb_enfants_beneficiaires"] == coupe["nb_enfants_beneficiaires"]["actuelle"] == 2
    # Inès, Tom, and 1 counted at the door on 30/11.
    assert contrat["frequentation"] == coupe["frequentation"]["actuelle"] == 3
    entiere = calculer(contrat=reference, fiche=fiche, annee=EN_COURS, aujourdhui=date(2027, 9, 15)).totaux
    assert entiere["nb_enfants_beneficiaires"]["actuelle"] == 3
