"""Public holidays and school holidays of metropolitan France: the dates a series of sessions
skips, each with its reason in French.

Public holidays are computed by the `holidays` package (national list of metropolitan France:
fixed dates, Easter Monday, Ascension, Whit Monday), never typed here.

School holidays come from the Education nationale's calendar (dataset `fr-en-calendrier-scolaire`
of data.education.gouv.fr), shipped as `donnees/calendrier-scolaire/fr-en-calendrier-scolaire.csv`
in its published layout; the README beside it gives its source and the date of the copy, and
`manage.py importer_calendrier_scolaire` replaces it when a new calendar is published. The file is
read once per process. How its rows are read, checked against the dataset and service-public.fr:

- A date is an instant, the Paris midnight of the day: written in UTC by today's exports
  (`2025-10-17T22:00:00+00:00`), with the Paris offset by older ones (`2025-10-18T00:00:00+02:00`).
  The day is the Paris day of that instant, never its UTC day, which is the day before.
- `start_date` is the first day of the holidays (the « fin des cours » Saturday: classes end on
  the eve, or that morning where a school teaches on Saturday) and `end_date` the day classes
  resume, which is a school day: the holidays are start_date <= day < end_date. Toussaint 2025,
  published 18/10/2025 -> 03/11/2025, is « fin des cours : samedi 18 octobre 2025, jour de
  reprise : lundi 3 novembre 2025 »: 18/10 to 02/11 without class, lessons on Monday 03/11.
- A row ending the day it starts is that one day (Pont de l'Ascension 2026-2027: Friday
  07/05/2027), except « Début des Vacances d'Été », published before the next rentrée is fixed:
  the summer holidays then run to the end of the school year, 31 August.
- Rows of teachers (population « Enseignants ») end before the pupils' rows of the same holidays
  (the teachers' rentrée comes first): the union of the rows is the pupils' holidays.
- The file has one row per académie; the académies of a zone share their dates, and a zone's
  holidays are the union of its rows.
"""

import csv
import io
from collections import Counter
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from functools import cache
from pathlib import Path
from zoneinfo import ZoneInfo

import holidays
from django.core.exceptions import ValidationError

from .annees import AnneeScolaire
from .enums import ZoneScolaire

FICHIER_CALENDRIER = (
    Path(__file__).resolve().parent / "donnees" / "calendrier-scolaire" / "fr-en-calendrier-scolaire.csv"
)

# The dataset's field names, in the order of its export.
COLONNES = ("description", "population", "start_date", "end_date", "location", "zones", "annee_scolaire")
# The portal's CSV export names its columns by their labels unless asked otherwise: both are read.
LIBELLES_DES_COLONNES = {
    "Description": "description",
    "Population": "population",
    "Date de début": "start_date",
    "Date de fin": "end_date",
    "Académies": "location",
    "Zones": "zones",
}
ZONES_PUBLIEES = {f"Zone {zone}": zone for zone in ZoneScolaire.values}
DEBUT_DE_L_ETE = "Début des Vacances d'Été"
ETE = "Vacances d'Été"
# Dates outside these years are typing errors, not a calendar.
ANNEES_PLAUSIBLES = range(1990, 2101)
MAX_ERREURS_AFFICHEES = 20
PARIS = ZoneInfo("Europe/Paris")


@dataclass(frozen=True)
class Vacances:
    """One holiday period of a zone: `premier_jour` <= day < `reprise`."""

    zone: str
    libelle: str
    annee_scolaire: str
    premier_jour: date
    reprise: date


@dataclass
class Lecture:
    """A calendar file read and checked: the rows of zones A, B and C, each a dict by field name,
    and the number of rows of the other zones (Corse, outre-mer), left out."""

    lignes: list
    ignorees: Counter


def jour_a_paris(valeur):
    """`2025-10-17T22:00:00+00:00` -> 18/10/2025; a bare date is taken as it is."""
    instant = datetime.fromisoformat(valeur)
    if instant.tzinfo is None:
        return instant.date()
    return instant.astimezone(PARIS).date()


