from datetime import timedelta

import pytest
from django.core.management import CommandError, call_command
from django.db.models import Avg, Count, Exists, F, OuterRef, Q
from django.utils import timezone

from actions.enums import Acteur, StatutAction
from actions.models import (
    Action,
    Financement,
    FrequentationAnnuelle,
    Inscription,
    Participant,
    Presence,
    QuestionnaireRempli,
    Seance,
)
from demo.activite import generer_activite
from demo.echelle import ECHELLES, Echelle, en_vacances
from demo.fiche_fictive import generer_activite_fictive
from dossiers.enums import EtatDossier
from dossiers.models import Bilan, Campagne, Dossier, LigneBudget
from dossiers.selectors import compte_rendu_du_bilan
from fiches.annees import AnneeScolaire
from fiches.calendrier import motif_non_ouvre
from fiches.models import ClotureAnnee, Quartier, RealisationAttendue
from partenaires.models import Structure

pytestmark = pytest.mark.django_db


def test_demo_activity_covers_every_quartier_realisation_and_year(demo, reference):
    bilan = generer_activite(contrat=reference)

    assert bilan["actions"] >= 60 and bilan["presences"] > 5000
    courante = AnneeScolaire.courante()
    for annee in [courante, courante.precedente(), courante.precedente().precedente()]:
        actions = Action.objects.de_l_annee(annee)
        assert set(Quartier.objects.filter(actions__in=actions).values_list("pk", flat=True)) == set(
            Quartier.objects.filter(contrat=reference).values_list("pk", flat=True)
        ), annee
        assert set(actions.values_list("realisation__code", flat=True)) == {"R1", "R2", "R3"}, annee
    assert Action.objects.values("porteur").distinct().count() >= 3
    # Attendance only for sessions that have taken place, and headcount-only open events exist.
    assert not Presence.objects.filter(seance__date__gt=courante.fin).exists()
    evenements = Seance.objects.filter(enfants_anonymes__gt=0).annotate(n=Count("presences"))
    assert evenements.exists() and not evenements.filter(n__gt=0).exists()
    assert RealisationAttendue.objects.filter(actions__public_parents=True, code="R3").exists()
    _grilles_saisies_et_a_saisir()
    _coimplication_plausible()
    # Weekly sessions follow the school calendar of the contract's zone (C), as a series would.
    hebdomadaires = Seance.objects.filter(action__seances__date=F("date") + timedelta(days=7)).distinct()
    assert hebdomadaires.exists()
    assert not [s.date for s in hebdomadaires if motif_non_ouvre(s.date, zone="C")]


def _coimplication_plausible():
    """Effect E1: most interventions croisées designed with a school, most actions for parents
    designed and run with parents; a few actions left unrecorded, as in practice."""
    actions = list(
        Action.objects.filter(realisation__fiche__code="1.2.3").values_list(
            "realisation__code", "concue_avec", "animee_avec"
        )
    )

    def part(code, champ, acteur):
        retenues = [a for a in actions if a[0] == code]
        return sum(acteur in a[champ] for a in retenues) / len(retenues)

    assert part("R2", 1, Acteur.ECOLE) > 0.6
    assert part("R3", 1, Acteur.PARENTS) > 0.5 and part("R3", 2, Acteur.PARENTS) > 0.4
    assert part("R1", 1, Acteur.ECOLE) < part("R2", 1, Acteur.ECOLE)
    assert any(not a[1] and not a[2] for a in actions)


def _grilles_saisies_et_a_saisir():
    """Past sessions have their grid saved, but for a few still à saisir, mostly recent; presences
    and headcounts only where a grid was saved; none saved for a session to come."""
    aujourdhui = timezone.localdate()
    passees = Seance.objects.filter(date__lte=aujourdhui)
    a_saisir = passees.filter(saisie_le__isnull=True)
    assert 0 < a_saisir.count() < passees.count() / 10
    assert not Seance.objects.filter(date__gt=aujourdhui, saisie_le__isnull=False).exists()
    assert not Presence.objects.filter(seance__saisie_le__isnull=True).exists()
    assert not a_saisir.filter(Q(enfants_anonymes__gt=0) | Q(parents_presents__gt=0)).exists()
    assert Presence.objects.filter(seance__saisie_le__isnull=False).exists()


