from collections import Counter

from django.db import migrations
from django.db.models import Case, Count, IntegerField, Min, OuterRef, Subquery, Value, When
from django.db.models.functions import Coalesce, ExtractYear

# The code of actions.resumes as it was when this migration was written, copied here
# (historical models): the module may change since, this migration must not.
LOT = 5000
ANNULEE = "annulee"


def annee_scolaire(champ):
    """The year of the rentrée of a date, in SQL: a school year runs from September to August."""
    return Case(
        When(**{f"{champ}__month__gte": 9}, then=ExtractYear(champ)),
        default=ExtractYear(champ) - 1,
        output_field=IntegerField(),
    )


def compter_les_presents(apps):
    Seance = apps.get_model("actions", "Seance")
    Presence = apps.get_model("actions", "Presence")
    Seance.objects.update(
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


def noter_les_niveaux(apps):
    """Each enrolment's school year gets the child's level: the only level known of them."""
    Inscription = apps.get_model("actions", "Inscription")
    NiveauAnnuel = apps.get_model("actions", "NiveauAnnuel")
    niveaux = (
        Inscription.objects.annotate(annee=annee_scolaire("date_inscription"))
        .values_list("participant", "annee", "participant__niveau_scolaire")
        .distinct()
        .order_by()
    )
    NiveauAnnuel.objects.bulk_create(
        [NiveauAnnuel(participant_id=p, annee_scolaire=a, niveau_scolaire=n) for p, a, n in niveaux],
        batch_size=LOT,
        ignore_conflicts=True,
    )


def dater_les_arrivees(apps):
    """Each row's first presence (in its year, and its quartier's actions for a quartier's row),
    then the counters of arrivals by day."""
    Presence = apps.get_model("actions", "Presence")
    FrequentationAnnuelle = apps.get_model("actions", "FrequentationAnnuelle")
    ArriveesDuJour = apps.get_model("actions", "ArriveesDuJour")
    presences = (
        Presence.objects.exclude(seance__action__statut=ANNULEE)
        .filter(seance__annulee_le__isnull=True, participant=OuterRef("participant"))
        .annotate(annee=annee_scolaire("seance__date"))
        .filter(annee=OuterRef("annee_scolaire"))
        .order_by()
        .values("participant")
    )
    FrequentationAnnuelle.objects.filter(quartier__isnull=True).update(
        premiere_presence=Subquery(presences.annotate(d=Min("seance__date")).values("d")[:1])
    )
    FrequentationAnnuelle.objects.filter(quartier__isnull=False).update(
        premiere_presence=Subquery(
            presences.filter(seance__action__quartiers=OuterRef("quartier")).annotate(d=Min("seance__date")).values("d")[:1]
        )
    )
    # A row without a presence left is a summary that drifted (a write that bypassed the
    # services): it goes, and `manage.py recalculer_resumes` realigns the counters.
    FrequentationAnnuelle.objects.filter(premiere_presence__isnull=True).delete()
    arrivees = Counter(
        dict(
            (
                (contrat, quartier or 0, annee, jour, sexe, niveau, residence or 0),
                n,
            )
            for contrat, quartier, annee, jour, sexe, niveau, residence, n in FrequentationAnnuelle.objects.values_list(
                "contrat",
                "quartier",
                "annee_scolaire",
                "premiere_presence",
                "sexe",
                "niveau_scolaire",
                "quartier_residence",
            )
            .annotate(n=Count("pk"))
            .order_by()
        )
    )
    ArriveesDuJour.objects.all().delete()
    ArriveesDuJour.objects.bulk_create(
        [
            ArriveesDuJour(
                contrat_id=contrat,
                perimetre=perimetre,
                annee_scolaire=annee,
                jour=jour,
                sexe=sexe,
                niveau_scolaire=niveau,
                residence=residence,
                nb_enfants=n,
            )
            for (contrat, perimetre, annee, jour, sexe, niveau, residence), n in sorted(arrivees.items())
        ],
        batch_size=LOT,
    )


def remplir(apps, schema_editor):
    compter_les_presents(apps)
    noter_les_niveaux(apps)
    dater_les_arrivees(apps)


class Migration(migrations.Migration):
    dependencies = [("actions", "0008_periodes_comparables")]

    operations = [migrations.RunPython(remplir, migrations.RunPython.noop)]
