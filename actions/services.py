"""Writes of the action records: keyword-only functions named <entity>_<action>, one
transaction each; reads live in actions.selectors.

Each write updates, explicitly and in its own transaction, the summaries the dashboards read
(actions.resumes) that it changes, and only those: a change that alters nothing they sum (an
action's title or description, its archiving, a funding line, a session's place) recounts
nothing. Writes that recount lock the actions concerned first, then the children
(resumes.recalculer_frequentations), always in that order: two grids saved at once for the same
children both count. Refusals raise a ValidationError whose messages are shown next to the
fields concerned.

An action or a session saved from a form loaded at a `version` keeps what someone else saved
meanwhile (actions.versions): only the user's changes are written, and none when both changed
the same field. The record is read again once locked, never saved from the copy in hand, which
the form changed and which may predate another save."""

from dataclasses import dataclass
from datetime import date

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Exists, Min, OuterRef, Q, Subquery
from django.utils import timezone
from simple_history.utils import bulk_create_with_history

from fiches.annees import AnneeScolaire
from fiches.calendrier import annees_couvertes, jours_non_ouvres
from fiches.clotures import annees_entre, annees_ouvertes_exiger
from partenaires.models import Structure

from . import questionnaires
from .dates import dates_de_la_serie, dates_en_clair
from .enums import ModeDeReponse, MomentQuestionnaire, StatutAction
from .models import (
    Action,
    Financement,
    FrequentationAnnuelle,
    Inscription,
    NiveauAnnuel,
    Participant,
    Presence,
    QuestionnaireRempli,
    Seance,
)
from .resumes import (
    ajouter_aux_presences_du_jour,
    oublier_les_enfants,
    oublier_les_seances_du_jour,
    recalculer_frequentations,
    recalculer_seances_annuelles,
    recalculer_seances_du_jour,
    recompter_inscrits,
    recompter_presents,
)
from .selectors import nouveaux_codes, participants_expires, presences_notees
from .versions import ModificationConcurrente, changements_a_appliquer

SEANCES_PAR_SERIE_MAX = 200

CHAMPS_M2M_ACTION = ["thematiques", "partenaires", "quartiers", "etablissements"]
# What a child's rows of FrequentationAnnuelle carry besides the presences (the structure gives
# the contract): a change of any of them moves the rows to other counters.
PROFIL_DE_L_ENFANT = ["structure_id", "sexe", "niveau_scolaire", "quartier_residence_id"]
# What an action's figures never read: changed alone, they change no closed year's figures.
CHAMPS_SANS_CHIFFRE = {"titre", "description", "autres_lieux", "questionnaire_envie_ecole"}


# What a session's form does not write: its count of children, its grid and its cancellation.
def _enregistrer(objet, donnees, champs_m2m=()):
    for nom, valeur in donnees.items():
        if nom not in champs_m2m:
            setattr(objet, nom, valeur)
    objet.full_clean()
    objet.save()
    for nom in champs_m2m:
        if nom in donnees:
            getattr(objet, nom).set(donnees[nom])
    return objet


def _verrouiller_les_actions(actions):
    """Two writes on the same action wait for each other, and the second one then reads what the
    first committed. Taken before any child is locked."""
    list(Action.objects.select_for_update().filter(pk__in=actions).order_by("pk").values_list("pk"))


def _annees_ouvertes(*, porteur, annees, objet, changees=None):
    """A write that changes these school years' figures is refused if one is closed in the
    contract of the structure `porteur` (an id, or a query of one): fiches.clotures."""
    contrat = Structure.objects.filter(pk=porteur).values("contrat_id")
    annees_ouvertes_exiger(contrat=contrat, annees=annees, objet=objet, changees=changees)


def _jusqu_a_aujourdhui(jour):
    """The school years from `jour` to today: what a change from that day on counts in (the
    sessions to come are in the year under way, never closed)."""
    return annees_entre(jour, max(jour, timezone.localdate()))


def _annees_changees_de_l_action(action, donnees):
    """The school years whose figures an edit of the action changes. A field that counts nowhere
    (its title...) changes none; a date moved changes the years between its old and new place
    (an action running on from a closed year keeps its closed part when its end moves in the
    open one); any other change (statut, quartiers, réalisation, public...) changes every year
    the action runs over, before and after."""
    changes = set()
    for nom, valeur in donnees.items():
        champ = Action._meta.get_field(nom)
        if champ.many_to_many:
            avant, apres = {o.pk for o in getattr(action, nom).all()}, {getattr(o, "pk", o) for o in valeur}
        else:
            # Relations by id: the action in hand has not read them.
            avant, apres = getattr(action, champ.attname), getattr(valeur, "pk", valeur)
        if isinstance(avant, list):
            avant, apres = sorted(avant), sorted(apres)
        if avant != apres:
            changes.add(nom)
    changes -= CHAMPS_SANS_CHIFFRE
    debut, fin = donnees.get("date_debut", action.date_debut), donnees.get("date_fin", action.date_fin)
    if changes - {"date_debut", "date_fin"}:
        return annees_entre(min(debut, action.date_debut), max(fin, action.date_fin))
    annees = set()
    for avant, apres in ((action.date_debut, debut), (action.date_fin, fin)):
        if avant != apres:
            annees.update(annees_entre(min(avant, apres), max(avant, apres)))
    return annees


def _presents(presences):
    """The children of these presences, once each."""
    return list(presences.values_list("participant_id", flat=True).distinct())


def _annee(jour):
    return AnneeScolaire.de_la_date(jour).annee_de_rentree


def _tronquer(texte, longueur):
    return texte if len(texte) <= longueur else texte[: longueur - 1] + "…"


def _refuser_des_seances_hors_des_dates(action, debut, fin):
    """An action's dates hold its sessions: the sessions they would leave out are named."""
    erreurs = {}
    jours = sorted(set(action.seances.filter(Q(date__lt=debut) | Q(date__gt=fin)).values_list("date", flat=True)))
    avant = [jour for jour in jours if jour < debut]
    apres = [jour for jour in jours if jour > fin]
    if avant:
        erreurs["date_debut"] = (
            f"L’action a des séances avant le {debut:%d/%m/%Y} : {dates_en_clair(avant)}. "
            "Déplacez-les ou supprimez-les d’abord, ou gardez une date de début qui les contient."
        )
    if apres:
        erreurs["date_fin"] = (
            f"L’action a des séances après le {fin:%d/%m/%Y} : {dates_en_clair(apres)}. "
            "Déplacez-les ou supprimez-les d’abord, ou gardez une date de fin qui les contient."
        )
    if erreurs:
        raise ValidationError(erreurs)


