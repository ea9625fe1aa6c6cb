from django import forms
from django.contrib import admin
from django.contrib.auth import get_user_model
from django.contrib.auth.admin import UserAdmin
from simple_history.admin import SimpleHistoryAdmin

from .enums import Role
from .models import Adhesion
from .services import adhesion_definir


class FormulaireAdhesion(forms.ModelForm):
    class Meta:
        model = Adhesion
        fields = ["utilisateur", "contrat", "role", "structures", "quartiers", "partenaire"]

    def clean(self):
        donnees = super().clean()
        contrat, role = donnees.get("contrat"), donnees.get("role")
        if role == Role.ANIMATEUR and not donnees.get("structures"):
            self.add_error("structures", "Un animateur saisit pour au moins une structure.")
        if contrat:
            for champ in ("structures", "quartiers"):
                etrangers = [str(o) for o in donnees.get(champ, []) if o.contrat_id != contrat.pk]
                if etrangers:
                    self.add_error(champ, "Ils appartiennent à un autre contrat : " + ", ".join(etrangers))
            partenaire = donnees.get("partenaire")
            if partenaire and partenaire.contrat_id != contrat.pk:
                self.add_error("partenaire", "Ce partenaire appartient à un autre contrat.")
        return donnees


@admin.register(Adhesion)
class AdhesionAdmin(SimpleHistoryAdmin):
    form = FormulaireAdhesion
    list_display = ["utilisateur", "role", "contrat", "partenaire"]
    list_select_related = ["utilisateur", "contrat", "partenaire"]
    list_filter = ["role", "contrat"]
    search_fields = ["utilisateur__username", "utilisateur__last_name", "utilisateur__email"]
    autocomplete_fields = ["utilisateur", "partenaire"]
    filter_horizontal = ["structures", "quartiers"]

    def save_related(self, request, form, formsets, change):
        # The role's group and the staff flag follow the membership (comptes.services).
        super().save_related(request, form, formsets, change)
        adhesion = form.instance
        adhesion_definir(
            utilisateur=adhesion.utilisateur,
            contrat=adhesion.contrat,
            role=adhesion.role,
            structures=adhesion.structures.all(),
            quartiers=adhesion.quartiers.all(),
            partenaire=adhesion.partenaire,
        )


admin.site.unregister(get_user_model())


@admin.register(get_user_model())
class UtilisateurAdmin(UserAdmin):
    """An administrator gives accounts their role (group); only a superuser grants more."""

    def get_readonly_fields(self, request, obj=None):
        champs = super().get_readonly_fields(request, obj)
        if request.user.is_superuser:
            return champs
        return [*champs, "is_superuser", "user_permissions", "last_login", "date_joined"]
