"""Each indicator belongs to a fiche (filled by 0003, required by 0004), and its code will be
unique within that fiche rather than within the statement it measures."""

import django.db.models.deletion
from django.db import migrations, models


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
    ]
