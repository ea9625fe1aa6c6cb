"""The summaries the dashboards read must equal what the raw records say after every kind of
write: the expected rows are computed here in Python from the presences, independently of
actions.resumes, and compared with what the full recount (recalculer_resumes) rebuilds. No
signal updates them: every write path of actions.services is exercised below, and a write that
changes nothing they sum must not touch them at all."""

import datetime
import importlib
import io
import threading
from collections import Counter
from types import SimpleNamespace

import pytest
from django.apps import apps
from django.core.exceptions import ValidationError
from django.core.management import call_command
from django.db import connection
from django.db.models import Count, Q
from django.test.utils import CaptureQueriesContext

from actions import services
from actions.enums import NiveauScolaire, Sexe, StatutAction
from actions.forms import FormulaireAction
from actions.models import (
    ArriveesDuJour,
    ArriveesDuJourDuPerimetre,
    EffectifAnnuel,
    FrequentationAnnuelle,
    NiveauAnnuel,
    Participant,
    Presence,
    Seance,
    SeancesAnnuelles,
    SeancesDuJour,
    SeancesDuJourParAction,
)
from actions.resumes import (
    SOMMES_DU_JOUR,
    recalculer_frequentations,
    recalculer_seances_annuelles,
    recompter_inscrits,
)
from fiches.annees import AnneeScolaire
from fiches.tests.factories import FicheFactory, QuartierFactory, RealisationAttendueFactory
from indicateurs.calculs import calculer
from partenaires.tests.factories import EtablissementFactory, SourceFinancementFactory, StructureFactory

from .factories import (
    ActionFactory,
    InscriptionFactory,
    ParticipantFactory,
    PresenceFactory,
    SeanceFactory,
    action_avec_enfants,
)

pytestmark = pytest.mark.django_db

OCTOBRE = datetime.date(2025, 10, 1)
NOVEMBRE = datetime.date(2025, 11, 5)
CHAMPS_M2M_ACTION = ["thematiques", "partenaires", "quartiers", "etablissements"]


def attendu():
    """Rows (participant, year, quartier or None, presences, sex, level of that year, residence,
    fiche, first presence) from the presences, those of cancelled sessions and actions left out:
    a child's rows per fiche, each with the day the child first came to that fiche's actions."""
    compte = Counter()
    premieres = {}
    niveaux = {
        (p, a): n for p, a, n in NiveauAnnuel.objects.values_list("participant", "annee_scolaire", "niveau_scolaire")
    }
    for presence in Presence.objects.select_related("seance__action__realisation", "participant").prefetch_related(
        "seance__action__quartiers"
    ):
        action = presence.seance.action
        if action.statut == StatutAction.ANNULEE or presence.seance.annulee_le:
            continue
        enfant = presence.participant
        annee = AnneeScolaire.de_la_date(presence.seance.date).annee_de_rentree
        niveau = niveaux.get((enfant.pk, annee), enfant.niveau_scolaire)
        profil = (enfant.sexe, niveau, enfant.quartier_residence_id, action.realisation.fiche_id)
        for quartier in [None, *(q.pk for q in action.quartiers.all())]:
            cle = (enfant.pk, annee, quartier, *profil)
            compte[cle] += 1
            premieres[cle] = min(premieres.get(cle, presence.seance.date), presence.seance.date)
    return {(*cle[:3], n, *cle[3:], premieres[cle]) for cle, n in compte.items()}


def lignes():
    return set(
        FrequentationAnnuelle.objects.values_list(
            "participant",
            "annee_scolaire",
            "quartier",
            "nb_presences",
            "sexe",
            "niveau_scolaire",
            "quartier_residence",
            "fiche",
            "premiere_presence",
        )
    )


def arrivees():
    return {
        cle[:8]: cle[8]
        for cle in ArriveesDuJour.objects.filter(nb_enfants__gt=0).values_list(
            "contrat",
            "perimetre",
            "annee_scolaire",
            "jour",
            "sexe",
            "niveau_scolaire",
            "residence",
            "fiche",
            "nb_enfants",
        )
    }


def arrivees_du_perimetre():
    return {
        cle[:5]: cle[5]
        for cle in ArriveesDuJourDuPerimetre.objects.exclude(nb_enfants=0).values_list(
            "contrat", "perimetre", "annee_scolaire", "jour", "fiche", "nb_enfants"
        )
    }


def presents():
    return dict(Seance.objects.values_list("pk", "nb_presents"))


def presents_attendus():
    return dict(Seance.objects.annotate(n=Count("presences")).values_list("pk", "n"))


def effectifs():
    return {
        cle[:7]: cle[7:]
        for cle in EffectifAnnuel.objects.filter(nb_enfants__gt=0).values_list(
            "contrat",
            "perimetre",
            "annee_scolaire",
            "sexe",
            "niveau_scolaire",
            "residence",
            "fiche",
            "nb_enfants",
            "nb_presences",
        )
    }


def coherent():
    """The rows per child match the presences, the counters match the rows, and each session's
    children enrolled and each action's yearly sums match the sessions and enrolments."""
    attendues = attendu()
    contrats = dict(Participant.objects.values_list("pk", "structure__contrat"))
    sommes = Counter()
    arrivees_attendues = Counter()
    for participant, annee, quartier, n, sexe, niveau, residence, fiche, premiere in attendues:
        cle = (contrats[participant], quartier or 0, annee, sexe, niveau, residence or 0, fiche)
        sommes[(*cle, "enfants")] += 1
        sommes[(*cle, "presences")] += n
        arrivees_attendues[(*cle[:3], premiere, *cle[3:])] += 1
    # The arrivals with the profiles summed: contract, perimeter, year, day, fiche.
    par_perimetre = Counter()
    for (contrat, perimetre, annee, jour, _, _, _, fiche), nombre in arrivees_attendues.items():
        par_perimetre[(contrat, perimetre, annee, jour, fiche)] += nombre
    effectifs_attendus = {
        cle[:7]: (sommes[cle], sommes[(*cle[:7], "presences")]) for cle in sommes if cle[7] == "enfants"
    }
    return (
        lignes() == attendues
        and effectifs() == effectifs_attendus
        and arrivees() == dict(arrivees_attendues)
        and arrivees_du_perimetre() == dict(par_perimetre)
        and presents() == presents_attendus()
        and seances_annuelles() == sommes_des_seances()
        and seances_tenues() == seances_tenues_attendues()
        and inscrits() == inscrits_attendus()
        and seances_du_jour() == sommes_du_jour()
    )


