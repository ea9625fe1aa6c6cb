"""The permission tool of every layer, and the one rule the reference pages need.

The user's scope (`request.perimetre`: contract, role, structures, quartiers) is attached to
each request by the accounts layer (`comptes.perimetre.PerimetreMiddleware`); the predicates
that read roles live there (`comptes.perms`). This layer only reads the scope's contract."""

from functools import wraps

from django.core.exceptions import PermissionDenied
from django.views.decorators.http import require_http_methods, require_safe

# The methods a view answers; any other (PUT, DELETE, PATCH, TRACE, OPTIONS...) gets 405 before
# anything is read, for every user alike. Pages that only show: `lecture`; forms: `formulaire`.
lecture = require_safe
formulaire = require_http_methods(["GET", "HEAD", "POST"])


def exige(predicat):
    """Refuse the view (403) to a user whose scope fails the predicate."""

    def decorateur(vue):
        @wraps(vue)
        def vue_protegee(request, *args, **kwargs):
            if not predicat(request.perimetre):
                raise PermissionDenied
            return vue(request, *args, **kwargs)

        return vue_protegee

    return decorateur


def peut_consulter_la_reference(perimetre):
    """Every member of a contract reads its fiches and partners: the fiche is a public document."""
    return perimetre.contrat is not None
