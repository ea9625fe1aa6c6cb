"""Who may do what. Each predicate takes the user's scope; the docstring says why. Views apply
them with `fiches.perms.exige`."""


def peut_saisir(perimetre):
    """Officers and animateurs record actions and children; partners only read aggregates,
    never an action's page or a child's record."""
    return perimetre.responsable or perimetre.animateur


def peut_voir_les_tableaux(perimetre):
    """Dashboards show aggregates only: every member of the contract may read them."""
    return perimetre.contrat is not None


def peut_voir_le_tableau_du_contrat(perimetre):
    """A partner granted some quartiers reads those, not the whole contract."""
    return peut_voir_les_tableaux(perimetre) and not (perimetre.partenaire and perimetre.quartier_ids)


def peut_piloter(perimetre):
    """Targets and external values (school results, dropouts) are the officers' to set."""
    return perimetre.responsable


def peut_exporter_les_enfants(perimetre):
    """A list of children's records leaves the application in one file: only the city's officers,
    who answer for the data, take one; an animateur opens each record, a partner none."""
    return perimetre.responsable


def peut_cloturer(perimetre):
    """Closing a school year makes its figures final for everyone: the contract's officers
    decide it, as they answer for those figures before the comité de pilotage. Reopening is
    an administrator's, in the admin."""
    return perimetre.responsable


def peut_faire_repondre(perimetre):
    """A child's answers to the « envie d’école » questionnaire are seen child by child only
    within the structure that follows them: its animateurs hand over the tablet, print the
    sheets and enter them; officers and partners read the figures, never the answers."""
    return perimetre.animateur
