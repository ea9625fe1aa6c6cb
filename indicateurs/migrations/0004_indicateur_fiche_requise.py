"""Once every indicator has its fiche (0003), the fiche is required and its codes unique: in a
migration of its own, since PostgreSQL alters no table with rows updated in the same transaction."""

import django.db.models.deletion
from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [("indicateurs", "0003_indicateur_fiche_remplir")]

    operations = [
        migrations.AlterField(
            model_name="indicateur",
            name="fiche",
            field=models.ForeignKey(
                on_delete=django.db.models.deletion.PROTECT,
                related_name="indicateurs",
                to="fiches.fiche",
                verbose_name="fiche",
            ),
        ),
        migrations.AddConstraint(
            model_name="indicateur",
            constraint=models.UniqueConstraint(
                fields=("fiche", "code"),
                name="indicateur_code_unique_dans_la_fiche",
                violation_error_message="Cette fiche a déjà un indicateur de ce code.",
            ),
        ),
    ]
