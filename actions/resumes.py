"""The summaries the dashboards read instead of the raw records: FrequentationAnnuelle (one row
per child, school year, fiche and perimeter, with the child's level of that year, NiveauAnnuel),
the counters of EffectifAnnuel (its sums by profile) and of ArriveesDuJour (the same by day of
first presence, to count the children come by a date), Seance.nb_inscrits (the children enrolled
and consenting by the session's date), Seance.nb_presents (its presences, summed up to a date) and
SeancesAnnuelles (each action's sessions summed per school year, down to how many were held and
how many of them in a school; by day, SeancesDuJour).

What counts: presences of sessions that were not cancelled, of actions that were not; the
presences possible only at sessions whose attendance grid was saved (Seance.saisie_le), so that
a session nobody entered does not count its children absent, and only the children whose
parents had consented by then, who alone could be ticked.

No signal keeps them up to date: each service of actions.services that changes what they sum
calls the functions below, explicitly, for exactly what it changed and within its own
transaction, so that a reader of the service sees what a write costs, and no batch is needed.
A write that changes nothing they sum (an action's title, its archiving) calls none of them.
Each call touches only the children, sessions or actions it is given. The services lock the
actions concerned first; recalculer_frequentations then locks the children it recounts.

Writes that bypass the services (the shell, raw SQL, queryset.update) are not seen:
`manage.py recalculer_resumes` rebuilds everything from the records. The one write no service
makes, a quartier deleted in the admin, is handled by the receiver in actions.signals."""

from collections import defaultdict

from django.db import connection, transaction
from django.db.models import Case, Count, F, IntegerField, Min, OuterRef, Q, QuerySet, Subquery, Sum, Value, When
from django.db.models.functions import Coalesce, ExtractYear
from django.utils import timezone

from fiches.annees import AnneeScolaire

from .enums import StatutAction
from .models import (
    Action,
    ArriveesDuJour,
    ArriveesDuJourDuPerimetre,
    EffectifAnnuel,
    FrequentationAnnuelle,
    Inscription,
    NiveauAnnuel,
    Participant,
    Presence,
    Seance,
    SeancesAnnuelles,
    SeancesDuJour,
    SeancesDuJourParAction,
)

LOT = 5000


def annee_scolaire(champ):
    """The year of the rentrée of a date, in SQL: a school year runs from September to August."""
    return Case(
        When(**{f"{champ}__month__gte": 9}, then=ExtractYear(champ)),
        default=ExtractYear(champ) - 1,
        output_field=IntegerField(),
    )


def _cle_d_effectif(contrat, fiche, quartier, annee, sexe, niveau, residence):
    return (contrat, fiche, quartier or 0, annee, sexe, niveau, residence or 0)


def _cle_d_arrivees(cle_d_effectif, jour):
    """The counter of ArriveesDuJour: the key of EffectifAnnuel with the day of first presence."""
    return (*cle_d_effectif[:4], jour, *cle_d_effectif[4:])


CLE_D_EFFECTIF = "contrat_id, fiche_id, perimetre, annee_scolaire, sexe, niveau_scolaire, residence"
CLE_D_ARRIVEES = "contrat_id, fiche_id, perimetre, annee_scolaire, jour, sexe, niveau_scolaire, residence"
CLE_D_ARRIVEES_DU_PERIMETRE = "contrat_id, fiche_id, perimetre, annee_scolaire, jour"


def _ajouter_aux_compteurs(modele, cle, compteurs, ecarts):
    """Add each change to its counter in one statement per 500: an INSERT that adds to the row
    when it exists (ON CONFLICT ... DO UPDATE, in PostgreSQL and SQLite alike). The ORM has no
    upsert that adds, and reading the counters first would lose one of two concurrent saves."""
    # In key order: two saves adding to the same counters lock them in the same order.
    lignes = sorted((*k, *valeurs) for k, valeurs in ecarts.items() if any(valeurs))
    table = connection.ops.quote_name(modele._meta.db_table)
    colonnes = len(cle.split(",")) + len(compteurs)
    with connection.cursor() as curseur:
        for debut in range(0, len(lignes), 500):
            lot = lignes[debut : debut + 500]
            curseur.execute(
                f"INSERT INTO {table} ({cle}, {', '.join(compteurs)}) VALUES "
                + ", ".join(["(" + ", ".join(["%s"] * colonnes) + ")"] * len(lot))
                + f" ON CONFLICT ({cle}) DO UPDATE SET "
                + ", ".join(f"{c} = {table}.{c} + excluded.{c}" for c in compteurs),
                [valeur for ligne in lot for valeur in ligne],
            )