def test_the_history_of_a_generated_action_tells_its_relations(demo, reference):
    """As after a service's save: an edit from a page loaded before someone else's save reads
    back from the history what the page showed (actions.versions)."""
    generer_activite(contrat=reference)
    for action in Action.objects.prefetch_related("quartiers", "thematiques", "etablissements", "partenaires")[:20]:
        (creation,) = action.history.all()
        for relation in ["quartiers", "thematiques", "etablissements", "partenaires"]:
            cle = f"{getattr(Action, relation).field.m2m_reverse_field_name()}_id"
            assert set(getattr(creation, relation).values_list(cle, flat=True)) == {
                cible.pk for cible in getattr(action, relation).all()
            }, relation


def test_demo_activity_is_created_once(demo, reference, capsys):
    generer_activite(contrat=reference)
    generer_activite_fictive(contrat=reference)
    # The appel à projets comes with the first run: a dossier in each state of its instruction.
    call_command("generer_demo")
    assert sorted(Dossier.objects.values_list("etat", flat=True)) == sorted(EtatDossier.values)
    actions, dossiers = Action.objects.count(), Dossier.objects.count()
    call_command("generer_demo")
    assert Dossier.objects.count() == dossiers
    assert Action.objects.count() == actions
    assert "Activité créée" not in capsys.readouterr().out


def test_the_demo_closes_the_previous_school_year_once_its_activity_is_there(reference):
    call_command("generer_demo")
    precedente = AnneeScolaire.courante().precedente()

    (cloture,) = ClotureAnnee.objects.filter(contrat=reference)
    assert (cloture.annee_scolaire, cloture.cloturee, cloture.cloturee_par.username) == (
        precedente.annee_de_rentree,
        True,
        "demo-chef",
    )
    assert Presence.objects.filter(seance__date__range=(precedente.debut, precedente.fin)).exists()
    # Run again, it is left closed as it was.
    call_command("generer_demo")
    assert ClotureAnnee.objects.get().cloturee_le == cloture.cloturee_le


def test_a_large_city_s_scale_follows_the_school_calendar_and_keeps_its_summaries(db, reference, monkeypatch):
    """The generator of `generer_demo --echelle`, on a small scale of the same shape."""
    monkeypatch.setitem(ECHELLES, "dixieme", Echelle(quartiers=8, actions=120, enfants=900))
    call_command("generer_demo", echelle="dixieme")

    assert Quartier.objects.filter(contrat=reference).count() == 8
    assert Action.objects.count() == 120
    courante = AnneeScolaire.courante()
    for decalage in range(6):
        annee = AnneeScolaire(courante.annee_de_rentree - decalage)
        assert Action.objects.filter(date_debut__range=(annee.debut, annee.fin)).count() == 20, annee
    assert Participant.objects.count() == 900
    # No session in the holidays, none for a cancelled action, none outside its action's dates.
    dates = Seance.objects.values_list("date", flat=True)
    assert not [jour for jour in dates if en_vacances(jour)]
    assert not Seance.objects.filter(action__statut=StatutAction.ANNULEE).exists()
    assert not Seance.objects.filter(Q(date__lt=F("action__date_debut")) | Q(date__gt=F("action__date_fin"))).exists()
    # Open events are counted at the door; weekly groups get about 20 presences a session.
    evenements = Seance.objects.filter(enfants_anonymes__gt=0).annotate(n=Count("presences"))
    assert evenements.exists() and not evenements.filter(n__gt=0).exists()
    passees = Seance.objects.filter(date__lte=timezone.localdate(), enfants_anonymes=0)
    assert 12 <= Presence.objects.count() / passees.count() <= 28
    assert not Presence.objects.filter(seance__date__gt=timezone.localdate()).exists()
    # Every presence is that of a child enrolled by then, with consent given by then.
    inscrit = Inscription.objects.filter(
        action=OuterRef("seance__action"),
        participant=OuterRef("participant"),
        date_inscription__lte=OuterRef("seance__date"),
    )
    assert not Presence.objects.exclude(Exists(inscrit)).exists()
    assert not Presence.objects.exclude(participant__date_consentement__lte=F("seance__date")).exists()
    assert Inscription.objects.filter(date_inscription__gt=F("action__date_debut")).exists()
    # The summaries are filled: one contract row per child and school year with a presence.
    enfants_par_annee = {
        (participant, AnneeScolaire.de_la_date(jour).annee_de_rentree)
        for participant, jour in Presence.objects.exclude(seance__action__statut=StatutAction.ANNULEE).values_list(
            "participant", "seance__date"
        )
    }
    assert FrequentationAnnuelle.objects.filter(quartier=None).count() == len(enfants_par_annee)
    assert Seance.objects.filter(nb_inscrits__gt=0).exists()
    _grilles_saisies_et_a_saisir()
    _coimplication_plausible()
    assert ClotureAnnee.objects.get().annee_scolaire == courante.precedente().annee_de_rentree
    _dossiers_de_chaque_action(courante)


