"""Date arithmetic of the action records: pure functions, no database."""

from datetime import timedelta

from fiches.annees import AnneeScolaire


def dates_de_la_serie(*, date_debut, date_fin, jours):
    """Each date between the two (both included) that falls on one of these weekdays (0: Monday)."""
    jour = date_debut
    while jour <= date_fin:
        if jour.weekday() in jours:
            yield jour
        jour += timedelta(days=1)


def dates_en_clair(jours):
    """01/10/2025, 08/10/2025 et 15/10/2025."""
    textes = [f"{jour:%d/%m/%Y}" for jour in jours]
    return " et ".join(filter(None, [", ".join(textes[:-1]), textes[-1]])) if textes else ""


def seuil_de_retention(*, aujourdhui, annees):
    """Records whose last activity is before this date are past retention: their last school
    year ended more than `annees` school years ago."""
    courante = AnneeScolaire.de_la_date(aujourdhui)
    return AnneeScolaire(courante.annee_de_rentree - annees).debut
