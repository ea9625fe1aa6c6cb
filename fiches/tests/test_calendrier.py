"""Public holidays and the official school calendar: hand-worked dates, the coverage of the
shipped file, and its import."""

import shutil
from datetime import date

import pytest
from django.core.exceptions import ValidationError
from django.core.management import CommandError, call_command

from fiches import calendrier
from fiches.calendrier import (
    annees_couvertes,
    jour_a_paris,
    jours_feries,
    jours_non_ouvres,
    lire_calendrier,
    mettre_en_forme,
    motif_non_ouvre,
    periodes,
)
from fiches.enums import ZoneScolaire

ZONES = ZoneScolaire.values
ENTETE = "description;population;start_date;end_date;location;zones;annee_scolaire"
# One row per zone, as today's exports write them: UTC stamps of the Paris midnights.
TOUSSAINT_2025 = [
    f"Vacances de la Toussaint;-;2025-10-17T22:00:00+00:00;2025-11-02T23:00:00+00:00;{academie};Zone {zone};2025-2026"
    for academie, zone in [("Lyon", "A"), ("Rennes", "B"), ("Paris", "C")]
]


@pytest.fixture
def calendrier_provisoire(tmp_path, monkeypatch):
    """A copy of the shipped calendar that the import may replace; the cache follows it."""
    copie = tmp_path / "fr-en-calendrier-scolaire.csv"
    shutil.copyfile(calendrier.FICHIER_CALENDRIER, copie)
    monkeypatch.setattr(calendrier, "FICHIER_CALENDRIER", copie)
    calendrier.oublier_calendrier()
    yield copie
    calendrier.oublier_calendrier()


def _fichier(tmp_path, *lignes, entete=ENTETE):
    chemin = tmp_path / "export.csv"
    chemin.write_text("\n".join([entete, *lignes]) + "\n", encoding="utf-8")
    return chemin


# --- Public holidays ----------------------------------------------------------------------


def test_11_november_2025_is_a_public_holiday():
    assert motif_non_ouvre(date(2025, 11, 11), zone=None) == "Armistice (jour férié)"
    assert motif_non_ouvre(date(2025, 11, 12), zone=None) is None


def test_the_movable_public_holidays_of_2026_follow_easter():
    # Easter Sunday 2026 is 5 April: Easter Monday +1 day, Ascension +39, Whit Monday +50.
    assert jours_feries(debut=date(2026, 4, 1), fin=date(2026, 5, 31)) == {
        date(2026, 4, 6): "Lundi de Pâques (jour férié)",
        date(2026, 5, 1): "Fête du Travail (jour férié)",
        date(2026, 5, 8): "Fête de la Victoire (jour férié)",
        date(2026, 5, 14): "Ascension (jour férié)",
        date(2026, 5, 25): "Lundi de Pentecôte (jour férié)",
    }


def test_every_fixed_public_holiday_of_a_year_is_there():
    feries = jours_feries(debut=date(2027, 1, 1), fin=date(2027, 12, 31))
    fixes = {(1, 1), (5, 1), (5, 8), (7, 14), (8, 15), (11, 1), (11, 11), (12, 25)}
    assert {(jour.month, jour.day) for jour in feries} == fixes | {(3, 29), (5, 6), (5, 17)}


# --- School holidays ----------------------------------------------------------------------


@pytest.mark.parametrize("zone", ZONES)
def test_a_wednesday_in_toussaint_2025_is_a_holiday_in_every_zone(zone):
    assert motif_non_ouvre(date(2025, 10, 22), zone=zone) == f"Vacances de la Toussaint (zone {zone})"


@pytest.mark.parametrize("zone", ZONES)
def test_the_holidays_run_from_the_published_start_to_the_eve_of_the_resume_day(zone):
    # Published 2025-10-17T22:00:00+00:00 -> 2025-11-02T23:00:00+00:00: « fin des cours samedi
    # 18 octobre, reprise lundi 3 novembre ». Read in UTC, both days would move one day back.
    assert motif_non_ouvre(date(2025, 10, 17), zone=zone) is None
    assert motif_non_ouvre(date(2025, 10, 18), zone=zone) == f"Vacances de la Toussaint (zone {zone})"
    assert motif_non_ouvre(date(2025, 11, 2), zone=zone) == f"Vacances de la Toussaint (zone {zone})"
    assert motif_non_ouvre(date(2025, 11, 3), zone=zone) is None
    # Christmas 2025: 20/12/2025 to 04/01/2026, classes again on Monday 05/01/2026.
    assert motif_non_ouvre(date(2026, 1, 4), zone=zone) == f"Vacances de Noël (zone {zone})"
    assert motif_non_ouvre(date(2026, 1, 5), zone=zone) is None


