from django.contrib.auth.forms import AuthenticationForm
from django.core.validators import MaxLengthValidator


class FormulaireConnexion(AuthenticationForm):
    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        identifiant = self.fields["username"]
        identifiant.widget.attrs["autocomplete"] = "username"
        self.fields["password"].widget.attrs["autocomplete"] = "current-password"
        # Django sets the field's max_length after building it, so no validator checks it: a
        # longer name would reach the login-failure record (django-axes), whose column it overflows.
        identifiant.validators.append(
            MaxLengthValidator(
                identifiant.max_length,
                "Identifiant trop long : %(limit_value)s caractères au plus (il en compte %(show_value)s).",
            )
        )
