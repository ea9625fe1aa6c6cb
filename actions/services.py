"""Writes of the action records. Each function runs in one transaction; refusals raise a
ValidationError whose messages are shown next to the fields concerned."""

import secrets
from datetime import timedelta

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from simple_history.utils import bulk_create_with_history

from fiches.annees import AnneeScolaire

from .models import Action, Financement, Inscription, Participant, Presence, Seance
from .resumes import actualiser_inscrits, recalculer_frequentations, verrouiller_les_actions

SEANCES_PAR_SERIE_MAX = 200
# No 0/O, 1/I/L, U: a code read aloud or copied by hand stays unambiguous.
ALPHABET_CODE = "ABCDEFGHJKMNPQRSTVWXYZ23456789"

CHAMPS_M2M_ACTION = ["thematiques", "partenaires", "quartiers", "etablissements"]


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


@transaction.atomic
def enregistrer_action(*, donnees, auteur, action=None):
    """Create an action (action=None) or update one, with its many-to-many relations."""
    if action is None:
        action = Action(cree_par=auteur)
    return _enregistrer(action, donnees, CHAMPS_M2M_ACTION)


@transaction.atomic
def archiver_action(*, action, archivee=True):
    """Actions are archived, never deleted from the interface: their figures stay in past years."""
    action.archivee = archivee
    action.save(update_fields=["archivee"])
    return action


@transaction.atomic
def enregistrer_financement(*, action, donnees, financement=None):
    financement = financement or Financement(action=action)
    if not donnees.get("financeur") and donnees.get("source"):
        donnees = {**donnees, "financeur": donnees["source"].financeur}
    return _enregistrer(financement, donnees)


@transaction.atomic
def supprimer_financement(*, financement):
    financement.delete()


@transaction.atomic
def enregistrer_seance(*, action, donnees, seance=None):
    # The action before the session: the attendance grid takes its locks in that order too.
    verrouiller_les_actions([action.pk])
    return _enregistrer(seance or Seance(action=action), donnees)


def dates_de_la_serie(*, date_debut, date_fin, jours):
    jour = date_debut
    while jour <= date_fin:
        if jour.weekday() in jours:
            yield jour
        jour += timedelta(days=1)


@transaction.atomic
def creer_serie_de_seances(*, action, date_debut, date_fin, jours, auteur, **champs_seance):
    """One session on each chosen weekday between two dates; a date that already has a
    session of this action is skipped rather than doubled."""
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
    deja = set(action.seances.filter(date__range=(date_debut, date_fin)).values_list("date", flat=True))
    dates = [
        jour for jour in dates_de_la_serie(date_debut=date_debut, date_fin=date_fin, jours=jours) if jour not in deja
    ]
    if not dates:
        raise ValidationError({"jours": "Aucune nouvelle date : aucun de ces jours n’est libre entre ces deux dates."})
    if len(dates) > SEANCES_PAR_SERIE_MAX:
        raise ValidationError(
            {"date_fin": f"Cette série compterait {len(dates)} séances : {SEANCES_PAR_SERIE_MAX} au plus à la fois."}
        )
    seances = [Seance(action=action, date=jour, **champs_seance) for jour in dates]
    for seance in seances:
        seance.full_clean(exclude=["action"])
    seances = bulk_create_with_history(seances, Seance, default_user=auteur)
    actualiser_inscrits(actions=[action.pk])
    return seances


def nouveaux_codes(nombre):
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


@transaction.atomic
def enregistrer_participant(*, donnees, participant=None):
    """A child's record; a new one gets a random code that says nothing about the child."""
    if participant is None:
        participant = Participant(code=nouveaux_codes(1)[0])
    return _enregistrer(participant, donnees)


@transaction.atomic
def inscrire(*, action, participants, date_inscription, auteur):
    """Enrol children in an action; each must be followed by the structure that runs it."""
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
    deja = set(action.inscriptions.values_list("participant_id", flat=True))
    nouvelles = [
        Inscription(action=action, participant=p, date_inscription=date_inscription)
        for p in participants
        if p.pk not in deja
    ]
    nouvelles = bulk_create_with_history(nouvelles, Inscription, default_user=auteur)
    actualiser_inscrits(actions=[action.pk])
    return nouvelles


@transaction.atomic
def enregistrer_presences(*, seance, presents, enfants_anonymes, parents_presents):
    """Save a session's attendance grid in a number of queries that does not depend on the
    number of children. Who was ticked or unticked is written in the session's history
    (change reason), one row per save instead of one per child."""
    presents = set(presents)
    # The action first, then its children: the order every write that recounts takes its locks in.
    verrouiller_les_actions([seance.action_id])
    inscrits = dict(
        seance.action.inscriptions.filter(date_inscription__lte=seance.date).values_list(
            "participant_id", "participant__code"
        )
    )
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
    sans_consentement = Participant.objects.filter(pk__in=presents).exclude(date_consentement__lte=seance.date)
    codes = sorted(sans_consentement.values_list("code", flat=True))
    if codes:
        raise ValidationError(
            {
                "presents": "Le consentement parental n’était pas recueilli à la date de la séance pour : "
                + ", ".join(codes)
                + ". Renseignez-le sur la fiche de l’enfant avant de noter sa présence."
            }
        )
    if presents and seance.date > timezone.localdate():
        raise ValidationError({"presents": "On ne peut pas noter de présence pour une séance à venir."})
    existants = set(seance.presences.values_list("participant_id", flat=True))
    a_retirer, a_ajouter = existants - presents, presents - existants
    if a_retirer:
        seance.presences.filter(participant_id__in=a_retirer).delete()
    if a_ajouter:
        Presence.objects.bulk_create([Presence(seance=seance, participant_id=pk) for pk in a_ajouter])
    changements = [f"présent : {inscrits[pk]}" for pk in sorted(a_ajouter)]
    changements += [f"absent : {inscrits[pk]}" for pk in sorted(a_retirer)]
    seance.enfants_anonymes = enfants_anonymes
    seance.parents_presents = parents_presents
    if a_ajouter or a_retirer:
        recalculer_frequentations(participants=a_ajouter | a_retirer)
    seance._change_reason = "Présences – " + (", ".join(changements) or "sans changement d’enfant")
    seance.save(update_fields=["enfants_anonymes", "parents_presents"])
    return len(a_ajouter), len(a_retirer)


def seuil_de_retention(*, aujourdhui, annees):
    """Records whose last activity is before this date are past retention: their last school
    year ended more than `annees` school years ago."""
    courante = AnneeScolaire.de_la_date(aujourdhui)
    return AnneeScolaire(courante.annee_de_rentree - annees).debut


@transaction.atomic
def anonymiser_participants_expires(*, aujourdhui, annees, appliquer):
    """Anonymise the children past retention: a new random code, no school, no consent date, and
    their history rows (which hold the old values) deleted. Sex, level and quartier of residence
    stay, so that past years' indicators do not change. Returns the children concerned."""
    seuil = seuil_de_retention(aujourdhui=aujourdhui, annees=annees)
    expires = list(
        Participant.objects.filter(anonymise_le__isnull=True).sans_activite_depuis(seuil).select_related("structure")
    )
    if appliquer and expires:
        for participant, code in zip(expires, nouveaux_codes(len(expires)), strict=True):
            participant.code = "X" + code[1:]
            participant.etablissement = None
            participant.date_consentement = None
            participant.anonymise_le = aujourdhui
        Participant.objects.bulk_update(expires, ["code", "etablissement", "date_consentement", "anonymise_le"])
        Participant.history.filter(id__in=[p.pk for p in expires]).delete()
    return expires