@transaction.atomic
def action_enregistrer(*, donnees, auteur, action=None, version=None):
    """Create an action (action=None) or update one, with its many-to-many relations, from a
    form loaded at `version` (None: the caller states the fields outright). Its dates cannot
    leave out any of its sessions. The children who came to it are recounted only when what
    their rows sum changes: its quartiers, or its statut to or from « annulée » (a cancelled
    action counts nowhere; action_annuler records why). A new action has no presence yet; its
    dates, title or public change no summary."""
    if action is None:
        if donnees.get("porteur") and donnees.get("date_debut") and donnees.get("date_fin"):
            _annees_ouvertes(
                porteur=donnees["porteur"].pk,
                annees=annees_entre(donnees["date_debut"], donnees["date_fin"]),
                objet="aucune action ne peut plus y être ajoutée",
            )
        return _enregistrer(Action(cree_par=auteur), donnees, CHAMPS_M2M_ACTION)
    # Locked alone (not its réalisation and fiche, read along for the check of the dispositif),
    # then read as committed: the form has already changed the action in hand.
    action.refresh_from_db(
        from_queryset=Action.objects.select_for_update(of=("self",)).select_related("realisation__fiche")
    )
    donnees = changements_a_appliquer(objet=action, donnees=donnees, version=version, champs_m2m=CHAMPS_M2M_ACTION)
    _annees_ouvertes(
        porteur=action.porteur_id,
        annees=annees_entre(
            min(action.date_debut, donnees.get("date_debut", action.date_debut)),
            max(action.date_fin, donnees.get("date_fin", action.date_fin)),
        ),
        changees=lambda fermees: _annees_changees_de_l_action(action, donnees),
        objet="cette modification de l’action changerait ses chiffres et ne peut plus être enregistrée",
    )
    statut, dates_avant, realisation_avant = action.statut, [action.date_debut, action.date_fin], action.realisation_id
    annulee_avant = statut == StatutAction.ANNULEE
    debut = donnees.get("date_debut", action.date_debut)
    fin = donnees.get("date_fin", action.date_fin)
    # Dates in the wrong order are the model's to refuse, next to the end date.
    if [debut, fin] != dates_avant and debut <= fin:
        _refuser_des_seances_hors_des_dates(action, debut, fin)
    quartiers_avant = quartiers = None
    if "quartiers" in donnees:
        liens = Action.quartiers.through.objects.filter(action_id=action.pk)
        quartiers_avant = set(liens.values_list("quartier_id", flat=True))
        quartiers = {getattr(quartier, "pk", quartier) for quartier in donnees["quartiers"]}
    action.version += 1
    annulee = donnees.get("statut", statut) == StatutAction.ANNULEE
    if annulee_avant and not annulee:
        action.motif_annulation = ""
        action._change_reason = "Action rétablie"
    _enregistrer(action, donnees, CHAMPS_M2M_ACTION)
    if annulee != annulee_avant or (quartiers != quartiers_avant and not annulee):
        recalculer_frequentations(participants=_presents(Presence.objects.filter(seance__action=action)))
    # Where its sessions count by day: nowhere once cancelled, in its quartiers, for its fiche.
    if annulee != annulee_avant or (
        not annulee and (quartiers != quartiers_avant or action.realisation_id != realisation_avant)
    ):
        recalculer_seances_du_jour(actions=[action.pk])
    return action


@transaction.atomic
def action_annuler(*, action, motif):
    """Cancel an action, with the reason: it then counts nowhere, and the children who came to
    it are recounted. Its page keeps it, with its sessions and the reason; choosing another
    statut in its form restores it."""
    motif = (motif or "").strip()
    if not motif:
        raise ValidationError({"motif": "Indiquez pourquoi l’action est annulée."})
    statut, debut, fin = (
        Action.objects.select_for_update().filter(pk=action.pk).values_list("statut", "date_debut", "date_fin").get()
    )
    _annees_ouvertes(
        porteur=action.porteur_id, annees=annees_entre(debut, fin), objet="cette action ne peut plus être annulée"
    )
    if statut == StatutAction.ANNULEE:
        raise ValidationError({"motif": "Cette action est déjà annulée."})
    action.statut = StatutAction.ANNULEE
    action.motif_annulation = motif
    # The history's reason is 100 characters long; the whole reason is in the field beside it.
    action._change_reason = _tronquer(f"Action annulée : {motif}", 100)
    action.save(update_fields=["statut", "motif_annulation"])
    recalculer_frequentations(participants=_presents(Presence.objects.filter(seance__action=action)))
    recalculer_seances_du_jour(actions=[action.pk])
    return action


@transaction.atomic
def action_archiver(*, action, archivee=True):
    """Actions are archived, never deleted from the interface: their figures stay in past years,
    so archiving changes no summary. Read as committed first: the history row of the archiving
    would otherwise record the older copy in hand, undoing on paper a save made since."""
    action.refresh_from_db(from_queryset=Action.objects.select_for_update())
    action.archivee = archivee
    action.version += 1
    action.save(update_fields=["archivee", "version"])
    return action


@transaction.atomic
def action_supprimer(*, action):
    """Delete an action entered by mistake, with its sessions, enrolments and funding, as long as
    no grid of its sessions notes anyone present: what was attended stays (cancel or archive
    the action instead). Its yearly sums go with it; no child's rows change, since none came.
    The history keeps the action and what went with it."""
    _verrouiller_les_actions([action.pk])
    debut, fin = Action.objects.filter(pk=action.pk).values_list("date_debut", "date_fin").get()
    _annees_ouvertes(
        porteur=action.porteur_id, annees=annees_entre(debut, fin), objet="cette action ne peut plus être supprimée"
    )
    notees = presences_notees(seances=Seance.objects.filter(action=action))
    if notees:
        raise ValidationError(
            f"Cette action ne peut pas être supprimée : ses séances comptent {notees.en_clair()}. "
            "Annulez-la si elle n’a pas eu lieu, ou archivez-la."
        )
    action._change_reason = "Action supprimée"
    oublier_les_seances_du_jour(actions=[action.pk])
    action.delete()


def annees_du_financement(action, *annees_budgetaires):
    """A funding line of budget year N belongs to the school year in which the action first runs
    on that budget: the one it starts in, or that of 1 January N for an action begun before.
    A line of 2026 is of 2026-2027 for an action begun in September 2026, of 2025-2026 for one
    begun in September 2025, whose line of 2027 is of 2026-2027."""
    return [_annee(max(action.date_debut, date(annee, 1, 1))) for annee in annees_budgetaires if annee]


