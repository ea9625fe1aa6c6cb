"""The school year (1 September to 31 August): the default period of every record and indicator."""

import calendar
import re
from dataclasses import dataclass
from datetime import date

from django.utils import timezone

from .bornes import DATE_MAX, DATE_MIN

LIBELLE = re.compile(r"([0-9]{4})-([0-9]{4})")


@dataclass(frozen=True, order=True)
class AnneeScolaire:
    annee_de_rentree: int

    @classmethod
    def de_la_date(cls, jour):
        return cls(jour.year if jour.month >= 9 else jour.year - 1)

    @classmethod
    def courante(cls):
        return cls.de_la_date(timezone.localdate())

    @classmethod
    def demandee(cls, libelle):
        """The school year a page is asked for (`?annee=2025-2026`): the current one when none is
        asked or the text is not one, as every page with a year selector shows it."""
        return cls.depuis_libelle(libelle) or cls.courante()

    @classmethod
    def depuis_libelle(cls, libelle):
        """`2025-2026` -> the school year; None when the text is not a school year, or one that
        starts outside the dates a record may carry (fiches.bornes)."""
        correspondance = LIBELLE.fullmatch(libelle or "")
        if not correspondance or int(correspondance[2]) != int(correspondance[1]) + 1:
            return None
        if not DATE_MIN.year <= int(correspondance[1]) <= DATE_MAX.year:
            return None
        return cls(int(correspondance[1]))

    @property
    def debut(self):
        return date(self.annee_de_rentree, 9, 1)

    @property
    def fin(self):
        return date(self.annee_de_rentree + 1, 8, 31)

    @property
    def libelle(self):
        return f"{self.annee_de_rentree}-{self.annee_de_rentree + 1}"

    def precedente(self):
        return AnneeScolaire(self.annee_de_rentree - 1)

    def au_meme_jour(self, jour):
        """The day of this school year with the day and month of `jour`: 30/11/2026 is
        30/11/2025 in 2025-2026. 29 February, in a year without one, is 28 February."""
        annee = self.annee_de_rentree + (0 if jour.month >= 9 else 1)
        if (jour.month, jour.day) == (2, 29) and not calendar.isleap(annee):
            return date(annee, 2, 28)
        return jour.replace(year=annee)

    def __str__(self):
        return self.libelle


def annees_recentes(nombre=6):
    """The current school year and the ones before it, newest first, for period pickers."""
    courante = AnneeScolaire.courante()
    return [AnneeScolaire(courante.annee_de_rentree - decalage) for decalage in range(nombre)]
