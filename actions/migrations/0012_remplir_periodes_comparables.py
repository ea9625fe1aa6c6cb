"""Fills what 0011 added: each session's presences, each child's level per school year, and the
rows per child, school year, fiche and perimeter rebuilt with their first presence, then the
counters (EffectifAnnuel, and ArriveesDuJour per day of first presence). With the code of
actions.resumes as it was when this migration was written, copied here (historical models): the
module may change since, this migration must not. Rebuilt rather than updated, so that the rows
are exactly those the services write, whatever drift a write that bypassed them left."""

from collections import defaultdict

from django.db import migrations
from django.db.models import Case, Count, F, IntegerField, Min, OuterRef, Subquery, Value, When
from django.db.models.functions import Coalesce, ExtractYear

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
    """One row per child, school year, fiche and perimeter (the contract, each quartier of the
    actions the child came to) with the day of its first presence and the child's level of that
    year, cancelled actions and sessions left out; then the counters."""
    Presence = apps.get_model("actions", "Presence")
    Participant = apps.get_model("actions", "Participant")
    NiveauAnnuel = apps.get_model("actions", "NiveauAnnuel")
    FrequentationAnnuelle = apps.get_model("actions", "FrequentationAnnuelle")
    EffectifAnnuel = apps.get_model("actions", "EffectifAnnuel")
    ArriveesDuJour = apps.get_model("actions", "ArriveesDuJour")
    FrequentationAnnuelle.objects.all().delete()
    EffectifAnnuel.objects.all().delete()
    ArriveesDuJour.objects.all().delete()
    presences = (
        Presence.objects.exclude(seance__action__statut=ANNULEE)
        .filter(seance__annulee_le__isnull=True)
        .annotate(annee=annee_scolaire("seance__date"), fiche=F("seance__action__realisation__fiche"))
    )
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
        pk: {"contrat_id": contrat, "sexe": sexe, "niveau_scolaire": niveau, "quartier_residence_id": residence}
        for pk, contrat, sexe, niveau, residence in Participant.objects.values_list(
            "pk", "structure__contrat", "sexe", "niveau_scolaire", "quartier_residence"
        )
    }
    niveaux = {
        (p, a): n for p, a, n in NiveauAnnuel.objects.values_list("participant", "annee_scolaire", "niveau_scolaire")
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
                        "niveau_scolaire": niveaux.get(
                            (ligne["participant"], ligne["annee"]), profil["niveau_scolaire"]
                        ),
                    },
                )
            )
    FrequentationAnnuelle.objects.bulk_create(nouvelles, batch_size=LOT)
    effectifs = defaultdict(lambda: [0, 0])
    arrivees = defaultdict(int)
    for ligne in nouvelles:
        cle = (
            ligne.contrat_id,
            ligne.fiche_id,
            ligne.quartier_id or 0,
            ligne.annee_scolaire,
            ligne.sexe,
            ligne.niveau_scolaire,
            ligne.quartier_residence_id or 0,
        )
        effectifs[cle][0] += 1
        effectifs[cle][1] += ligne.nb_presences
        arrivees[(*cle[:4], ligne.premiere_presence, *cle[4:])] += 1
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
    ArriveesDuJour.objects.bulk_create(
        [
            ArriveesDuJour(
                contrat_id=contrat,
                fiche_id=fiche,
                perimetre=perimetre,
                annee_scolaire=annee,
                jour=jour,
                sexe=sexe,
                niveau_scolaire=niveau,
                residence=residence,
                nb_enfants=n,
            )
            for (contrat, fiche, perimetre, annee, jour, sexe, niveau, residence), n in sorted(arrivees.items())
        ],
        batch_size=LOT,
    )


def remplir(apps, schema_editor):
    compter_les_presents(apps)
    noter_les_niveaux(apps)
    dater_les_arrivees(apps)


class Migration(migrations.Migration):
    dependencies = [("actions", "0011_periodes_comparables")]

    operations = [migrations.RunPython(remplir, migrations.RunPython.noop)]
