"""The children's summaries get a fiche (filled by 0009, required by 0010): each fiche has its
own dashboard, which counts the children of its own actions only."""

import django.db.models.deletion
from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("actions", "0007_participant_ecart_niveau"),
        ("fiches", "0005_contrat_zone_scolaire"),
    ]

    operations = [
        migrations.RemoveConstraint(model_name="frequentationannuelle", name="frequentation_contrat_unique"),
        migrations.RemoveConstraint(model_name="frequentationannuelle", name="frequentation_quartier_unique"),
        migrations.RemoveConstraint(model_name="effectifannuel", name="effectif_unique"),
        migrations.AddField(
            model_name="frequentationannuelle",
            name="fiche",
            field=models.ForeignKey(
                null=True,
                on_delete=django.db.models.deletion.CASCADE,
                related_name="+",
                to="fiches.fiche",
            ),
        ),
        migrations.AddField(
            model_name="effectifannuel",
            name="fiche",
            field=models.ForeignKey(
                null=True,
                on_delete=django.db.models.deletion.CASCADE,
                related_name="+",
                to="fiches.fiche",
            ),
        ),
    ]
