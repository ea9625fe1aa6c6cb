from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [("actions", "0009_remplir_periodes_comparables")]

    operations = [
        migrations.AlterField(
            model_name="frequentationannuelle",
            name="premiere_presence",
            field=models.DateField(verbose_name="première présence"),
        ),
    ]
