"""Reads of the action pages: each page costs a fixed number of queries, whatever the data."""

import secrets
from dataclasses import dataclass
from datetime import date, timedelta
from decimal import ROUND_HALF_UP, Decimal

from django.db import models
from django.db.models import Count, Exists, Max, Min, OuterRef, Prefetch, Q, Sum
from django.db.models.functions import Coalesce, ExtractYear
from django.shortcuts import get_object_or_404

from fiches.models import ClotureAnnee
from partenaires.models import Structure

from . import questionnaires
from .dates import seuil_de_retention
from .enums import EtatSeance, MomentQuestionnaire, StatutAction
from .models import (
    Action,
    Financement,
    Inscription,
    Participant,
    Presence,
    QuestionnaireRempli,
    Seance,
    nombre_de,
)

HISTORIQUE_MAX = 30


def structures_de_travail(*, perimetre):
    """The structures whose records a user may enter: all those of the contract for officers,
    their own for animateurs."""
    structures = Structure.objects.filter(contrat=perimetre.contrat, active=True).select_related("type")
    if perimetre.animateur:
        return structures.filter(pk__in=perimetre.structure_ids)
    return structures if perimetre.responsable else structures.none()


def actions_visibles(*, perimetre):
    """Officers see every action of their contract; an animateur those of their structures,
    in their quartiers when the membership names some; partners none (aggregates only)."""
    actions = Action.objects.filter(realisation__fiche__enjeu__axe__pilier__contrat=perimetre.contrat)
    if perimetre.responsable:
        return actions
    if not perimetre.animateur:
        return actions.none()
    actions = actions.filter(porteur_id__in=perimetre.structure_ids)
    if perimetre.quartier_ids:
        dans_ses_quartiers = Action.quartiers.through.objects.filter(
            action=OuterRef("pk"), quartier_id__in=perimetre.quartier_ids
        )
        actions = actions.filter(Exists(dans_ses_quartiers))
    return actions


def liste_des_actions(*, actions):
    return actions.avec_donnees_de_liste().order_by("-date_debut", "titre", "pk")


def action_a_afficher(*, pk, perimetre):
    return get_object_or_404(
        actions_visibles(perimetre=perimetre)
        .avec_caracteres_derives()
        .select_related("realisation__fiche", "porteur__type", "dispositif", "cree_par")
        .prefetch_related("thematiques", "partenaires", "quartiers", "etablissements"),
        pk=pk,
    )


def seances_de_l_action(*, action):
    """Sessions with their attendance: children present (Seance.nb_presents) over children
    enrolled and consenting by that date (Seance.nb_inscrits); their state (Seance.etat) comes
    with their fields."""
    return list(action.seances.select_related("etablissement"))


def assiduite_des_enfants(*, action):
    """Each enrolled child with presences over the presences possible: the sessions not
    cancelled whose grid was saved, from the child's enrolment and their parents' consent on.
    Summed over the children, the action's attendance rate as the dashboards count it."""
    return list(
        action.inscriptions.select_related("participant").annotate(
            # Correlated: joining every presence of each child (all actions) cost 69 ms for 30
            # children at a tenth of a large city.
            nb_presences=nombre_de(
                Presence.objects.filter(
                    participant=OuterRef("participant"),
                    seance__action=OuterRef("action"),
                    seance__annulee_le__isnull=True,
                ),
                "participant",
            ),
            nb_possibles=nombre_de(
                Seance.objects.filter(
                    Q(date__gte=OuterRef("date_inscription")),
                    Q(date__gte=OuterRef("participant__date_consentement")),
                    action=OuterRef("action"),
                    saisie_le__isnull=False,
                    annulee_le__isnull=True,
                ),
                "action",
            ),
        )
    )


def _pluriel(nombre, singulier, pluriel):
    return f"{nombre} {singulier if nombre == 1 else pluriel}"


