"""The quartiers' outlines: reading the official contours file, and drawing them as SVG paths.

The file is the one the ANCT publishes on data.gouv.fr (dataset « Quartiers prioritaires de la
politique de la ville (QPV) », the 2024 contours, its WGS84 GeoJSON member): a FeatureCollection
whose features carry `code_qp` and `lib_qp` (with `insee_com`, `lib_com`… that are not read
here) and a Polygon or MultiPolygon in longitude, latitude. A quartier that spans several
communes comes as one feature per commune, with the same `code_qp`: its parts are joined.

No database here: the service (fiches.services.contours_importer) compares and writes."""

import json
import math
from dataclasses import dataclass, field

from django.core.exceptions import ValidationError

from .validators import valider_code_qpv

# About a metre: more is noise on a map of a city, and the JSON stays small.
DECIMALES = 5
# Points closer than this to the line through their neighbours go (Douglas-Peucker), in degrees:
# about 5 m, under a pixel of a city's map; an official outline keeps a few dozen points.
TOLERANCE = 0.00005
GEOMETRIES = ("Polygon", "MultiPolygon")


@dataclass
class Lecture:
    """What the file says: {code: {"nom", "geometrie"}} and the features it could not read,
    each named; how many features were left aside, of quartiers not asked for."""

    contours: dict = field(default_factory=dict)
    erreurs: list = field(default_factory=list)
    entites: int = 0
    ecartees: int = 0


def lire_contours(texte, *, codes=None):
    """Read a contours file (text or bytes of GeoJSON); refuses, in French, a file that is no
    FeatureCollection. A feature that cannot be read is an error naming it, the others are read.
    With `codes`, only the features of those quartiers are read further than their code: the
    national file holds some 1,600 quartiers, and simplifying all their outlines would take
    minutes for the few a deployment has."""
    try:
        donnees = json.loads(texte)
    except ValueError as erreur:
        raise ValidationError(f"Le fichier n’est pas du GeoJSON lisible : {erreur}.") from erreur
    if not isinstance(donnees, dict) or donnees.get("type") != "FeatureCollection":
        raise ValidationError("Le fichier n’est pas une collection d’entités GeoJSON (« FeatureCollection »).")
    entites = donnees.get("features")
    if not isinstance(entites, list):
        raise ValidationError("La collection d’entités n’a pas de liste « features ».")
    lecture = Lecture(entites=len(entites))
    for rang, entite in enumerate(entites, start=1):
        try:
            code, nom, polygones = _lire_entite(entite, codes)
        except _Ecartee:
            lecture.ecartees += 1
            continue
        except ValidationError as erreur:
            lecture.erreurs.append(f"{_nommer(rang, entite)} : {' '.join(erreur.messages)}")
            continue
        contour = lecture.contours.setdefault(code, {"nom": nom, "geometrie": []})
        contour["geometrie"].extend(polygones)
    for contour in lecture.contours.values():
        contour["geometrie"] = {"type": "MultiPolygon", "coordinates": contour["geometrie"]}
    return lecture


def _nommer(rang, entite):
    proprietes = entite.get("properties") if isinstance(entite, dict) else None
    proprietes = proprietes if isinstance(proprietes, dict) else {}
    nom = f"Entité n° {rang}"
    if proprietes.get("code_qp"):
        nom += f" (code_qp « {proprietes['code_qp']} »"
        nom += f", « {proprietes['lib_qp']} »)" if proprietes.get("lib_qp") else ")"
    return nom


class _Ecartee(Exception):
    """A feature of a quartier that was not asked for."""


def _lire_entite(entite, codes):
    if not isinstance(entite, dict) or entite.get("type") != "Feature":
        raise ValidationError("ce n’est pas une entité GeoJSON (« Feature »).")
    proprietes = entite.get("properties")
    if not isinstance(proprietes, dict) or not proprietes.get("code_qp"):
        raise ValidationError("propriété « code_qp » absente : ce n’est pas la mise en forme des contours des QPV.")
    code = str(proprietes["code_qp"]).strip()
    valider_code_qpv(code)
    if codes is not None and code not in codes:
        raise _Ecartee
    geometrie = entite.get("geometry")
    if not isinstance(geometrie, dict) or geometrie.get("type") not in GEOMETRIES:
        genre = geometrie.get("type") if isinstance(geometrie, dict) else "aucune"
        raise ValidationError(f"géométrie « {genre} », attendu Polygon ou MultiPolygon.")
    coordonnees = geometrie.get("coordinates")
    polygones = [coordonnees] if geometrie["type"] == "Polygon" else coordonnees
    if not isinstance(polygones, list) or not polygones:
        raise ValidationError("géométrie sans coordonnées.")
    return code, str(proprietes.get("lib_qp") or "").strip(), [_polygone(polygone) for polygone in polygones]


def _polygone(anneaux):
    if not isinstance(anneaux, list) or not anneaux:
        raise ValidationError("polygone sans anneau.")
    return [_anneau(anneau) for anneau in anneaux]


def _anneau(anneau):
    try:
        points = [(float(point[0]), float(point[1])) for point in anneau]
    except (TypeError, ValueError, IndexError, KeyError):
        raise ValidationError("coordonnées illisibles : chaque point doit être [longitude, latitude].") from None
    if len(points) < 4 or points[0] != points[-1]:
        raise ValidationError("anneau ouvert ou de moins de quatre points.")
    if not all(-180 <= lon <= 180 and -90 <= lat <= 90 for lon, lat in points):
        raise ValidationError(
            "coordonnées hors des longitudes et latitudes (WGS84) : prenez le fichier « WGS84 », "
            "pas celui en Lambert-93."
        )
    arrondis = _sans_doublon([(round(lon, DECIMALES), round(lat, DECIMALES)) for lon, lat in points])
    simplifie = _simplifier(arrondis, TOLERANCE)
    # A small ring would collapse: kept as read rather than lost.
    return [list(point) for point in (simplifie if len(simplifie) >= 4 else arrondis)]