@transaction.atomic
def financement_enregistrer(*, action, donnees, financement=None):
    """A funding line of the action, refused in a closed school year (annees_du_financement),
    the one it had as the one it is given."""
    avant = [] if financement is None else list(Financement.objects.filter(pk=financement.pk).values_list("annee"))
    _annees_ouvertes(
        porteur=action.porteur_id,
        annees=annees_du_financement(action, donnees.get("annee"), *(annee for (annee,) in avant)),
        objet="ses financements ne peuvent plus être modifiés",
    )
    financement = financement or Financement(action=action)
    if not donnees.get("financeur") and donnees.get("source"):
        donnees = {**donnees, "financeur": donnees["source"].financeur}
    return _enregistrer(financement, donnees)


@transaction.atomic
def financement_supprimer(*, financement):
    _annees_ouvertes(
        porteur=financement.action.porteur_id,
        annees=annees_du_financement(financement.action, financement.annee),
        objet="ses financements ne peuvent plus être supprimés",
    )
    financement.delete()


def _valider_et_enregistrer(seance):
    # _refuser_un_doublon has checked the unique constraints, with a message tied to the date:
    # the same checks again would only cost their queries.
    seance.full_clean(validate_constraints=False)
    seance.save()


def _heure(heure):
    return f"{heure:%H} h {heure:%M}"


def _refuser_un_doublon(seance):
    """No two sessions of an action at the same date and start time. A session without a start
    time takes its whole date: two sessions of one date each need theirs."""
    autres = Seance.objects.filter(action_id=seance.action_id, date=seance.date).exclude(pk=seance.pk)
    if seance.heure_debut is not None:
        autres = autres.filter(Q(heure_debut=seance.heure_debut) | Q(heure_debut__isnull=True))
    heures = list(autres.values_list("heure_debut", flat=True)[:1])
    if heures:
        existante = "sans heure de début" if heures[0] is None else f"à {_heure(heures[0])}"
        raise ValidationError(
            {
                "date": f"Cette action a déjà une séance le {seance.date:%d/%m/%Y} {existante}. Pour deux séances "
                "le même jour, donnez à chacune son heure de début, différente de l’autre."
            }
        )


def _refuser_un_deplacement(seance, date_avant, saisie_le):
    """A session whose grid was saved took place: it cannot move into the future, and the
    children noted present must have been enrolled and consenting on its new date too. (Within
    its action's dates: Seance.clean, for every session.)"""
    if saisie_le is None:
        return
    if seance.date > timezone.localdate():
        raise ValidationError(
            {
                "date": f"La grille de présences du {date_avant:%d/%m/%Y} est enregistrée : la séance a eu lieu et "
                "ne peut pas être déplacée à une date à venir."
            }
        )
    inscrit = Inscription.objects.filter(
        action_id=seance.action_id, participant=OuterRef("participant"), date_inscription__lte=seance.date
    )
    hors_regle = Presence.objects.filter(seance=seance).filter(
        ~Exists(inscrit)
        | Q(participant__date_consentement__isnull=True)
        | Q(participant__date_consentement__gt=seance.date)
    )
    codes = sorted(hors_regle.values_list("participant__code", flat=True))
    if codes:
        raise ValidationError(
            {
                "date": f"Ces enfants notés présents n’étaient pas inscrits, ou sans consentement parental, au "
                f"{seance.date:%d/%m/%Y} : {', '.join(codes)}. Gardez une date où ils l’étaient."
            }
        )


@transaction.atomic
def seance_enregistrer(*, action, donnees, seance=None, version=None):
    """Create a session of the action or update one, from a form loaded at `version` (None: the
    caller states the fields outright): never two at the same date and start time, and a
    session already held (its grid saved) stays in the past. A new session, or one moved to
    another date, counts the children enrolled and consenting by its date, and the action's
    yearly sums follow; its children who came are recounted (moved to another school year, their
    presences move there; within one, the day they first came may change).
    Headcounts and its school (effect E1 counts the sessions held in one) change the yearly sums
    only; its time, other place, duration or notes change no summary. Its grid, cancellation
    and restoration are written by their own services only."""
    # The action before the session: the attendance grid takes its locks in that order too.
    _verrouiller_les_actions([action.pk])
    if seance is None:
        _annees_ouvertes(
            porteur=action.porteur_id,
            annees=[_annee(donnees["date"])] if donnees.get("date") else [],
            objet="aucune séance ne peut plus y être ajoutée",
        )
        seance = Seance(action=action)
        for nom, valeur in donnees.items():
            setattr(seance, nom, valeur)
        _refuser_un_doublon(seance)
        _valider_et_enregistrer(seance)
        recompter_inscrits(seances=[seance.pk])
        recalculer_seances_annuelles(actions=[action.pk])
        return seance
    # As committed: the session in hand was read before the lock (and changed by the form), and
    # saving it writes every field, those of its grid and of its cancellation too. Its action
    # comes along, for the check of its dates.
    seance.refresh_from_db(from_queryset=Seance.objects.select_related("action"))
    date_avant, heure_avant = seance.date, seance.heure_debut
    sommes = [seance.enfants_anonymes, seance.parents_presents, seance.etablissement_id]
    for nom, valeur in changements_a_appliquer(objet=seance, donnees=donnees, version=version).items():
        setattr(seance, nom, valeur)
    _annees_ouvertes(
        porteur=action.porteur_id,
        annees={_annee(date_avant), _annee(seance.date)},
        objet=f"la séance du {date_avant:%d/%m/%Y} ne peut plus être modifiée",
    )
    if (seance.date, seance.heure_debut) != (date_avant, heure_avant):
        _refuser_un_doublon(seance)
    if seance.date != date_avant:
        _refuser_un_deplacement(seance, date_avant, seance.saisie_le)
    seance.version += 1
    _valider_et_enregistrer(seance)
    if seance.date != date_avant:
        recompter_inscrits(seances=[seance.pk])
        # Even within the school year: the day a child first came may move.
        recalculer_frequentations(participants=_presents(seance.presences.all()))
    if (
        seance.date != date_avant
        or [seance.enfants_anonymes, seance.parents_presents, seance.etablissement_id] != sommes
    ):
        recalculer_seances_annuelles(actions=[action.pk])
    return seance


def _seance_ouverte(seance, participe):
    """Refuse to change a session of a closed school year (its date as committed: the one in
    hand may predate a move)."""
    porteur, jour = Seance.objects.filter(pk=seance.pk).values_list("action__porteur_id", "date").get()
    _annees_ouvertes(
        porteur=porteur, annees=[_annee(jour)], objet=f"la séance du {jour:%d/%m/%Y} ne peut plus être {participe}"
    )


