"""School levels and ages in the French system: pure functions, no database."""

from .enums import NiveauScolaire

# The age a child reaches in the calendar year of the rentrée, per level: born in 2019, a child
# enters CP in September 2025, whatever the month of birth.
AGE_A_LA_RENTREE = {
    NiveauScolaire.PS: 3,
    NiveauScolaire.MS: 4,
    NiveauScolaire.GS: 5,
    NiveauScolaire.CP: 6,
    NiveauScolaire.CE1: 7,
    NiveauScolaire.CE2: 8,
    NiveauScolaire.CM1: 9,
    NiveauScolaire.CM2: 10,
    NiveauScolaire.SIXIEME: 11,
    NiveauScolaire.CINQUIEME: 12,
    NiveauScolaire.QUATRIEME: 13,
    NiveauScolaire.TROISIEME: 14,
    NiveauScolaire.SECONDE: 15,
    NiveauScolaire.PREMIERE: 16,
    NiveauScolaire.TERMINALE: 17,
}


def annees_de_naissance_possibles(aujourdhui):
    """The birth years of a child the actions may follow: from 1 to 25 years old this year."""
    return range(aujourdhui.year - 25, aujourdhui.year)


def niveau_attendu(*, annee_naissance, annee):
    """The level, in that school year, of a child born that year who follows the usual pace; None
    before petite section and after terminale."""
    age = annee.annee_de_rentree - annee_naissance
    return next((niveau for niveau, age_du_niveau in AGE_A_LA_RENTREE.items() if age_du_niveau == age), None)


def niveau_convient(*, niveau, annee_naissance, annee):
    """The usual level for the birth year fits; « non scolarisé » fits every age (too young for
    school, instruction en famille, a pupil who dropped out: what the fiche is about)."""
    return niveau == NiveauScolaire.NON_SCOLARISE or niveau == niveau_attendu(
        annee_naissance=annee_naissance, annee=annee
    )


def ecart_de_niveau(*, niveau, annee_naissance, annee):
    """What is unusual about the level for the birth year, in a sentence; None when it fits."""
    if niveau_convient(niveau=niveau, annee_naissance=annee_naissance, annee=annee):
        return None
    attendu = niveau_attendu(annee_naissance=annee_naissance, annee=annee)
    age = annee.annee_de_rentree - annee_naissance
    if attendu is not None:
        usuel = f"est d’ordinaire en {NiveauScolaire(attendu).label} en {annee}"
    elif age < AGE_A_LA_RENTREE[NiveauScolaire.PS]:
        usuel = f"n’a pas encore l’âge de la petite section en {annee}"
    else:
        usuel = f"a d’ordinaire fini le lycée en {annee}"
    return f"Un enfant né en {annee_naissance} {usuel}, pas en {NiveauScolaire(niveau).label}."