def _ajouter_aux_effectifs(ecarts, arrivees):
    _ajouter_aux_compteurs(EffectifAnnuel, CLE_D_EFFECTIF, ["nb_enfants", "nb_presences"], ecarts)
    _ajouter_aux_compteurs(ArriveesDuJour, CLE_D_ARRIVEES, ["nb_enfants"], arrivees)
    # The same arrivals, the profiles summed: the key up to the day.
    par_perimetre = defaultdict(lambda: [0])
    for cle, (nombre,) in arrivees.items():
        par_perimetre[cle[:5]][0] += nombre
    _ajouter_aux_compteurs(ArriveesDuJourDuPerimetre, CLE_D_ARRIVEES_DU_PERIMETRE, ["nb_enfants"], par_perimetre)


def _retirer(lignes):
    """Delete these rows; returns what that takes off each counter of EffectifAnnuel and of
    ArriveesDuJour."""
    ecarts = defaultdict(lambda: [0, 0])
    arrivees = defaultdict(lambda: [0])
    for ancien in (
        lignes.values_list(
            "contrat",
            "fiche",
            "quartier",
            "annee_scolaire",
            "sexe",
            "niveau_scolaire",
            "quartier_residence",
            "premiere_presence",
        )
        .annotate(n=Count("pk"), p=Sum("nb_presences"))
        .order_by()
    ):
        cle = _cle_d_effectif(*ancien[:7])
        ecart = ecarts[cle]
        ecart[0] -= ancien[8]
        ecart[1] -= ancien[9]
        arrivees[_cle_d_arrivees(cle, ancien[7])][0] -= ancien[8]
    lignes.delete()
    return ecarts, arrivees


@transaction.atomic(savepoint=False)
def oublier_les_enfants(*, participants):
    """Before children are deleted: their rows go, and the counters lose them."""
    _ajouter_aux_effectifs(*_retirer(FrequentationAnnuelle.objects.filter(participant__in=participants)))


def oublier_le_quartier(*, quartier):
    """After a quartier was deleted (its rows went with it, by cascade): its counters go too.
    Nobody lived there, or the children's residence would have protected it."""
    for modele in (EffectifAnnuel, ArriveesDuJour, ArriveesDuJourDuPerimetre, SeancesDuJour, SeancesDuJourParAction):
        modele.objects.filter(perimetre=quartier).delete()