@transaction.atomic
def seance_annuler(*, seance, motif):
    """Cancel a session, with the reason: it stays in its action's list and counts nowhere, not
    its presences (if a grid was saved after all), nor its presences possible, nor its
    headcounts. seance_retablir undoes it."""
    motif = (motif or "").strip()
    if not motif:
        raise ValidationError({"motif": "Indiquez pourquoi la séance est annulée."})
    _verrouiller_les_actions([seance.action_id])
    _seance_ouverte(seance, "annulée")
    if Seance.objects.filter(pk=seance.pk, annulee_le__isnull=False).exists():
        raise ValidationError({"motif": "Cette séance est déjà annulée."})
    seance.annulee_le = timezone.now()
    seance.motif_annulation = motif
    seance._change_reason = f"Séance annulée : {motif}"
    seance.save(update_fields=["annulee_le", "motif_annulation"])
    recalculer_seances_annuelles(actions=[seance.action_id])
    recalculer_frequentations(participants=_presents(seance.presences.all()))
    return seance


@transaction.atomic
def seance_retablir(*, seance):
    """Undo a cancellation: the session counts again as it did. A session restored meanwhile
    (by someone else) is left as it is."""
    _verrouiller_les_actions([seance.action_id])
    _seance_ouverte(seance, "rétablie")
    if not Seance.objects.filter(pk=seance.pk, annulee_le__isnull=False).exists():
        return seance
    seance.annulee_le = None
    seance.motif_annulation = ""
    seance._change_reason = "Séance rétablie"
    seance.save(update_fields=["annulee_le", "motif_annulation"])
    recalculer_seances_annuelles(actions=[seance.action_id])
    recalculer_frequentations(participants=_presents(seance.presences.all()))
    return seance


@transaction.atomic
def seance_supprimer(*, seance):
    """Delete a session entered by mistake, as long as its grid notes nobody present: a session
    that was attended stays (cancel it if it did not take place). The action's yearly sums
    follow; no child's rows change, since none came."""
    _verrouiller_les_actions([seance.action_id])
    _seance_ouverte(seance, "supprimée")
    notees = presences_notees(seances=Seance.objects.filter(pk=seance.pk))
    if notees:
        raise ValidationError(
            f"Cette séance ne peut pas être supprimée : sa grille compte {notees.en_clair()}. "
            "Si elle n’a pas eu lieu, annulez-la."
        )
    seance._change_reason = "Séance supprimée"
    seance.delete()
    recalculer_seances_annuelles(actions=[seance.action_id])


@dataclass(frozen=True)
class SerieCreee:
    """What a series created, and the dates it skipped with the reason of each."""

    seances: list
    sautees: dict
    # The contract's school holiday zone, "" when an administrator has not set it yet: only
    # public holidays were skipped then.
    zone: str
    # The last day of the school calendar shipped, when the series goes beyond it: the school
    # holidays after it are not known.
    calendrier_connu_jusqu_au: date | None = None


@transaction.atomic
def seances_creer_en_serie(*, action, date_debut, date_fin, jours, auteur, heure_debut=None, **champs_seance):
    """One session on each chosen weekday between two dates, except public holidays, the school
    holidays of the contract's zone, and the dates where the action already has a session at
    that time (or one without a time). The new sessions count the children enrolled and
    consenting by their dates, and the action's yearly sums follow."""
    erreurs = {}
    if date_fin < date_debut:
        erreurs["date_fin"] = "La date de fin précède la date de début."
    elif date_debut < action.date_debut or date_fin > action.date_fin:
        erreurs["date_debut"] = (
            f"La série doit tenir dans les dates de l’action, du {action.date_debut:%d/%m/%Y} "
            f"au {action.date_fin:%d/%m/%Y}."
        )
    if erreurs:
        raise ValidationError(erreurs)
    _verrouiller_les_actions([action.pk])
    _annees_ouvertes(
        porteur=action.porteur_id,
        annees=annees_entre(date_debut, date_fin),
        objet="aucune séance ne peut plus y être ajoutée ; choisissez des dates dans une année ouverte",
    )
    zone = Structure.objects.filter(pk=action.porteur_id).values_list("contrat__zone_scolaire", flat=True).get()
    non_ouvres = jours_non_ouvres(zone=zone, debut=date_debut, fin=date_fin)
    prises = {
        jour
        for jour, heure in action.seances.filter(date__range=(date_debut, date_fin)).values_list("date", "heure_debut")
        if heure is None or heure_debut is None or heure == heure_debut
    }
    dates, sautees = [], {}
    for jour in dates_de_la_serie(date_debut=date_debut, date_fin=date_fin, jours=jours):
        if jour in prises:
            sautees[jour] = "l’action a déjà une séance ce jour-là"
        elif jour in non_ouvres:
            sautees[jour] = non_ouvres[jour]
        else:
            dates.append(jour)
    if not dates:
        raise ValidationError({"jours": "Aucune nouvelle date : aucun de ces jours n’est libre entre ces deux dates."})
    if len(dates) > SEANCES_PAR_SERIE_MAX:
        raise ValidationError(
            {"date_fin": f"Cette série compterait {len(dates)} séances : {SEANCES_PAR_SERIE_MAX} au plus à la fois."}
        )
    seances = [Seance(action=action, date=jour, heure_debut=heure_debut, **champs_seance) for jour in dates]
    for seance in seances:
        seance.full_clean(exclude=["action"])
    seances = bulk_create_with_history(seances, Seance, default_user=auteur)
    recompter_inscrits(seances=[seance.pk for seance in seances])
    recalculer_seances_annuelles(actions=[action.pk])
    connues = annees_couvertes(zone) if zone else []
    fin_connue = AnneeScolaire.depuis_libelle(connues[-1]).fin if connues else None
    return SerieCreee(
        seances=seances,
        sautees=sautees,
        zone=zone,
        calendrier_connu_jusqu_au=fin_connue if fin_connue and date_fin > fin_connue else None,
    )


def _seances_du_consentement(participant, avant, apres):
    """The sessions of the child's actions whose presences possible change when the consent date
    moves from `avant` to `apres` (None: no consent): those between the two dates."""
    debut, fin = sorted([avant or date.max, apres or date.max])
    seances = Seance.objects.filter(action__inscriptions__participant=participant, date__gte=debut)
    if fin != date.max:
        seances = seances.filter(date__lt=fin)
    return list(seances.values_list("pk", "action_id"))


