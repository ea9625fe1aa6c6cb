"""Who may do what. Each predicate takes the user's scope; the docstring says why."""

from functools import wraps

from django.core.exceptions import PermissionDenied


def peut_consulter_la_reference(perimetre):
    """Every member of a contract reads its fiches and partners: the fiche is a public document."""
    return perimetre.contrat is not None


def peut_saisir(perimetre):
    """Officers and animateurs record actions and children; partners only read aggregates,
    never an action's page or a child's record."""
    return perimetre.responsable or perimetre.animateur


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


def peut_voir_les_tableaux(perimetre):
    """Dashboards show aggregates only: every member of the contract may read them."""
    return perimetre.contrat is not None


def peut_voir_le_tableau_du_contrat(perimetre):
    """A partner granted some quartiers reads those, not the whole contract."""
    return peut_voir_les_tableaux(perimetre) and not (perimetre.partenaire and perimetre.quartier_ids)


def peut_piloter(perimetre):
    """Targets and external values (school results, dropouts) are the officers' to set."""
    return perimetre.responsable
