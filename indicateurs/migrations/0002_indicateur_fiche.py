"""Each indicator belongs to a fiche (the fiche of the statement it measures), and its code is
unique within that fiche. A code given twice in one fiche (under two of its statements, which
the former constraint allowed) keeps the first indicator; the others get their id appended, so
that no figure is lost and an administrator can rename them."""

import django.db.models.deletion
from django.db import migrations, models


def remplir(apps, schema_editor):
    Indicateur = apps.get_model("indicateurs", "Indicateur")
    HistoricalIndicateur = apps.get_model("indicateurs", "HistoricalIndicateur")
    EnonceIndicateur = apps.get_model("fiches", "EnonceIndicateur")
    fiches = dict(EnonceIndicateur.objects.values_list("pk", "fiche_id"))
    vus = set()
    for indicateur in Indicateur.objects.order_by("pk"):
        indicateur.fiche_id = fiches[indicateur.enonce_id]
        if (indicateur.fiche_id, indicateur.code) in vus:
            indicateur.code = f"{indicateur.code[:30]}-{indicateur.pk}"
        vus.add((indicateur.fiche_id, indicateur.code))
        indicateur.save(update_fields=["fiche", "code"])
    for ligne in HistoricalIndicateur.objects.filter(enonce_id__in=fiches):
        ligne.fiche_id = fiches[ligne.enonce_id]
        ligne.save(update_fields=["fiche"])


class Migration(migrations.Migration):
    dependencies = [
        ("fiches", "0005_contrat_zone_scolaire"),
        ("indicateurs", "0001_initial"),
    ]

    operations = [
        migrations.RemoveConstraint(model_name="indicateur", name="indicateur_code_unique"),
        migrations.AddField(
            model_name="historicalindicateur",
            name="fiche",
            field=models.ForeignKey(
                blank=True,
                db_constraint=False,
                null=True,
                on_delete=django.db.models.deletion.DO_NOTHING,
                related_name="+",
                to="fiches.fiche",
                verbose_name="fiche",
            ),
        ),
        migrations.AddField(
            model_name="indicateur",
            name="fiche",
            field=models.ForeignKey(
                null=True,
                on_delete=django.db.models.deletion.PROTECT,
                related_name="indicateurs",
                to="fiches.fiche",
                verbose_name="fiche",
            ),
        ),
        migrations.RunPython(remplir, migrations.RunPython.noop, elidable=True),
    ]
