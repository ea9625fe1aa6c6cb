"""Fills what 0019 added: the sessions held (not cancelled), and those held in a school, of each
action's yearly sums (SeancesAnnuelles) and sums per day (SeancesDuJourParAction), then of the
counters per fiche, perimeter and day (SeancesDuJour) from the latter. Only these two columns are
written: the other sums stay as the services kept them. With the code of actions.resumes as it
was when this migration was written, copied here (historical models): the module may change
since, this migration must not."""

from django.db import migrations
from django.db.models import Case, Count, IntegerField, OuterRef, Q, Subquery, Sum, When
from django.db.models.functions import Coalesce, ExtractYear

LOT = 2000
EN_ECOLE = Q(etablissement__isnull=False)


def _compte(seances, condition=Q()):
    """The sessions of the outer row, counted in a correlated subquery (0 when none)."""
    return Coalesce(
        Subquery(seances.filter(condition).order_by().values("action").annotate(n=Count("pk")).values("n")[:1]),
        0,
    )


def remplir(apps, schema_editor):
    Seance = apps.get_model("actions", "Seance")
    SeancesAnnuelles = apps.get_model("actions", "SeancesAnnuelles")
    SeancesDuJourParAction = apps.get_model("actions", "SeancesDuJourParAction")
    SeancesDuJour = apps.get_model("actions", "SeancesDuJour")
    tenues = Seance.objects.filter(annulee_le__isnull=True)
    # The year of the rentrée of a session's date: a school year runs from September to August.
    de_l_annee = tenues.annotate(
        annee=Case(
            When(date__month__gte=9, then=ExtractYear("date")),
            default=ExtractYear("date") - 1,
            output_field=IntegerField(),
        )
    ).filter(action=OuterRef("action"), annee=OuterRef("annee_scolaire"))
    SeancesAnnuelles.objects.update(
        nb_seances=_compte(de_l_annee), seances_en_ecole=_compte(de_l_annee, EN_ECOLE)
    )
    # Found through the index of the sessions by action and date, as the services find them.
    du_jour = tenues.filter(action=OuterRef("action"), date=OuterRef("jour"))
    SeancesDuJourParAction.objects.update(nb_seances=_compte(du_jour), seances_en_ecole=_compte(du_jour, EN_ECOLE))
    sommes = {
        (fiche, perimetre, jour): (seances, en_ecole)
        for fiche, perimetre, jour, seances, en_ecole in SeancesDuJourParAction.objects.values_list(
            "fiche", "perimetre", "jour"
        )
        .annotate(Sum("nb_seances"), Sum("seances_en_ecole"))
        .order_by()
    }
    # A counter whose sessions all went is left at zero, as the services leave it.
    SeancesDuJour.objects.update(nb_seances=0, seances_en_ecole=0)
    compteurs = []
    for compteur in SeancesDuJour.objects.only("fiche", "perimetre", "jour").iterator(chunk_size=LOT):
        cle = (compteur.fiche_id, compteur.perimetre, compteur.jour)
        if cle in sommes:
            compteur.nb_seances, compteur.seances_en_ecole = sommes[cle]
            compteurs.append(compteur)
    SeancesDuJour.objects.bulk_update(compteurs, ["nb_seances", "seances_en_ecole"], batch_size=LOT)


class Migration(migrations.Migration):
    dependencies = [("actions", "0019_seances_tenues")]

    operations = [migrations.RunPython(remplir, migrations.RunPython.noop)]