@dataclass(frozen=True)
class PresencesNotees:
    """What the attendance grids of some sessions hold: what a deletion would lose."""

    enfants: int
    anonymes: int
    parents: int

    def __bool__(self):
        return bool(self.enfants or self.anonymes or self.parents)

    def en_clair(self):
        """« 3 présences d’enfants inscrits, 12 enfants comptés à l’entrée et 2 parents »."""
        parties = [
            _pluriel(nombre, singulier, pluriel)
            for nombre, singulier, pluriel in [
                (self.enfants, "présence d’enfant inscrit", "présences d’enfants inscrits"),
                (self.anonymes, "enfant compté à l’entrée", "enfants comptés à l’entrée"),
                (self.parents, "parent", "parents"),
            ]
            if nombre
        ]
        return " et ".join(filter(None, [", ".join(parties[:-1]), parties[-1]])) if parties else ""


def presences_notees(*, seances):
    """What the grids of these sessions (a query) hold, in two queries."""
    effectifs = seances.aggregate(
        anonymes=Coalesce(Sum("enfants_anonymes"), 0), parents=Coalesce(Sum("parents_presents"), 0)
    )
    return PresencesNotees(enfants=Presence.objects.filter(seance__in=seances).count(), **effectifs)


def financements_de_l_action(*, action):
    financements = action.financements.select_related("source", "financeur")
    return list(financements), financements.totaux()


TYPES_DE_CHANGEMENT = {"+": "Création", "~": "Modification", "-": "Suppression"}
# Not changes anyone made; nb_inscrits and nb_presents are derived and not even kept in the
# history, version counts the saves (actions.versions).
CHAMPS_TECHNIQUES = {"id", "cree_le", "cree_par", "nb_inscrits", "nb_presents", "version"}


def _champs_modifies(modele, ligne, precedente):
    if precedente is None or ligne.history_type != "~":
        return []
    champs = [
        str(champ.verbose_name)
        for champ in modele._meta.concrete_fields
        if champ.attname not in CHAMPS_TECHNIQUES
        and getattr(ligne, champ.attname) != getattr(precedente, champ.attname)
    ]
    if not champs and modele is Action:
        # A version of an action with no field changed records a change of its relations.
        return ["thématiques, partenaires, quartiers ou établissements"]
    return champs


def historique_de_l_action(*, action):
    """Who changed what and when, for the action and its sessions, funding and enrolments:
    one query per kind of record, newest first."""
    sources = [
        (Action, Action.history.filter(id=action.pk), lambda h: "Action"),
        (Seance, Seance.history.filter(action_id=action.pk), lambda h: f"Séance du {h.date:%d/%m/%Y}"),
        (Financement, Financement.history.filter(action_id=action.pk), lambda h: f"Financement {h.annee}"),
        (
            Inscription,
            Inscription.history.filter(action_id=action.pk).select_related("participant"),
            # The child's record may have been anonymised or deleted since (retention period).
            lambda h: f"Inscription de {h.participant.code if h.participant else 'un enfant supprimé'}",
        ),
    ]
    lignes = []
    for modele, historique, decrire in sources:
        recentes = list(
            historique.select_related("history_user").order_by("-history_date", "-history_id")[: HISTORIQUE_MAX + 1]
        )
        precedentes = {}
        # Oldest first, so that each modification is compared with the version before it.
        for ligne in reversed(recentes):
            details = _champs_modifies(modele, ligne, precedentes.get(ligne.id))
            precedentes[ligne.id] = ligne
            lignes.append(
                {
                    "date": ligne.history_date,
                    "utilisateur": ligne.history_user,
                    "type": TYPES_DE_CHANGEMENT[ligne.history_type],
                    "objet": decrire(ligne),
                    "details": ligne.history_change_reason or ", ".join(details),
                }
            )
    return sorted(lignes, key=lambda ligne: ligne["date"], reverse=True)[:HISTORIQUE_MAX]


def seance_a_saisir(*, pk, perimetre):
    return get_object_or_404(
        Seance.objects.filter(action__in=actions_visibles(perimetre=perimetre)).select_related("action__porteur"),
        pk=pk,
    )


def seances_non_saisies(*, perimetre):
    """The sessions in scope whose grid was never saved and still can be: à saisir once their day
    has come (Seance.etat), à venir before. Not those cancelled, nor those of a cancelled action,
    which count nowhere (actions.resumes), nor those of a closed school year, whose grid is
    refused (fiches.clotures)."""
    annee = ExtractYear("date")
    cloture = ClotureAnnee.objects.filter(contrat=perimetre.contrat, cloturee=True, annee_scolaire=OuterRef("rentree"))
    return (
        Seance.objects.filter(
            action__in=actions_visibles(perimetre=perimetre), saisie_le__isnull=True, annulee_le__isnull=True
        )
        .exclude(action__statut=StatutAction.ANNULEE)
        .alias(rentree=models.Case(models.When(date__month__gte=9, then=annee), default=annee - 1))
        .exclude(Exists(cloture))
    )