def seances_annuelles():
    return {
        cle[:2]: cle[2:]
        for cle in SeancesAnnuelles.objects.values_list(
            "action", "annee_scolaire", "enfants_anonymes", "parents_presents", "nb_inscrits", "seances_non_saisies"
        )
    }


def seances_tenues():
    return {
        cle[:2]: cle[2:]
        for cle in SeancesAnnuelles.objects.values_list("action", "annee_scolaire", "nb_seances", "seances_en_ecole")
    }


def seances_tenues_attendues():
    """Per action and school year, the sessions not cancelled, and those of them held in a
    school: the ones with no row (every session cancelled) have none."""
    attendues = {}
    for seance in Seance.objects.filter(annulee_le=None):
        somme = attendues.setdefault((seance.action_id, AnneeScolaire.de_la_date(seance.date).annee_de_rentree), [0, 0])
        somme[0] += 1
        somme[1] += seance.etablissement_id is not None
    return {cle: tuple(somme) for cle, somme in attendues.items()}


def sommes_des_seances():
    """Per action and school year, over the sessions not cancelled: headcounts, parents, the
    children enrolled and consenting by the date of each session whose grid was saved, and the
    sessions whose grid never was."""
    inscrits = inscrits_attendus()
    sommes = {}
    for seance in Seance.objects.filter(annulee_le=None):
        somme = sommes.setdefault((seance.action_id, AnneeScolaire.de_la_date(seance.date).annee_de_rentree), [0] * 4)
        saisie = seance.saisie_le is not None
        valeurs = [seance.enfants_anonymes, seance.parents_presents, inscrits[seance.pk] if saisie else 0, not saisie]
        for rang, valeur in enumerate(valeurs):
            somme[rang] += valeur
    return {cle: tuple(somme) for cle, somme in sommes.items()}


def seances_du_jour():
    """The counters of SeancesDuJour that are not zero, and the rows per action they sum."""
    champs = SOMMES_DU_JOUR
    compteurs = {
        cle[:3]: cle[3:]
        for cle in SeancesDuJour.objects.values_list("fiche", "perimetre", "jour", *champs)
        if any(cle[3:])
    }
    par_action = {
        cle[:3]: cle[3:] for cle in SeancesDuJourParAction.objects.values_list("action", "perimetre", "jour", *champs)
    }
    return compteurs, par_action


def sommes_du_jour():
    """Per fiche, perimeter (0: the contract, and each quartier of the action) and day, and per
    action, perimeter and day, over the sessions not cancelled of actions not cancelled: the sums
    of sommes_des_seances, the presences, the sessions and those held in a school."""
    inscrits = inscrits_attendus()
    compteurs, par_action = {}, {}
    seances = Seance.objects.filter(annulee_le=None).exclude(action__statut=StatutAction.ANNULEE)
    for seance in seances.select_related("action__realisation").prefetch_related("action__quartiers", "presences"):
        saisie = seance.saisie_le is not None
        valeurs = [
            seance.enfants_anonymes,
            seance.parents_presents,
            inscrits[seance.pk] if saisie else 0,
            len(seance.presences.all()),
            int(not saisie),
            1,
            int(seance.etablissement_id is not None),
        ]
        for perimetre in [0, *(q.pk for q in seance.action.quartiers.all())]:
            for sommes, cle in (
                (compteurs, (seance.action.realisation.fiche_id, perimetre, seance.date)),
                (par_action, (seance.action_id, perimetre, seance.date)),
            ):
                somme = sommes.setdefault(cle, [0] * len(valeurs))
                for rang, valeur in enumerate(valeurs):
                    somme[rang] += valeur
    return (
        {cle: tuple(somme) for cle, somme in compteurs.items() if any(somme)},
        {cle: tuple(somme) for cle, somme in par_action.items()},
    )


def inscrits_attendus():
    """Per session, the children enrolled in its action and whose parents consented by its date."""
    return {
        seance.pk: sum(
            1
            for inscription in seance.action.inscriptions.select_related("participant")
            if inscription.date_inscription <= seance.date
            and inscription.participant.date_consentement
            and inscription.participant.date_consentement <= seance.date
        )
        for seance in Seance.objects.select_related("action")
    }


def inscrits():
    return dict(Seance.objects.values_list("pk", "nb_inscrits"))


def resumes():
    return (
        lignes(),
        effectifs(),
        arrivees(),
        arrivees_du_perimetre(),
        seances_annuelles(),
        seances_tenues(),
        inscrits(),
        presents(),
        seances_du_jour(),
    )


def egal_au_recomptage():
    """The summaries as the writes left them are those the full recount rebuilds from scratch."""
    avant = resumes()
    call_command("recalculer_resumes", stdout=io.StringIO())
    return resumes() == avant


# What each summary is called in the SQL: a query that names one reads or writes it.
RESUMES = {
    "frequentations": '"actions_frequentationannuelle"',
    "effectifs": '"actions_effectifannuel"',
    "seances annuelles": '"actions_seancesannuelles"',
    "seances du jour": '"actions_seancesdujour',
    "inscrits": 'SET "nb_inscrits" = COALESCE',
}