@transaction.atomic(savepoint=False)
def recalculer_frequentations(*, participants=None):
    """Rewrite the rows of these children (ids or a query of ids; every child when None, the
    counters then rebuilt from nothing) and move the counters by the difference. What changes
    a child's rows: a presence ticked or unticked, a session moved to another date, an action
    cancelled or given other quartiers, a new sex, level, residence, school or structure; a
    session cancelled or restored; a session or an action deleted."""
    presences = (
        Presence.objects.exclude(seance__action__statut=StatutAction.ANNULEE)
        .filter(seance__annulee_le__isnull=True)
        .annotate(annee=annee_scolaire("seance__date"), fiche=F("seance__action__realisation__fiche"))
    )
    lignes = FrequentationAnnuelle.objects.all()
    enfants = Participant.objects.all()
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
    niveaux = NiveauAnnuel.objects.all()
    if participants is not None:
        niveaux = niveaux.filter(participant__in=participants)
    # A past year keeps the éducation prioritaire it was counted with (a closed year's figures
    # never change); the rows of this year and after, and a past year the child had no row in,
    # read the child's school as it is now.
    cette_annee = AnneeScolaire.de_la_date(timezone.localdate()).annee_de_rentree
    statuts_passes = {
        (pk, annee): statut
        for pk, annee, statut in lignes.filter(annee_scolaire__lt=cette_annee)
        .values_list("participant", "annee_scolaire", "education_prioritaire")
        .distinct()
        .order_by()
    }
    if participants is None:
        # Rebuilt from nothing, not moved: counters that drifted from the rows leave no trace.
        for modele in (FrequentationAnnuelle, EffectifAnnuel, ArriveesDuJour, ArriveesDuJourDuPerimetre):
            modele.objects.all().delete()
        ecarts, arrivees = defaultdict(lambda: [0, 0]), defaultdict(lambda: [0])
    else:
        ecarts, arrivees = _retirer(lignes)
    # A child's rows per fiche: each fiche's dashboard counts the children of its own actions,
    # and the day they first came to them.
    par_contrat = (
        presences.values("participant", "annee", "fiche")
        .annotate(n=Count("pk"), premiere=Min("seance__date"))
        .order_by()
    )
    par_quartier = (
        presences.filter(seance__action__quartiers__isnull=False)
        .values("participant", "annee", "fiche", quartier=F("seance__action__quartiers"))
        .annotate(n=Count("pk"), premiere=Min("seance__date"))
        .order_by()
    )
    profils = {
        pk: {
            "contrat_id": contrat,
            "sexe": sexe,
            "niveau_scolaire": niveau,
            "quartier_residence_id": residence,
            "education_prioritaire": statut or "",
        }
        for pk, contrat, sexe, niveau, residence, statut in enfants.values_list(
            "pk",
            "structure__contrat",
            "sexe",
            "niveau_scolaire",
            "quartier_residence",
            "etablissement__education_prioritaire",
        )
    }
    niveaux = {
        (pk, annee): niveau
        for pk, annee, niveau in niveaux.values_list("participant", "annee_scolaire", "niveau_scolaire")
    }
    nouvelles = []
    for requete in (par_contrat, par_quartier):
        for ligne in requete:
            profil = profils[ligne["participant"]]
            nouvelles.append(
                FrequentationAnnuelle(
                    participant_id=ligne["participant"],
                    annee_scolaire=ligne["annee"],
                    fiche_id=ligne["fiche"],
                    quartier_id=ligne.get("quartier"),
                    nb_presences=ligne["n"],
                    premiere_presence=ligne["premiere"],
                    **{
                        **profil,
                        # A past year keeps the level the child had then.
                        "niveau_scolaire": niveaux.get(
                            (ligne["participant"], ligne["annee"]), profil["niveau_scolaire"]
                        ),
                        "education_prioritaire": statuts_passes.get(
                            (ligne["participant"], ligne["annee"]), profil["education_prioritaire"]
                        ),
                    },
                )
            )
    FrequentationAnnuelle.objects.bulk_create(nouvelles, batch_size=LOT)
    for ligne in nouvelles:
        cle = _cle_d_effectif(
            ligne.contrat_id,
            ligne.fiche_id,
            ligne.quartier_id,
            ligne.annee_scolaire,
            ligne.sexe,
            ligne.niveau_scolaire,
            ligne.quartier_residence_id,
        )
        ecart = ecarts[cle]
        ecart[0] += 1
        ecart[1] += ligne.nb_presences
        arrivees[_cle_d_arrivees(cle, ligne.premiere_presence)][0] += 1
    _ajouter_aux_effectifs(ecarts, arrivees)


SOMMES_DU_JOUR = [
    "enfants_anonymes",
    "parents_presents",
    "nb_inscrits",
    "nb_presents",
    "seances_non_saisies",
    "nb_seances",
    "seances_en_ecole",
]
CLE_DU_JOUR = "fiche_id, perimetre, jour"