def grille_de_presences(*, seance):
    """The enrolled children of the session's action (enrolled by its date), and who was present."""
    inscrits = list(
        Participant.objects.filter(
            inscriptions__action=seance.action_id, inscriptions__date_inscription__lte=seance.date
        ).order_by("code")
    )
    presents = set(seance.presences.values_list("participant_id", flat=True))
    return inscrits, presents


def financement_a_modifier(*, pk, perimetre):
    return get_object_or_404(
        Financement.objects.filter(action__in=actions_visibles(perimetre=perimetre)).select_related(
            "action", "source", "financeur"
        ),
        pk=pk,
    )


def participants_visibles(*, perimetre):
    """The children whose record a user may open: those of the structures they work for. An
    animateur limited to some quartiers reaches a child only through an action in scope (one
    they are enrolled in), or while the child is enrolled nowhere yet: a record just created,
    waiting for its first enrolment, tells nothing of another quartier."""
    participants = Participant.objects.de_structures(structures_de_travail(perimetre=perimetre))
    if perimetre.animateur and perimetre.quartier_ids:
        inscriptions = Inscription.objects.filter(participant=OuterRef("pk"))
        participants = participants.filter(
            Exists(inscriptions.filter(action__in=actions_visibles(perimetre=perimetre))) | ~Exists(inscriptions)
        )
    return participants


def liste_des_participants(*, perimetre):
    return (
        participants_visibles(perimetre=perimetre)
        .select_related("structure", "quartier_residence", "etablissement")
        .annotate(nb_inscriptions=Count("inscriptions"))
        .order_by("code")
    )


def enfants_a_inscrire(*, action, perimetre):
    """The children the user sees, followed by the action's structure, not enrolled in it yet."""
    return (
        participants_visibles(perimetre=perimetre)
        .filter(structure=action.porteur_id)
        .exclude(inscriptions__action=action)
        .order_by("code")
    )


# What makes two records perhaps the same child, when a new one is entered.
PROFIL_D_UN_DOUBLON = ["structure", "sexe", "annee_naissance", "niveau_scolaire", "etablissement"]
DOUBLONS_MONTRES = 5


def doublons_possibles(*, structure, sexe, annee_naissance, niveau_scolaire, etablissement):
    """The children the structure follows with that profile (no school counts as one): perhaps the
    child being entered again. A few, newest first; anonymised records are no one's any more."""
    return list(
        Participant.objects.filter(
            structure=structure,
            sexe=sexe,
            annee_naissance=annee_naissance,
            niveau_scolaire=niveau_scolaire,
            etablissement=etablissement,
            anonymise_le__isnull=True,
        ).order_by("-cree_le", "-pk")[:DOUBLONS_MONTRES]
    )


def participant_a_afficher(*, pk, perimetre):
    """The child's record with its enrolments in the actions the user sees (all of the child's,
    but for an animateur limited to some quartiers)."""
    return get_object_or_404(
        participants_visibles(perimetre=perimetre)
        .select_related("structure", "quartier_residence", "etablissement")
        .prefetch_related(
            Prefetch(
                "inscriptions",
                queryset=Inscription.objects.filter(action__in=actions_visibles(perimetre=perimetre))
                .select_related("action")
                .annotate(
                    nb_presences=nombre_de(
                        Presence.objects.filter(participant=OuterRef("participant"), seance__action=OuterRef("action")),
                        "participant",
                    )
                ),
            )
        ),
        pk=pk,
    )