def recomptes(requetes):
    """The summaries these queries touched."""
    return {nom for nom, trace in RESUMES.items() if any(trace in q["sql"] for q in requetes.captured_queries)}


def donnees_de(action, **changements):
    """What the action form sends back for this action, with these changes."""
    donnees = {champ: getattr(action, champ) for champ in FormulaireAction._meta.fields}
    donnees.update({champ: list(getattr(action, champ).all()) for champ in CHAMPS_M2M_ACTION})
    return {**donnees, **changements}


def grille(seance, enfants, anonymes=0, parents=0):
    return services.presences_enregistrer(
        seance=seance, presents=[e.pk for e in enfants], enfants_anonymes=anonymes, parents_presents=parents
    )


def test_every_write_keeps_the_yearly_summary_equal_to_the_presences():
    action, seance, enfants = action_avec_enfants(4, date_debut=datetime.date(2025, 8, 1))
    for enfant in enfants:
        services.participant_enregistrer(participant=enfant, donnees={"date_consentement": datetime.date(2025, 1, 6)})
    autre = SeanceFactory(action=action, date=NOVEMBRE)

    grille(seance, enfants[:3])
    grille(autre, enfants[1:])
    assert coherent() and len(lignes()) == 8  # 4 children, contract and quartier rows
    assert FrequentationAnnuelle.objects.get(participant=enfants[1], quartier=None).nb_presences == 2

    # Unticking removes the row of a child who no longer came at all.
    grille(seance, enfants[:1])
    grille(autre, [])
    assert coherent() and {ligne[0] for ligne in lignes()} == {enfants[0].pk}

    # A second quartier, a session moved back into the previous school year, a new level.
    grille(autre, enfants)
    quartiers = [*action.quartiers.all(), QuartierFactory(contrat=action.porteur.contrat)]
    services.action_enregistrer(action=action, donnees={"quartiers": quartiers}, auteur=None)
    assert coherent()
    services.seance_enregistrer(action=action, seance=autre, donnees={"date": datetime.date(2025, 8, 25)})
    assert coherent()
    assert FrequentationAnnuelle.objects.filter(annee_scolaire=2024).count() == 4 * 3
    services.participant_enregistrer(participant=enfants[2], donnees={"niveau_scolaire": NiveauScolaire.SIXIEME})
    assert coherent()


def test_removing_a_quartier_or_cancelling_the_action_updates_the_summary():
    action, seance, enfants = action_avec_enfants(2)
    quartier = action.quartiers.get()
    second = QuartierFactory(contrat=action.porteur.contrat)
    services.action_enregistrer(action=action, donnees={"quartiers": [quartier, second]}, auteur=None)
    grille(seance, enfants)
    assert coherent() and len(lignes()) == 6

    services.action_enregistrer(action=action, donnees={"quartiers": [second]}, auteur=None)
    assert coherent() and len(lignes()) == 4
    services.action_enregistrer(action=action, donnees={"quartiers": []}, auteur=None)
    assert coherent() and len(lignes()) == 2

    services.action_enregistrer(action=action, donnees={"statut": StatutAction.ANNULEE}, auteur=None)
    assert coherent() and lignes() == set()
    services.action_enregistrer(action=action, donnees={"statut": StatutAction.REALISEE}, auteur=None)
    assert coherent() and len(lignes()) == 2


def test_cancelling_a_session_or_an_action_deleting_them_or_a_child_recounts():
    action, seance, enfants = action_avec_enfants(3)
    autre_action, autre_seance, autres = action_avec_enfants(1)
    grille(seance, enfants, parents=2)
    novembre = SeanceFactory(action=action, date=NOVEMBRE)
    grille(novembre, enfants[:1])
    grille(autre_seance, autres)

    # A cancelled session counts nowhere: neither its presences, nor its presences possible, nor
    # its parents; restored, it counts again.
    services.seance_annuler(seance=seance, motif="Grève")
    assert coherent() and {ligne[0] for ligne in lignes()} == {enfants[0].pk, autres[0].pk}
    assert seances_annuelles()[(action.pk, 2025)] == (0, 0, 3, 0)
    services.seance_retablir(seance=seance)
    assert coherent() and seances_annuelles()[(action.pk, 2025)] == (0, 2, 6, 0)
    services.action_annuler(action=action, motif="Subvention refusée")
    assert coherent() and {ligne[0] for ligne in lignes()} == {autres[0].pk}
    # Only what nobody attended is deleted: a session, then an action, emptied of their grids.
    for a_vider in (seance, novembre):
        grille(a_vider, [])
    services.seance_supprimer(seance=novembre)
    assert coherent() and seances_annuelles()[(action.pk, 2025)] == (0, 0, 3, 0)
    services.action_supprimer(action=action)
    assert coherent() and (action.pk, 2025) not in seances_annuelles()
    # A child deleted takes their rows and their share of the counters along.
    services.participant_supprimer(participant=autres[0])
    assert coherent() and lignes() == set() and effectifs() == {}
    assert seances_annuelles()[(autre_action.pk, 2025)] == (0, 0, 0, 0)


