"""The demo's quartiers have outlines, so that its dashboards show their map (issue 17, point 4)."""

import pytest

from demo.territoire import QUARTIERS, contours_completer, etendre_territoire
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


def test_a_database_generated_before_the_maps_gets_the_outlines_it_lacks_and_keeps_the_others(demo, reference):
    etendre_territoire(contrat=reference, quartiers=8)
    avant = dict(Quartier.objects.values_list("code", "contour"))
    sans = ["QN09595E", "QN09596B"]
    Quartier.objects.filter(code__in=sans).update(contour=None)
    # A large city's quartier whose outline an administrator imported keeps it (the five of the
    # demo are realigned on the shipped file, as importer_contours does).
    change = next(code for code in avant if code.startswith("QN09596") and code not in sans)
    Quartier.objects.filter(code=change).update(contour={"type": "MultiPolygon", "coordinates": []})

    contours_completer(contrat=reference)
    apres = dict(Quartier.objects.values_list("code", "contour"))
    assert {code: apres[code] for code in sans} == {code: avant[code] for code in sans}
    assert apres[change] == {"type": "MultiPolygon", "coordinates": []}