def donnees_d_un_enfant(*, participant, perimetre):
    """Everything the application holds on one child, for a parent's access request (RGPD art. 15).
    An animateur limited to some quartiers exports the enrolments and presences of their actions
    only, and the file says so: the whole record is exported by an officer."""
    actions = actions_visibles(perimetre=perimetre)
    presences = (
        participant.presences.filter(seance__action__in=actions)
        .select_related("seance__action")
        .order_by("seance__date")
    )
    historique = participant.history.select_related("history_user").order_by("history_date")
    questionnaires = (
        participant.questionnaires.filter(action__in=actions).select_related("action").order_by("rempli_le", "pk")
    )
    limite = {}
    if perimetre.animateur and perimetre.quartier_ids:
        limite = {
            "limite": "Inscriptions et présences des actions de vos quartiers seulement : "
            "l’export complet est fait par un chef de projet."
        }
    return limite | {
        "enfant": {
            "code": participant.code,
            "structure": str(participant.structure),
            "sexe": participant.get_sexe_display(),
            "annee_naissance": participant.annee_naissance,
            "niveau_scolaire": participant.get_niveau_scolaire_display(),
            "ecart_niveau": participant.get_ecart_niveau_display(),
            "etablissement": str(participant.etablissement or ""),
            "quartier_residence": str(participant.quartier_residence or "hors quartier prioritaire"),
            "date_consentement": participant.date_consentement.isoformat() if participant.date_consentement else None,
            "consentement_questionnaire": participant.consentement_questionnaire,
            "cree_le": participant.cree_le.date().isoformat(),
        },
        "inscriptions": [
            {"action": str(inscription.action), "date_inscription": inscription.date_inscription.isoformat()}
            for inscription in participant.inscriptions.all()
        ],
        "presences": [
            {"date": presence.seance.date.isoformat(), "action": str(presence.seance.action)} for presence in presences
        ],
        "questionnaires": [
            {
                "action": str(rempli.action),
                "moment": rempli.get_moment_display(),
                "rempli_le": rempli.rempli_le.isoformat(),
                "version": rempli.version,
                "forme": rempli.forme,
                "reponses": rempli.reponses,
                "score": str(rempli.score),
            }
            for rempli in questionnaires
        ],
        "historique": [
            {
                "date": ligne.history_date.isoformat(),
                "modification": TYPES_DE_CHANGEMENT[ligne.history_type],
                "par": ligne.history_user.get_username() if ligne.history_user else "système",
            }
            for ligne in historique
        ],
    }


# No 0/O, 1/I/L, U: a code read aloud or copied by hand stays unambiguous.
ALPHABET_CODE = "ABCDEFGHJKMNPQRSTVWXYZ23456789"


def nouveaux_codes(nombre):
    """`nombre` random children's codes that no child holds yet: they say nothing about the child."""
    codes = set()
    while len(codes) < nombre:
        candidats = {"E" + "".join(secrets.choice(ALPHABET_CODE) for _ in range(6)) for _ in range(nombre)} - codes
        # Checked in slices: SQLite caps the number of parameters of a query.
        tries = sorted(candidats)
        for debut in range(0, len(tries), 5000):
            candidats -= set(
                Participant.objects.filter(code__in=tries[debut : debut + 5000]).values_list("code", flat=True)
            )
        codes |= set(list(candidats)[: nombre - len(codes)])
    return list(codes)


def participants_expires(*, aujourdhui, annees):
    """The children past retention (no activity for `annees` school years) and not yet anonymised."""
    seuil = seuil_de_retention(aujourdhui=aujourdhui, annees=annees)
    return list(
        Participant.objects.filter(anonymise_le__isnull=True).sans_activite_depuis(seuil).select_related("structure")
    )


def action_a_pointer(*, pk, perimetre):
    """The action whose month of attendance is shown, with what the page names of it."""
    return get_object_or_404(actions_visibles(perimetre=perimetre).select_related("porteur"), pk=pk)


def mois_a_montrer(*, action, mois, aujourdhui):
    """The month asked for (its first day), or by default the current one when the action has
    sessions in it, else the last month with sessions up to today, else the action's first."""
    if mois is not None:
        return mois
    courant = aujourdhui.replace(day=1)
    jours = action.seances.aggregate(
        ce_mois=Count("pk", filter=Q(date__gte=courant, date__lte=aujourdhui)),
        derniere=Max("date", filter=Q(date__lte=aujourdhui)),
        premiere=Min("date"),
    )
    if jours["ce_mois"] or not (jours["derniere"] or jours["premiere"]):
        return courant
    return (jours["derniere"] or jours["premiere"]).replace(day=1)


@dataclass(frozen=True)
class Case:
    """One child at one session of the month grid: whether it can be ticked and, if not, why."""

    seance: Seance
    participant: Participant
    present: bool
    raison: str = ""

    @property
    def nom(self):
        return f"{self.seance.pk}:{self.participant.pk}"


