"""Writes of the action records: keyword-only functions named <entity>_<action>, one
transaction each; reads live in actions.selectors. Refusals raise a ValidationError whose
messages are shown next to the fields concerned."""

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from simple_history.utils import bulk_create_with_history

from .dates import dates_de_la_serie
from .models import Action, Financement, Inscription, Participant, Presence, Seance
from .resumes import actualiser_inscrits, recalculer_frequentations, verrouiller_les_actions
from .selectors import nouveaux_codes, participants_expires

SEANCES_PAR_SERIE_MAX = 200

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
def action_enregistrer(*, donnees, auteur, action=None):
    """Create an action (action=None) or update one, with its many-to-many relations."""
    if action is None:
        action = Action(cree_par=auteur)
    return _enregistrer(action, donnees, CHAMPS_M2M_ACTION)


@transaction.atomic
def action_archiver(*, action, archivee=True):
    """Actions are archived, never deleted from the interface: their figures stay in past years."""
    action.archivee = archivee
    action.save(update_fields=["archivee"])
    return action


@transaction.atomic
def financement_enregistrer(*, action, donnees, financement=None):
    financement = financement or Financement(action=action)
    if not donnees.get("financeur") and donnees.get("source"):
        donnees = {**donnees, "financeur": donnees["source"].financeur}
    return _enregistrer(financement, donnees)


@transaction.atomic
def financement_supprimer(*, financement):
    financement.delete()


@transaction.atomic
def seance_enregistrer(*, action, donnees, seance=None):
    # The action before the session: the attendance grid takes its locks in that order too.
    verrouiller_les_actions([action.pk])
    return _enregistrer(seance or Seance(action=action), donnees)


@transaction.atomic
def seances_creer_en_serie(*, action, date_debut, date_fin, jours, auteur, **champs_seance):
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


@transaction.atomic
def participant_enregistrer(*, donnees, participant=None):
    """A child's record; a new one gets a random code that says nothing about the child."""
    if participant is None:
        participant = Participant(code=nouveaux_codes(1)[0])
    return _enregistrer(participant, donnees)


@transaction.atomic
def participants_inscrire(*, action, participants, date_inscription, auteur):
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
def presences_enregistrer(*, seance, presents, enfants_anonymes, parents_presents):
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


@transaction.atomic
def participants_anonymiser(*, aujourdhui, annees):
    """Anonymise the children past retention (selectors.participants_expires): a new random code,
    no school, no consent date, and their history rows (which hold the old values) deleted. Sex,
    level and quartier of residence stay, so that past years' indicators do not change. Returns
    the children anonymised."""
    expires = participants_expires(aujourdhui=aujourdhui, annees=annees)
    if expires:
        for participant, code in zip(expires, nouveaux_codes(len(expires)), strict=True):
            participant.code = "X" + code[1:]
            participant.etablissement = None
            participant.date_consentement = None
            participant.anonymise_le = aujourdhui
        Participant.objects.bulk_update(expires, ["code", "etablissement", "date_consentement", "anonymise_le"])
        Participant.history.filter(id__in=[p.pk for p in expires]).delete()
    return expires