def _sommes_des_seances():
    """{"somme_<field>": its sum} for each field of SOMMES_DU_JOUR (a field of SeancesAnnuelles
    and SeancesDuJour alike), over sessions grouped: the presences possible only at the sessions
    whose grid was saved; the sessions, and those held in a school."""
    saisie = Q(saisie_le__isnull=False)
    return {
        "somme_enfants_anonymes": Sum("enfants_anonymes"),
        "somme_parents_presents": Sum("parents_presents"),
        "somme_nb_inscrits": Coalesce(Sum("nb_inscrits", filter=saisie), 0),
        "somme_nb_presents": Sum("nb_presents"),
        "somme_seances_non_saisies": Count("pk", filter=~saisie),
        "somme_nb_seances": Count("pk"),
        "somme_seances_en_ecole": Count("pk", filter=Q(etablissement__isnull=False)),
    }


@transaction.atomic(savepoint=False)
def oublier_les_seances_du_jour(*, actions, jours=None):
    """Take these actions' rows of SeancesDuJourParAction (ids or a query of ids), of these days
    only when given, off the counters of SeancesDuJour, and delete them: before they are
    rewritten, or before the actions are deleted (their rows would go by cascade, uncounted)."""
    lignes = SeancesDuJourParAction.objects.filter(action__in=actions)
    if jours is not None:
        lignes = lignes.filter(jour__in=jours)
    ecarts = {
        (fiche, perimetre, jour): [-somme for somme in sommes]
        for fiche, perimetre, jour, *sommes in lignes.values_list("fiche", "perimetre", "jour")
        .annotate(*(Sum(champ) for champ in SOMMES_DU_JOUR))
        .order_by()
    }
    lignes.delete()
    _ajouter_aux_compteurs(SeancesDuJour, CLE_DU_JOUR, SOMMES_DU_JOUR, ecarts)


@transaction.atomic(savepoint=False)
def recalculer_seances_du_jour(*, actions=None, jours=None):
    """Rewrite the sums per day, in each perimeter, of the sessions of these actions (ids or a
    query of ids; every action when None), of these days only when given
    (SeancesDuJourParAction), and move the counters of SeancesDuJour by the difference: after
    anything SeancesAnnuelles sums changed (recalculer_seances_annuelles calls it), after a
    session's presences were counted again (Seance.nb_presents), and after the action was
    cancelled, restored, or given other quartiers or another réalisation, which decide where
    its days count."""
    seances = Seance.objects.filter(annulee_le__isnull=True).exclude(action__statut=StatutAction.ANNULEE)
    liens = Action.quartiers.through.objects.all()
    if actions is None:
        # Rebuilt from nothing, not moved: a write that bypassed the services leaves no drift.
        SeancesDuJour.objects.all().delete()
        SeancesDuJourParAction.objects.all().delete()
    else:
        seances = seances.filter(action__in=actions)
        liens = liens.filter(action__in=actions)
        oublier_les_seances_du_jour(actions=actions, jours=jours)
    if jours is not None:
        seances = seances.filter(date__in=jours)
    quartiers = defaultdict(list)
    for action, quartier in liens.values_list("action", "quartier"):
        quartiers[action].append(quartier)
    ecarts = defaultdict(lambda: [0] * len(SOMMES_DU_JOUR))
    nouvelles = []
    for somme in (
        seances.values("action", "date", fiche=F("action__realisation__fiche"))
        .annotate(**_sommes_des_seances())
        .order_by()
    ):
        valeurs = [somme[f"somme_{champ}"] for champ in SOMMES_DU_JOUR]
        for perimetre in [0, *quartiers[somme["action"]]]:
            nouvelles.append(
                SeancesDuJourParAction(
                    action_id=somme["action"],
                    fiche_id=somme["fiche"],
                    perimetre=perimetre,
                    jour=somme["date"],
                    **dict(zip(SOMMES_DU_JOUR, valeurs, strict=True)),
                )
            )
            ecart = ecarts[(somme["fiche"], perimetre, somme["date"])]
            for rang, valeur in enumerate(valeurs):
                ecart[rang] += valeur
    SeancesDuJourParAction.objects.bulk_create(nouvelles, batch_size=LOT)
    _ajouter_aux_compteurs(SeancesDuJour, CLE_DU_JOUR, SOMMES_DU_JOUR, ecarts)