def test_each_session_counts_the_children_enrolled_and_consenting_by_its_date():
    action, seance, enfants = action_avec_enfants(2)
    plus_tard = SeanceFactory(action=action, date=NOVEMBRE)
    assert inscrits() == inscrits_attendus() == {seance.pk: 2, plus_tard.pk: 2} and coherent()

    # An enrolment in between counts for the later session only.
    InscriptionFactory(action=action, date_inscription=datetime.date(2025, 10, 15))
    nouveaux = [ParticipantFactory(structure=action.porteur) for _ in range(2)]
    services.participants_inscrire(
        action=action, participants=nouveaux, date_inscription=datetime.date(2025, 10, 20), auteur=None
    )
    assert inscrits() == inscrits_attendus() == {seance.pk: 2, plus_tard.pk: 5}

    # A series of new sessions and a session moved before the late enrolments.
    (nouvelle,) = services.seances_creer_en_serie(
        action=action,
        date_debut=datetime.date(2026, 1, 5),
        date_fin=datetime.date(2026, 1, 11),
        jours=[2],
        auteur=None,
    ).seances
    services.seance_enregistrer(action=action, seance=plus_tard, donnees={"date": datetime.date(2025, 10, 10)})
    assert inscrits() == inscrits_attendus() == {seance.pk: 2, plus_tard.pk: 2, nouvelle.pk: 5}
    services.inscription_supprimer(inscription=action.inscriptions.get(date_inscription=datetime.date(2025, 10, 15)))
    assert inscrits() == inscrits_attendus() and coherent()
    # The new session's grid was never saved: its four children are not counted absent.
    assert seances_annuelles()[(action.pk, 2025)] == (0, 0, 2 + 2, 1)
    # Headcounts typed in the grid, the new session's grid saved: the yearly sums follow.
    grille(seance, [], anonymes=7, parents=3)
    grille(nouvelle, [])
    assert coherent() and seances_annuelles()[(action.pk, 2025)] == (7, 3, 2 + 2 + 4, 0)

    # A child whose parents' consent comes later counts from then on, and again if it is moved.
    Participant.objects.filter(pk=nouveaux[0].pk).update(date_consentement=None)
    recompter_inscrits(actions=[action.pk])
    recalculer_seances_annuelles(actions=[action.pk])
    assert inscrits() == inscrits_attendus() and inscrits()[nouvelle.pk] == 3
    services.participant_enregistrer(participant=nouveaux[0], donnees={"date_consentement": datetime.date(2025, 12, 1)})
    assert inscrits() == inscrits_attendus() and inscrits()[nouvelle.pk] == 4 and coherent()
    services.participant_enregistrer(participant=nouveaux[0], donnees={"date_consentement": None})
    assert inscrits()[nouvelle.pk] == 3 and coherent()


@pytest.fixture
def activite():
    """Two actions of one structure, each in a quartier of its own, written through the services:
    three children enrolled in both (the third one later in the second), who came to sessions of
    two school years, headcounts and parents typed, the second child living in the second
    action's quartier; a fourth child enrolled in the second action whose parents have not
    consented; a session whose grid was never saved, and one cancelled after its grid was; the
    first session of the second action held in a school, and the cancelled one too; a third
    action nobody attended yet. The children were created long ago: they are past
    retention in 2029."""
    action, seance, enfants = action_avec_enfants(3, date_debut=datetime.date(2025, 8, 1))
    Participant.objects.update(
        date_consentement=datetime.date(2025, 1, 6), cree_le=datetime.datetime(2020, 9, 1, tzinfo=datetime.UTC)
    )
    aout = services.seance_enregistrer(action=action, donnees={"date": datetime.date(2025, 8, 20)})
    autre = ActionFactory(porteur=action.porteur, realisation=action.realisation)
    services.participants_inscrire(
        action=autre, participants=enfants[:2], date_inscription=autre.date_debut, auteur=None
    )
    (tardive,) = services.participants_inscrire(
        action=autre, participants=enfants[2:], date_inscription=datetime.date(2025, 10, 15), auteur=None
    )
    ecole = EtablissementFactory(contrat=action.porteur.contrat)
    premiere = services.seance_enregistrer(action=autre, donnees={"date": OCTOBRE, "etablissement": ecole})
    seconde = services.seance_enregistrer(action=autre, donnees={"date": NOVEMBRE})
    grille(aout, enfants[:1])
    grille(seance, enfants[:2], anonymes=3)
    grille(premiere, enfants[:2], parents=2)
    grille(seconde, enfants)
    enfants = list(Participant.objects.order_by("pk"))
    services.participant_enregistrer(participant=enfants[1], donnees={"quartier_residence": autre.quartiers.get()})
    sans_consentement = ParticipantFactory(structure=action.porteur, date_consentement=None)
    services.participants_inscrire(
        action=autre, participants=[sans_consentement], date_inscription=autre.date_debut, auteur=None
    )
    troisieme = services.seance_enregistrer(action=autre, donnees={"date": datetime.date(2025, 11, 12)})
    annulee = services.seance_enregistrer(
        action=action, donnees={"date": datetime.date(2025, 10, 15), "etablissement": ecole}
    )
    grille(annulee, enfants[:1], parents=1)
    services.seance_annuler(seance=annulee, motif="Gymnase fermé")
    vide = ActionFactory(porteur=action.porteur, realisation=action.realisation)
    services.participants_inscrire(action=vide, participants=enfants[:1], date_inscription=vide.date_debut, auteur=None)
    services.seance_enregistrer(action=vide, donnees={"date": OCTOBRE})
    return SimpleNamespace(
        action=action,
        autre=autre,
        vide=vide,
        seance=seance,
        aout=aout,
        premiere=premiere,
        seconde=seconde,
        troisieme=troisieme,
        annulee=annulee,
        ecole=ecole,
        enfants=enfants,
        sans_consentement=sans_consentement,
        tardive=tardive,
    )


def _financement(d):
    source = SourceFinancementFactory(contrat=d.action.porteur.contrat)
    donnees = {"source": source, "annee": 2025, "montant_demande": 900, "montant_accorde": 800, "montant_verse": 0}
    financement = services.financement_enregistrer(action=d.action, donnees=donnees)
    services.financement_enregistrer(action=d.action, financement=financement, donnees={"montant_verse": 400})
    services.financement_supprimer(financement=financement)