@dataclass(frozen=True)
class GrilleDuMois:
    """A month of an action: its sessions (columns), the children enrolled by the end of the
    month (rows), each cell, and the months before and after that have sessions (or None)."""

    mois: date
    seances: list
    lignes: list
    precedent: date | None
    suivant: date | None

    def seances_a_saisir(self):
        """The sessions whose grid can be saved: neither cancelled nor to come."""
        return [seance for seance in self.seances if seance.etat in (EtatSeance.A_SAISIR, EtatSeance.SAISIE)]

    def presents_au_chargement(self):
        """Per session that can be saved, the children shown ticked: a child present but not
        shown (no longer enrolled) is never unticked by this grid."""
        return {
            seance.pk: {
                case.participant.pk
                for _, cases in self.lignes
                for case in cases
                if case.seance is seance and case.present and not case.raison
            }
            for seance in self.seances_a_saisir()
        }


def _raison(seance, inscription):
    participant = inscription.participant
    if seance.etat == EtatSeance.ANNULEE:
        return "séance annulée"
    if seance.etat == EtatSeance.A_VENIR:
        return "séance à venir"
    if inscription.date_inscription > seance.date:
        return f"inscrit·e le {inscription.date_inscription:%d/%m}"
    if participant.date_consentement is None:
        return "consentement parental à recueillir"
    if participant.date_consentement > seance.date:
        return f"consentement recueilli le {participant.date_consentement:%d/%m/%Y}"
    return ""


def grille_du_mois(*, action, mois):
    """The month grid of the action, in four queries whatever the number of children and sessions."""
    fin = (mois + timedelta(days=31)).replace(day=1)
    seances = list(action.seances.filter(date__gte=mois, date__lt=fin))
    inscriptions = list(
        action.inscriptions.filter(date_inscription__lt=fin).select_related("participant").order_by("participant__code")
    )
    presents = set(
        Presence.objects.filter(seance__in=[s.pk for s in seances]).values_list("seance_id", "participant_id")
    )
    autour = action.seances.aggregate(
        precedent=Max("date", filter=Q(date__lt=mois)), suivant=Min("date", filter=Q(date__gte=fin))
    )
    lignes = [
        (
            inscription.participant,
            [
                Case(
                    seance=seance,
                    participant=inscription.participant,
                    present=(seance.pk, inscription.participant_id) in presents,
                    raison=_raison(seance, inscription),
                )
                for seance in seances
            ],
        )
        for inscription in inscriptions
    ]
    return GrilleDuMois(
        mois=mois,
        seances=seances,
        lignes=lignes,
        precedent=autour["precedent"] and autour["precedent"].replace(day=1),
        suivant=autour["suivant"] and autour["suivant"].replace(day=1),
    )


# --- Exports of the lists (actions.exports) ------------------------------------------------------


def actions_a_exporter(*, actions):
    """The actions of a filtered list with their funding lines: five queries, whatever their number."""
    return (
        liste_des_actions(actions=actions)
        .select_related("realisation__fiche", "dispositif")
        .prefetch_related(
            Prefetch("financements", queryset=Financement.objects.select_related("source", "financeur").order_by("pk"))
        )
    )


def action_a_exporter(*, pk, perimetre):
    """An action in the user's scope, with what the name of its exports needs only."""
    return get_object_or_404(actions_visibles(perimetre=perimetre).select_related("porteur"), pk=pk)


def financements_a_exporter(*, actions):
    """The funding lines of the actions of a filtered list, in one query."""
    return (
        Financement.objects.filter(action__in=actions.values("pk"))
        .select_related("action__realisation__fiche", "action__porteur", "source", "financeur")
        .order_by("-action__date_debut", "action__titre", "action_id", "annee", "source__ordre", "pk")
    )


def seances_a_exporter(*, actions):
    """The sessions of some actions (one, or a filtered list), in one query."""
    return (
        Seance.objects.filter(action__in=actions.values("pk"))
        .select_related("action__porteur", "etablissement")
        .order_by("-action__date_debut", "action__titre", "action_id", "date", "heure_debut", "pk")
    )


