"""The summaries the dashboards read must equal what the raw records say after every kind of
write: the expected rows are computed here in Python from the presences, independently of
actions.resumes."""

import datetime
import threading
from collections import Counter

import pytest
from django.core.management import call_command
from django.db import connection
from django.db.models import Count, Q

from actions import services
from actions.enums import NiveauScolaire, StatutAction
from actions.models import EffectifAnnuel, FrequentationAnnuelle, Participant, Presence, Seance, SeancesAnnuelles
from actions.resumes import recalculer_frequentations
from fiches.annees import AnneeScolaire
from fiches.tests.factories import QuartierFactory
from indicateurs.calculs import calculer

from .factories import ActionFactory, InscriptionFactory, PresenceFactory, SeanceFactory, action_avec_enfants

pytestmark = pytest.mark.django_db

OCTOBRE = datetime.date(2025, 10, 1)
NOVEMBRE = datetime.date(2025, 11, 5)


def attendu():
    """Rows (participant, year, quartier or None, presences, sex, level, residence) from the presences."""
    compte = Counter()
    for presence in Presence.objects.select_related("seance__action", "participant").prefetch_related(
        "seance__action__quartiers"
    ):
        action = presence.seance.action
        if action.statut == StatutAction.ANNULEE:
            continue
        enfant = presence.participant
        profil = (enfant.sexe, enfant.niveau_scolaire, enfant.quartier_residence_id)
        annee = AnneeScolaire.de_la_date(presence.seance.date).annee_de_rentree
        for quartier in [None, *(q.pk for q in action.quartiers.all())]:
            compte[(enfant.pk, annee, quartier, *profil)] += 1
    return {(*cle[:3], n, *cle[3:]) for cle, n in compte.items()}


def lignes():
    return set(
        FrequentationAnnuelle.objects.values_list(
            "participant", "annee_scolaire", "quartier", "nb_presences", "sexe", "niveau_scolaire", "quartier_residence"
        )
    )


def effectifs():
    return {
        cle[:6]: cle[6:]
        for cle in EffectifAnnuel.objects.filter(nb_enfants__gt=0).values_list(
            "contrat",
            "perimetre",
            "annee_scolaire",
            "sexe",
            "niveau_scolaire",
            "residence",
            "nb_enfants",
            "nb_presences",
        )
    }


def coherent():
    """The rows per child match the presences, and the counters match the rows."""
    attendues = attendu()
    contrats = dict(Participant.objects.values_list("pk", "structure__contrat"))
    sommes = Counter()
    for participant, annee, quartier, n, sexe, niveau, residence in attendues:
        cle = (contrats[participant], quartier or 0, annee, sexe, niveau, residence or 0)
        sommes[(*cle, "enfants")] += 1
        sommes[(*cle, "presences")] += n
    effectifs_attendus = {
        cle[:6]: (sommes[cle], sommes[(*cle[:6], "presences")]) for cle in sommes if cle[6] == "enfants"
    }
    return lignes() == attendues and effectifs() == effectifs_attendus and seances_annuelles() == sommes_des_seances()


def seances_annuelles():
    return {
        cle[:2]: cle[2:]
        for cle in SeancesAnnuelles.objects.values_list(
            "action", "annee_scolaire", "enfants_anonymes", "parents_presents", "nb_inscrits"
        )
    }


def sommes_des_seances():
    """Per action and school year: headcounts, parents, children enrolled by each date."""
    inscrits = inscrits_attendus()
    sommes = {}
    for seance in Seance.objects.all():
        somme = sommes.setdefault((seance.action_id, AnneeScolaire.de_la_date(seance.date).annee_de_rentree), [0] * 3)
        for rang, valeur in enumerate([seance.enfants_anonymes, seance.parents_presents, inscrits[seance.pk]]):
            somme[rang] += valeur
    return {cle: tuple(somme) for cle, somme in sommes.items()}


def inscrits_attendus():
    return {
        seance.pk: seance.action.inscriptions.filter(date_inscription__lte=seance.date).count()
        for seance in Seance.objects.select_related("action")
    }


def inscrits():
    return dict(Seance.objects.values_list("pk", "nb_inscrits"))