def _refuser_un_consentement_posterieur(participant, consentement):
    """A child noted present had their parents' consent by then: without it, no presence."""
    presences = Presence.objects.filter(participant=participant)
    if consentement:
        presences = presences.filter(seance__date__lt=consentement)
    premiere = presences.order_by("seance__date").values_list("seance__date", flat=True).first()
    if premiere:
        raise ValidationError(
            {
                "date_consentement": f"L’enfant est noté présent le {premiere:%d/%m/%Y} : le consentement de ses "
                "parents était donc recueilli à cette date. Indiquez une date antérieure ou égale."
            }
        )


def _changer_le_niveau_de_l_annee(participant):
    """A new level is the child's level of this school year; the years before keep the level
    they were counted with, recorded now for those that had none. Returns whether the child
    has rows this school year, the only ones the new level moves."""
    annee = _annee(timezone.localdate())
    rangs = FrequentationAnnuelle.objects.filter(participant=participant, quartier=None)
    passees = rangs.filter(annee_scolaire__lt=annee).exclude(
        annee_scolaire__in=NiveauAnnuel.objects.filter(participant=participant).values("annee_scolaire")
    )
    NiveauAnnuel.objects.bulk_create(
        [
            NiveauAnnuel(participant=participant, annee_scolaire=a, niveau_scolaire=niveau)
            # One row per fiche the child came to, all with the level of that year: noted once.
            for a, niveau in passees.values_list("annee_scolaire", "niveau_scolaire").distinct().order_by()
        ]
    )
    NiveauAnnuel.objects.update_or_create(
        participant=participant, annee_scolaire=annee, defaults={"niveau_scolaire": participant.niveau_scolaire}
    )
    return rangs.filter(annee_scolaire=annee).exists()


def _profil_change(avant, donnees):
    """The fields of the child's profile (PROFIL_DE_L_ENFANT) that `donnees` change."""
    changes = set()
    for champ, valeur in zip(PROFIL_DE_L_ENFANT, avant, strict=True):
        nom = champ.removesuffix("_id")
        if nom in donnees and getattr(donnees[nom], "pk", donnees[nom]) != valeur:
            changes.add(nom)
    return changes


@transaction.atomic
def participant_enregistrer(*, donnees, participant=None):
    """A child's record; a new one gets a random code that says nothing about the child, and has
    no presence yet. A new sex, level, residence or structure moves the child's rows to other
    counters. A new consent date changes the presences possible at the sessions of the child's
    actions between the old date and the new one, which are recounted, and cannot fall after a
    presence; the birth year changes no summary. A new level is the child's level of this
    school year (NiveauAnnuel), a new school that of this year's rows (their éducation
    prioritaire): past years keep theirs, and only this year's rows move."""
    if participant is None:
        return _enregistrer(Participant(code=nouveaux_codes(1)[0]), donnees)
    consentement_avant, couvert_avant = Participant.objects.values_list(
        "date_consentement", "consentement_questionnaire"
    ).get(pk=participant.pk)
    consentement = donnees.get("date_consentement", consentement_avant)
    seances = []
    if consentement != consentement_avant:
        seances = _seances_du_consentement(participant, consentement_avant, consentement)
        # The actions whose sessions are recounted first, then the child: the order of every write.
        _verrouiller_les_actions({action for _, action in seances})
    # Locked, then read as committed: the form has already changed the child in hand.
    *avant, ecole_avant = (
        Participant.objects.select_for_update()
        .values_list(*PROFIL_DE_L_ENFANT, "etablissement_id")
        .get(pk=participant.pk)
    )
    if consentement != consentement_avant:
        _refuser_un_consentement_posterieur(participant, consentement)
    annees = set()
    if _profil_change(avant, donnees) - {"niveau_scolaire"}:
        # The child's rows of every year move; a new level moves only this year's (never closed).
        annees.update(
            FrequentationAnnuelle.objects.filter(participant=participant).values_list("annee_scolaire", flat=True)
        )
    if consentement != consentement_avant:
        bornes = sorted(jour for jour in (consentement, consentement_avant) if jour)
        annees.update(_jusqu_a_aujourdhui(bornes[0]) if len(bornes) == 1 else annees_entre(*bornes))
    _annees_ouvertes(
        porteur=avant[0],
        annees=annees,
        objet="ce changement de la fiche de l’enfant changerait ses chiffres et ne peut plus être enregistré",
    )
    _enregistrer(participant, donnees)
    changes = {
        champ for champ, valeur in zip(PROFIL_DE_L_ENFANT, avant, strict=True) if getattr(participant, champ) != valeur
    }
    if "niveau_scolaire" in changes and not _changer_le_niveau_de_l_annee(participant):
        changes.remove("niveau_scolaire")
    # Another school moves only this school year's rows (never closed): past years keep the
    # éducation prioritaire they were counted with.
    if participant.etablissement_id != ecole_avant:
        changes.add("etablissement")
    if changes:
        recalculer_frequentations(participants=[participant.pk])
    if seances:
        recompter_inscrits(seances=[pk for pk, _ in seances])
        recalculer_seances_annuelles(actions={action for _, action in seances})
    if couvert_avant and not (participant.consentement_questionnaire and participant.date_consentement):
        _oublier_les_questionnaires([participant.pk])
    return participant


def _oublier_les_questionnaires(participants):
    """A consent that no longer covers the questionnaire takes the child's answers with it, and
    their history, which holds them too: nothing is kept that the parents did not agree to."""
    QuestionnaireRempli.objects.filter(participant__in=participants).delete()
    QuestionnaireRempli.history.filter(participant_id__in=participants).delete()


@transaction.atomic
def participant_supprimer(*, participant):
    """Delete a child with their enrolments and presences (past retention, participants_anonymiser
    keeps the figures instead). Their rows and their share of the counters go; the sessions of
    the actions they were enrolled in count one child fewer, those they came to one presence
    fewer."""
    actions = list(participant.inscriptions.values_list("action_id", flat=True))
    _verrouiller_les_actions(actions)
    # Then the child, before their rows: a grid that recounts them waits here, not on their rows.
    list(Participant.objects.select_for_update().filter(pk=participant.pk).values_list("pk"))
    premiere = participant.inscriptions.aggregate(premiere=Min("date_inscription"))["premiere"]
    _annees_ouvertes(
        porteur=participant.structure_id,
        annees=_jusqu_a_aujourdhui(premiere) if premiere else [],
        objet="cet enfant y est compté et ne peut plus être supprimé",
    )
    seances = list(participant.presences.values_list("seance_id", flat=True))
    oublier_les_enfants(participants=[participant.pk])
    _oublier_les_questionnaires([participant.pk])
    participant.delete()
    recompter_presents(seances=seances)
    recompter_inscrits(actions=actions)
    recalculer_seances_annuelles(actions=actions)