@dataclass(frozen=True)
class PresencesDuMois:
    """An action's month: its sessions, its enrolled children, who came to which session."""

    seances: list
    inscriptions: list
    presents: frozenset

    def attendu(self, inscription, seance):
        """Whether the child counts in the session's grid: enrolled and consenting on its date."""
        consentement = inscription.participant.date_consentement
        return inscription.date_inscription <= seance.date and consentement is not None and consentement <= seance.date


def presences_du_mois(*, action, debut, fin):
    """The sessions of the action between the two dates, the children enrolled by the last one and
    their presences: three queries, whatever the size of the month."""
    seances = list(
        action.seances.filter(date__gte=debut, date__lte=fin)
        .select_related("etablissement")
        .order_by("date", "heure_debut", "pk")
    )
    inscriptions = list(
        action.inscriptions.filter(date_inscription__lte=fin)
        .select_related("participant")
        .order_by("participant__code")
    )
    presents = frozenset(
        Presence.objects.filter(seance__action=action, seance__date__gte=debut, seance__date__lte=fin).values_list(
            "seance_id", "participant_id"
        )
    )
    return PresencesDuMois(seances, inscriptions, presents)


def action_au_questionnaire(*, pk, perimetre):
    """An action in the user's scope that proposes the « envie d’école » questionnaire."""
    return get_object_or_404(
        actions_visibles(perimetre=perimetre).filter(questionnaire_envie_ecole=True).select_related("porteur"), pk=pk
    )


@dataclass(frozen=True)
class EnfantAuQuestionnaire:
    """An enrolled child as the questionnaire pages show them: whether their consent covers it,
    their answers at entry and exit (None when not given), and the version and form they answer
    at the moment shown (forme None: none for their level)."""

    participant: Participant
    couvert: bool
    entree: object
    sortie: object
    questionnaire: object
    forme: object

    def rempli(self, moment):
        return self.entree if moment == MomentQuestionnaire.ENTREE else self.sortie


def enfants_au_questionnaire(*, action, moment, participant=None):
    """The action's enrolled children (or one of them: 404 if not enrolled) with their answers,
    in two queries whatever their number."""
    inscrits = Participant.objects.filter(inscriptions__action=action).order_by("code")
    if participant is not None:
        inscrits = [get_object_or_404(inscrits, pk=participant)]
    remplis = {
        (rempli.participant_id, rempli.moment): rempli
        for rempli in QuestionnaireRempli.objects.filter(
            action=action, participant__in=[p.pk for p in inscrits] if participant is not None else inscrits
        )
    }
    lignes = []
    for enfant in inscrits:
        entree = remplis.get((enfant.pk, MomentQuestionnaire.ENTREE))
        sortie = remplis.get((enfant.pk, MomentQuestionnaire.SORTIE))
        version, forme = questionnaires.a_remplir(
            niveau=enfant.niveau_scolaire, entree=entree, rempli=entree if moment == "entree" else sortie
        )
        lignes.append(
            EnfantAuQuestionnaire(
                participant=enfant,
                couvert=bool(enfant.consentement_questionnaire and enfant.date_consentement),
                entree=entree,
                sortie=sortie,
                questionnaire=version,
                forme=forme,
            )
        )
    return lignes


@dataclass(frozen=True)
class EvolutionDeLAction:
    """The action's children with both questionnaires, the mean change of their score and how
    many rose; the mean and the share only over `seuil` children or more (as the dashboards mask
    them), so that no child's answers show through."""

    enfants: int
    moyenne: object
    hausse: object


def evolution_de_l_action(*, action, seuil):
    """One query, over the exits of the action (each carries its pair's change)."""
    sommes = QuestionnaireRempli.objects.filter(action=action, moment=MomentQuestionnaire.SORTIE).aggregate(
        enfants=Count("pk"), moyenne=models.Avg("evolution"), hausse=Count("pk", filter=Q(evolution__gt=0))
    )
    if sommes["enfants"] < seuil:
        return EvolutionDeLAction(sommes["enfants"], None, None)
    return EvolutionDeLAction(
        sommes["enfants"],
        Decimal(sommes["moyenne"]).quantize(Decimal("0.01"), rounding=ROUND_HALF_UP),
        (Decimal(sommes["hausse"]) * 100 / sommes["enfants"]).quantize(Decimal("0.1"), rounding=ROUND_HALF_UP),
    )