def test_every_write_keeps_the_yearly_summary_equal_to_the_presences():
    action, seance, enfants = action_avec_enfants(4, date_debut=datetime.date(2025, 8, 1))
    autre = SeanceFactory(action=action, date=NOVEMBRE)

    services.presences_enregistrer(
        seance=seance, presents=[e.pk for e in enfants[:3]], enfants_anonymes=0, parents_presents=0
    )
    services.presences_enregistrer(
        seance=autre, presents=[e.pk for e in enfants[1:]], enfants_anonymes=0, parents_presents=0
    )
    assert coherent() and len(lignes()) == 8  # 4 children, contract and quartier rows
    assert FrequentationAnnuelle.objects.get(participant=enfants[1], quartier=None).nb_presences == 2

    # Unticking removes the row of a child who no longer came at all.
    services.presences_enregistrer(seance=seance, presents=[enfants[0].pk], enfants_anonymes=0, parents_presents=0)
    services.presences_enregistrer(seance=autre, presents=[], enfants_anonymes=0, parents_presents=0)
    assert coherent() and {ligne[0] for ligne in lignes()} == {enfants[0].pk}

    # A second quartier, a session moved back into the previous school year, a new level.
    services.presences_enregistrer(
        seance=autre, presents=[e.pk for e in enfants], enfants_anonymes=0, parents_presents=0
    )
    action.quartiers.add(QuartierFactory(contrat=action.porteur.contrat))
    assert coherent()
    services.seance_enregistrer(action=action, seance=autre, donnees={"date": datetime.date(2025, 8, 25)})
    assert coherent()
    assert FrequentationAnnuelle.objects.filter(annee_scolaire=2024).count() == 4 * 3
    enfants[2].niveau_scolaire = NiveauScolaire.SIXIEME
    enfants[2].save()
    assert coherent()


def test_removing_a_quartier_from_either_side_or_cancelling_the_action_updates_the_summary():
    action, seance, enfants = action_avec_enfants(2)
    quartier = action.quartiers.get()
    second = QuartierFactory(contrat=action.porteur.contrat)
    second.actions.add(action)
    for enfant in enfants:
        PresenceFactory(seance=seance, participant=enfant)
    assert coherent() and len(lignes()) == 6

    quartier.actions.remove(action)
    assert coherent() and len(lignes()) == 4
    second.actions.clear()
    assert coherent() and len(lignes()) == 2

    action.statut = StatutAction.ANNULEE
    action.save()
    assert coherent() and lignes() == set()
    action.statut = StatutAction.REALISEE
    action.save()
    assert coherent() and len(lignes()) == 2


def test_deleting_a_session_or_an_action_recounts_its_children():
    action, seance, enfants = action_avec_enfants(3)
    autre_action, autre_seance, autres = action_avec_enfants(1)
    for enfant in enfants:
        PresenceFactory(seance=seance, participant=enfant)
    PresenceFactory(seance=SeanceFactory(action=action, date=NOVEMBRE), participant=enfants[0])
    PresenceFactory(seance=autre_seance, participant=autres[0])

    seance.delete()
    assert coherent() and {ligne[0] for ligne in lignes()} == {enfants[0].pk, autres[0].pk}
    action.delete()
    assert coherent() and {ligne[0] for ligne in lignes()} == {autres[0].pk}
    # A child deleted takes their rows and their share of the counters along.
    autres[0].delete()
    assert coherent() and lignes() == set() and effectifs() == {}


def test_each_session_counts_the_children_enrolled_by_its_date():
    action, seance, enfants = action_avec_enfants(2)
    plus_tard = SeanceFactory(action=action, date=NOVEMBRE)
    assert inscrits() == inscrits_attendus() == {seance.pk: 2, plus_tard.pk: 2} and coherent()

    # An enrolment in between counts for the later session only, whichever way it is written.
    InscriptionFactory(action=action, date_inscription=datetime.date(2025, 10, 15))
    nouveaux = [InscriptionFactory.build(action=action).participant for _ in range(2)]
    for enfant in nouveaux:
        enfant.save()
    services.participants_inscrire(
        action=action, participants=nouveaux, date_inscription=datetime.date(2025, 10, 20), auteur=None
    )
    assert inscrits() == inscrits_attendus() == {seance.pk: 2, plus_tard.pk: 5}

    # A series of new sessions and a session moved before the late enrolments.
    series = services.seances_creer_en_serie(
        action=action,
        date_debut=datetime.date(2026, 1, 5),
        date_fin=datetime.date(2026, 1, 11),
        jours=[2],
        auteur=None,
    )
    services.seance_enregistrer(action=action, seance=plus_tard, donnees={"date": datetime.date(2025, 10, 10)})
    assert inscrits() == inscrits_attendus() == {seance.pk: 2, plus_tard.pk: 2, series[0].pk: 5}
    action.inscriptions.filter(date_inscription=datetime.date(2025, 10, 15)).get().delete()
    assert inscrits() == inscrits_attendus() and coherent()
    # Headcounts typed in the grid, a session deleted: the yearly sums follow.
    services.presences_enregistrer(seance=seance, presents=[], enfants_anonymes=7, parents_presents=3)
    assert coherent() and seances_annuelles()[(action.pk, 2025)] == (7, 3, 2 + 2 + 4)
    series[0].delete()
    assert coherent() and seances_annuelles()[(action.pk, 2025)] == (7, 3, 4)


