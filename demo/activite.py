"""Fictional activity over three school years, so that lists, action pages and dashboards show
something realistic from the first `make run`. Seeded: the same data on every machine."""

import random
from datetime import date, datetime, time, timedelta
from decimal import Decimal

from django.db import transaction
from django.utils import timezone
from simple_history.utils import bulk_create_with_history

from actions import questionnaires
from actions.enums import Acteur, ModeDeReponse, MomentQuestionnaire, NiveauScolaire, Sexe, StatutAction
from actions.models import Action, Financement, Inscription, Participant, Presence, QuestionnaireRempli, Seance
from actions.niveaux import AGE_A_LA_RENTREE as AGES_DES_NIVEAUX
from actions.resumes import resumer_le_contrat
from actions.selectors import nouveaux_codes
from fiches.annees import AnneeScolaire
from fiches.calendrier import jours_non_ouvres
from fiches.models import RealisationAttendue, Thematique
from partenaires.models import Dispositif, Etablissement, Partenaire, SourceFinancement, Structure

ENFANTS_PAR_STRUCTURE = 50
# The levels the demo's children are at: école élémentaire and collège.
AGE_A_LA_RENTREE = {
    niveau: age
    for niveau, age in AGES_DES_NIVEAUX.items()
    if AGES_DES_NIVEAUX[NiveauScolaire.CP] <= age <= AGES_DES_NIVEAUX[NiveauScolaire.TROISIEME]
}
COLLEGE = {NiveauScolaire.SIXIEME, NiveauScolaire.CINQUIEME, NiveauScolaire.QUATRIEME, NiveauScolaire.TROISIEME}

# (title, réalisation code, thématiques, dispositif, weekly?)
MODELES_D_ACTION = [
    ("Accompagnement à la scolarité", "R1", ["perseverance-scolaire"], "clas", True),
    ("Atelier théâtre et expression", "R1", ["culture"], None, True),
    ("Club sciences et techniques", "R1", ["sciences-techniques"], None, True),
    ("Atelier numérique et codage", "R1", ["numerique"], None, True),
    ("Webradio des collégiens", "R2", ["medias", "citoyennete"], None, True),
    ("Sport et réussite au collège", "R2", ["sport", "perseverance-scolaire"], "pre", True),
    ("Prévention santé : sommeil et écrans", "R2", ["sante"], None, False),
    ("Semaine de la persévérance scolaire", "R2", ["perseverance-scolaire"], "referents-decrochage", False),
    ("Café des parents à l’école", "R3", ["perseverance-scolaire"], "aef", True),
    ("Lecture partagée parents-enfants", "R3", ["culture"], "aef", True),
    ("Fête de la science du quartier", "R1", ["sciences-techniques"], None, False),
]


def creer_en_lot(modele, objets, details, relations, lot=None):
    """Insert the rows with their history, then their many-to-many `relations` as each detail
    lists them, in their history too: as after a service's save, the history tells what each
    version was (actions.versions reads an action's back)."""
    objets = bulk_create_with_history(objets, modele, batch_size=lot)
    versions = dict(modele.history.filter(id__in=[objet.pk for objet in objets]).values_list("id", "history_id"))
    for relation in relations:
        champ = getattr(modele, relation).field
        through = getattr(modele, relation).through
        source, cle = champ.m2m_field_name(), champ.m2m_reverse_field_name()
        liens = through.objects.bulk_create(
            [
                through(**{source: objet, cle: cible})
                for objet, detail in zip(objets, details, strict=True)
                for cible in detail[relation]
            ],
            batch_size=lot,
        )
        historique = getattr(modele.history.model, relation).model
        historique.objects.bulk_create(
            [
                historique(
                    id=lien.pk,
                    history_id=versions[getattr(lien, f"{source}_id")],
                    **{f"{source}_id": getattr(lien, f"{source}_id"), cle: getattr(lien, cle)},
                )
                for lien in liens
            ],
            batch_size=lot,
        )
    return objets


def creer_actions_en_lot(actions, details, lot=None):
    return creer_en_lot(Action, actions, details, ["quartiers", "thematiques", "etablissements", "partenaires"], lot)


