"""Once every row has its fiche (0009), the fiche is required and part of the unique keys: in a
migration of its own, since PostgreSQL alters no table with rows inserted in the same transaction."""

import django.db.models.deletion
from django.db import migrations, models
from django.db.models import Q


class Migration(migrations.Migration):
    dependencies = [("actions", "0009_resumes_par_fiche_remplir")]

    operations = [
        migrations.AlterField(
            model_name="frequentationannuelle",
            name="fiche",
            field=models.ForeignKey(on_delete=django.db.models.deletion.CASCADE, related_name="+", to="fiches.fiche"),
        ),
        migrations.AlterField(
            model_name="effectifannuel",
            name="fiche",
            field=models.ForeignKey(on_delete=django.db.models.deletion.CASCADE, related_name="+", to="fiches.fiche"),
        ),
        migrations.AddConstraint(
            model_name="frequentationannuelle",
            constraint=models.UniqueConstraint(
                condition=Q(quartier=None),
                fields=("participant", "annee_scolaire", "fiche"),
                name="frequentation_fiche_unique",
            ),
        ),
        migrations.AddConstraint(
            model_name="frequentationannuelle",
            constraint=models.UniqueConstraint(
                condition=Q(quartier__isnull=False),
                fields=("participant", "annee_scolaire", "fiche", "quartier"),
                name="frequentation_fiche_quartier_unique",
            ),
        ),
        migrations.AddConstraint(
            model_name="effectifannuel",
            constraint=models.UniqueConstraint(
                fields=("contrat", "annee_scolaire", "fiche", "perimetre", "sexe", "niveau_scolaire", "residence"),
                name="effectif_fiche_unique",
            ),
        ),
    ]
