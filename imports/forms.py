from crispy_forms.helper import FormHelper
from django import forms

from .enums import NatureImport
from .lecture import EXTENSIONS, TAILLE_MAX


class FormulaireImport(forms.Form):
    """The file and what it holds; the action, for an action's attendance or enrolments. The
    kinds offered are those the user may write (views.natures_permises)."""

    nature = forms.ChoiceField(label="Contenu du fichier", choices=NatureImport.choices)
    action = forms.ModelChoiceField(
        label="Action",
        queryset=None,
        required=False,
        empty_label="— choisir l’action —",
        help_text="Pour les présences d’un mois ou des inscriptions : l’action dont le fichier parle.",
    )
    fichier = forms.FileField(
        label="Fichier",
        help_text=f"Excel (.xlsx) ou CSV séparateur point-virgule (.csv), {TAILLE_MAX // (1024 * 1024)} Mo au plus.",
        error_messages={
            "required": "Choisissez le fichier à importer.",
            "empty": "Le fichier est vide.",
            "invalid": "Ce n’est pas un fichier : choisissez-en un sur votre ordinateur.",
        },
        widget=forms.ClearableFileInput(attrs={"accept": ",".join(EXTENSIONS)}),
    )

    def __init__(self, *args, natures, actions, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["nature"].choices = [(nature.value, nature.label) for nature in natures]
        self.fields["action"].queryset = actions
        self.helper = FormHelper()
        self.helper.form_tag = False

    def clean_fichier(self):
        fichier = self.cleaned_data["fichier"]
        if fichier.size > TAILLE_MAX:
            raise forms.ValidationError(
                f"Le fichier pèse plus de {TAILLE_MAX // (1024 * 1024)} Mo : découpez-le, par exemple par mois."
            )
        if not fichier.name.lower().endswith(EXTENSIONS):
            raise forms.ValidationError(
                "Ce type de fichier n’est pas lu : enregistrez-le depuis votre tableur au format Excel (.xlsx) "
                "ou CSV séparateur point-virgule (.csv)."
            )
        return fichier