def test_winter_holidays_differ_between_zones():
    # Winter 2026: zone A 07/02 -> 23/02, zone C 21/02 -> 09/03.
    mercredi = date(2026, 2, 11)
    assert motif_non_ouvre(mercredi, zone=ZoneScolaire.A) == "Vacances d'Hiver (zone A)"
    assert motif_non_ouvre(mercredi, zone=ZoneScolaire.C) is None
    assert motif_non_ouvre(date(2026, 3, 4), zone=ZoneScolaire.A) is None
    assert motif_non_ouvre(date(2026, 3, 4), zone=ZoneScolaire.C) == "Vacances d'Hiver (zone C)"


def test_a_day_long_bridge_and_a_summer_published_by_its_first_day_only():
    # 2026-2027 gives the Ascension bridge as one day, and only the start of the summer holidays.
    assert motif_non_ouvre(date(2027, 5, 7), zone=ZoneScolaire.B) == "Pont de l'Ascension (zone B)"
    assert motif_non_ouvre(date(2027, 5, 10), zone=ZoneScolaire.B) is None
    assert motif_non_ouvre(date(2027, 7, 2), zone=ZoneScolaire.B) is None
    assert motif_non_ouvre(date(2027, 7, 20), zone=ZoneScolaire.B) == "Vacances d'Été (zone B)"
    assert motif_non_ouvre(date(2027, 8, 31), zone=ZoneScolaire.B) == "Vacances d'Été (zone B)"


def test_the_summer_holidays_end_with_the_pupils_rentree():
    # Summer 2026 ends on 31/08 for teachers and on 01/09 for pupils: the pupils' dates count.
    assert motif_non_ouvre(date(2026, 8, 31), zone=ZoneScolaire.A) == "Vacances d'Été (zone A)"
    assert motif_non_ouvre(date(2026, 9, 1), zone=ZoneScolaire.A) is None


def test_days_off_combine_both_reasons_by_date_and_without_a_zone_keep_the_public_holidays():
    jours = jours_non_ouvres(zone=ZoneScolaire.A, debut=date(2025, 10, 30), fin=date(2025, 11, 11))
    assert list(jours) == [
        date(2025, 10, 30),
        date(2025, 10, 31),
        date(2025, 11, 1),
        date(2025, 11, 2),
        date(2025, 11, 11),
    ]
    assert jours[date(2025, 11, 1)] == "Toussaint (jour férié), Vacances de la Toussaint (zone A)"
    assert jours[date(2025, 11, 11)] == "Armistice (jour férié)"
    assert jours_non_ouvres(zone="", debut=date(2025, 10, 30), fin=date(2025, 11, 11)) == {
        date(2025, 11, 1): "Toussaint (jour férié)",
        date(2025, 11, 11): "Armistice (jour férié)",
    }


# --- The shipped file ---------------------------------------------------------------------


@pytest.mark.parametrize("zone", ZONES)
def test_the_shipped_calendar_covers_2023_2024_to_2026_2027_with_every_holiday(zone):
    attendues = {
        "Vacances de la Toussaint",
        "Vacances de Noël",
        "Vacances d'Hiver",
        "Vacances de Printemps",
        "Vacances d'Été",
    }
    for annee in ["2023-2024", "2024-2025", "2025-2026", "2026-2027"]:
        assert annee in annees_couvertes(zone)
        libelles = {vacances.libelle for vacances in periodes(zone) if vacances.annee_scolaire == annee}
        assert attendues <= libelles, (annee, attendues - libelles)


def test_the_shipped_file_is_in_the_published_layout_as_the_import_writes_it():
    texte = calendrier.FICHIER_CALENDRIER.read_text(encoding="utf-8")
    assert texte.startswith(ENTETE + "\n")
    assert mettre_en_forme(lire_calendrier(texte).lignes) == texte


def test_a_date_is_the_paris_day_of_the_published_instant():
    assert jour_a_paris("2025-10-17T22:00:00+00:00") == date(2025, 10, 18)  # summer time
    assert jour_a_paris("2025-11-02T23:00:00+00:00") == date(2025, 11, 3)  # winter time
    assert jour_a_paris("2025-10-18T00:00:00+02:00") == date(2025, 10, 18)  # exports before 2025
    assert jour_a_paris("2025-10-18") == date(2025, 10, 18)


# --- Import -------------------------------------------------------------------------------


def test_the_import_refuses_a_bad_row_in_french_and_writes_nothing(tmp_path, calendrier_provisoire):
    avant = calendrier_provisoire.read_bytes()
    export = _fichier(
        tmp_path,
        *TOUSSAINT_2025,
        "Vacances de Noël;-;2025-12-19T23:00:00+00:00;2026-13-45T23:00:00+00:00;Lyon;Zone A;2025-2026",
    )
    with pytest.raises(CommandError) as erreur:
        call_command("importer_calendrier_scolaire", str(export))
    assert "Import refusé, le calendrier livré n’a pas changé." in str(erreur.value)
    assert "Ligne 5, colonne « end_date », valeur « 2026-13-45T23:00:00+00:00 » : date illisible" in str(erreur.value)
    assert calendrier_provisoire.read_bytes() == avant