# Who the actions of each réalisation attendue are designed and run with (effect E1): for
# "conçue avec" then "animée avec", each category with its chance. Most interventions croisées
# (R2) are designed with a school, most actions for parents (R3) with parents.
COIMPLICATION = {
    "R1": (
        [(Acteur.ECOLE, 0.25), (Acteur.CENTRE_SOCIAL, 0.3), (Acteur.ASSOCIATION, 0.3)],
        [(Acteur.HABITANTS, 0.1), (Acteur.PARENTS, 0.1)],
    ),
    "R2": (
        [(Acteur.ECOLE, 0.85), (Acteur.ASSOCIATION, 0.4), (Acteur.SERVICE_MUNICIPAL, 0.2)],
        [(Acteur.ECOLE, 0.6), (Acteur.ASSOCIATION, 0.3), (Acteur.PARENTS, 0.1)],
    ),
    "R3": (
        [(Acteur.PARENTS, 0.7), (Acteur.ECOLE, 0.45), (Acteur.CENTRE_SOCIAL, 0.3)],
        [(Acteur.PARENTS, 0.65), (Acteur.HABITANTS, 0.2), (Acteur.ECOLE, 0.2)],
    ),
}


def coimplication_fictive(alea, code_realisation):
    """{"concue_avec", "animee_avec"} of a demo action, drawn by its réalisation; one in ten
    left unrecorded, as in practice. `alea` is a generator of its own: drawing these does not
    move the rest of the demo."""
    if alea.random() < 0.1:
        return {"concue_avec": [], "animee_avec": []}
    concue, animee = COIMPLICATION[code_realisation]
    return {
        "concue_avec": [code for code, chance in concue if alea.random() < chance],
        "animee_avec": [code for code, chance in animee if alea.random() < chance],
    }


# The « envie d’école » questionnaire (effect E2): most weekly actions propose it, most families
# agree; a child answers at entry unless absent that day, and at exit when the action is over and
# they are still there. The mean score moves up a little, with as many children going down as a
# real group would show.
ACTIONS_AU_QUESTIONNAIRE = 0.6
CONSENTEMENTS_AU_QUESTIONNAIRE = 0.75
REPONSES_A_L_ENTREE = 0.85
REPONSES_A_LA_SORTIE = 0.75
ECART_MOYEN, ECART_TYPE = 0.2, 0.35


def propose_le_questionnaire(alea, hebdomadaire):
    return hebdomadaire and alea.random() < ACTIONS_AU_QUESTIONNAIRE


def consentements_au_questionnaire(alea, enfants):
    """The children (with a consent) whose parents' consent also covers the questionnaire."""
    return [
        enfant.pk for enfant in enfants if enfant.date_consentement and alea.random() < CONSENTEMENTS_AU_QUESTIONNAIRE
    ]


def _reponses_fictives(alea, forme, envie):
    """Answers around a child's `envie` (1 to 4), a negatively worded item the other way round."""
    reponses = {}
    for item in forme.items:
        valeur = min(4, max(1, round(envie + alea.gauss(0, 0.7))))
        reponses[item.code] = 5 - valeur if item.inverse else valeur
    return reponses