def lire_calendrier(texte):
    """Read a calendar in the published layout (CSV separated by `;`, with the dataset's field
    names or its labels as header). Every row of zones A, B and C is checked; the errors are
    raised together, in French, with the line, the column and the value at fault."""
    lecteur = csv.reader(io.StringIO(texte.removeprefix("\ufeff")), delimiter=";")
    entete = next(lecteur, [])
    noms = [LIBELLES_DES_COLONNES.get(nom.strip(), nom.strip()) for nom in entete]
    manquantes = [colonne for colonne in COLONNES if colonne not in noms]
    if manquantes:
        raise ValidationError(
            f"Ligne 1 : colonnes manquantes : {', '.join(manquantes)}. Le fichier attendu est l’export CSV "
            f"(séparateur « ; ») du jeu fr-en-calendrier-scolaire, avec les colonnes {', '.join(COLONNES)}."
        )
    # A column is named in an error as the file's header names it.
    entetes = {nom: brut.strip() for nom, brut in zip(noms, entete, strict=True)}
    lignes, ignorees, erreurs = [], Counter(), []
    try:
        for valeurs in lecteur:
            if not any(valeur.strip() for valeur in valeurs):
                continue
            if len(valeurs) != len(noms):
                erreurs.append(f"Ligne {lecteur.line_num} : {len(valeurs)} valeurs pour {len(noms)} colonnes.")
                continue
            ligne = {nom: valeur.strip() for nom, valeur in zip(noms, valeurs, strict=True) if nom in COLONNES}
            if ligne["zones"] and ligne["zones"] not in ZONES_PUBLIEES:
                ignorees[ligne["zones"]] += 1
                continue
            erreurs_de_la_ligne = _verifier(ligne, numero=lecteur.line_num, entetes=entetes)
            if erreurs_de_la_ligne:
                erreurs += erreurs_de_la_ligne
            else:
                lignes.append(ligne)
    except csv.Error as erreur:
        erreurs.append(f"Ligne {lecteur.line_num} : CSV illisible ({erreur}).")
    if not erreurs:
        zones_absentes = set(ZONES_PUBLIEES) - {ligne["zones"] for ligne in lignes}
        if zones_absentes:
            erreurs.append(
                f"Aucune ligne pour {', '.join(sorted(zones_absentes))} : ce n’est pas le calendrier de toutes "
                "les zones, qui remplacerait celui qui est livré."
            )
    if erreurs:
        if len(erreurs) > MAX_ERREURS_AFFICHEES:
            erreurs = erreurs[:MAX_ERREURS_AFFICHEES] + [f"… et {len(erreurs) - MAX_ERREURS_AFFICHEES} autres erreurs."]
        raise ValidationError(erreurs)
    return Lecture(lignes=lignes, ignorees=ignorees)


def _verifier(ligne, *, numero, entetes):
    """The errors of one row of zones A, B and C, each naming its line, column and value."""
    erreurs = []

    def refuser(colonne, raison):
        erreurs.append(f"Ligne {numero}, colonne « {entetes[colonne]} », valeur « {ligne[colonne]} » : {raison}.")

    for colonne in ("description", "location", "zones"):
        if not ligne[colonne]:
            refuser(colonne, "valeur obligatoire")
    jours = {}
    for colonne in ("start_date", "end_date"):
        try:
            jour = jour_a_paris(ligne[colonne])
        except ValueError:
            refuser(colonne, "date illisible (attendu par exemple 2025-10-17T22:00:00+00:00)")
            continue
        if jour.year in ANNEES_PLAUSIBLES:
            jours[colonne] = jour
        else:
            refuser(colonne, f"année hors de {ANNEES_PLAUSIBLES[0]}–{ANNEES_PLAUSIBLES[-1]}")
    annee = AnneeScolaire.depuis_libelle(ligne["annee_scolaire"])
    if annee is None:
        refuser("annee_scolaire", "année scolaire attendue sous la forme 2025-2026")
    if erreurs:
        return erreurs
    if jours["end_date"] < jours["start_date"]:
        refuser("end_date", "la date de fin précède la date de début")
    elif not annee.debut <= jours["start_date"] <= annee.fin:
        refuser("start_date", f"la date de début n’est pas dans l’année scolaire {annee}")
    return erreurs