def _sans_doublon(points):
    return [point for rang, point in enumerate(points) if rang == 0 or point != points[rang - 1]]


def _simplifier(points, tolerance):
    """Douglas-Peucker on a closed ring, its first point kept, iterative (rings of thousands of
    points would overflow a recursion)."""
    if len(points) < 5:
        return points
    gardes = {0, len(points) - 1}
    # A closed ring's ends are the same point: split it at its farthest point first.
    loin = max(range(1, len(points) - 1), key=lambda rang: _distance2(points[rang], points[0]))
    gardes.add(loin)
    pile = [(0, loin), (loin, len(points) - 1)]
    while pile:
        debut, fin = pile.pop()
        meilleur, distance = None, tolerance
        for rang in range(debut + 1, fin):
            if (ecart := _ecart(points[rang], points[debut], points[fin])) > distance:
                meilleur, distance = rang, ecart
        if meilleur is not None:
            gardes.add(meilleur)
            pile += [(debut, meilleur), (meilleur, fin)]
    return [points[rang] for rang in sorted(gardes)]


def _distance2(a, b):
    return (a[0] - b[0]) ** 2 + (a[1] - b[1]) ** 2


def _ecart(point, a, b):
    """Distance from `point` to the segment [a, b]."""
    longueur2 = _distance2(a, b)
    if not longueur2:
        return math.sqrt(_distance2(point, a))
    t = max(0, min(1, ((point[0] - a[0]) * (b[0] - a[0]) + (point[1] - a[1]) * (b[1] - a[1])) / longueur2))
    return math.sqrt(_distance2(point, (a[0] + t * (b[0] - a[0]), a[1] + t * (b[1] - a[1]))))


# --- Drawing -------------------------------------------------------------------------------------


@dataclass
class Trace:
    """The outlines projected on the SVG plane: {code: path data}, {code: (x, y)} where each
    quartier's mark goes (the centroid of its largest part), and the drawing's size."""

    chemins: dict
    largeur: int
    hauteur: int
    reperes: dict = field(default_factory=dict)


def projeter(geometries, *, largeur=600, marge=8):
    """SVG paths of {code: MultiPolygon}, in a drawing at most `largeur` wide and high: an equirectangular
    projection, longitudes shrunk by the cosine of the mean latitude, which keeps shapes true at
    a city's scale; north up. One path per quartier, holes drawn by the even-odd rule."""
    points = [point for geometrie in geometries.values() for point in _points(geometrie)]
    if not points:
        return Trace({}, largeur, 0)
    lons, lats = [lon for lon, _ in points], [lat for _, lat in points]
    facteur = math.cos(math.radians((min(lats) + max(lats)) / 2))
    etendue_x = (max(lons) - min(lons)) * facteur
    etendue_y = max(lats) - min(lats)
    echelle = (largeur - 2 * marge) / max(etendue_x, etendue_y, 1e-9)
    largeur, hauteur = round(etendue_x * echelle + 2 * marge), round(etendue_y * echelle + 2 * marge)
    ouest, nord = min(lons), max(lats)

    def plan(point):
        return ((point[0] - ouest) * facteur * echelle + marge, (nord - point[1]) * echelle + marge)

    chemins, reperes = {}, {}
    for code, geometrie in geometries.items():
        anneaux = [[plan(point) for point in anneau] for polygone in geometrie["coordinates"] for anneau in polygone]
        chemins[code] = " ".join(
            "M" + " L".join(f"{x:.1f} {y:.1f}" for x, y in anneau[:-1]) + " Z" for anneau in anneaux
        )
        exterieurs = [[plan(point) for point in polygone[0]] for polygone in geometrie["coordinates"]]
        x, y = _centre(max(exterieurs, key=lambda anneau: abs(_aire(anneau))))
        reperes[code] = (round(x, 1), round(y, 1))
    return Trace(chemins, largeur, hauteur, reperes)


def _aire(anneau):
    """Signed area of a closed ring (shoelace)."""
    return sum(a[0] * b[1] - b[0] * a[1] for a, b in zip(anneau, anneau[1:], strict=False)) / 2


def _centre(anneau):
    """The centroid of a closed ring; the mean of its points when it has no area."""
    aire = _aire(anneau)
    if not aire:
        return sum(x for x, _ in anneau) / len(anneau), sum(y for _, y in anneau) / len(anneau)
    paires = list(zip(anneau, anneau[1:], strict=False))
    x = sum((a[0] + b[0]) * (a[0] * b[1] - b[0] * a[1]) for a, b in paires) / (6 * aire)
    y = sum((a[1] + b[1]) * (a[0] * b[1] - b[0] * a[1]) for a, b in paires) / (6 * aire)
    return x, y


def _points(geometrie):
    return [point for polygone in geometrie["coordinates"] for anneau in polygone for point in anneau]


def rectangle(ouest, sud, est, nord):
    """A MultiPolygon of one rectangle: the outline the large-scale demo gives its quartiers."""
    anneau = [[ouest, sud], [est, sud], [est, nord], [ouest, nord], [ouest, sud]]
    return {"type": "MultiPolygon", "coordinates": [[anneau]]}
