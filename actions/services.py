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

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from simple_history.utils import bulk_create_with_history

from fiches.annees import AnneeScolaire

from .dates import dates_de_la_serie
from .enums import StatutAction
from .models import Action, Financement, Inscription, Participant, Presence, Seance
from .resumes import (
    oublier_les_enfants,
    recalculer_frequentations,
    recalculer_seances_annuelles,
    recompter_inscrits,
)
from .selectors import nouveaux_codes, participants_expires
from .versions import changements_a_appliquer

SEANCES_PAR_SERIE_MAX = 200

CHAMPS_M2M_ACTION = ["thematiques", "partenaires", "quartiers", "etablissements"]
# What a child's rows of FrequentationAnnuelle carry besides the presences (the structure gives
# the contract): a change of any of them moves the rows to other counters.
PROFIL_DE_L_ENFANT = ["structure_id", "sexe", "niveau_scolaire", "quartier_residence_id"]


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


def _presents(presences):
    """The children of these presences, once each."""
    return list(presences.values_list("participant_id", flat=True).distinct())


def _annee(jour):
    return AnneeScolaire.de_la_date(jour).annee_de_rentree


@transaction.atomic
def action_enregistrer(*, donnees, auteur, action=None, version=None):
    """Create an action (action=None) or update one, with its many-to-many relations, from a
    form loaded at `version` (None: the caller states the fields outright). The children who
    came to it are recounted only when what their rows sum changes: its quartiers, or its
    statut to or from « annulée » (a cancelled action counts nowhere). A new action has no
    presence yet; its dates, title or public change no summary."""
    if action is None:
        return _enregistrer(Action(cree_par=auteur), donnees, CHAMPS_M2M_ACTION)
    # Locked alone (not its réalisation and fiche, read along for the check of the dispositif).
    action.refresh_from_db(
        from_queryset=Action.objects.select_for_update(of=("self",)).select_related("realisation__fiche")
    )
    donnees = changements_a_appliquer(objet=action, donnees=donnees, version=version, champs_m2m=CHAMPS_M2M_ACTION)
    annulee_avant = action.statut == StatutAction.ANNULEE
    quartiers_avant = quartiers = None
    if "quartiers" in donnees:
        liens = Action.quartiers.through.objects.filter(action_id=action.pk)
        quartiers_avant = set(liens.values_list("quartier_id", flat=True))
        quartiers = {getattr(quartier, "pk", quartier) for quartier in donnees["quartiers"]}
    action.version += 1
    _enregistrer(action, donnees, CHAMPS_M2M_ACTION)
    annulee = action.statut == StatutAction.ANNULEE
    if annulee != annulee_avant or (quartiers != quartiers_avant and not annulee):
        recalculer_frequentations(participants=_presents(Presence.objects.filter(seance__action=action)))
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
    """Delete an action with its sessions, enrolments, presences and funding (the interface
    archives instead; this is for corrections). The children who came to it are recounted; its
    yearly sums go with it."""
    _verrouiller_les_actions([action.pk])
    presents = _presents(Presence.objects.filter(seance__action=action))
    action.delete()
    recalculer_frequentations(participants=presents)


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
def seance_enregistrer(*, action, donnees, seance=None, version=None):
    """Create a session of the action or update one, from a form loaded at `version` (None: the
    caller states the fields outright). A new session, or one moved to another date, counts the
    children enrolled by its date, and the action's yearly sums follow; moved to another school
    year, it moves its children's presences there. Other headcounts change the yearly sums
    only; its place, duration or notes change no summary."""
    # The action before the session: the attendance grid takes its locks in that order too.
    _verrouiller_les_actions([action.pk])
    if seance is None:
        seance = _enregistrer(Seance(action=action), donnees)
        recompter_inscrits(seances=[seance.pk])
        recalculer_seances_annuelles(actions=[action.pk])
        return seance
    # As committed: saving writes every field, its count of children enrolled too. Its action
    # comes along, for the check of its dates.
    seance.refresh_from_db(from_queryset=Seance.objects.select_related("action"))
    date, effectifs = seance.date, [seance.enfants_anonymes, seance.parents_presents]
    donnees = changements_a_appliquer(objet=seance, donnees=donnees, version=version)
    seance.version += 1
    _enregistrer(seance, donnees)
    if seance.date != date:
        recompter_inscrits(seances=[seance.pk])
        if _annee(seance.date) != _annee(date):
            recalculer_frequentations(participants=_presents(seance.presences.all()))
    if seance.date != date or [seance.enfants_anonymes, seance.parents_presents] != effectifs:
        recalculer_seances_annuelles(actions=[action.pk])
    return seance


@transaction.atomic
def seance_supprimer(*, seance):
    """Delete a session with its presences: the children who came are recounted, and the
    action's yearly sums."""
    _verrouiller_les_actions([seance.action_id])
    presents = _presents(seance.presences.all())
    seance.delete()
    recalculer_seances_annuelles(actions=[seance.action_id])
    recalculer_frequentations(participants=presents)


@transaction.atomic
def seances_creer_en_serie(*, action, date_debut, date_fin, jours, auteur, **champs_seance):
    """One session on each chosen weekday between two dates; a date that already has a
    session of this action is skipped rather than doubled. The new sessions count the children
    enrolled by their dates, and the action's yearly sums follow."""
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
    recompter_inscrits(seances=[seance.pk for seance in seances])
    recalculer_seances_annuelles(actions=[action.pk])
    return seances