def mettre_en_forme(lignes):
    """The file as it is shipped: the dataset's field names as header, then the rows with their
    published values, in an order of their own so that the same calendar always gives the same
    file (the portal's export order changes from one download to the next)."""
    sortie = io.StringIO()
    ecrivain = csv.writer(sortie, delimiter=";", lineterminator="\n")
    ecrivain.writerow(COLONNES)
    for ligne in sorted(
        lignes,
        key=lambda ligne: (
            ligne["zones"],
            ligne["annee_scolaire"],
            jour_a_paris(ligne["start_date"]),
            ligne["description"],
            ligne["population"],
            ligne["location"],
        ),
    ):
        ecrivain.writerow([ligne[colonne] for colonne in COLONNES])
    return sortie.getvalue()


@cache
def _vacances_par_zone():
    par_zone = {zone: set() for zone in ZoneScolaire.values}
    for ligne in lire_calendrier(FICHIER_CALENDRIER.read_text(encoding="utf-8")).lignes:
        premier_jour = jour_a_paris(ligne["start_date"])
        reprise = jour_a_paris(ligne["end_date"])
        libelle = ligne["description"]
        if libelle == DEBUT_DE_L_ETE:
            libelle, reprise = ETE, AnneeScolaire.de_la_date(premier_jour).fin + timedelta(days=1)
        elif reprise == premier_jour:
            reprise = premier_jour + timedelta(days=1)
        zone = ZONES_PUBLIEES[ligne["zones"]]
        par_zone[zone].add(Vacances(zone, libelle, ligne["annee_scolaire"], premier_jour, reprise))
    return {
        zone: tuple(sorted(periodes, key=lambda v: (v.premier_jour, v.libelle))) for zone, periodes in par_zone.items()
    }


def oublier_calendrier():
    """Read the file again at the next call: after an import, in the process that imported."""
    _vacances_par_zone.cache_clear()


def periodes(zone):
    """The school holidays of a zone (`ZoneScolaire` value), by first day."""
    return _vacances_par_zone()[ZoneScolaire(zone)]


def annees_couvertes(zone):
    """The school years of the file for a zone: beyond them, no school holiday is known."""
    return sorted({vacances.annee_scolaire for vacances in periodes(zone)})


def vacances_scolaires(*, zone, debut, fin):
    """Each day of [debut, fin] in the school holidays of the zone -> « Vacances de la Toussaint
    (zone A) »."""
    jours = {}
    for vacances in periodes(zone):
        jour = max(debut, vacances.premier_jour)
        while jour < vacances.reprise and jour <= fin:
            jours.setdefault(jour, f"{vacances.libelle} (zone {vacances.zone})")
            jour += timedelta(days=1)
    return jours


@cache
def _feries_de_l_annee(annee):
    return dict(holidays.France(years=annee, language="fr"))


def jours_feries(*, debut, fin):
    """Each public holiday of metropolitan France in [debut, fin] -> « Armistice (jour férié) »."""
    return {
        jour: f"{nom} (jour férié)"
        for annee in range(debut.year, fin.year + 1)
        for jour, nom in sorted(_feries_de_l_annee(annee).items())
        if debut <= jour <= fin
    }


def jours_non_ouvres(*, zone, debut, fin):
    """Each day of [debut, fin] a series skips -> its reason, by date: the public holidays, and the
    school holidays of the zone. Without a zone (a contract that has none yet), only the public
    holidays."""
    feries = jours_feries(debut=debut, fin=fin)
    vacances = vacances_scolaires(zone=zone, debut=debut, fin=fin) if zone else {}
    return {
        jour: ", ".join(motif for motif in (feries.get(jour), vacances.get(jour)) if motif)
        for jour in sorted(feries.keys() | vacances.keys())
    }


def motif_non_ouvre(jour, *, zone):
    """Why a series would skip this day, or None for a day of school."""
    return jours_non_ouvres(zone=zone, debut=jour, fin=jour).get(jour)