@transaction.atomic
def participants_inscrire(*, action, participants, date_inscription, auteur):
    """Enrol children in an action; each must be followed by the structure that runs it. A child
    already enrolled, by another request a moment before as well (the action is locked first),
    is left as is: the new enrolments are returned, the caller tells the others apart. The
    sessions count the children enrolled by their dates, and the action's yearly sums follow.
    Each new child's level is recorded as their level of the enrolment's school year, when that
    year has none yet."""
    etrangers = [p.code for p in participants if p.structure_id != action.porteur_id]
    if etrangers:
        raise ValidationError(
            {
                "participants": "Ces enfants sont suivis par une autre structure que celle qui porte l’action : "
                + ", ".join(sorted(etrangers))
                + "."
            }
        )
    if not action.date_debut <= date_inscription <= action.date_fin:
        raise ValidationError({"date_inscription": "La date d’inscription doit tomber pendant l’action."})
    _verrouiller_les_actions([action.pk])
    _annees_ouvertes(
        porteur=action.porteur_id,
        annees=_jusqu_a_aujourdhui(date_inscription),
        objet="aucun enfant ne peut plus y être inscrit ; choisissez une date d’inscription dans une année ouverte",
    )
    deja = set(action.inscriptions.values_list("participant_id", flat=True))
    nouvelles = [
        Inscription(action=action, participant=p, date_inscription=date_inscription)
        for p in participants
        if p.pk not in deja
    ]
    nouvelles = bulk_create_with_history(nouvelles, Inscription, default_user=auteur)
    # The level the child has at enrolment is their level of that school year, unless one is
    # recorded already; it is the level their rows were counted with, so nothing is recounted.
    NiveauAnnuel.objects.bulk_create(
        [
            NiveauAnnuel(participant=p, annee_scolaire=_annee(date_inscription), niveau_scolaire=p.niveau_scolaire)
            for p in participants
            if p.pk not in deja
        ],
        ignore_conflicts=True,
    )
    recompter_inscrits(actions=[action.pk])
    recalculer_seances_annuelles(actions=[action.pk])
    return nouvelles


@transaction.atomic
def inscription_supprimer(*, inscription):
    """Unenrol a child: the sessions from the enrolment date on count one child fewer, and the
    action's yearly sums follow. The child's presences stay: they came."""
    _verrouiller_les_actions([inscription.action_id])
    _annees_ouvertes(
        porteur=Action.objects.filter(pk=inscription.action_id).values("porteur_id")[:1],
        annees=_jusqu_a_aujourdhui(inscription.date_inscription),
        objet=f"l’inscription de {inscription.participant} ne peut plus être supprimée",
    )
    inscription.delete()
    recompter_inscrits(actions=[inscription.action_id])
    recalculer_seances_annuelles(actions=[inscription.action_id])


@transaction.atomic
def presences_enregistrer(
    *, seance, presents, enfants_anonymes, parents_presents, presents_au_chargement=None, version=None
):
    """Save a session's attendance grid in a number of queries that does not depend on the
    number of children. From then on the session is saisie (saisie_le), even with nobody
    present: its children enrolled and consenting count as presences possible. A grid loaded
    with `presents_au_chargement` ticked writes only what its user changed, the children they
    ticked or unticked since, on top of what is saved now: two grids saved at once for
    different children keep both (None: `presents` is the whole grid). Its headcounts are
    fields of the session, merged as its form's are, from the `version` the grid was loaded at.
    Who was ticked or unticked is written in the session's history (change reason), one row per
    save instead of one per child. The children ticked or unticked are recounted (their rows
    and the counters); the action's yearly sums when the grid is saved for the first time or
    its headcounts changed. No grid for a session to come, nor for a cancelled one."""
    # The action first, then its children: the order every write that recounts takes its locks in.
    _verrouiller_les_actions([seance.action_id])
    # As committed: the session in hand may have been read before another grid was saved.
    seance.refresh_from_db(from_queryset=Seance.objects.select_related("action"))
    _grilles_d_annees_ouvertes(action=seance.action, seances=[seance])
    a_ajouter, a_retirer, sommes_changees = _noter_la_grille(
        seance,
        _ce_que_lisent_les_grilles(action=seance.action_id, seances=[seance.pk]),
        presents=presents,
        enfants_anonymes=enfants_anonymes,
        parents_presents=parents_presents,
        presents_au_chargement=presents_au_chargement,
        version=version,
    )
    _recompter_les_grilles(action=seance.action_id, notees=[(seance, a_ajouter, a_retirer, sommes_changees)])
    return len(a_ajouter), len(a_retirer)


@transaction.atomic
def presences_du_mois_enregistrer(*, action, grilles):
    """Save several attendance grids of one action at once (a month of it): `grilles` maps each
    session's id to what presences_enregistrer takes for it. Each grid follows the rules of
    the one-session save, by the same code; all are written or none. A grid someone else saved
    meanwhile with other headcounts refuses the whole save, naming the sessions concerned, as
    does any grid the rules refuse. The summaries are recounted once, for every child ticked or
    unticked in any grid: what saving the grids one by one would leave."""
    _verrouiller_les_actions([action.pk])
    # As committed, and only the action's own: an id of another action's session is refused.
    seances = list(Seance.objects.filter(action=action, pk__in=grilles).select_related("action"))
    if len(seances) != len(grilles):
        raise ValidationError({"presences": "Cette grille nomme des séances qui ne sont pas de cette action."})
    _grilles_d_annees_ouvertes(action=action, seances=seances)
    lus = _ce_que_lisent_les_grilles(action=action.pk, seances=list(grilles))
    notees, conflits, refus = [], [], []
    for seance in seances:
        try:
            notees.append((seance, *_noter_la_grille(seance, lus, **grilles[seance.pk])))
        except ModificationConcurrente:
            conflits.append(seance)
        except ValidationError as erreur:
            refus += [f"Séance du {seance.date:%d/%m/%Y} : {m[0].lower()}{m[1:]}" for m in erreur.messages]
    if conflits:
        seances_en_conflit = ("la séance du " if len(conflits) == 1 else "les séances du ") + dates_en_clair(
            [seance.date for seance in conflits]
        )
        refus.insert(
            0,
            f"Quelqu’un d’autre a changé les effectifs de {seances_en_conflit} pendant que vous remplissiez la "
            "grille. Rien n’a été enregistré. Vérifiez vos effectifs : enregistrer de nouveau les garde.",
        )
    if refus:
        raise ValidationError({"presences": refus})
    _recompter_les_grilles(action=action.pk, notees=notees)
    return len(seances)