def _dossiers_de_chaque_action(courante):
    """Every action was born from a dossier of its year's campaign, moved as far as its dates
    allow, each step written; the current campaign also has dossiers that are not actions."""
    assert Campagne.objects.count() == 6
    assert not Action.objects.filter(dossier=None).exists()
    for dossier in Dossier.objects.select_related("campagne", "action").prefetch_related("transitions"):
        annee = AnneeScolaire(dossier.campagne.annee_scolaire)
        if dossier.action:
            assert annee.debut <= dossier.action.date_debut <= annee.fin
            if dossier.action.date_debut > timezone.localdate():
                assert dossier.etat == EtatDossier.CONVENTIONNE
        etats = [(etape.etat_avant, etape.etat_apres) for etape in dossier.transitions.all()]
        # The steps chain from the draft to the dossier's state.
        assert [avant for avant, _ in etats] == [EtatDossier.BROUILLON] + [apres for _, apres in etats[:-1]]
        assert (etats[-1][1] if etats else EtatDossier.BROUILLON) == dossier.etat
    passees = Dossier.objects.exclude(campagne__annee_scolaire=courante.annee_de_rentree)
    assert not passees.exclude(etat=EtatDossier.SOLDE).exists()
    non_retenus = Dossier.objects.filter(action=None)
    assert non_retenus.exists() and not non_retenus.exclude(campagne__annee_scolaire=courante.annee_de_rentree).exists()
    # A bilan for every dossier whose bilan was deposited, complete as a deposit requires.
    avec_bilan = [EtatDossier.BILAN_DEPOSE, EtatDossier.BILAN_VALIDE, EtatDossier.SOLDE]
    assert set(Bilan.objects.values_list("dossier", flat=True)) == set(
        Dossier.objects.filter(etat__in=avec_bilan).values_list("pk", flat=True)
    )
    for bilan in Bilan.objects.select_related("dossier").prefetch_related("dossier__lignes__financeur")[:20]:
        assert not bilan.elements_manquants(compte_rendu_du_bilan(bilan=bilan)), bilan
    assert (
        not LigneBudget.objects.filter(dossier__action__isnull=False)
        .exclude(financeur__in=Financement.objects.filter(action=OuterRef("dossier__action")).values("financeur"))
        .exists()
    )


def test_a_large_scale_needs_a_structure_working_in_a_quartier(demo, reference, monkeypatch):
    monkeypatch.setitem(ECHELLES, "dixieme", Echelle(quartiers=5, actions=60, enfants=100))
    Structure.objects.filter(contrat=reference).update(active=False)

    with pytest.raises(CommandError, match="Aucune structure active du contrat n’intervient dans un quartier"):
        call_command("generer_demo", echelle="dixieme")

    assert not Action.objects.exists() and not Participant.objects.exists()


def test_the_demo_answers_the_questionnaire_for_a_share_of_the_children_with_a_small_rise(demo, reference):
    bilan = generer_activite(contrat=reference)

    remplis = QuestionnaireRempli.objects.all()
    assert bilan["questionnaires"] == remplis.count() > 100
    # Only where the action proposes it and the consent covers it; an exit always has its entry.
    assert not remplis.filter(
        Q(action__questionnaire_envie_ecole=False) | Q(participant__consentement_questionnaire=False)
    )
    sorties = remplis.filter(moment="sortie")
    assert not sorties.exclude(
        Exists(remplis.filter(action=OuterRef("action"), participant=OuterRef("participant"), moment="entree"))
    )
    couverts = Participant.objects.filter(consentement_questionnaire=True).count()
    assert 0.6 < couverts / Participant.objects.exclude(date_consentement=None).count() < 0.9
    # A small rise on average, with children going down too.
    moyenne = sorties.aggregate(moyenne=Avg("evolution"))["moyenne"]
    assert 0.05 < moyenne < 0.4
    assert sorties.filter(evolution__lt=0).exists() and sorties.filter(evolution__gt=0).exists()
