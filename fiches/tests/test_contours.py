"""Import of the quartiers' outlines from the official contours file, and their drawing."""

import json
import math
from io import StringIO
from pathlib import Path

import pytest
from django.contrib.auth import get_user_model
from django.core.management import CommandError, call_command
from django.db import connection
from django.test.utils import CaptureQueriesContext

from actions.models import Action
from fiches.contours import TOLERANCE, lire_contours, projeter, rectangle
from fiches.models import Quartier
from fiches.tests.factories import QuartierFactory
from indicateurs.tests.test_tableaux import _activite

EXTRAIT = Path(__file__).parent / "donnees" / "contours-qpv-extrait.geojson"


@pytest.fixture
def quartiers(db):
    return [QuartierFactory(code="QN09591A", nom="Les Tilleuls"), QuartierFactory(code="QN09595E", nom="Centre-Gare")]


def _importer(fichier, *options):
    sortie = StringIO()
    call_command("importer_contours", str(fichier), *options, stdout=sortie)
    return sortie.getvalue()


def _contours():
    return dict(Quartier.objects.values_list("code", "contour"))


def test_a_dry_run_says_what_would_change_and_writes_nothing(quartiers):
    sortie = _importer(EXTRAIT)
    assert "Contours à ajouter (2) : QN09591A, QN09595E." in sortie
    assert "1 entité(s) du fichier, de quartiers hors de l’application, laissées de côté." in sortie
    assert "Essai à blanc" in sortie
    assert _contours() == {"QN09591A": None, "QN09595E": None}


def test_the_first_run_adds_the_outlines_the_second_changes_nothing(quartiers):
    sortie = _importer(EXTRAIT, "--appliquer")
    assert "Contours ajoutés (2)" in sortie
    contours = _contours()
    assert contours["QN09591A"] == {
        "type": "MultiPolygon",
        "coordinates": [[[[2.3, 49.0], [2.31, 49.0], [2.31, 49.01], [2.3, 49.01], [2.3, 49.0]]]],
    }
    # Centre-Gare spans two communes: one feature each, joined.
    assert len(contours["QN09595E"]["coordinates"]) == 2
    historique = Quartier.history.count()

    sortie = _importer(EXTRAIT, "--appliquer")
    assert "2 contour(s) déjà à jour" in sortie and "Rien à changer." in sortie
    assert _contours() == contours
    assert Quartier.history.count() == historique


def test_a_changed_outline_is_updated_and_one_absent_from_the_file_is_kept(quartiers, tmp_path):
    autre = QuartierFactory(code="QN09594D", contour=rectangle(2.0, 48.0, 2.1, 48.1))
    _importer(EXTRAIT, "--appliquer")
    donnees = json.loads(EXTRAIT.read_text())
    donnees["features"][0]["geometry"]["coordinates"][0][1] = [2.312, 49.0]
    fichier = tmp_path / "contours.geojson"
    fichier.write_text(json.dumps(donnees))

    sortie = _importer(fichier, "--appliquer")

    assert "Contours modifiés (1) : QN09591A." in sortie
    assert _contours()["QN09591A"]["coordinates"][0][0][1] == [2.312, 49.0]
    autre.refresh_from_db()
    assert autre.contour == rectangle(2.0, 48.0, 2.1, 48.1)


@pytest.mark.parametrize(
    ("rang", "modifier", "message"),
    [
        (
            2,
            lambda f: f.update(geometry={"type": "Point", "coordinates": [2.3, 49.0]}),
            "Entité n° 2 (code_qp « QN09595E », « Centre-Gare ») : géométrie « Point », attendu Polygon "
            "ou MultiPolygon.",
        ),
        (
            1,
            lambda f: f["properties"].update(code_qp="QX123"),
            "Entité n° 1 (code_qp « QX123 », « Les Tilleuls ») : « QX123 »",
        ),
        (3, lambda f: f["properties"].pop("code_qp"), "Entité n° 3 : propriété « code_qp » absente"),
        (
            1,
            lambda f: f["geometry"].update(
                coordinates=[[[652000, 6862000], [653000, 6862000], [653000, 6863000], [652000, 6862000]]]
            ),
            "prenez le fichier « WGS84 », pas celui en Lambert-93",
        ),
        (1, lambda f: f["geometry"]["coordinates"][0].pop(), "anneau ouvert"),
    ],
)
def test_a_bad_feature_is_named_and_nothing_is_written(quartiers, tmp_path, rang, modifier, message):
    donnees = json.loads(EXTRAIT.read_text())
    modifier(donnees["features"][rang - 1])
    fichier = tmp_path / "contours.geojson"
    fichier.write_text(json.dumps(donnees))

    with pytest.raises(CommandError) as erreur:
        _importer(fichier, "--appliquer")

    assert "Import refusé, rien n’a été enregistré : 1 entité(s) illisible(s) sur 4." in str(erreur.value)
    assert message in str(erreur.value)
    assert _contours() == {"QN09591A": None, "QN09595E": None}