def _grilles_d_annees_ouvertes(*, action, seances):
    """The grids of these sessions are refused if the school year of one is closed: checked once
    for all the grids of a save (a month's sessions are of one school year)."""
    jours = sorted(seance.date for seance in seances)
    if not jours:
        return
    _annees_ouvertes(
        porteur=action.porteur_id,
        annees={_annee(jour) for jour in jours},
        objet=f"les présences {'de la séance' if len(jours) == 1 else 'des séances'} du {dates_en_clair(jours)} "
        "ne peuvent plus être modifiées",
    )


@dataclass(frozen=True)
class _LuPourLesGrilles:
    """What the rules of the grids read, once for all the grids of a save: the action's
    enrolments (child, code, date, consent date) and the presences of the sessions."""

    inscriptions: list
    presences: dict


def _ce_que_lisent_les_grilles(*, action, seances):
    """Read once the action is locked: as committed."""
    presences = {pk: set() for pk in seances}
    for seance, participant in Presence.objects.filter(seance__in=seances).values_list("seance_id", "participant_id"):
        presences[seance].add(participant)
    inscriptions = Inscription.objects.filter(action=action).values_list(
        "participant_id", "participant__code", "date_inscription", "participant__date_consentement"
    )
    return _LuPourLesGrilles(inscriptions=list(inscriptions), presences=presences)


def _noter_la_grille(
    seance, lus, *, presents, enfants_anonymes, parents_presents, presents_au_chargement=None, version=None
):
    """The rules and writes of one grid (presences_enregistrer), on a session read as committed
    once its action is locked, with what `lus` read then. Nothing is written before every rule
    holds. Returns the children ticked and unticked, and whether the action's yearly sums change."""
    presents = set(presents)
    jour, saisie_avant = seance.date, seance.saisie_le
    effectifs_avant = (seance.enfants_anonymes, seance.parents_presents)
    effectifs = changements_a_appliquer(
        objet=seance,
        donnees={"enfants_anonymes": enfants_anonymes, "parents_presents": parents_presents},
        version=version,
    )
    if seance.annulee_le:
        raise ValidationError({"presents": "Cette séance est annulée : rétablissez-la pour noter ses présences."})
    if jour > timezone.localdate():
        raise ValidationError(
            {"presents": "Cette séance est à venir : sa grille de présences se remplit le jour même ou après."}
        )
    inscrits = {pk: code for pk, code, inscription, _ in lus.inscriptions if inscription <= jour}
    non_inscrits = presents - inscrits.keys()
    if non_inscrits:
        codes = Participant.objects.filter(pk__in=non_inscrits).values_list("code", flat=True)
        raise ValidationError(
            {
                "presents": "Ces enfants n’étaient pas inscrits à l’action à la date de la séance : "
                + ", ".join(sorted(codes))
                + "."
            }
        )
    consentements = {pk: consentement for pk, _, _, consentement in lus.inscriptions}
    codes = sorted(inscrits[pk] for pk in presents if consentements[pk] is None or consentements[pk] > jour)
    if codes:
        raise ValidationError(
            {
                "presents": "Le consentement parental n’était pas recueilli à la date de la séance pour : "
                + ", ".join(codes)
                + ". Renseignez-le sur la fiche de l’enfant avant de noter sa présence."
            }
        )
    existants = set(lus.presences[seance.pk])
    if presents_au_chargement is not None:
        avant = set(presents_au_chargement)
        presents = (existants - (avant - presents)) | (presents - avant)
    a_retirer, a_ajouter = existants - presents, presents - existants
    if a_retirer:
        seance.presences.filter(participant_id__in=a_retirer).delete()
    if a_ajouter:
        Presence.objects.bulk_create([Presence(seance=seance, participant_id=pk) for pk in a_ajouter])
    # A child unticked may have been unenrolled since the grid was loaded: its presence goes,
    # and the history names it by its code all the same.
    codes = dict(inscrits)
    if desinscrits := a_retirer - codes.keys():
        codes.update(Participant.objects.filter(pk__in=desinscrits).values_list("pk", "code"))
    changements = [f"présent : {codes[pk]}" for pk in sorted(a_ajouter)]
    changements += [f"absent : {codes[pk]}" for pk in sorted(a_retirer)]
    for nom, valeur in effectifs.items():
        setattr(seance, nom, valeur)
    seance.version += 1
    seance.saisie_le = timezone.now()
    seance.nb_presents = len(presents)
    seance._change_reason = "Présences – " + (", ".join(changements) or "sans changement d’enfant")
    seance.save(update_fields=["enfants_anonymes", "parents_presents", "saisie_le", "version", "nb_presents"])
    sommes_changees = saisie_avant is None or (seance.enfants_anonymes, seance.parents_presents) != effectifs_avant
    return a_ajouter, a_retirer, sommes_changees


def _recompter_les_grilles(*, action, notees):
    """After grids of the action were saved (each: its session, the children ticked and
    unticked, whether its sums changed): the children ticked or unticked are recounted; the
    action's yearly sums and the days of the grids saved for the first time or with other
    headcounts are rewritten; the presences of the other grids' days move by their difference
    (a day rewritten already counts them)."""
    enfants = set().union(*(ajoutes | retires for _, ajoutes, retires, _ in notees))
    if enfants:
        recalculer_frequentations(participants=enfants)
    jours = sorted({seance.date for seance, _, _, changees in notees if changees})
    if jours:
        recalculer_seances_annuelles(actions=[action], jours=jours)
    for seance, ajoutes, retires, _ in notees:
        if seance.date not in jours:
            ajouter_aux_presences_du_jour(seance=seance, ecart=len(ajoutes) - len(retires))


@transaction.atomic
def participants_anonymiser(*, aujourdhui, annees):
    """Anonymise the children past retention (selectors.participants_expires): a new random code,
    no school, and their history rows (which hold the old values) deleted. Sex, level and
    quartier of residence stay, so that past years' indicators, and the summaries, do not
    change. So does whether they were consenting on the date of each session of their actions
    (the presences possible): the consent date becomes the date of the first of those sessions
    it covered, which says nothing of the family, or none. Returns the children anonymised."""
    expires = participants_expires(aujourdhui=aujourdhui, annees=annees)
    if expires:
        premiere_couverte = (
            Seance.objects.filter(
                action__inscriptions__participant=OuterRef("pk"), date__gte=OuterRef("date_consentement")
            )
            .order_by("date")
            .values("date")[:1]
        )
        consentements = dict(
            Participant.objects.filter(pk__in=[p.pk for p in expires])
            .annotate(premiere=Subquery(premiere_couverte))
            .values_list("pk", "premiere")
        )
        for participant, code in zip(expires, nouveaux_codes(len(expires)), strict=True):
            participant.code = "X" + code[1:]
            participant.etablissement = None
            participant.date_consentement = consentements[participant.pk]
            participant.anonymise_le = aujourdhui
        Participant.objects.bulk_update(expires, ["code", "etablissement", "date_consentement", "anonymise_le"])
        Participant.history.filter(id__in=[p.pk for p in expires]).delete()
        # The answers stay with the anonymised record, as its presences, so that past figures do
        # not change; their history, which says who entered them and when, goes.
        QuestionnaireRempli.history.filter(participant_id__in=[p.pk for p in expires]).delete()
    return expires


