"""The activity of a large city's contract over six school years, to measure the application at
the volumes it must hold (see docs/performance.md). Built with bulk inserts, seeded, and shaped
like real records: weekly groups that follow the school calendar, some twice a week, short
cycles and one-off events counted by headcount only, small groups and whole classes, enrolments
that trickle in after the start, attendance that varies by child and wanes towards June."""

import random
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from itertools import batched

from django.db import transaction
from django.utils import timezone
from simple_history.utils import bulk_create_with_history

from actions.enums import StatutAction
from actions.models import Action, Financement, Inscription, Participant, Presence, QuestionnaireRempli, Seance
from actions.resumes import resumer_le_contrat
from actions.selectors import nouveaux_codes
from fiches.annees import AnneeScolaire
from fiches.models import RealisationAttendue, Thematique
from partenaires.models import Dispositif, Etablissement, Partenaire, SourceFinancement, Structure

from .activite import (
    AGE_A_LA_RENTREE,
    COLLEGE,
    MODELES_D_ACTION,
    coimplication_fictive,
    consentements_au_questionnaire,
    creer_actions_en_lot,
    financement_fictif,
    grille_enregistree_le,
    propose_le_questionnaire,
    questionnaires_fictifs,
)
from .dossiers_a_l_echelle import generer_dossiers_a_l_echelle

LOT = 5000


@dataclass(frozen=True)
class Echelle:
    """Volumes of a generated contract. Sessions and presences follow from the distributions
    below: about 25 sessions per action and 20 presences per session."""

    quartiers: int
    actions: int
    enfants: int
    annees: int = 6
    # The volumes are spread evenly over this many contracts, each generated as a city of its own.
    contrats: int = 1

    def par_contrat(self):
        return Echelle(
            quartiers=self.quartiers // self.contrats,
            actions=self.actions // self.contrats,
            enfants=self.enfants // self.contrats,
            annees=self.annees,
        )


ECHELLES = {
    "grande": Echelle(quartiers=40, actions=6000, enfants=60000),
    "dixieme": Echelle(quartiers=5, actions=600, enfants=6000),
    # A region: ten large cities, each its own contract (PostgreSQL only, loaded by COPY).
    "region": Echelle(quartiers=400, actions=60000, enfants=600000, contrats=10),
}

# School holidays, as (month, day) ranges: no session then.
VACANCES = [
    ((10, 18), (11, 3)),
    ((12, 20), (1, 4)),
    ((2, 14), (3, 2)),
    ((4, 11), (4, 27)),
    ((7, 5), (8, 31)),
]
# Attendance falls as the year goes on (month -> factor).
SAISON = {9: 1.0, 10: 1.0, 11: 0.96, 12: 0.9, 1: 0.93, 2: 0.92, 3: 0.9, 4: 0.88, 5: 0.84, 6: 0.74, 7: 0.6, 8: 0.6}
# Kinds of action: (share, sessions pattern). Weekly over the year, over one term, or an event.
RYTHMES = [(0.6, "annee"), (0.3, "cycle"), (0.1, "evenement")]
# Group sizes: small groups, usual groups, whole classes (one or two).
EFFECTIFS = [(0.3, (12, 22)), (0.35, (22, 34)), (0.35, (50, 66))]


def en_vacances(jour):
    cle = (jour.month, jour.day)
    return any(debut <= cle <= fin if debut <= fin else cle >= debut or cle <= fin for debut, fin in VACANCES)


def _tirage(alea, repartition):
    return alea.choices([valeur for _, valeur in repartition], weights=[part for part, _ in repartition])[0]


def _calendrier(alea, annee, rythme):
    """Start, end and session dates of an action of the school year."""
    rentree = annee.annee_de_rentree
    if rythme == "evenement":
        debut = annee.debut + timedelta(days=alea.randint(25, 285))
        while en_vacances(debut) or debut.weekday() == 6:
            debut += timedelta(days=1)
        nombre = alea.choice([1, 1, 1, 2, 3])
        return debut, debut + timedelta(days=nombre - 1), [debut + timedelta(days=i) for i in range(nombre)]
    if rythme == "annee":
        debut = date(rentree, 9, alea.randint(15, 30)) + timedelta(days=alea.randint(0, 14))
        fin = date(rentree + 1, 6, alea.randint(5, 27))
    elif alea.random() < 0.5:
        debut, fin = date(rentree, 11, alea.randint(4, 20)), date(rentree + 1, 2, alea.randint(1, 12))
    else:
        debut, fin = date(rentree + 1, 3, alea.randint(3, 20)), date(rentree + 1, 6, alea.randint(10, 27))
    # One weekday, Wednesday most often; nearly half of year-long groups (CLAS) meet twice a week.
    jours = {alea.choice([0, 1, 2, 2, 2, 3, 4, 5])}
    if rythme == "annee" and alea.random() < 0.45:
        jours.add((min(jours) + 2) % 5)
    dates = [
        debut + timedelta(days=i)
        for i in range((fin - debut).days + 1)
        if (debut + timedelta(days=i)).weekday() in jours
        and not en_vacances(debut + timedelta(days=i))
        and alea.random() > 0.05
    ]
    return debut, fin, dates


