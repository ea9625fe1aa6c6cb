"""The summaries the dashboards read instead of the raw presences: FrequentationAnnuelle (one row
per child, school year and perimeter) and Seance.nb_inscrits (the children enrolled by the
session's date). They are rewritten within the transaction of every write that changes what
they sum up: the services call these functions after their bulk writes, the receivers below
after any single save or deletion (forms, shell, tests), so no write leaves them stale and no
batch is needed. Each call touches only the children or sessions concerned.

The functions take the app registry so that the migration that creates the summary fills it
with the same code."""

from django.apps import apps as registre
from django.db.models import Case, Count, F, IntegerField, OuterRef, QuerySet, Subquery, Value, When
from django.db.models.functions import Coalesce, ExtractYear
from django.db.models.signals import m2m_changed, post_delete, post_save, pre_delete
from django.dispatch import receiver

from .enums import StatutAction
from .models import Action, Inscription, Participant, Presence, Seance

LOT = 5000


def annee_scolaire(champ):
    """The year of the rentrée of a date, in SQL: a school year runs from September to August."""
    return Case(
        When(**{f"{champ}__month__gte": 9}, then=ExtractYear(champ)),
        default=ExtractYear(champ) - 1,
        output_field=IntegerField(),
    )


def recalculer_frequentations(*, participants=None, apps=registre):
    """Rewrite the rows of these children (ids or a query of ids; every child when None)."""
    modele = apps.get_model("actions", "FrequentationAnnuelle")
    presences = (
        apps.get_model("actions", "Presence")
        .objects.exclude(seance__action__statut=StatutAction.ANNULEE)
        .annotate(annee=annee_scolaire("seance__date"))
    )
    lignes = modele.objects.all()
    enfants = apps.get_model("actions", "Participant").objects.all()
    if participants is not None:
        # A query stays a subquery (every child of a contract); ids are sent as they are.
        if not isinstance(participants, QuerySet):
            participants = list(participants)
            if not participants:
                return
        presences = presences.filter(participant__in=participants)
        lignes = lignes.filter(participant__in=participants)
        enfants = enfants.filter(pk__in=participants)
    lignes.delete()
    par_contrat = presences.values("participant", "annee").annotate(n=Count("pk")).order_by()
    par_quartier = (
        presences.filter(seance__action__quartiers__isnull=False)
        .values("participant", "annee", quartier=F("seance__action__quartiers"))
        .annotate(n=Count("pk"))
        .order_by()
    )
    profils = {
        pk: {"contrat_id": contrat, "sexe": sexe, "niveau_scolaire": niveau, "quartier_residence_id": residence}
        for pk, contrat, sexe, niveau, residence in enfants.values_list(
            "pk", "structure__contrat", "sexe", "niveau_scolaire", "quartier_residence"
        )
    }
    nouvelles = [
        modele(
            participant_id=ligne["participant"],
            annee_scolaire=ligne["annee"],
            quartier_id=ligne.get("quartier"),
            nb_presences=ligne["n"],
            **profils[ligne["participant"]],
        )
        for requete in (par_contrat, par_quartier)
        for ligne in requete
    ]
    modele.objects.bulk_create(nouvelles, batch_size=LOT)


def actualiser_inscrits(*, seances, apps=registre):
    """Set each session's count of children enrolled by its date."""
    inscriptions = apps.get_model("actions", "Inscription").objects.filter(
        action=OuterRef("action"), date_inscription__lte=OuterRef("date")
    )
    seances.update(
        nb_inscrits=Coalesce(
            Subquery(inscriptions.order_by().values("action").annotate(n=Count("pk")).values("n")[:1]),
            Value(0),
        )
    )


def resumer_le_contrat(*, contrat):
    """After records were written in bulk (demo data): every summary of the contract."""
    actualiser_inscrits(seances=Seance.objects.filter(action__porteur__contrat=contrat))
    recalculer_frequentations(participants=Participant.objects.filter(structure__contrat=contrat).values("pk"))


def _presents_aux_actions(actions):
    return list(Presence.objects.filter(seance__action__in=actions).values_list("participant_id", flat=True).distinct())


# Presences are deleted in bulk by the services, which recount afterwards, or along with their
# session or action (below): no receiver on their deletion, which keeps those deletions a
# single DELETE instead of one signal per row.
@receiver(post_save, sender=Presence)
def presence_enregistree(sender, instance, **kwargs):
    recalculer_frequentations(participants=[instance.participant_id])


@receiver(pre_delete, sender=Seance)
@receiver(pre_delete, sender=Action)
def avant_suppression(sender, instance, **kwargs):
    presences = Presence.objects.filter(**{"seance" if sender is Seance else "seance__action": instance})
    instance._presents = list(presences.values_list("participant_id", flat=True).distinct())


@receiver(post_delete, sender=Seance)
@receiver(post_delete, sender=Action)
def apres_suppression(sender, instance, **kwargs):
    recalculer_frequentations(participants=instance.__dict__.pop("_presents", []))


@receiver(post_save, sender=Seance)
def seance_enregistree(sender, instance, created, update_fields=None, **kwargs):
    # Only a new date moves presences to another year or changes who was enrolled by then.
    if update_fields is not None and "date" not in update_fields:
        return
    actualiser_inscrits(seances=Seance.objects.filter(pk=instance.pk))
    if not created:
        recalculer_frequentations(participants=list(instance.presences.values_list("participant_id", flat=True)))


@receiver([post_save, post_delete], sender=Inscription)
def inscription_modifiee(sender, instance, **kwargs):
    actualiser_inscrits(seances=Seance.objects.filter(action_id=instance.action_id))


@receiver(post_save, sender=Action)
def action_enregistree(sender, instance, created, **kwargs):
    # A cancelled action stops counting; a new one has no presence yet.
    if not created:
        recalculer_frequentations(participants=_presents_aux_actions([instance.pk]))


@receiver(m2m_changed, sender=Action.quartiers.through)
def quartiers_d_actions_modifies(sender, instance, action, reverse, pk_set, **kwargs):
    """From the action (action.quartiers.set) or from the quartier (quartier.actions.add)."""
    if reverse and action == "pre_clear":
        instance._actions_avant_retrait = list(instance.actions.values_list("pk", flat=True))
    if action not in {"post_add", "post_remove", "post_clear"}:
        return
    if not reverse:
        actions = [instance.pk]
    else:
        actions = pk_set if action != "post_clear" else instance.__dict__.pop("_actions_avant_retrait", [])
    recalculer_frequentations(participants=_presents_aux_actions(actions))


@receiver(post_save, sender=Participant)
def participant_enregistre(sender, instance, created, **kwargs):
    if not created:
        instance.frequentations.update(
            sexe=instance.sexe,
            niveau_scolaire=instance.niveau_scolaire,
            quartier_residence=instance.quartier_residence_id,
        )