def test_the_full_recount_rebuilds_the_same_rows_for_every_contract():
    """What the migration and the demo generators run: everything from the presences."""
    for _ in range(2):
        action, seance, enfants = action_avec_enfants(3)
        for enfant in enfants[:2]:
            PresenceFactory(seance=seance, participant=enfant)
    ActionFactory(annulee=True)
    avant = lignes(), effectifs()
    FrequentationAnnuelle.objects.all().delete()
    EffectifAnnuel.objects.all().delete()

    recalculer_frequentations()

    assert (lignes(), effectifs()) == avant and coherent()
    assert len(set(FrequentationAnnuelle.objects.values_list("contrat", flat=True))) == 2


def test_a_grid_save_costs_the_same_summary_queries_for_one_child_or_thirty(django_assert_num_queries):
    for nombre in (1, 30):
        action, seance, enfants = action_avec_enfants(nombre)
        # Each child already came to other actions: the recount reads all their year's presences.
        for enfant in enfants:
            ailleurs = ActionFactory(porteur=action.porteur, realisation=action.realisation)
            PresenceFactory(seance=SeanceFactory(action=ailleurs, date=NOVEMBRE), participant=enfant)
        # Lock, previous rows by counter, delete, profiles, two groupings, insert; the counters
        # are already right (the factories' saves recounted), so nothing is added to them.
        with django_assert_num_queries(7):
            recalculer_frequentations(participants=[e.pk for e in enfants])
    assert coherent()
    assert (
        FrequentationAnnuelle.objects.filter(quartier=None).aggregate(n=Count("pk", filter=Q(nb_presences=1)))["n"]
        == 31
    )


@pytest.mark.django_db(transaction=True)
@pytest.mark.skipif(connection.vendor != "postgresql", reason="SQLite runs one write at a time")
def test_two_grids_saved_at_once_for_the_same_children_both_count():
    premiere, seance, enfants = action_avec_enfants(20)
    seconde = ActionFactory(porteur=premiere.porteur, realisation=premiere.realisation)
    for enfant in enfants:
        InscriptionFactory(action=seconde, participant=enfant)
    autre = SeanceFactory(action=seconde, date=OCTOBRE)
    depart = threading.Barrier(2)
    erreurs = []

    def saisir(seance_):
        try:
            depart.wait(timeout=10)
            services.presences_enregistrer(
                seance=seance_, presents=[e.pk for e in enfants], enfants_anonymes=0, parents_presents=0
            )
        except Exception as erreur:  # reported by the assertion below
            erreurs.append(erreur)
        finally:
            connection.close()

    fils = [threading.Thread(target=saisir, args=(s,)) for s in (seance, autre)]
    for f in fils:
        f.start()
    for f in fils:
        f.join()

    assert erreurs == []
    assert coherent()
    assert set(FrequentationAnnuelle.objects.filter(quartier=None).values_list("nb_presences", flat=True)) == {2}


def test_the_rebuild_command_repairs_summaries_changed_behind_the_application(capsys):
    action, seance, enfants = action_avec_enfants(3)
    for enfant in enfants:
        PresenceFactory(seance=seance, participant=enfant)
    # Fixes made directly in the database, which no receiver sees.
    EffectifAnnuel.objects.update(nb_enfants=99)
    FrequentationAnnuelle.objects.filter(participant=enfants[0]).delete()
    Seance.objects.update(nb_inscrits=0)
    SeancesAnnuelles.objects.all().delete()
    assert not coherent()

    call_command("recalculer_resumes")

    assert coherent() and inscrits() == inscrits_attendus()
    assert "Résumés recalculés" in capsys.readouterr().out


def test_deleting_a_quartier_takes_its_counters_and_leaves_the_contract_s():
    action, seance, enfants = action_avec_enfants(2)
    quartier = action.quartiers.get()
    for enfant in enfants:
        PresenceFactory(seance=seance, participant=enfant)
    contrat = action.porteur.contrat

    quartier.delete()

    assert coherent() and {cle[1] for cle in effectifs()} == {0}
    figures = calculer(contrat=contrat, annee=AnneeScolaire(2025), aujourdhui=datetime.date(2026, 9, 15))
    assert figures.totaux["nb_enfants_beneficiaires"]["actuelle"] == 2
