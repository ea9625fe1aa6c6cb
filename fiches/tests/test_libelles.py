"""get_<field>_display(), whose {value: label} each model builds once (fiches.models.Modele)."""

from django.apps import apps
from django.db import models

from fiches.models import Modele


def _champs_a_choix():
    for modele in apps.get_models():
        if issubclass(modele, Modele):
            for champ in modele._meta.concrete_fields:
                if champ.choices:
                    yield modele, champ


def test_every_choice_shows_the_label_django_would_and_a_value_out_of_the_choices_itself():
    champs = list(_champs_a_choix())
    assert len(champs) > 20
    for modele, champ in champs:
        for valeur in [*(v for v, _ in champ.flatchoices), "hors-choix"]:
            objet = modele(**{champ.attname: valeur})
            affiche = getattr(objet, f"get_{champ.name}_display")()
            assert affiche == models.Model._get_FIELD_display(objet, champ), (modele, champ.name, valeur)
            # Twice: the second from the dict kept, not built again.
            assert getattr(objet, f"get_{champ.name}_display")() == affiche
