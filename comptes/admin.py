from axes.admin import AccessAttemptAdmin, AccessFailureLogAdmin, AccessLogAdmin
from axes.models import AccessAttempt, AccessFailureLog, AccessLog
from django import forms
from django.contrib import admin
from django.contrib.auth import get_user_model
from django.contrib.auth.admin import UserAdmin
from simple_history.admin import SimpleHistoryAdmin

from fiches.administration import DuContrat, tout_administrer

from .enums import Role
from .models import Adhesion
from .selectors import comptes_administrables
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
        if role == Role.PORTEUR and not donnees.get("structures"):
            self.add_error("structures", "Un porteur de projet dépose les dossiers d’au moins une structure.")
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
class AdhesionAdmin(DuContrat, SimpleHistoryAdmin):
    form = FormulaireAdhesion
    list_display = ["utilisateur", "role", "contrat", "partenaire"]
    list_select_related = ["utilisateur", "contrat", "partenaire"]
    list_filter = ["role", "contrat"]
    search_fields = ["utilisateur__username", "utilisateur__last_name", "utilisateur__email"]
    autocomplete_fields = ["utilisateur", "partenaire"]
    filter_horizontal = ["structures", "quartiers"]

    def restreindre(self, queryset, request):
        # A membership of an account out of reach is that account's rights: changing its role
        # would change what a superuser or another contract's member can do.
        queryset = super().restreindre(queryset, request)
        if tout_administrer(request):
            return queryset
        return queryset.filter(
            utilisateur__in=comptes_administrables(
                get_user_model().objects.all(), contrats=request.perimetre.contrats_administres
            )
        )

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


class DesComptesAdministrables(DuContrat):
    """Rows of accounts rather than of a contract: an object is within reach when the queryset
    the admin class restricts to still holds it."""

    def dans_le_perimetre(self, request, objet):
        if tout_administrer(request) or objet is None:
            return True
        return self.restreindre(type(objet)._default_manager.filter(pk=objet.pk), request).exists()


admin.site.unregister(get_user_model())


@admin.register(get_user_model())
class UtilisateurAdmin(DesComptesAdministrables, UserAdmin):
    """An administrator manages the accounts of their contracts; only a superuser grants more.

    Outside a superuser, the accounts listed, opened, renamed, deactivated or given a new
    password or e-mail are those comptes_administrables allows: any other answers 404, on every
    page of this admin (password included). The role, its group and the staff flag follow the
    membership (Adhésions, comptes.services.adhesion_definir), so they are shown, not edited."""

    def restreindre(self, queryset, request):
        if tout_administrer(request):
            return queryset
        return comptes_administrables(queryset, contrats=request.perimetre.contrats_administres)

    def get_readonly_fields(self, request, obj=None):
        champs = super().get_readonly_fields(request, obj)
        if tout_administrer(request):
            return champs
        return [*champs, "is_superuser", "is_staff", "groups", "user_permissions", "last_login", "date_joined"]


class ConnexionsDesComptesAdministrables(DesComptesAdministrables):
    """Login attempts and logs name an account and an address: an administrator sees those of the
    accounts they manage, and unlocks those only. Attempts on names that are no account are a
    superuser's to read."""

    def restreindre(self, queryset, request):
        if tout_administrer(request):
            return queryset
        comptes = comptes_administrables(
            get_user_model().objects.all(), contrats=request.perimetre.contrats_administres
        )
        return queryset.filter(username__in=comptes.values("username"))


for modele, classe in [
    (AccessAttempt, AccessAttemptAdmin),
    (AccessLog, AccessLogAdmin),
    (AccessFailureLog, AccessFailureLogAdmin),
]:
    admin.site.unregister(modele)
    admin.site.register(modele, type(classe.__name__, (ConnexionsDesComptesAdministrables, classe), {}))