class EcritureOrm:
    """The writes of the generator through the ORM, on any database: the rows with a creation
    entry in their history, the presences without (they have none)."""

    def creer(self, modele, objets):
        return bulk_create_with_history(objets, modele, batch_size=LOT)

    def presences(self, couples):
        total = 0
        for lot in batched(couples, LOT, strict=False):
            Presence.objects.bulk_create([Presence(seance_id=seance, participant_id=enfant) for seance, enfant in lot])
            total += len(lot)
        return total


def _territoire(contrat):
    structures = list(
        Structure.objects.filter(contrat=contrat, active=True, quartiers__isnull=False)
        .distinct()
        .select_related("type")
        .prefetch_related("quartiers")
    )
    etablissements = list(Etablissement.objects.filter(contrat=contrat))
    return {
        "structures": structures,
        "ecoles": [e for e in etablissements if e.type != "college"],
        "colleges": [e for e in etablissements if e.type == "college"],
        "realisations": {
            r.code: r
            for r in RealisationAttendue.objects.filter(fiche__code="1.2.3", fiche__enjeu__axe__pilier__contrat=contrat)
        },
        "thematiques": {t.code: t for t in Thematique.objects.all()},
        "dispositifs": {d.code: d for d in Dispositif.objects.all()},
        "partenaires": list(Partenaire.objects.filter(contrat=contrat)),
        "sources": list(SourceFinancement.objects.filter(contrat=contrat).select_related("financeur")),
    }


def _poids(structure):
    """Actions run by a structure grow with the quartiers it covers."""
    return 1 + len(structure.quartiers.all())


def _enfants(alea, echelle, territoire, annees, ecriture):
    """Children spread over the structures by weight; each is followed for one to four school
    years from a year of arrival, and is a year older in each."""
    structures = territoire["structures"]
    poids = [_poids(s) for s in structures]
    enfants, periodes = [], []
    for structure in alea.choices(structures, weights=poids, k=echelle.enfants):
        arrivee = alea.randrange(len(annees))
        duree = min(alea.choice([1, 1, 2, 2, 3, 4]), len(annees) - arrivee)
        derniere = annees[arrivee + duree - 1]
        niveau = alea.choice(list(AGE_A_LA_RENTREE)[duree - 1 :])
        quartiers = list(structure.quartiers.all())
        quartier = alea.choice(quartiers) if quartiers and alea.random() < 0.82 else None
        etablissements = territoire["colleges"] if niveau in COLLEGE else territoire["ecoles"]
        proches = [e for e in etablissements if quartier and e.quartier_id == quartier.pk]
        debut = annees[arrivee].debut + timedelta(days=alea.randint(2, 20))
        enfants.append(
            Participant(
                structure=structure,
                sexe=alea.choice("FM"),
                annee_naissance=derniere.annee_de_rentree - AGE_A_LA_RENTREE[niveau] - alea.choice([0, 0, 0, 1]),
                niveau_scolaire=niveau,
                etablissement=alea.choice(proches or etablissements),
                quartier_residence=quartier,
                # A few families never return the consent form: enrolled, never ticked present.
                date_consentement=debut if alea.random() < 0.97 else None,
                cree_le=timezone.make_aware(datetime.combine(debut, time(9))),
            )
        )
        periodes.append(range(arrivee, arrivee + duree))
    for enfant, code in zip(enfants, nouveaux_codes(len(enfants)), strict=True):
        enfant.code = code
    enfants = ecriture.creer(Participant, enfants)
    # Who each structure can enrol, per school year.
    disponibles = {}
    for enfant, periode in zip(enfants, periodes, strict=True):
        for rang in periode:
            disponibles.setdefault((enfant.structure_id, rang), []).append(enfant)
    return disponibles


def _statut(debut, fin, aujourdhui, alea):
    if alea.random() < 0.03:
        return StatutAction.ANNULEE
    if fin < aujourdhui:
        return StatutAction.REALISEE
    return StatutAction.EN_COURS if debut <= aujourdhui else StatutAction.PREVUE