def _nouvelle_action(d):
    donnees = donnees_de(d.action, titre="Club lecture", quartiers=[QuartierFactory(contrat=d.action.porteur.contrat)])
    services.action_enregistrer(donnees=donnees, auteur=None)


def _nouvel_enfant(d):
    donnees = {
        "structure": d.action.porteur,
        "sexe": Sexe.FILLE,
        "annee_naissance": 2016,
        "niveau_scolaire": NiveauScolaire.CM1,
        "date_consentement": datetime.date(2025, 9, 1),
    }
    services.participant_enregistrer(donnees=donnees)


def _enfant(d, rang, **donnees):
    services.participant_enregistrer(participant=d.enfants[rang], donnees=donnees)


def _nouvel_inscrit(d):
    enfant = ParticipantFactory(structure=d.autre.porteur)
    services.participants_inscrire(
        action=d.autre, participants=[enfant], date_inscription=datetime.date(2025, 10, 20), auteur=None
    )


# Writes that change nothing the summaries sum: no summary is read or written.
ECRITURES_SANS_RECOMPTE = {
    "action créée": _nouvelle_action,
    "titre et description": lambda d: services.action_enregistrer(
        action=d.action, donnees=donnees_de(d.action, titre="Autre titre", description="Autre texte"), auteur=None
    ),
    "dates de l’action": lambda d: services.action_enregistrer(
        action=d.autre, donnees={"date_fin": datetime.date(2026, 7, 3)}, auteur=None
    ),
    "action archivée": lambda d: services.action_archiver(action=d.action),
    "financements": _financement,
    "lieu et notes d’une séance": lambda d: services.seance_enregistrer(
        action=d.autre, seance=d.premiere, donnees={"lieu": "Gymnase", "notes": "Sous la pluie."}
    ),
    "heure d’une séance": lambda d: services.seance_enregistrer(
        action=d.autre, seance=d.premiere, donnees={"heure_debut": datetime.time(16, 30)}
    ),
    "séance annulée déplacée": lambda d: services.seance_enregistrer(
        action=d.action, seance=d.annulee, donnees={"lieu": "Préau"}
    ),
    "enfant créé": _nouvel_enfant,
    "naissance et consentement d’un enfant": lambda d: _enfant(
        d, 0, annee_naissance=2015, date_consentement=datetime.date(2025, 1, 3)
    ),
    "grille enregistrée sans changement": lambda d: grille(d.premiere, d.enfants[:2], parents=2),
    "enfants anonymisés": lambda d: services.participants_anonymiser(aujourdhui=datetime.date(2029, 9, 15), annees=3),
}

# F: FrequentationAnnuelle, E: EffectifAnnuel, S: SeancesAnnuelles, N: Seance.nb_inscrits,
# D: SeancesDuJour and its rows per action (rewritten with S, moved alone by presences).
F, E, S, N, D = "frequentations", "effectifs", "seances annuelles", "inscrits", "seances du jour"
# Writes that change what the summaries sum, and the summaries each one touches.
ECRITURES_QUI_RECOMPTENT = {
    "quartiers de l’action": (
        lambda d: services.action_enregistrer(
            action=d.action,
            donnees=donnees_de(d.action, quartiers=[QuartierFactory(contrat=d.action.porteur.contrat)]),
            auteur=None,
        ),
        {F, E, D},
    ),
    "action annulée": (
        lambda d: services.action_enregistrer(
            action=d.autre, donnees=donnees_de(d.autre, statut=StatutAction.ANNULEE), auteur=None
        ),
        {F, E, D},
    ),
    "action annulée, avec son motif": (
        lambda d: services.action_annuler(action=d.autre, motif="Intervenant parti"),
        {F, E, D},
    ),
    "action supprimée (personne n’y est venu)": (lambda d: services.action_supprimer(action=d.vide), {S, D}),
    "séance créée": (
        lambda d: services.seance_enregistrer(action=d.autre, donnees={"date": datetime.date(2025, 10, 8)}),
        {S, N, D},
    ),
    "séance déplacée après une inscription": (
        lambda d: services.seance_enregistrer(
            action=d.autre, seance=d.premiere, donnees={"date": datetime.date(2025, 10, 22)}
        ),
        # Its children's first presence moves with it.
        {S, N, F, D},
    ),
    "séance déplacée à l’année d’avant": (
        lambda d: services.seance_enregistrer(
            action=d.action, seance=d.seance, donnees={"date": datetime.date(2025, 8, 27)}
        ),
        {F, E, S, N, D},
    ),
    "effectifs d’une séance": (
        lambda d: services.seance_enregistrer(
            action=d.autre, seance=d.premiere, donnees={"enfants_anonymes": 9, "parents_presents": 4}
        ),
        {S, D},
    ),
    "séance annulée": (lambda d: services.seance_annuler(seance=d.seconde, motif="Grève"), {F, E, S, D}),
    "séance tenue dans une école": (
        lambda d: services.seance_enregistrer(action=d.autre, seance=d.seconde, donnees={"etablissement": d.ecole}),
        {S, D},
    ),
    "séance qui n’est plus tenue dans une école": (
        lambda d: services.seance_enregistrer(
            action=d.autre, seance=d.premiere, donnees={"etablissement": None, "lieu": "Gymnase"}
        ),
        {S, D},
    ),
    "séance annulée sans grille": (lambda d: services.seance_annuler(seance=d.troisieme, motif="Grève"), {S, D}),
    "séance rétablie": (lambda d: services.seance_retablir(seance=d.annulee), {F, E, S, D}),
    "séance supprimée (personne n’y est venu)": (lambda d: services.seance_supprimer(seance=d.troisieme), {S, D}),
    "séance jamais saisie déplacée avant une inscription": (
        lambda d: services.seance_enregistrer(
            action=d.autre, seance=d.troisieme, donnees={"date": datetime.date(2025, 10, 8)}
        ),
        {S, N, D},
    ),
    "série de séances": (
        lambda d: services.seances_creer_en_serie(
            action=d.autre,
            date_debut=datetime.date(2025, 10, 6),
            date_fin=datetime.date(2025, 10, 26),
            jours=[0],
            auteur=None,
        ),
        {S, N, D},
    ),
    "sexe d’un enfant": (
        lambda d: _enfant(d, 0, sexe=Sexe.GARCON if d.enfants[0].sexe == Sexe.FILLE else Sexe.FILLE),
        {F, E},
    ),
    "résidence d’un enfant": (lambda d: _enfant(d, 1, quartier_residence=None), {F, E}),
    "structure d’un enfant, dans un autre contrat": (lambda d: _enfant(d, 2, structure=StructureFactory()), {F, E}),
    "enfant supprimé": (lambda d: services.participant_supprimer(participant=d.enfants[2]), {F, E, S, N, D}),
    "enfant inscrit": (_nouvel_inscrit, {S, N, D}),
    "inscription supprimée": (lambda d: services.inscription_supprimer(inscription=d.tardive), {S, N, D}),
    "grille : un enfant coché": (lambda d: grille(d.seance, d.enfants, anonymes=3), {F, E, D}),
    "grille : un enfant décoché": (lambda d: grille(d.seconde, d.enfants[:2]), {F, E, D}),
    "grille : effectifs": (lambda d: grille(d.premiere, d.enfants[:2], anonymes=5, parents=1), {S, D}),
    "grille enregistrée pour la première fois, sans présent": (lambda d: grille(d.troisieme, []), {S, D}),
    "grille enregistrée pour la première fois": (lambda d: grille(d.troisieme, d.enfants[:1]), {F, E, S, D}),
    "consentement recueilli": (
        lambda d: services.participant_enregistrer(
            participant=d.sans_consentement, donnees={"date_consentement": OCTOBRE}
        ),
        {S, N, D},
    ),
    "consentement plus tardif, avant la première présence": (
        lambda d: _enfant(d, 2, date_consentement=datetime.date(2025, 10, 20)),
        {S, N, D},
    ),
    "quartier supprimé dans l’administration": (lambda d: d.action.quartiers.get().delete(), {F, E, D}),
}


