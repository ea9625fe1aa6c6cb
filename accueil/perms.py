"""Who may open the home page."""


def peut_voir_l_accueil(perimetre):
    """Every member of a contract has a home page, saying what waits for their role; an account
    without membership sees nothing of any contract."""
    return perimetre.contrat is not None