def _actions(alea, echelle, territoire, annees, aujourdhui, graine):
    # Drawn apart, so that the rest of the generated data stays as it was.
    alea_coimplication = random.Random(graine + 1)
    alea_questionnaire = random.Random(graine + 2)
    structures = territoire["structures"]
    poids = [_poids(s) for s in structures]
    par_annee = echelle.actions // len(annees)
    actions, details = [], []
    for rang, annee in enumerate(annees):
        for structure in alea.choices(structures, weights=poids, k=par_annee):
            titre, code_realisation, codes_thematiques, code_dispositif, _ = alea.choice(MODELES_D_ACTION)
            rythme = _tirage(alea, RYTHMES)
            debut, fin, dates = _calendrier(alea, annee, rythme)
            quartiers_possibles = list(structure.quartiers.all())
            quartiers = alea.sample(quartiers_possibles, min(alea.choice([1, 1, 1, 2, 3]), len(quartiers_possibles)))
            ecoles = [e for e in territoire["ecoles"] + territoire["colleges"] if e.quartier_id == quartiers[0].pk]
            en_classe = code_realisation == "R2" and ecoles
            action = Action(
                realisation=territoire["realisations"][code_realisation],
                titre=f"{titre} – {quartiers[0].nom}",
                description="Action générée pour mesurer l’application à l’échelle d’une grande ville.",
                porteur=structure,
                dispositif=territoire["dispositifs"].get(code_dispositif),
                autres_lieux="" if en_classe else f"Maison de quartier {quartiers[0].nom}",
                public_parents=code_realisation == "R3",
                **coimplication_fictive(alea_coimplication, code_realisation),
                questionnaire_envie_ecole=propose_le_questionnaire(alea_questionnaire, rythme != "evenement"),
                date_debut=debut,
                date_fin=fin,
                statut=_statut(debut, fin, aujourdhui, alea),
            )
            actions.append(action)
            details.append(
                {
                    "rang": rang,
                    "rythme": rythme,
                    "dates": dates,
                    "quartiers": quartiers,
                    "thematiques": [territoire["thematiques"][c] for c in codes_thematiques],
                    "etablissements": ecoles[:1] if en_classe else [],
                    "partenaires": alea.sample(territoire["partenaires"], alea.randint(1, 2)) if en_classe else [],
                }
            )
    return creer_actions_en_lot(actions, details, lot=LOT), details


def _seances(alea, actions, details, aujourdhui, ecriture):
    seances = []
    for action, detail in zip(actions, details, strict=True):
        if action.statut == StatutAction.ANNULEE:
            continue
        evenement = detail["rythme"] == "evenement"
        for jour in detail["dates"]:
            # Past sessions have their grid saved, but for a few not entered yet; headcounts are
            # typed in the grid.
            saisie_le = grille_enregistree_le(alea, jour, aujourdhui)
            seances.append(
                Seance(
                    action=action,
                    date=jour,
                    duree_minutes=alea.choice([60, 90, 90, 120]) if not evenement else alea.choice([120, 180, 240]),
                    etablissement=detail["etablissements"][0] if detail["etablissements"] else None,
                    lieu=action.autres_lieux,
                    adultes_presents=alea.randint(1, 3) if not evenement else alea.randint(4, 12),
                    # Events are open: nobody enrols, children are counted at the door.
                    enfants_anonymes=alea.randint(20, 150) if evenement and saisie_le else 0,
                    parents_presents=(alea.randint(3, 15) if action.public_parents else int(alea.random() < 0.03))
                    if saisie_le
                    else 0,
                    saisie_le=saisie_le,
                )
            )
    return ecriture.creer(Seance, seances)


def _inscriptions(alea, actions, details, disponibles, ecriture):
    inscriptions, assiduite = [], {}
    for action, detail in zip(actions, details, strict=True):
        if action.statut == StatutAction.ANNULEE or detail["rythme"] == "evenement":
            continue
        candidats = disponibles.get((action.porteur_id, detail["rang"]), [])
        taille = min(alea.randint(*_tirage(alea, EFFECTIFS)), len(candidats))
        derniere_inscription = max(action.date_debut, action.date_fin - timedelta(days=30))
        for enfant in alea.sample(candidats, taille):
            # Most enrol at the start; one in eight joins later in the year.
            jour = action.date_debut
            if alea.random() < 0.12:
                jour += timedelta(days=alea.randint(0, (derniere_inscription - action.date_debut).days))
            inscriptions.append(Inscription(action=action, participant=enfant, date_inscription=jour))
            assiduite[(action.pk, enfant.pk)] = (alea.betavariate(6, 1.5), enfant.date_consentement)
    return ecriture.creer(Inscription, inscriptions), assiduite


