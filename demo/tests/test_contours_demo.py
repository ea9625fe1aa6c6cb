"""The demo's quartiers have outlines, so that its dashboards show their map (issue 17, point 4)."""

import pytest

from demo.territoire import QUARTIERS, etendre_territoire
from fiches.models import Quartier

pytestmark = pytest.mark.django_db


def test_the_demo_quartiers_get_their_fictional_contours_from_the_shipped_file(demo, reference):
    contours = dict(Quartier.objects.filter(contrat=reference).values_list("code", "contour"))
    assert set(contours) == {code for code, _, _ in QUARTIERS}
    assert all(contour["type"] == "MultiPolygon" for contour in contours.values())
    # Centre-Gare spans both communes: two features of the file, one outline of two parts.
    assert len(contours["QN09595E"]["coordinates"]) == 2
    # La Source has a park: a ring inside its outline.
    assert len(contours["QN09593C"]["coordinates"][0]) == 2


def test_a_large_city_s_quartiers_get_simple_contours(demo, reference):
    nouveaux = etendre_territoire(contrat=reference, quartiers=12)
    assert len(nouveaux) == 7
    contours = [quartier.contour for quartier in nouveaux]
    assert all(len(contour["coordinates"][0][0]) == 5 for contour in contours)
    assert len({str(contour) for contour in contours}) == 7
