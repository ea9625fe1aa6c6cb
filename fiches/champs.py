"""Form fields any layer's forms use (the admin's too)."""

from django import forms
from django.core.exceptions import ValidationError

from .bornes import IDENTIFIANT_MAX


class ChoixMultiples(forms.ModelMultipleChoiceField):
    """Records ticked by id. An id longer than the id column can hold is an unknown choice,
    refused before the database is asked: SQLite cannot even bind it in the query."""

    def _check_values(self, valeurs):
        for valeur in valeurs:
            try:
                hors_bornes = abs(int(valeur)) > IDENTIFIANT_MAX
            except (TypeError, ValueError):
                continue
            if hors_bornes:
                raise ValidationError(
                    self.error_messages["invalid_choice"], code="invalid_choice", params={"value": valeur}
                )
        return super()._check_values(valeurs)