@pytest.mark.parametrize(
    ("contenu", "message"),
    [
        ("pas du json", "n’est pas du GeoJSON lisible"),
        ('{"type": "Feature"}', "n’est pas une collection d’entités GeoJSON"),
    ],
)
def test_a_file_that_is_not_the_contours_is_refused(quartiers, tmp_path, contenu, message):
    fichier = tmp_path / "contours.geojson"
    fichier.write_text(contenu)
    with pytest.raises(CommandError, match=message):
        _importer(fichier, "--appliquer")
    with pytest.raises(CommandError, match="Fichier introuvable"):
        _importer(tmp_path / "absent.geojson")


def test_a_dense_outline_is_simplified_within_the_tolerance():
    # A circle of 2,000 points, 1 km across: the map needs a few dozen.
    points = [
        [2.3 + 0.006 * math.cos(a), 49.0 + 0.0045 * math.sin(a)] for a in (i * 2 * math.pi / 2000 for i in range(2000))
    ]
    entite = {
        "type": "Feature",
        "properties": {"code_qp": "QN09591A"},
        "geometry": {"type": "Polygon", "coordinates": [points + [points[0]]]},
    }
    lecture = lire_contours(json.dumps({"type": "FeatureCollection", "features": [entite]}))
    anneau = lecture.contours["QN09591A"]["geometrie"]["coordinates"][0][0]
    assert 8 < len(anneau) < 100
    assert anneau[0] == anneau[-1]
    # Every point kept is on the circle: nothing moved, points only went.
    for lon, lat in anneau:
        assert abs(math.hypot((lon - 2.3) / 0.006, (lat - 49.0) / 0.0045) - 1) < 0.01
    assert TOLERANCE < 0.001


def test_outlines_are_projected_north_up_with_longitudes_shrunk_by_the_latitude():
    # Two squares of 0.01° side at 60° N: each is twice as high as wide on the map.
    trace = projeter(
        {"A": rectangle(10.0, 60.0, 10.01, 60.01), "B": rectangle(10.01, 60.0, 10.02, 60.01)}, largeur=208, marge=4
    )
    assert (trace.largeur, trace.hauteur) == (208, 208)
    assert trace.chemins["A"] == "M4.0 204.0 L104.0 204.0 L104.0 4.0 L4.0 4.0 Z"
    assert trace.chemins["B"].startswith("M104.0 204.0")
    # Each mark at the centre of its outline.
    assert trace.reperes == {"A": (54.0, 104.0), "B": (154.0, 104.0)}


def test_a_feature_of_a_quartier_the_application_does_not_have_is_not_read(quartiers, tmp_path):
    donnees = json.loads(EXTRAIT.read_text())
    donnees["features"][3]["geometry"] = {"type": "Point", "coordinates": [2.4, 49.0]}
    fichier = tmp_path / "contours.geojson"
    fichier.write_text(json.dumps(donnees))

    sortie = _importer(fichier, "--appliquer")

    assert "Contours ajoutés (2)" in sortie and "1 entité(s) du fichier" in sortie


def test_pages_read_quartiers_without_their_outline_and_the_map_with_it(client, demo, reference):
    """An outline is kilobytes of GeoJSON decoded per quartier: the menus, filters and lists of
    quartiers leave it in the database, the contract's map reads it."""
    quartier = _activite(reference)
    Quartier.objects.filter(contrat=reference).update(contour=rectangle(2.0, 48.0, 2.1, 48.1))
    client.force_login(get_user_model().objects.get(username="demo-chef"))
    action = Action.objects.get()
    for page in ["/actions/", f"/actions/{action.pk}/", f"/indicateurs/fiches/1.2.3/quartiers/{quartier.code}/"]:
        with CaptureQueriesContext(connection) as requetes:
            assert client.get(page).status_code == 200
        assert not [r["sql"] for r in requetes.captured_queries if '"contour"' in r["sql"]], page

    with CaptureQueriesContext(connection) as requetes:
        assert client.get("/indicateurs/fiches/1.2.3/").status_code == 200
    assert len([r for r in requetes.captured_queries if '"contour"' in r["sql"]]) == 1
    assert "contour" not in Quartier.objects.get(pk=quartier.pk).__dict__
    assert Quartier.objects.avec_contour().get(pk=quartier.pk).contour == rectangle(2.0, 48.0, 2.1, 48.1)
