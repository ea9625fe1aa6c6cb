"""Fills what 0014 added: each action's sessions summed per day in each of its perimeters
(SeancesDuJourParAction), and their counters per fiche, perimeter and day (SeancesDuJour), from
the sessions. With the code of actions.resumes as it was when this migration was written, copied
here (historical models): the module may change since, this migration must not."""

from collections import defaultdict

from django.db import migrations
from django.db.models import Count, F, Q, Sum
from django.db.models.functions import Coalesce

LOT = 5000
ANNULEE = "annulee"
SOMMES = ["enfants_anonymes", "parents_presents", "nb_inscrits", "nb_presents", "seances_non_saisies"]


def remplir(apps, schema_editor):
    Seance = apps.get_model("actions", "Seance")
    Action = apps.get_model("actions", "Action")
    SeancesDuJour = apps.get_model("actions", "SeancesDuJour")
    SeancesDuJourParAction = apps.get_model("actions", "SeancesDuJourParAction")
    SeancesDuJour.objects.all().delete()
    SeancesDuJourParAction.objects.all().delete()
    quartiers = defaultdict(list)
    for action, quartier in Action.quartiers.through.objects.values_list("action", "quartier"):
        quartiers[action].append(quartier)
    saisie = Q(saisie_le__isnull=False)
    compteurs = defaultdict(lambda: [0] * len(SOMMES))
    par_action = []
    for somme in (
        Seance.objects.filter(annulee_le__isnull=True)
        .exclude(action__statut=ANNULEE)
        .values("action", "date", fiche=F("action__realisation__fiche"))
        .annotate(
            somme_enfants_anonymes=Sum("enfants_anonymes"),
            somme_parents_presents=Sum("parents_presents"),
            somme_nb_inscrits=Coalesce(Sum("nb_inscrits", filter=saisie), 0),
            somme_nb_presents=Sum("nb_presents"),
            somme_seances_non_saisies=Count("pk", filter=~saisie),
        )
        .order_by()
    ):
        valeurs = [somme[f"somme_{champ}"] for champ in SOMMES]
        for perimetre in [0, *quartiers[somme["action"]]]:
            par_action.append(
                SeancesDuJourParAction(
                    action_id=somme["action"],
                    fiche_id=somme["fiche"],
                    perimetre=perimetre,
                    jour=somme["date"],
                    **dict(zip(SOMMES, valeurs, strict=True)),
                )
            )
            compteur = compteurs[(somme["fiche"], perimetre, somme["date"])]
            for rang, valeur in enumerate(valeurs):
                compteur[rang] += valeur
    SeancesDuJourParAction.objects.bulk_create(par_action, batch_size=LOT)
    SeancesDuJour.objects.bulk_create(
        [
            SeancesDuJour(fiche_id=fiche, perimetre=perimetre, jour=jour, **dict(zip(SOMMES, valeurs, strict=True)))
            for (fiche, perimetre, jour), valeurs in compteurs.items()
        ],
        batch_size=LOT,
    )


class Migration(migrations.Migration):
    dependencies = [("actions", "0014_seances_du_jour")]

    operations = [migrations.RunPython(remplir, migrations.RunPython.noop)]