@pytest.mark.parametrize("ecriture", ECRITURES_SANS_RECOMPTE.values(), ids=ECRITURES_SANS_RECOMPTE.keys())
def test_a_write_that_changes_nothing_summed_touches_no_summary(activite, ecriture):
    avant = resumes()
    with CaptureQueriesContext(connection) as requetes:
        ecriture(activite)
    assert recomptes(requetes) == set()
    assert resumes() == avant and coherent() and egal_au_recomptage()


@pytest.mark.parametrize(
    ("ecriture", "touches"), ECRITURES_QUI_RECOMPTENT.values(), ids=ECRITURES_QUI_RECOMPTENT.keys()
)
def test_a_write_that_changes_what_is_summed_updates_those_summaries_exactly(activite, ecriture, touches):
    avant = resumes()
    with CaptureQueriesContext(connection) as requetes:
        ecriture(activite)
    assert recomptes(requetes) == touches
    assert resumes() != avant
    assert coherent() and egal_au_recomptage()


# Writes refused: a ValidationError, and every summary as it was.
ECRITURES_REFUSEES = {
    "séance fréquentée supprimée": lambda d: services.seance_supprimer(seance=d.seconde),
    "action fréquentée supprimée": lambda d: services.action_supprimer(action=d.autre),
    "séance saisie déplacée avant l’inscription d’un présent": lambda d: services.seance_enregistrer(
        action=d.autre, seance=d.seconde, donnees={"date": datetime.date(2025, 10, 8)}
    ),
    "dates de l’action sans ses séances": lambda d: services.action_enregistrer(
        action=d.autre, donnees={"date_fin": datetime.date(2025, 10, 31)}, auteur=None
    ),
    "deuxième séance le même jour": lambda d: services.seance_enregistrer(action=d.autre, donnees={"date": OCTOBRE}),
    "consentement après une présence": lambda d: _enfant(d, 0, date_consentement=None),
    "grille d’une séance annulée": lambda d: grille(d.annulee, d.enfants[:2]),
    "annulation sans motif": lambda d: services.seance_annuler(seance=d.seconde, motif=""),
}


@pytest.mark.parametrize("ecriture", ECRITURES_REFUSEES.values(), ids=ECRITURES_REFUSEES.keys())
def test_a_refused_write_leaves_every_summary_as_it_was(activite, ecriture):
    avant = resumes()
    with pytest.raises(ValidationError):
        ecriture(activite)
    assert resumes() == avant and coherent()


def test_a_title_or_an_archiving_costs_the_same_few_queries_for_one_child_or_thirty(django_assert_num_queries):
    for nombre in (1, 30):
        action, seance, enfants = action_avec_enfants(nombre)
        grille(seance, enfants)
        donnees = donnees_de(action, titre="Nouveau titre", description="Une autre description.")
        with django_assert_num_queries(REQUETES_TITRE) as requetes:
            services.action_enregistrer(action=action, donnees=donnees, auteur=None)
        assert recomptes(requetes) == set()
        with django_assert_num_queries(REQUETES_ARCHIVAGE) as requetes:
            services.action_archiver(action=action)
        assert recomptes(requetes) == set()
    assert coherent()


# Savepoint, lock the action and read its statut, its quartiers as committed, the réalisation
# and porteur exist, the dates' check (in a savepoint of its own), update, history row, the
# history of the four many-to-many relations (four reads, one insert for the quartier), the four
# relations set (four reads, nothing changed), release. It was 26 while a receiver of the
# action's save recounted every child who came to it (8 queries). Then the closures of the years it
# runs over: the contract's shared lock and its closed years (fiches.clotures), 2 more.
REQUETES_TITRE = 22
# Savepoint, lock and read the action as committed, update, history row and its many-to-many
# history (four reads, one insert), release. It was 17 with the recount of every child who came.
REQUETES_ARCHIVAGE = 10