def _presences(alea, seances, inscriptions, assiduite):
    """Ticks for the sessions whose grid was saved, as (session, child) pairs drawn as they are
    written, so that memory stays flat."""
    inscrits = {}
    for inscription in inscriptions:
        inscrits.setdefault(inscription.action_id, []).append(
            (inscription.participant_id, inscription.date_inscription)
        )
    for seance in seances:
        if not seance.saisie_le:
            continue
        saison = SAISON[seance.date.month]
        for participant_id, inscrit_le in inscrits.get(seance.action_id, []):
            propension, consentement = assiduite[(seance.action_id, participant_id)]
            if (
                inscrit_le <= seance.date
                and consentement
                and consentement <= seance.date
                and alea.random() < propension * saison
            ):
                yield seance.pk, participant_id


def _financements(alea, actions, sources, aujourdhui, ecriture):
    financements = [
        financement_fictif(alea, action=action, sources=sources, aujourdhui=aujourdhui, demande_max=15000)
        for action in actions
        if sources and action.statut != StatutAction.ANNULEE and alea.random() <= 0.7
    ]
    return ecriture.creer(Financement, financements)


def _questionnaires(disponibles, inscriptions, aujourdhui, graine, ecriture):
    """The consents that cover the questionnaire and the answers of the actions that propose it,
    drawn apart as in the demo, so that the rest of the generated data stays as it was."""
    alea = random.Random(graine + 2)
    enfants = {enfant.pk: enfant for groupe in disponibles.values() for enfant in groupe}
    couverts = consentements_au_questionnaire(alea, sorted(enfants.values(), key=lambda enfant: enfant.pk))
    for debut in range(0, len(couverts), LOT):
        Participant.objects.filter(pk__in=couverts[debut : debut + LOT]).update(consentement_questionnaire=True)
    remplis = questionnaires_fictifs(
        alea, inscriptions=inscriptions, enfants=enfants, couverts=set(couverts), aujourdhui=aujourdhui
    )
    return len(ecriture.creer(QuestionnaireRempli, remplis))


@transaction.atomic
def generer_activite_a_l_echelle(*, contrat, echelle, aujourdhui=None, rang=0, ecriture=None, resumer=True):
    """Fill the contract's territory (already grown to `echelle.quartiers`) with the volumes of
    the scale. Does nothing when the contract already has actions. `rang`, a contract's rank in
    a region, seeds its draws apart from the others'; `ecriture` writes the rows (through the
    ORM unless given, demo.copie.EcritureParCopie); without `resumer`, the summaries are left
    to the caller (resumer_le_contrat), to be written once the rows are indexed."""
    if Action.objects.filter(porteur__contrat=contrat).exists():
        return None
    ecriture = ecriture or EcritureOrm()
    graine = 2026 + 10 * rang
    alea = random.Random(graine)
    aujourdhui = aujourdhui or timezone.localdate()
    courante = AnneeScolaire.de_la_date(aujourdhui)
    annees = [AnneeScolaire(courante.annee_de_rentree - decalage) for decalage in reversed(range(echelle.annees))]
    territoire = _territoire(contrat)
    if not territoire["structures"]:
        raise ValueError("Aucune structure active du contrat n’intervient dans un quartier : rien à générer.")
    disponibles = _enfants(alea, echelle, territoire, annees, ecriture)
    actions, details = _actions(alea, echelle, territoire, annees, aujourdhui, graine)
    seances = _seances(alea, actions, details, aujourdhui, ecriture)
    inscriptions, assiduite = _inscriptions(alea, actions, details, disponibles, ecriture)
    presences = ecriture.presences(_presences(alea, seances, inscriptions, assiduite))
    financements = _financements(alea, actions, territoire["sources"], aujourdhui, ecriture)
    questionnaires = _questionnaires(disponibles, inscriptions, aujourdhui, graine, ecriture)
    dossiers = generer_dossiers_a_l_echelle(
        alea=alea,
        contrat=contrat,
        annees=annees,
        actions=actions,
        details=details,
        financements=financements,
        aujourdhui=aujourdhui,
    )
    if resumer:
        resumer_le_contrat(contrat=contrat)
    return {
        "actions": len(actions),
        "seances": len(seances),
        "enfants": echelle.enfants,
        "inscriptions": len(inscriptions),
        "presences": presences,
        "financements": len(financements),
        "questionnaires": questionnaires,
        "dossiers": dossiers["dossiers"],
    }