@transaction.atomic
def participant_enregistrer(*, donnees, participant=None):
    """A child's record; a new one gets a random code that says nothing about the child, and has
    no presence yet. A new sex, level, residence or structure moves the child's rows to other
    counters; the school, birth year or consent date change no summary."""
    if participant is None:
        return _enregistrer(Participant(code=nouveaux_codes(1)[0]), donnees)
    # Locked, then read as committed: the form has already changed the child in hand.
    avant = Participant.objects.select_for_update().values_list(*PROFIL_DE_L_ENFANT).get(pk=participant.pk)
    _enregistrer(participant, donnees)
    if tuple(getattr(participant, champ) for champ in PROFIL_DE_L_ENFANT) != avant:
        recalculer_frequentations(participants=[participant.pk])
    return participant


@transaction.atomic
def participant_supprimer(*, participant):
    """Delete a child with their enrolments and presences (past retention, participants_anonymiser
    keeps the figures instead). Their rows and their share of the counters go; the sessions of
    the actions they were enrolled in count one child fewer."""
    actions = list(participant.inscriptions.values_list("action_id", flat=True))
    _verrouiller_les_actions(actions)
    # Then the child, before their rows: a grid that recounts them waits here, not on their rows.
    list(Participant.objects.select_for_update().filter(pk=participant.pk).values_list("pk"))
    oublier_les_enfants(participants=[participant.pk])
    participant.delete()
    recompter_inscrits(actions=actions)
    recalculer_seances_annuelles(actions=actions)


@transaction.atomic
def participants_inscrire(*, action, participants, date_inscription, auteur):
    """Enrol children in an action; each must be followed by the structure that runs it. A child
    already enrolled, by another request a moment before as well (the action is locked first),
    is left as is: the new enrolments are returned, the caller tells the others apart. The
    sessions count the children enrolled by their dates, and the action's yearly sums follow."""
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
    deja = set(action.inscriptions.values_list("participant_id", flat=True))
    nouvelles = [
        Inscription(action=action, participant=p, date_inscription=date_inscription)
        for p in participants
        if p.pk not in deja
    ]
    nouvelles = bulk_create_with_history(nouvelles, Inscription, default_user=auteur)
    recompter_inscrits(actions=[action.pk])
    recalculer_seances_annuelles(actions=[action.pk])
    return nouvelles


@transaction.atomic
def inscription_supprimer(*, inscription):
    """Unenrol a child: the sessions from the enrolment date on count one child fewer, and the
    action's yearly sums follow. The child's presences stay: they came."""
    _verrouiller_les_actions([inscription.action_id])
    inscription.delete()
    recompter_inscrits(actions=[inscription.action_id])
    recalculer_seances_annuelles(actions=[inscription.action_id])


@transaction.atomic
def presences_enregistrer(
    *, seance, presents, enfants_anonymes, parents_presents, presents_au_chargement=None, version=None
):
    """Save a session's attendance grid in a number of queries that does not depend on the
    number of children. A grid loaded with `presents_au_chargement` ticked writes only what its
    user changed, the children they ticked or unticked since, on top of what is saved now: two
    grids saved at once for different children keep both (None: `presents` is the whole grid).
    Its headcounts are fields of the session, merged as its form's are, from the `version` the
    grid was loaded at. Who was ticked or unticked is written in the session's history (change
    reason), one row per save instead of one per child. The children ticked or unticked are
    recounted (their rows and the counters); the action's yearly sums only when the headcounts
    changed."""
    presents = set(presents)
    # The action first, then its children: the order every write that recounts takes its locks in.
    _verrouiller_les_actions([seance.action_id])
    # As committed: the session in hand may have been read before another grid was saved.
    seance.refresh_from_db(from_queryset=Seance.objects.select_related("action"))
    effectifs_avant = (seance.enfants_anonymes, seance.parents_presents)
    effectifs = changements_a_appliquer(
        objet=seance,
        donnees={"enfants_anonymes": enfants_anonymes, "parents_presents": parents_presents},
        version=version,
    )
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
    if presents_au_chargement is not None:
        avant = set(presents_au_chargement)
        presents = (existants - (avant - presents)) | (presents - avant)
    a_retirer, a_ajouter = existants - presents, presents - existants
    if a_retirer:
        seance.presences.filter(participant_id__in=a_retirer).delete()
    if a_ajouter:
        Presence.objects.bulk_create([Presence(seance=seance, participant_id=pk) for pk in a_ajouter])
    changements = [f"présent : {inscrits[pk]}" for pk in sorted(a_ajouter)]
    changements += [f"absent : {inscrits[pk]}" for pk in sorted(a_retirer)]
    for nom, valeur in effectifs.items():
        setattr(seance, nom, valeur)
    seance.version += 1
    if a_ajouter or a_retirer:
        recalculer_frequentations(participants=a_ajouter | a_retirer)
    seance._change_reason = "Présences – " + (", ".join(changements) or "sans changement d’enfant")
    seance.save(update_fields=["enfants_anonymes", "parents_presents", "version"])
    if (seance.enfants_anonymes, seance.parents_presents) != effectifs_avant:
        recalculer_seances_annuelles(actions=[seance.action_id])
    return len(a_ajouter), len(a_retirer)


@transaction.atomic
def participants_anonymiser(*, aujourdhui, annees):
    """Anonymise the children past retention (selectors.participants_expires): a new random code,
    no school, no consent date, and their history rows (which hold the old values) deleted. Sex,
    level and quartier of residence stay, so that past years' indicators, and the summaries, do
    not change. Returns the children anonymised."""
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