def _refuser_un_questionnaire(*, action, participant, moment, rempli_le, entree):
    if not action.questionnaire_envie_ecole:
        raise ValidationError({"action": "Cette action ne propose pas le questionnaire « envie d’école »."})
    if not (participant.consentement_questionnaire and participant.date_consentement):
        raise ValidationError(
            {
                "participant": f"Le consentement des parents de {participant.code} ne couvre pas le questionnaire : "
                "aucune réponse ne peut être enregistrée."
            }
        )
    if not Inscription.objects.filter(action=action, participant=participant).exists():
        raise ValidationError({"participant": f"{participant.code} n’est pas inscrit à cette action."})
    if rempli_le > timezone.localdate():
        raise ValidationError({"rempli_le": "La date ne peut pas être dans le futur."})
    if moment == MomentQuestionnaire.SORTIE:
        if entree is None:
            raise ValidationError(
                {"moment": "Enregistrez d’abord le questionnaire d’entrée : la sortie se compare à lui."}
            )
        if rempli_le < entree.rempli_le:
            raise ValidationError(
                {"rempli_le": f"La sortie ne peut pas précéder l’entrée, remplie le {entree.rempli_le:%d/%m/%Y}."}
            )


@transaction.atomic
def questionnaire_enregistrer(*, action, participant, moment, reponses, rempli_le, mode, auteur, revision_vue=0):
    """A child's answers to the action's questionnaire at entry or exit, new or corrected. The
    entry takes the latest version of the questionnaire and the form of the child's level; the
    exit takes the entry's, so that their scores compare. Refused, with nothing written, for an
    action that does not propose it, a child whose consent does not cover it or who is not
    enrolled, an exit without entry, or an answer missing (at its item's field). The page sends
    the revision it showed (0: none): a save made meanwhile for the same child, from another
    tablet or grid, is refused rather than overwritten; the child's row is locked first, so two
    saves at once queue and the second one sees the first."""
    list(Participant.objects.select_for_update().filter(pk=participant.pk).values_list("pk"))
    existants = {
        q.moment: q
        for q in QuestionnaireRempli.objects.filter(action=action, participant=participant).select_related("saisi_par")
    }
    entree = existants.get(MomentQuestionnaire.ENTREE)
    _refuser_un_questionnaire(action=action, participant=participant, moment=moment, rempli_le=rempli_le, entree=entree)
    rempli = existants.get(moment)
    if (rempli.revision if rempli else 0) != revision_vue:
        qui = rempli.saisi_par if rempli else None
        raise ValidationError(
            {
                "__all__": f"Le questionnaire de {participant.code} vient d’être enregistré"
                + (f" par {qui.get_full_name() or qui.get_username()}" if qui else "")
                + " pendant que vous le remplissiez : rechargez la page pour voir ses réponses."
            }
        )
    annees = {_annee(rempli_le)} | ({_annee(entree.rempli_le)} if entree else set())
    _annees_ouvertes(
        porteur=action.porteur_id,
        annees=annees,
        objet="ses questionnaires y sont comptés et ne peuvent plus être enregistrés",
    )
    questionnaire, forme = questionnaires.a_remplir(niveau=participant.niveau_scolaire, entree=entree, rempli=rempli)
    if forme is None:
        raise ValidationError(
            {
                "participant": f"Le questionnaire n’a pas de forme pour le niveau de {participant.code} "
                f"({participant.get_niveau_scolaire_display()})."
            }
        )
    if refus := questionnaire.refus(forme, reponses):
        raise ValidationError(refus)
    rempli = rempli or QuestionnaireRempli(
        action=action,
        participant=participant,
        moment=moment,
        version=questionnaire.version,
        forme=forme.public,
        revision=0,
    )
    rempli.reponses = {item.code: reponses[item.code] for item in forme.items}
    rempli.score = questionnaire.score(forme, reponses)
    rempli.rempli_le = rempli_le
    rempli.mode = mode
    rempli.saisi_par = auteur
    rempli.revision += 1
    entree = rempli if moment == MomentQuestionnaire.ENTREE else entree
    rempli.annee_scolaire = _annee(entree.rempli_le)
    rempli.save()
    sortie = rempli if moment == MomentQuestionnaire.SORTIE else existants.get(MomentQuestionnaire.SORTIE)
    if sortie is not None:
        # An entry corrected moves its exit's pair too.
        sortie.annee_scolaire = entree.annee_scolaire
        sortie.evolution = sortie.score - entree.score
        sortie.save(update_fields=["annee_scolaire", "evolution"])
    return rempli


@transaction.atomic
def questionnaires_enregistrer(*, action, moment, rempli_le, saisies, auteur):
    """A grid of paper questionnaires entered at once: `saisies` holds, per child, their answers
    and the revision the grid showed. Every row is checked as questionnaire_enregistrer checks
    one, and any refusal keeps the whole grid unsaved; the refusals come back named after the
    grid's cells (q-<child>-<item>) and rows (participant-<child>). Returns the number saved."""
    erreurs = {}
    for participant, reponses, revision_vue in saisies:
        try:
            questionnaire_enregistrer(
                action=action,
                participant=participant,
                moment=moment,
                reponses=reponses,
                rempli_le=rempli_le,
                mode=ModeDeReponse.PAPIER,
                auteur=auteur,
                revision_vue=revision_vue,
            )
        except ValidationError as erreur:
            for champ, messages in erreur.message_dict.items():
                cle = champ if champ == "rempli_le" else f"q-{participant.pk}-{champ}"
                if champ in ("__all__", "participant", "moment", "action"):
                    cle = f"participant-{participant.pk}"
                erreurs.setdefault(cle, []).extend(m for m in messages if m not in erreurs.get(cle, []))
    if erreurs:
        raise ValidationError(erreurs)
    return len(saisies)