def ajouter_aux_presences_du_jour(*, seance, ecart):
    """Move the presences of the session's day, in each of its action's perimeters, by `ecart`
    (its presences counted again, nothing else of it changed): two updates in place of a
    rewrite of the day. Adding in SQL, so that two grids of the same day saved at once both
    count; an action or a session that counts nowhere (cancelled) has no row to move."""
    if not ecart:
        return
    lignes = SeancesDuJourParAction.objects.filter(action=seance.action_id, jour=seance.date)
    SeancesDuJour.objects.filter(
        fiche__in=lignes.values("fiche")[:1], perimetre__in=lignes.values("perimetre"), jour=seance.date
    ).update(nb_presents=F("nb_presents") + ecart)
    lignes.update(nb_presents=F("nb_presents") + ecart)


@transaction.atomic(savepoint=False)
def recalculer_seances_annuelles(*, actions=None, jours=None):
    """Rewrite the yearly sums of the sessions of these actions (ids or a query of ids; every
    action when None), then their sums per day (recalculer_seances_du_jour), of these days only
    when given (the days of the sessions that changed): after a session was added, moved,
    cancelled, restored, deleted, given other headcounts or another school, or its grid saved
    for the first time, and after the children enrolled and consenting by its date were
    recounted (recompter_inscrits), which it sums."""
    seances = Seance.objects.filter(annulee_le__isnull=True)
    lignes = SeancesAnnuelles.objects.all()
    if actions is not None:
        seances = seances.filter(action__in=actions)
        lignes = lignes.filter(action__in=actions)
    lignes.delete()
    SeancesAnnuelles.objects.bulk_create(
        [
            SeancesAnnuelles(
                action_id=somme["action"],
                annee_scolaire=somme["annee"],
                **{champ: somme[f"somme_{champ}"] for champ in SOMMES_DU_JOUR if champ != "nb_presents"},
            )
            for somme in seances.annotate(annee=annee_scolaire("date"))
            .values("action", "annee")
            .annotate(**_sommes_des_seances())
            .order_by()
        ],
        batch_size=LOT,
    )
    recalculer_seances_du_jour(actions=actions, jours=jours)


def recompter_inscrits(*, actions=None, seances=None):
    """Set each session's count of children enrolled and consenting by its date
    (Seance.nb_inscrits): for these sessions (ids), or every session of these actions (ids or a
    query of ids), or every session when both are None. The yearly sums read these counts:
    recalculer_seances_annuelles next."""
    a_recompter = Seance.objects.all()
    if seances is not None:
        a_recompter = a_recompter.filter(pk__in=seances)
    if actions is not None:
        a_recompter = a_recompter.filter(action__in=actions)
    inscriptions = Inscription.objects.filter(
        action=OuterRef("action"),
        date_inscription__lte=OuterRef("date"),
        participant__date_consentement__lte=OuterRef("date"),
    )
    a_recompter.update(
        nb_inscrits=Coalesce(
            Subquery(inscriptions.order_by().values("action").annotate(n=Count("pk")).values("n")[:1]),
            Value(0),
        )
    )


def recompter_presents(*, seances=None, actions=None):
    """Set each session's count of presences (Seance.nb_presents): for these sessions (ids), or
    every session of these actions (ids or a query of ids), or every session when both are None.
    The dashboards sum it up to a date."""
    a_recompter = Seance.objects.all()
    if seances is not None:
        a_recompter = a_recompter.filter(pk__in=seances)
    if actions is not None:
        a_recompter = a_recompter.filter(action__in=actions)
    a_recompter.update(
        nb_presents=Coalesce(
            Subquery(
                Presence.objects.filter(seance=OuterRef("pk"))
                .order_by()
                .values("seance")
                .annotate(n=Count("pk"))
                .values("n")[:1]
            ),
            Value(0),
        )
    )


@transaction.atomic(savepoint=False)
def resumer_le_contrat(*, contrat):
    """After records were written in bulk (demo data): every summary of the contract."""
    actions = Action.objects.filter(porteur__contrat=contrat).values("pk")
    recompter_inscrits(actions=actions)
    recompter_presents(actions=actions)
    recalculer_seances_annuelles(actions=actions)
    recalculer_frequentations(participants=Participant.objects.filter(structure__contrat=contrat).values("pk"))
