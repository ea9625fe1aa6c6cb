"""The summaries the dashboards read instead of the raw records: FrequentationAnnuelle (one row
per child, school year and perimeter), the counters of EffectifAnnuel (its sums by profile),
Seance.nb_inscrits (the children enrolled by the session's date) and SeancesAnnuelles (each
action's sessions summed per school year). They are rewritten within the transaction of
every write that changes what they sum up: the services call these functions after their bulk
writes, the receivers below after single saves and deletions of records (forms, admin, tests),
so that no batch is needed. Each call touches only the children or sessions concerned. Writes
that bypass the models (raw SQL, queryset.update) are not seen: `manage.py recalculer_resumes`
rebuilds everything from the records.

The functions take the app registry so that the migration that creates the summary fills it
with the same code."""

from collections import defaultdict

from django.apps import apps as registre
from django.db import connection, transaction
from django.db.models import Case, Count, F, IntegerField, OuterRef, QuerySet, Subquery, Sum, Value, When
from django.db.models.functions import Coalesce, ExtractYear
from django.db.models.signals import m2m_changed, post_delete, post_save, pre_delete
from django.dispatch import receiver

from .enums import StatutAction
from .models import Action, EffectifAnnuel, Inscription, Participant, Presence, Seance

LOT = 5000


def annee_scolaire(champ):
    """The year of the rentrée of a date, in SQL: a school year runs from September to August."""
    return Case(
        When(**{f"{champ}__month__gte": 9}, then=ExtractYear(champ)),
        default=ExtractYear(champ) - 1,
        output_field=IntegerField(),
    )


def _cle_d_effectif(contrat, quartier, annee, sexe, niveau, residence):
    return (contrat, quartier or 0, annee, sexe, niveau, residence or 0)


def _ajouter_aux_effectifs(ecarts, apps):
    """Add each change to its counter in one statement per 500: an INSERT that adds to the row
    when it exists (ON CONFLICT ... DO UPDATE, in PostgreSQL and SQLite alike). The ORM has no
    upsert that adds, and reading the counters first would lose one of two concurrent saves."""
    # In key order: two saves adding to the same counters lock them in the same order.
    lignes = sorted((*cle, enfants, presences) for cle, (enfants, presences) in ecarts.items() if enfants or presences)
    table = connection.ops.quote_name(apps.get_model("actions", "EffectifAnnuel")._meta.db_table)
    cle = "contrat_id, perimetre, annee_scolaire, sexe, niveau_scolaire, residence"
    with connection.cursor() as curseur:
        for debut in range(0, len(lignes), 500):
            lot = lignes[debut : debut + 500]
            curseur.execute(
                f"INSERT INTO {table} ({cle}, nb_enfants, nb_presences) VALUES "
                + ", ".join(["(%s, %s, %s, %s, %s, %s, %s, %s)"] * len(lot))
                + f" ON CONFLICT ({cle}) DO UPDATE SET nb_enfants = {table}.nb_enfants + excluded.nb_enfants, "
                f"nb_presences = {table}.nb_presences + excluded.nb_presences",
                [valeur for ligne in lot for valeur in ligne],
            )


def _retirer(lignes):
    """Delete these rows; returns what that takes off each counter."""
    ecarts = defaultdict(lambda: [0, 0])
    for ancien in (
        lignes.values_list("contrat", "quartier", "annee_scolaire", "sexe", "niveau_scolaire", "quartier_residence")
        .annotate(n=Count("pk"), p=Sum("nb_presences"))
        .order_by()
    ):
        ecart = ecarts[_cle_d_effectif(*ancien[:6])]
        ecart[0] -= ancien[6]
        ecart[1] -= ancien[7]
    lignes.delete()
    return ecarts


@transaction.atomic(savepoint=False)
def oublier_les_enfants(*, participants, apps=registre):
    """Before children are deleted: their rows go, and the counters lose them."""
    _ajouter_aux_effectifs(
        _retirer(apps.get_model("actions", "FrequentationAnnuelle").objects.filter(participant__in=participants)),
        apps,
    )


@transaction.atomic(savepoint=False)
def recalculer_frequentations(*, participants=None, apps=registre):
    """Rewrite the rows of these children (ids or a query of ids; every child when None) and
    move the counters by the difference."""
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
            # Two saves recounting the same child wait for each other; the second one then
            # reads the presences the first one committed.
            list(enfants.select_for_update().filter(pk__in=participants).order_by("pk").values_list("pk"))
        presences = presences.filter(participant__in=participants)
        lignes = lignes.filter(participant__in=participants)
        enfants = enfants.filter(pk__in=participants)
    ecarts = _retirer(lignes)
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
    for ligne in nouvelles:
        ecart = ecarts[
            _cle_d_effectif(
                ligne.contrat_id,
                ligne.quartier_id,
                ligne.annee_scolaire,
                ligne.sexe,
                ligne.niveau_scolaire,
                ligne.quartier_residence_id,
            )
        ]
        ecart[0] += 1
        ecart[1] += ligne.nb_presences
    _ajouter_aux_effectifs(ecarts, apps)


def verrouiller_les_actions(actions, apps=registre):
    """Two writes on the same action's sessions wait for each other, and the second one then
    reads what the first committed."""
    list(
        apps.get_model("actions", "Action")
        .objects.select_for_update()
        .filter(pk__in=actions)
        .order_by("pk")
        .values_list("pk")
    )


