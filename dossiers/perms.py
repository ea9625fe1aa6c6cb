"""Who may do what with campaigns and dossiers. Each predicate takes the user's scope
(comptes.perimetre); the docstring says why. Which role runs which transition of a dossier is
declared with the transition itself (dossiers.models)."""


def peut_voir_les_dossiers(perimetre):
    """Officers instruct every dossier; a porteur follows those of their structures; a partner
    that funds gives its avis on those asking it for money. Animateurs record actions, not
    requests for money."""
    return perimetre.responsable or perimetre.porteur or (perimetre.partenaire and perimetre.partenaire_id is not None)


def peut_voir_les_campagnes(perimetre):
    """A campaign is a public call: whoever sees dossiers reads what it targets and its envelopes."""
    return peut_voir_les_dossiers(perimetre)


def peut_gerer_les_campagnes(perimetre):
    """The project team writes the call, its dates and the envelopes the financeurs announced."""
    return perimetre.responsable


def peut_rediger_un_dossier(perimetre):
    """Dossiers are the porteurs': the structure that asks for money writes what it asks."""
    return perimetre.porteur


def peut_voir_les_financements(perimetre):
    """Funding across the contract (who asked and got how much) is the project team's to steer;
    a partner sees its own avis, a porteur its own dossiers, not the others' money."""
    return perimetre.responsable


def peut_voir_les_bilans(perimetre):
    """A bilan is the porteur's account to the project team, which validates it: the figures of
    the action's children and its spending. A financeur partner gives its avis on the requests
    and sees nothing else of a dossier; animateurs record the action, they do not report on it."""
    return perimetre.responsable or perimetre.porteur


def peut_rediger_un_bilan(perimetre):
    """The structure that ran the action writes its bilan (dossiers.services checks the structure)."""
    return perimetre.porteur
