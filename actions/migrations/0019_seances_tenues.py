from django.db import migrations, models


def _champs(modele, type_de_champ):
    """The two counts added to `modele`: 0 for the rows already there, until 0020 fills them."""
    return [
        migrations.AddField(
            model_name=modele,
            name=nom,
            field=type_de_champ(default=0, verbose_name=libelle),
        )
        for nom, libelle in (
            ("nb_seances", "séances tenues"),
            ("seances_en_ecole", "séances tenues dans un établissement scolaire"),
        )
    ]


class Migration(migrations.Migration):
    dependencies = [("actions", "0018_action_coimplication")]

    operations = [
        *_champs("seancesannuelles", models.PositiveIntegerField),
        *_champs("seancesdujourparaction", models.PositiveIntegerField),
        *_champs("seancesdujour", models.IntegerField),
    ]