@pytest.mark.parametrize(
    ("ligne", "message"),
    [
        (
            "Vacances de Noël;-;2025-12-19T23:00:00+00:00;2025-12-01T23:00:00+00:00;Lyon;Zone A;2025-2026",
            "Ligne 5, colonne « end_date », valeur « 2025-12-01T23:00:00+00:00 » : "
            "la date de fin précède la date de début.",
        ),
        (
            "Vacances de Noël;-;2024-12-20T23:00:00+00:00;2025-01-05T23:00:00+00:00;Lyon;Zone A;2025-2026",
            "Ligne 5, colonne « start_date », valeur « 2024-12-20T23:00:00+00:00 » : "
            "la date de début n’est pas dans l’année scolaire 2025-2026.",
        ),
        (
            "Vacances de Noël;-;2025-12-19T23:00:00+00:00;2026-01-04T23:00:00+00:00;Lyon;Zone A;2025",
            "Ligne 5, colonne « annee_scolaire », valeur « 2025 » : année scolaire attendue sous la forme 2025-2026.",
        ),
        (
            "Vacances de Noël;-;2025-12-19T23:00:00+00:00;2026-01-04T23:00:00+00:00;;Zone A;2025-2026",
            "Ligne 5, colonne « location », valeur «  » : valeur obligatoire.",
        ),
        (
            "Vacances de Noël;-;2025-12-19T23:00:00+00:00;2026-01-04T23:00:00+00:00;Lyon;Zone A",
            "Ligne 5 : 6 valeurs pour 7 colonnes.",
        ),
    ],
)
def test_each_kind_of_bad_row_is_named_with_its_line(ligne, message):
    with pytest.raises(ValidationError) as erreur:
        lire_calendrier("\n".join([ENTETE, *TOUSSAINT_2025, ligne]))
    assert erreur.value.messages == [message]


def test_a_file_without_the_published_columns_or_without_a_zone_is_refused(tmp_path, calendrier_provisoire):
    avant = calendrier_provisoire.read_bytes()
    lignes = [ligne.replace(";", ",") for ligne in TOUSSAINT_2025]
    virgules = _fichier(tmp_path, *lignes, entete=ENTETE.replace(";", ","))
    with pytest.raises(CommandError, match="colonnes manquantes"):
        call_command("importer_calendrier_scolaire", str(virgules))
    zone_a_seule = _fichier(tmp_path, TOUSSAINT_2025[0])
    with pytest.raises(CommandError, match="Aucune ligne pour Zone B, Zone C"):
        call_command("importer_calendrier_scolaire", str(zone_a_seule))
    assert calendrier_provisoire.read_bytes() == avant


def test_reimporting_the_shipped_calendar_changes_nothing(calendrier_provisoire, capsys):
    avant = calendrier_provisoire.stat()
    call_command("importer_calendrier_scolaire", str(calendrier.FICHIER_CALENDRIER))
    assert "rien n’a changé" in capsys.readouterr().out
    assert calendrier_provisoire.stat().st_mtime_ns == avant.st_mtime_ns


def test_an_import_replaces_the_calendar_in_the_published_layout_and_is_read_at_once(
    tmp_path, calendrier_provisoire, capsys
):
    assert motif_non_ouvre(date(2025, 10, 22), zone=ZoneScolaire.A) == "Vacances de la Toussaint (zone A)"
    # As the portal exports it: labelled header, a byte order mark, any row order, other zones.
    export = _fichier(
        tmp_path,
        TOUSSAINT_2025[2],
        "Vacances de la Toussaint;-;2025-10-17T22:00:00+00:00;2025-11-02T23:00:00+00:00;Corse;Corse;2025-2026",
        "Vacances de la Toussaint;-;2025-10-24T22:00:00+00:00;2025-11-02T23:00:00+00:00;Lyon;Zone A;2025-2026",
        TOUSSAINT_2025[1],
        entete="\ufeffDescription;Population;Date de début;Date de fin;Académies;Zones;annee_scolaire",
    )
    call_command("importer_calendrier_scolaire", str(export))
    assert "Corse 1" in capsys.readouterr().out
    assert calendrier_provisoire.read_text(encoding="utf-8") == "\n".join(
        [
            ENTETE,
            "Vacances de la Toussaint;-;2025-10-24T22:00:00+00:00;2025-11-02T23:00:00+00:00;Lyon;Zone A;2025-2026",
            TOUSSAINT_2025[1],
            TOUSSAINT_2025[2],
            "",
        ]
    )
    assert motif_non_ouvre(date(2025, 10, 22), zone=ZoneScolaire.A) is None
    assert motif_non_ouvre(date(2025, 10, 25), zone=ZoneScolaire.A) == "Vacances de la Toussaint (zone A)"
    call_command("importer_calendrier_scolaire", str(export))
    assert "rien n’a changé" in capsys.readouterr().out