def questionnaires_fictifs(alea, *, inscriptions, enfants, couverts, aujourdhui):
    """The answers of the children enrolled in the actions that propose the questionnaire and
    whose consent covers it (`couverts`, their ids): QuestionnaireRempli rows, not saved. The
    entry is filled a few days after the enrolment, the exit in the action's last weeks."""
    questionnaire = questionnaires.questionnaire()
    remplis = []
    for inscription in inscriptions:
        action, enfant = inscription.action, enfants[inscription.participant_id]
        forme = questionnaire.forme_du_niveau(enfant.niveau_scolaire)
        entree_le = inscription.date_inscription + timedelta(days=alea.randint(0, 10))
        if (
            not action.questionnaire_envie_ecole
            or enfant.pk not in couverts
            or forme is None
            or entree_le > min(aujourdhui, action.date_fin)
            or alea.random() > REPONSES_A_L_ENTREE
        ):
            continue
        envie = alea.gauss(2.7, 0.5)
        moments = [(MomentQuestionnaire.ENTREE, entree_le, envie)]
        sortie_le = action.date_fin - timedelta(days=alea.randint(0, 14))
        if action.date_fin <= aujourdhui and sortie_le >= entree_le and alea.random() < REPONSES_A_LA_SORTIE:
            moments.append((MomentQuestionnaire.SORTIE, sortie_le, envie + alea.gauss(ECART_MOYEN, ECART_TYPE)))
        scores = []
        for moment, jour, niveau_d_envie in moments:
            reponses = _reponses_fictives(alea, forme, niveau_d_envie)
            scores.append(questionnaire.score(forme, reponses))
            remplis.append(
                QuestionnaireRempli(
                    action=action,
                    participant_id=enfant.pk,
                    moment=moment,
                    version=questionnaire.version,
                    forme=forme.public,
                    reponses=reponses,
                    score=scores[-1],
                    rempli_le=jour,
                    mode=alea.choice(ModeDeReponse.values),
                    annee_scolaire=AnneeScolaire.de_la_date(entree_le).annee_de_rentree,
                    evolution=scores[-1] - scores[0] if moment == MomentQuestionnaire.SORTIE else None,
                )
            )
    return remplis


def financement_fictif(alea, *, action, sources, aujourdhui, demande_max=8000):
    """A grant asked for the action, partly granted, fully paid once the action is over."""
    source = alea.choice(sources)
    demande = Decimal(alea.randrange(1000, demande_max, 50))
    accorde = (demande * Decimal(alea.choice(["0.7", "0.8", "0.9", "1"]))).quantize(Decimal("1"))
    return Financement(
        action=action,
        source=source,
        financeur=source.financeur,
        annee=action.date_debut.year,
        montant_demande=demande,
        montant_accorde=accorde,
        montant_verse=accorde if action.date_fin < aujourdhui else (accorde / 2).quantize(Decimal("1")),
    )


# Past sessions whose grid an animateur has not entered yet: a few of the last weeks', and now
# and then an older one forgotten.
SEMAINES_RECENTES = 3
A_SAISIR_RECENTES = 0.4
A_SAISIR_ANCIENNES = 0.02


def grille_enregistree_le(alea, jour, aujourdhui):
    """When the grid of a session of that day was saved (the evening of the session, or now
    for one of today), or None: to come, or past and still à saisir."""
    if jour > aujourdhui:
        return None
    recente = (aujourdhui - jour).days < 7 * SEMAINES_RECENTES
    if alea.random() < (A_SAISIR_RECENTES if recente else A_SAISIR_ANCIENNES):
        return None
    return min(timezone.now(), timezone.make_aware(datetime.combine(jour, time(19))))


def _niveau(alea, structure):
    niveaux = list(AGE_A_LA_RENTREE)
    if structure.type.libelle == "Opérateur associatif":
        return alea.choice(niveaux[:5] * 2 + niveaux[5:])
    return alea.choice(niveaux)


def _creer_enfants(alea, structures, ecoles, colleges, annee, premiere_annee):
    enfants = []
    for structure in structures:
        quartiers = list(structure.quartiers.all())
        for _ in range(ENFANTS_PAR_STRUCTURE):
            niveau = _niveau(alea, structure)
            quartier = alea.choice(quartiers) if quartiers and alea.random() < 0.85 else None
            etablissements = colleges if niveau in COLLEGE else ecoles
            proches = [e for e in etablissements if e.quartier_id == getattr(quartier, "pk", None)]
            enfants.append(
                Participant(
                    structure=structure,
                    sexe=alea.choice(Sexe.values),
                    annee_naissance=annee.annee_de_rentree - AGE_A_LA_RENTREE[niveau] - alea.choice([0, 0, 0, 1]),
                    niveau_scolaire=niveau,
                    etablissement=alea.choice(proches or etablissements),
                    quartier_residence=quartier,
                    # Consent is collected at the start of the first school year of the demo; a few
                    # children are still waiting for it and so have no presence.
                    date_consentement=premiere_annee.debut + timedelta(days=alea.randint(5, 40))
                    if alea.random() < 0.95
                    else None,
                )
            )
    for enfant, code in zip(enfants, nouveaux_codes(len(enfants)), strict=True):
        enfant.code = code
    return bulk_create_with_history(enfants, Participant)


