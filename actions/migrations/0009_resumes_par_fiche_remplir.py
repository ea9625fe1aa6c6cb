"""The children's summaries per fiche (0008 added the column): each fiche has its own
dashboard, which counts the children of its own actions only. The rows are rebuilt from the
presences, with the recount as it was when this migration was written
(actions.resumes.recalculer_frequentations). In a migration of its own: PostgreSQL creates the
new column's index at the end of 0008, which it refuses on a table with rows just written."""

from collections import defaultdict

from django.db import migrations
from django.db.models import Case, Count, F, IntegerField, When
from django.db.models.functions import ExtractYear

ANNULEE = "annulee"
LOT = 5000


def annee_scolaire(champ):
    return Case(
        When(**{f"{champ}__month__gte": 9}, then=ExtractYear(champ)),
        default=ExtractYear(champ) - 1,
        output_field=IntegerField(),
    )


def remplir(apps, schema_editor):
    """One row per child, school year, fiche and perimeter (the contract, each quartier of the
    actions the child came to), cancelled actions and sessions left out; then the counters."""
    Presence = apps.get_model("actions", "Presence")
    Participant = apps.get_model("actions", "Participant")
    FrequentationAnnuelle = apps.get_model("actions", "FrequentationAnnuelle")
    EffectifAnnuel = apps.get_model("actions", "EffectifAnnuel")
    FrequentationAnnuelle.objects.all().delete()
    EffectifAnnuel.objects.all().delete()
    presences = (
        Presence.objects.exclude(seance__action__statut=ANNULEE)
        .filter(seance__annulee_le__isnull=True)
        .annotate(annee=annee_scolaire("seance__date"), fiche=F("seance__action__realisation__fiche"))
    )
    par_contrat = presences.values("participant", "annee", "fiche").annotate(n=Count("pk")).order_by()
    par_quartier = (
        presences.filter(seance__action__quartiers__isnull=False)
        .values("participant", "annee", "fiche", quartier=F("seance__action__quartiers"))
        .annotate(n=Count("pk"))
        .order_by()
    )
    profils = {
        pk: {"contrat_id": contrat, "sexe": sexe, "niveau_scolaire": niveau, "quartier_residence_id": residence}
        for pk, contrat, sexe, niveau, residence in Participant.objects.values_list(
            "pk", "structure__contrat", "sexe", "niveau_scolaire", "quartier_residence"
        )
    }
    nouvelles = [
        FrequentationAnnuelle(
            participant_id=ligne["participant"],
            annee_scolaire=ligne["annee"],
            fiche_id=ligne["fiche"],
            quartier_id=ligne.get("quartier"),
            nb_presences=ligne["n"],
            **profils[ligne["participant"]],
        )
        for requete in (par_contrat, par_quartier)
        for ligne in requete
    ]
    FrequentationAnnuelle.objects.bulk_create(nouvelles, batch_size=LOT)
    effectifs = defaultdict(lambda: [0, 0])
    for ligne in nouvelles:
        effectif = effectifs[
            (
                ligne.contrat_id,
                ligne.fiche_id,
                ligne.quartier_id or 0,
                ligne.annee_scolaire,
                ligne.sexe,
                ligne.niveau_scolaire,
                ligne.quartier_residence_id or 0,
            )
        ]
        effectif[0] += 1
        effectif[1] += ligne.nb_presences
    EffectifAnnuel.objects.bulk_create(
        [
            EffectifAnnuel(
                contrat_id=contrat,
                fiche_id=fiche,
                perimetre=perimetre,
                annee_scolaire=annee,
                sexe=sexe,
                niveau_scolaire=niveau,
                residence=residence,
                nb_enfants=enfants,
                nb_presences=presences_,
            )
            for (contrat, fiche, perimetre, annee, sexe, niveau, residence), (enfants, presences_) in sorted(
                effectifs.items()
            )
        ],
        batch_size=LOT,
    )


class Migration(migrations.Migration):
    dependencies = [("actions", "0008_resumes_par_fiche")]

    operations = [migrations.RunPython(remplir, migrations.RunPython.noop, elidable=True)]