def test_changing_what_is_summed_recounts_and_changing_it_back_restores_the_summaries(activite):
    d = activite
    depart = resumes()
    services.action_enregistrer(action=d.autre, donnees={"statut": StatutAction.ANNULEE}, auteur=None)
    assert coherent() and {ligne[0] for ligne in lignes() if ligne[1] == 2025} == {d.enfants[0].pk, d.enfants[1].pk}
    services.action_enregistrer(action=d.autre, donnees={"statut": StatutAction.EN_COURS}, auteur=None)
    assert resumes() == depart
    # A new level is the level of this school year: the child's past years keep theirs.
    niveau = d.enfants[1].niveau_scolaire
    _enfant(d, 1, niveau_scolaire=NiveauScolaire.SIXIEME)
    assert coherent() and {ligne[5] for ligne in lignes() if ligne[0] == d.enfants[1].pk} == {niveau}
    _enfant(d, 1, niveau_scolaire=niveau)
    assert resumes() == depart
    # A cancelled action counts nowhere: its quartiers may change without a recount.
    services.action_enregistrer(action=d.autre, donnees={"statut": StatutAction.ANNULEE}, auteur=None)
    annulee = resumes()
    with CaptureQueriesContext(connection) as requetes:
        services.action_enregistrer(
            action=d.autre, donnees={"quartiers": [QuartierFactory(contrat=d.autre.porteur.contrat)]}, auteur=None
        )
    assert recomptes(requetes) == set() and resumes() == annulee and coherent()


def test_the_full_recount_rebuilds_the_same_rows_for_every_contract():
    """What the rebuild command and the demo generators run: everything from the presences."""
    for _ in range(2):
        action, seance, enfants = action_avec_enfants(3)
        for enfant in enfants[:2]:
            PresenceFactory(seance=seance, participant=enfant)
    ActionFactory(annulee=True)
    avant = lignes(), effectifs(), arrivees()
    FrequentationAnnuelle.objects.all().delete()
    EffectifAnnuel.objects.all().delete()
    ArriveesDuJour.objects.all().delete()
    ArriveesDuJourDuPerimetre.objects.all().delete()

    recalculer_frequentations()

    assert (lignes(), effectifs(), arrivees()) == avant and coherent()
    assert len(set(FrequentationAnnuelle.objects.values_list("contrat", flat=True))) == 2


def test_a_grid_save_costs_the_same_summary_queries_for_one_child_or_thirty(django_assert_num_queries):
    for nombre in (1, 30):
        action, seance, enfants = action_avec_enfants(nombre)
        # Each child already came to other actions: the recount reads all their year's presences.
        for enfant in enfants:
            ailleurs = ActionFactory(porteur=action.porteur, realisation=action.realisation)
            PresenceFactory(seance=SeanceFactory(action=ailleurs, date=NOVEMBRE), participant=enfant)
        # Lock, éducation prioritaire of past years, previous rows by counter, delete, profiles,
        # levels of each year, two groupings, insert; the counters are already right (the
        # factories recounted), so nothing is added to them.
        with django_assert_num_queries(9):
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
            grille(seance_, enfants)
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
    # Fixes made directly in the database, behind the services.
    EffectifAnnuel.objects.update(nb_enfants=99)
    FrequentationAnnuelle.objects.filter(participant=enfants[0]).delete()
    Seance.objects.update(nb_inscrits=0, nb_presents=0)
    SeancesAnnuelles.objects.all().delete()
    ArriveesDuJour.objects.update(nb_enfants=7)
    assert not coherent()

    call_command("recalculer_resumes")

    assert coherent() and inscrits() == inscrits_attendus()
    assert "Résumés recalculés" in capsys.readouterr().out


def test_deleting_a_quartier_takes_its_counters_and_leaves_the_contract_s():
    """The one write no service makes (the admin's), and the one receiver (actions.signals)."""
    action, seance, enfants = action_avec_enfants(2)
    quartier = action.quartiers.get()
    for enfant in enfants:
        PresenceFactory(seance=seance, participant=enfant)
    contrat = action.porteur.contrat

    quartier.delete()

    assert coherent() and {cle[1] for cle in effectifs()} == {0}
    figures = calculer(
        contrat=contrat,
        annee=AnneeScolaire(2025),
        fiche=action.realisation.fiche,
        aujourdhui=datetime.date(2026, 9, 15),
    )
    assert figures.totaux["nb_enfants_beneficiaires"]["actuelle"] == 2


def test_the_migrations_that_filled_the_summaries_rebuild_what_the_services_keep(activite):
    """actions/0003, 0004 and 0012 carry their own copies of the recount, as they were. Run in
    turn on records a database could hold before 0004 (no session cancelled yet, no date of saved
    grid, the history of each grid saved), they rebuild what the services kept, and tell the
    sessions entered from the others. The rows per child that 0003 and 0009 wrote, without a
    fiche or a first presence, cannot be written in today's table: 0012 rewrites them per fiche,
    with their first presence (test_migrations runs them all at their own schema)."""
    services.seance_retablir(seance=activite.annulee)
    saisies = set(Seance.objects.filter(saisie_le__isnull=False).values_list("pk", flat=True))
    assert activite.troisieme.pk not in saisies and activite.annulee.pk in saisies
    avant = resumes()
    FrequentationAnnuelle.objects.all().delete()
    EffectifAnnuel.objects.all().delete()
    ArriveesDuJour.objects.all().delete()
    SeancesAnnuelles.objects.all().delete()
    Seance.objects.update(nb_inscrits=0, nb_presents=0, saisie_le=None)

    importlib.import_module("actions.migrations.0003_resumes_des_presences").compter_les_inscrits(apps)
    for migration in ("0004_seance_cycle_de_vie", "0012_remplir_periodes_comparables", "0020_remplir_seances_tenues"):
        importlib.import_module(f"actions.migrations.{migration}").remplir(apps, None)

    assert resumes() == avant and coherent()
    assert set(Seance.objects.filter(saisie_le__isnull=False).values_list("pk", flat=True)) == saisies


