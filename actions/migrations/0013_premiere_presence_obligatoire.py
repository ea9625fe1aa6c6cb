"""Once every row has its first presence (0012), it is required: in a migration of its own,
since PostgreSQL alters no table with rows inserted in the same transaction."""

from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [("actions", "0012_remplir_periodes_comparables")]

    operations = [
        migrations.AlterField(
            model_name="frequentationannuelle",
            name="premiere_presence",
            field=models.DateField(verbose_name="première présence"),
        ),
    ]
