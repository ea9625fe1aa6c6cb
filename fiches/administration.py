"""The Django admin, contract by contract: a non-superuser administrator sees, chooses and edits
only the rows of the contracts they administer; only a superuser sees every contract.

Each model says where its contract is (`chemin_du_contrat`, a lookup path such as
"enjeu__axe__pilier__contrat", or PARTAGE for what every contract shares: communes,
thématiques...), so that one mixin, `DuContrat`, scopes every admin class and inline the same
way: their lists and filters, the objects they open (404 outside), their history, and the
choices their forms offer for each relation. The contracts a user administers come with the
request's scope (`request.perimetre.contrats_administres`, set by the accounts layer), as every
permission of this layer does (fiches.perms)."""

from django.contrib.admin import RelatedOnlyFieldListFilter
from django.contrib.admin.utils import get_fields_from_path
from django.core.exceptions import FieldDoesNotExist, ImproperlyConfigured
from django.http import Http404

from .models import PARTAGE

_NON_DECLARE = object()


def chemin_du_contrat(modele):
    chemin = getattr(modele, "chemin_du_contrat", _NON_DECLARE)
    if chemin is _NON_DECLARE:
        raise ImproperlyConfigured(
            f"{modele._meta.label} ne dit pas à quel contrat appartient chaque ligne (chemin_du_contrat) : "
            "l’administration ne saurait pas la restreindre au contrat de l’administrateur."
        )
    return chemin


def contrat_de(objet, chemin):
    """The id of the contract an object belongs to, read along its relations (works for a
    historical version of a row too, whose relations are those of its time)."""
    if chemin == "pk":
        return objet.pk
    *relations, dernier = chemin.split("__")
    for nom in relations:
        objet = getattr(objet, nom, None)
        if objet is None:
            return None
    return getattr(objet, f"{dernier}_id", None)


def tout_administrer(request):
    return request.user.is_active and request.user.is_superuser


def restreindre(queryset, request):
    """The rows of the queryset that belong to a contract the user administers."""
    if tout_administrer(request):
        return queryset
    chemin = chemin_du_contrat(queryset.model)
    if chemin is PARTAGE:
        return queryset
    return queryset.filter(**{f"{chemin}__in": request.perimetre.contrats_administres})


class DuContrat:
    """Mixin of every ModelAdmin and inline of the project (first in the bases)."""

    def restreindre(self, queryset, request):
        """Where an admin class reads its rows; the accounts' admin says who an administrator may act on."""
        return restreindre(queryset, request)

    def dans_le_perimetre(self, request, objet):
        if tout_administrer(request) or objet is None:
            return True
        # An inline is asked about its parent: the object's own path is the one to follow.
        chemin = chemin_du_contrat(type(objet))
        return chemin is PARTAGE or contrat_de(objet, chemin) in request.perimetre.contrats_administres

    def get_queryset(self, request):
        return self.restreindre(super().get_queryset(request), request)

    def get_object(self, request, object_id, from_field=None):
        """An object outside the user's contracts does not exist for them: 404, the answer the
        application's own pages give, rather than the admin's redirection with a message that
        would tell an existing id from a missing one."""
        objet = super().get_object(request, object_id, from_field)
        if objet is None:
            raise Http404("Aucun objet de vos contrats ne porte cet identifiant.")
        return objet

    # The history pages of django-simple-history fall back on the recorded versions of an
    # object they do not find, and open a version by its id: the object's contract is checked
    # there through these permissions.
    def has_view_permission(self, request, obj=None):
        return super().has_view_permission(request, obj) and self.dans_le_perimetre(request, obj)

    def has_change_permission(self, request, obj=None):
        return super().has_change_permission(request, obj) and self.dans_le_perimetre(request, obj)

    def has_delete_permission(self, request, obj=None):
        return super().has_delete_permission(request, obj) and self.dans_le_perimetre(request, obj)

    def get_field_queryset(self, db, db_field, request):
        """The choices of every relation of a form: a row of another contract is neither offered
        nor accepted, whatever id is posted."""
        queryset = super().get_field_queryset(db, db_field, request)
        if queryset is None:
            queryset = db_field.remote_field.model._default_manager.using(db)
        admin_lie = self.admin_site._registry.get(queryset.model)
        if isinstance(admin_lie, DuContrat):
            return admin_lie.restreindre(queryset, request)
        return restreindre(queryset, request)

    def get_list_filter(self, request):
        """A filter on a relation lists only the values found among the rows shown, not the
        names of other contracts' quartiers, structures or contracts."""
        filtres = super().get_list_filter(request)
        if tout_administrer(request):
            return filtres
        return [(f, RelatedOnlyFieldListFilter) if self._est_une_relation(f) else f for f in filtres]

    def _est_une_relation(self, filtre):
        if not isinstance(filtre, str):
            return False
        try:
            return get_fields_from_path(self.model, filtre)[-1].is_relation
        except FieldDoesNotExist:
            return False