@transaction.atomic(savepoint=False)
def recalculer_seances_annuelles(*, actions=None, apps=registre):
    """Rewrite the yearly sums of the sessions of these actions (ids or a query of ids; every
    action when None)."""
    modele = apps.get_model("actions", "SeancesAnnuelles")
    seances = apps.get_model("actions", "Seance").objects.all()
    lignes = modele.objects.all()
    if actions is not None:
        if not isinstance(actions, QuerySet):
            actions = list(actions)
            verrouiller_les_actions(actions, apps)
        seances = seances.filter(action__in=actions)
        lignes = lignes.filter(action__in=actions)
    lignes.delete()
    sommes = (
        seances.annotate(annee=annee_scolaire("date"))
        .values("action", "annee")
        .annotate(
            anonymes=Sum("enfants_anonymes"),
            parents=Sum("parents_presents"),
            inscrits=Sum("nb_inscrits"),
        )
        .order_by()
    )
    modele.objects.bulk_create(
        [
            modele(
                action_id=somme["action"],
                annee_scolaire=somme["annee"],
                enfants_anonymes=somme["anonymes"],
                parents_presents=somme["parents"],
                nb_inscrits=somme["inscrits"],
            )
            for somme in sommes
        ],
        batch_size=LOT,
    )


@transaction.atomic(savepoint=False)
def actualiser_inscrits(*, actions=None, apps=registre):
    """Set each session's count of children enrolled by its date, for the sessions of these
    actions (every action when None), then their yearly sums."""
    seances = apps.get_model("actions", "Seance").objects.all()
    if actions is not None:
        if not isinstance(actions, QuerySet):
            actions = list(actions)
            verrouiller_les_actions(actions, apps)
        seances = seances.filter(action__in=actions)
    inscriptions = apps.get_model("actions", "Inscription").objects.filter(
        action=OuterRef("action"), date_inscription__lte=OuterRef("date")
    )
    seances.update(
        nb_inscrits=Coalesce(
            Subquery(inscriptions.order_by().values("action").annotate(n=Count("pk")).values("n")[:1]),
            Value(0),
        )
    )
    recalculer_seances_annuelles(actions=actions, apps=apps)


def resumer_le_contrat(*, contrat):
    """After records were written in bulk (demo data): every summary of the contract."""
    actualiser_inscrits(actions=Action.objects.filter(porteur__contrat=contrat).values("pk"))
    recalculer_frequentations(participants=Participant.objects.filter(structure__contrat=contrat).values("pk"))


def _presents_aux_actions(actions):
    return list(Presence.objects.filter(seance__action__in=actions).values_list("participant_id", flat=True).distinct())


# Presences are deleted in bulk by the services, which recount afterwards, or along with their
# session, action or child (below): no receiver on their own deletion, which keeps those
# deletions a single DELETE instead of one signal per row. A presence deleted alone from a shell
# is not seen: `manage.py recalculer_resumes` rebuilds everything.
@receiver(post_save, sender=Presence)
def presence_enregistree(sender, instance, **kwargs):
    recalculer_frequentations(participants=[instance.participant_id])


@receiver(pre_delete, sender=Seance)
@receiver(pre_delete, sender=Action)
def avant_suppression(sender, instance, **kwargs):
    # The action first, as every write that recounts: then the children.
    verrouiller_les_actions([instance.action_id if sender is Seance else instance.pk])
    presences = Presence.objects.filter(**{"seance" if sender is Seance else "seance__action": instance})
    instance._presents = list(presences.values_list("participant_id", flat=True).distinct())


@receiver(post_delete, sender=Seance)
@receiver(post_delete, sender=Action)
def apres_suppression(sender, instance, **kwargs):
    recalculer_frequentations(participants=instance.__dict__.pop("_presents", []))


@receiver(post_save, sender=Seance)
def seance_enregistree(sender, instance, created, update_fields=None, **kwargs):
    if update_fields is not None and "date" not in update_fields:
        # Headcounts only (the attendance grid): the yearly sums.
        recalculer_seances_annuelles(actions=[instance.action_id])
        return
    # A new date may change who was enrolled by then and move presences to another year.
    actualiser_inscrits(actions=[instance.action_id])
    if not created:
        recalculer_frequentations(participants=list(instance.presences.values_list("participant_id", flat=True)))


@receiver(post_delete, sender=Seance)
def seance_supprimee(sender, instance, **kwargs):
    recalculer_seances_annuelles(actions=[instance.action_id])


@receiver([post_save, post_delete], sender=Inscription)
def inscription_modifiee(sender, instance, **kwargs):
    actualiser_inscrits(actions=[instance.action_id])


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
    # A new sex, level or residence moves the child's rows to other counters.
    if not created:
        recalculer_frequentations(participants=[instance.pk])


@receiver(pre_delete, sender=Participant)
def participant_supprime(sender, instance, **kwargs):
    oublier_les_enfants(participants=[instance.pk])


@receiver(post_delete, sender="fiches.Quartier")
def quartier_supprime(sender, instance, **kwargs):
    # Its rows went with it; nobody lived there (the children's residence protects it).
    EffectifAnnuel.objects.filter(perimetre=instance.pk).delete()