def _dates_de_seances(alea, action, hebdomadaire, zone):
    if not hebdomadaire:
        return [action.date_debut + timedelta(days=i) for i in range(alea.randint(1, 3))]
    # As a series would: no session on a public holiday or in the school holidays.
    sans_ecole = jours_non_ouvres(zone=zone, debut=action.date_debut, fin=action.date_fin)
    jour = action.date_debut
    dates = []
    while jour <= action.date_fin:
        # A week skipped now and then.
        if jour not in sans_ecole and alea.random() > 0.08:
            dates.append(jour)
        jour += timedelta(days=7)
    return dates


@transaction.atomic
def generer_activite(*, contrat):
    """Actions, sessions, children, enrolments, attendance and funding over the current school
    year and the two before it. Does nothing when the contract already has actions."""
    if Action.objects.filter(porteur__contrat=contrat).exists():
        return None
    alea = random.Random(2026)
    alea_coimplication = random.Random(2027)
    # Drawn apart too: the questionnaire leaves the rest of the demo as it was.
    alea_questionnaire = random.Random(2028)
    aujourdhui = timezone.localdate()
    courante = AnneeScolaire.courante()
    structures = list(Structure.objects.filter(contrat=contrat).select_related("type").prefetch_related("quartiers"))
    etablissements = list(Etablissement.objects.filter(contrat=contrat))
    colleges = [e for e in etablissements if e.type == "college"]
    ecoles = [e for e in etablissements if e.type != "college"]
    realisations = {r.code: r for r in RealisationAttendue.objects.filter(fiche__code="1.2.3")}
    thematiques = {t.code: t for t in Thematique.objects.all()}
    dispositifs = {d.code: d for d in Dispositif.objects.all()}
    partenaires = {p.sigle or p.nom: p for p in Partenaire.objects.filter(contrat=contrat)}
    sources = list(SourceFinancement.objects.filter(contrat=contrat).select_related("financeur"))

    annees = [courante.precedente().precedente(), courante.precedente(), courante]
    enfants = _creer_enfants(alea, structures, ecoles, colleges, courante, annees[0])
    consentement = {enfant.pk: enfant.date_consentement for enfant in enfants}
    enfants_par_structure = {}
    for enfant in enfants:
        enfants_par_structure.setdefault(enfant.structure_id, []).append(enfant)

    actions, details = [], []
    for annee in annees:
        for structure in structures:
            for titre, code_realisation, codes_thematiques, code_dispositif, hebdomadaire in alea.sample(
                MODELES_D_ACTION, alea.randint(3, 5)
            ):
                quartiers = alea.sample(list(structure.quartiers.all()), min(2, structure.quartiers.count()))
                debut = annee.debut + timedelta(days=alea.randint(20, 45) if hebdomadaire else alea.randint(30, 250))
                fin = (
                    date(annee.annee_de_rentree + 1, 6, alea.randint(10, 28))
                    if hebdomadaire
                    else debut + timedelta(days=3)
                )
                statut = (
                    StatutAction.REALISEE
                    if fin < aujourdhui
                    else StatutAction.EN_COURS
                    if debut <= aujourdhui
                    else StatutAction.PREVUE
                )
                if alea.random() < 0.05:
                    statut = StatutAction.ANNULEE
                action = Action(
                    realisation=realisations[code_realisation],
                    titre=f"{titre} – {quartiers[0].nom}",
                    description="Action de démonstration.",
                    porteur=structure,
                    dispositif=dispositifs.get(code_dispositif),
                    autres_lieux="" if code_realisation == "R2" else f"Maison de quartier {quartiers[0].nom}",
                    niveaux=sorted({e.niveau_scolaire for e in enfants_par_structure[structure.pk][:10]}),
                    public_parents=code_realisation == "R3",
                    **coimplication_fictive(alea_coimplication, code_realisation),
                    questionnaire_envie_ecole=propose_le_questionnaire(alea_questionnaire, hebdomadaire),
                    date_debut=debut,
                    date_fin=fin,
                    statut=statut,
                )
                actions.append(action)
                ecoles_du_quartier = [e for e in etablissements if e.quartier_id in {q.pk for q in quartiers}]
                details.append(
                    {
                        "quartiers": quartiers,
                        "thematiques": [thematiques[c] for c in codes_thematiques],
                        "etablissements": ecoles_du_quartier[:1] if code_realisation != "R1" else [],
                        "partenaires": [partenaires["DSDEN"], partenaires["CAF"]][: alea.randint(1, 2)]
                        if code_realisation == "R2"
                        else [],
                        "hebdomadaire": hebdomadaire,
                    }
                )
    actions = creer_actions_en_lot(actions, details)

    seances, inscriptions, financements, assiduite = [], [], [], {}
    for action, detail in zip(actions, details, strict=True):
        if action.statut == StatutAction.ANNULEE:
            continue
        evenement_ouvert = not detail["hebdomadaire"] and alea.random() < 0.5
        parents = action.realisation.code == "R3"
        for jour in _dates_de_seances(alea, action, detail["hebdomadaire"], contrat.zone_scolaire):
            saisie_le = grille_enregistree_le(alea, jour, aujourdhui)
            seances.append(
                Seance(
                    action=action,
                    date=jour,
                    duree_minutes=alea.choice([60, 90, 120]),
                    etablissement=detail["etablissements"][0] if detail["etablissements"] else None,
                    lieu=action.autres_lieux,
                    adultes_presents=alea.randint(1, 4),
                    # Headcounts are typed in the grid: none for a session whose grid was not saved.
                    enfants_anonymes=alea.randint(15, 80) if evenement_ouvert and saisie_le else 0,
                    parents_presents=(alea.randint(3, 12) if parents else int(alea.random() < 0.02))
                    if saisie_le
                    else 0,
                    saisie_le=saisie_le,
                )
            )
        if evenement_ouvert:
            continue
        for enfant in alea.sample(enfants_par_structure[action.porteur_id], alea.randint(8, 18)):
            inscriptions.append(Inscription(action=action, participant=enfant, date_inscription=action.date_debut))
            assiduite[(action.pk, enfant.pk)] = alea.uniform(0.45, 0.95)
        if alea.random() < 0.7:
            financements.append(financement_fictif(alea, action=action, sources=sources, aujourdhui=aujourdhui))
    seances = bulk_create_with_history(seances, Seance)
    bulk_create_with_history(inscriptions, Inscription)
    bulk_create_with_history(financements, Financement)
    couverts = consentements_au_questionnaire(alea_questionnaire, enfants)
    Participant.objects.filter(pk__in=couverts).update(consentement_questionnaire=True)
    remplis = questionnaires_fictifs(
        alea_questionnaire,
        inscriptions=inscriptions,
        enfants={enfant.pk: enfant for enfant in enfants},
        couverts=set(couverts),
        aujourdhui=aujourdhui,
    )
    bulk_create_with_history(remplis, QuestionnaireRempli)

    inscrits_par_action = {}
    for inscription in inscriptions:
        inscrits_par_action.setdefault(inscription.action_id, []).append(inscription.participant_id)
    presences = [
        Presence(seance=seance, participant_id=enfant)
        for seance in seances
        if seance.saisie_le
        for enfant in inscrits_par_action.get(seance.action_id, [])
        if consentement[enfant]
        and consentement[enfant] <= seance.date
        and alea.random() < assiduite[(seance.action_id, enfant)]
    ]
    Presence.objects.bulk_create(presences, batch_size=2000)
    resumer_le_contrat(contrat=contrat)
    return {
        "actions": len(actions),
        "seances": len(seances),
        "enfants": len(enfants),
        "inscriptions": len(inscriptions),
        "presences": len(presences),
        "financements": len(financements),
        "questionnaires": len(remplis),
    }
