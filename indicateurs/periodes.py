"""What a dashboard compares: a school year with the one before it, over the same stretch of
each. While the year is under way, both are cut at the same day of the school year (today, and
the same day and month a year earlier); a finished year is compared whole with the whole
previous one."""

from dataclasses import dataclass
from datetime import date

from fiches.annees import AnneeScolaire


@dataclass(frozen=True)
class Comparaison:
    annee: AnneeScolaire
    aujourdhui: date

    @property
    def precedente(self):
        return self.annee.precedente()

    @property
    def en_cours(self):
        """A year under way is cut at today; one to come or finished is read whole (nothing of a
        year to come is dated yet)."""
        return self.annee.debut <= self.aujourdhui <= self.annee.fin

    @property
    def periodes(self):
        """{"actuelle" | "precedente": (first day, last day)} of what each year counts."""
        if not self.en_cours:
            return {
                "actuelle": (self.annee.debut, self.annee.fin),
                "precedente": (self.precedente.debut, self.precedente.fin),
            }
        return {
            "actuelle": (self.annee.debut, self.aujourdhui),
            "precedente": (self.precedente.debut, self.precedente.au_meme_jour(self.aujourdhui)),
        }

    @property
    def libelle(self):
        """How the two years are compared, in the words of the page and the exports:
        « au 30/11, même période 2025-2026 » or « année entière, comparée à 2024-2025 entière »."""
        if not self.en_cours:
            return f"année entière, comparée à {self.precedente.libelle} entière"
        fin_precedente = self.periodes["precedente"][1]
        libelle = f"au {self.aujourdhui:%d/%m}, même période {self.precedente.libelle}"
        if (fin_precedente.day, fin_precedente.month) != (self.aujourdhui.day, self.aujourdhui.month):
            libelle += f" (jusqu’au {fin_precedente:%d/%m/%Y})"
        return libelle