def test_the_migration_that_dated_the_arrivals_rebuilds_what_the_services_keep(activite):
    """actions/0012 carries its own copy of the recount, as it was. Run on records whose
    presences per session, first presences, arrivals and levels per year are blank or wrong, it
    rebuilds what the services kept, per fiche."""
    avant = resumes()
    niveaux = set(NiveauAnnuel.objects.values_list("participant", "annee_scolaire", "niveau_scolaire"))
    assert niveaux
    Seance.objects.update(nb_presents=0)
    FrequentationAnnuelle.objects.update(premiere_presence=datetime.date(2000, 1, 1))
    ArriveesDuJour.objects.all().delete()
    NiveauAnnuel.objects.all().delete()

    importlib.import_module("actions.migrations.0012_remplir_periodes_comparables").remplir(apps, None)

    assert resumes() == avant and coherent()
    assert set(NiveauAnnuel.objects.values_list("participant", "annee_scolaire", "niveau_scolaire")) == niveaux


def test_the_migration_that_summed_the_sessions_per_day_rebuilds_what_the_services_keep(activite):
    """actions/0015 carries its own copy of the sums per day, as they were. Run on blank or
    wrong sums per day, it rebuilds what the services kept."""
    avant = resumes()
    assert avant[-1][0] and avant[-1][1]
    SeancesDuJour.objects.update(nb_presents=99)
    SeancesDuJourParAction.objects.filter(perimetre=0).delete()

    for migration in ("0015_remplir_seances_du_jour", "0020_remplir_seances_tenues"):
        importlib.import_module(f"actions.migrations.{migration}").remplir(apps, None)

    assert resumes() == avant and coherent()


def test_the_migration_that_counted_the_sessions_held_fills_what_the_services_keep(activite):
    """actions/0020 carries its own copy of the counts of sessions held, and held in a school.
    Run on the sums the services kept, those counts blank or wrong, it fills them, and touches
    nothing else: a session moved to a school, a cancelled one in a school, a session of the
    year before."""
    services.seance_enregistrer(
        action=activite.autre, seance=activite.seconde, donnees={"etablissement": activite.ecole}
    )
    avant = resumes()
    # The second action: three sessions, two in the school now. The first: one in August 2025
    # (the year before), one in October; the one cancelled in the school counts nowhere.
    tenues = seances_tenues()
    assert tenues[(activite.autre.pk, 2025)] == (3, 2)
    assert (tenues[(activite.action.pk, 2024)], tenues[(activite.action.pk, 2025)]) == ((1, 0), (1, 0))
    SeancesAnnuelles.objects.update(nb_seances=0, seances_en_ecole=0)
    SeancesDuJourParAction.objects.update(nb_seances=7, seances_en_ecole=7)
    SeancesDuJour.objects.update(nb_seances=0, seances_en_ecole=9)

    importlib.import_module("actions.migrations.0020_remplir_seances_tenues").remplir(apps, None)

    assert resumes() == avant and coherent()


def test_the_migration_that_summed_the_arrivals_per_perimeter_rebuilds_what_the_services_keep(activite):
    """actions/0016 sums ArriveesDuJour over the profiles, as the services then keep them."""
    avant = resumes()
    assert avant[3]
    ArriveesDuJourDuPerimetre.objects.all().delete()

    importlib.import_module("actions.migrations.0016_arrivees_du_jour_du_perimetre").remplir(apps, None)

    assert resumes() == avant and coherent()


def test_a_child_at_two_fiches_actions_has_a_first_presence_in_each(activite):
    """Each fiche's dashboard counts the children of its own actions from the day they first
    came to them: a child who came to another fiche's atelier has rows, and arrivals, of that
    fiche, dated by that atelier alone; moving its session within the year moves them only."""
    fiche = activite.action.realisation.fiche
    autre = RealisationAttendueFactory(fiche=FicheFactory(enjeu=fiche.enjeu))
    ailleurs = ActionFactory(porteur=activite.action.porteur, realisation=autre)
    enfant = activite.enfants[0]
    services.participants_inscrire(
        action=ailleurs, participants=[enfant], date_inscription=ailleurs.date_debut, auteur=None
    )
    atelier = services.seance_enregistrer(action=ailleurs, donnees={"date": datetime.date(2025, 12, 3)})
    grille(atelier, [enfant])

    def premieres():
        return dict(
            FrequentationAnnuelle.objects.filter(participant=enfant, annee_scolaire=2025, quartier=None).values_list(
                "fiche", "premiere_presence"
            )
        )

    assert premieres() == {fiche.pk: OCTOBRE, autre.fiche_id: datetime.date(2025, 12, 3)}
    assert coherent() and egal_au_recomptage()

    services.seance_enregistrer(action=ailleurs, seance=atelier, donnees={"date": datetime.date(2025, 9, 20)})

    assert premieres() == {fiche.pk: OCTOBRE, autre.fiche_id: datetime.date(2025, 9, 20)}
    assert coherent() and egal_au_recomptage()
    avant = resumes()
    FrequentationAnnuelle.objects.update(premiere_presence=datetime.date(2000, 1, 1))
    ArriveesDuJour.objects.all().delete()
    importlib.import_module("actions.migrations.0012_remplir_periodes_comparables").remplir(apps, None)
    assert resumes() == avant
