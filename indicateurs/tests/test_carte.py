"""The map of the contract's quartiers on its dashboard (issue 17, point 4)."""

import html
import re
from decimal import Decimal

import pytest

from demo.territoire import QUARTIERS, etendre_territoire
from fiches.models import Quartier
from indicateurs.carte import QuartierDeCarte, classer
from indicateurs.confidentialite import Effectif
from indicateurs.tests.test_tableaux import ANNEE, REQUETES, _activite, _client, _grossir

pytestmark = pytest.mark.django_db

URL = "/indicateurs/fiches/1.2.3/"


def _carte(reponse):
    assert reponse.status_code == 200
    contenu = reponse.content.decode()
    return re.search(r'<section[^>]*id="carte">.*?</section>', contenu, re.DOTALL).group(0)


def _dessin(section):
    return re.search(r"<svg class=\"carte-dessin\".*?</svg>", section, re.DOTALL).group(0)


def _formes(section):
    """{quartier's link: (title, fill)} of each shape of the drawing."""
    return {
        lien: (html.unescape(titre), remplissage)
        for lien, titre, remplissage in re.findall(
            r'<a href="([^"]+)" tabindex="-1"><title>([^<]*)</title><path d="[^"]+" fill="([^"]+)"', _dessin(section)
        )
    }


def _legende(section):
    return [html.unescape(texte) for texte in re.findall(r"</svg> ([^<]+)</li>", section)]


def _lignes(section):
    """(link, figure, class) of each row of the table beside the map."""
    return [
        (lien, html.unescape(chiffre), html.unescape(classe))
        for lien, chiffre, classe in re.findall(
            r'<th scope="row" class="fw-normal"><a href="([^"]+)">.*?</th>'
            r'<td class="text-end">([^<]+)</td><td>([^<]*)</td>',
            section,
        )
    ]


def _lien(code):
    return f"/indicateurs/fiches/1.2.3/quartiers/{code}/?annee={ANNEE}"


def test_the_map_draws_one_shape_per_quartier_with_its_figure_and_link(client, demo, reference):
    _activite(reference, enfants=6)
    section = _carte(_client(client, "demo-chef").get(URL, {"annee": ANNEE, "carte": "nb_enfants_beneficiaires"}))
    formes = _formes(section)
    assert _dessin(section).count("<path") == len(QUARTIERS) == len(formes)
    noms = {code: nom for code, nom, _ in QUARTIERS}
    attendus = {_lien(code): f"{nom} : {6 if code == 'QN09591A' else 0}" for code, nom in noms.items()}
    assert {lien: titre for lien, (titre, _) in formes.items()} == attendus
    # Two classes, 0 and 6: the lighter and the darker colour, said in the legend.
    assert formes[_lien("QN09591A")][1] == "#2c7fb8"
    assert {remplissage for lien, (_, remplissage) in formes.items() if lien != _lien("QN09591A")} == {"#edf8b1"}
    assert _legende(section) == ["0", "6"]
    # The same figures in the table, each quartier a link to its dashboard.
    assert {lien: chiffre for lien, chiffre, _ in _lignes(section)} == {
        lien: titre.split(" : ")[1] for lien, titre in attendus.items()
    }
    # Each shape carries the number of its row, in the order of the table (by name).
    numeros = re.findall(r'<td class="text-end">(\d+)</td><th scope="row"', section)
    assert numeros == ["1", "2", "3", "4", "5"]
    assert re.findall(r'font-size="11" fill="#000">(\d+)</text>', _dessin(section)) == numeros
    assert "Nombre d’enfants bénéficiaires, 2025-2026, par quartier" in section


def test_the_map_is_coloured_by_the_first_indicator_counted_by_quartier_by_default(client, demo, reference):
    _activite(reference, actions=2)
    section = _carte(_client(client, "demo-chef").get(URL, {"annee": ANNEE}))
    assert "Nombre d’actions, 2025-2026, par quartier" in section
    assert _formes(section)[_lien("QN09591A")][0] == "Les Tilleuls : 2"
    # The choice offers the indicators the dashboard breaks down by quartier, and keeps the year.
    assert re.findall(r'<option value="([^"]+)"', section) == [
        "nb_actions",
        "nb_enfants_beneficiaires",
        "nb_partenaires_distincts",
    ]
    assert f'<input type="hidden" name="annee" value="{ANNEE}">' in section


@pytest.mark.parametrize("demande", ["inconnu", "taux_assiduite", "<script>alert(1)</script>", "x" * 5000, " "])
def test_an_indicator_that_the_map_cannot_show_is_refused_in_french(client, demo, reference, demande):
    _activite(reference)
    section = _carte(_client(client, "demo-chef").get(URL, {"annee": ANNEE, "carte": demande}))
    assert (
        "n’est pas un indicateur de cette fiche compté par quartier : la carte montre le premier de la liste."
        in section
    )
    assert 'aria-describedby="carte-erreur"' in section
    assert "<script>" not in section and "x" * 41 not in section
    assert "Nombre d’actions, 2025-2026, par quartier" in section


def test_a_masked_figure_has_its_own_hatched_class_and_cannot_be_read_back(client, demo, reference):
    _activite(reference, enfants=4)
    section = _carte(_client(client, "demo-animateur").get(URL, {"annee": ANNEE, "carte": "nb_enfants_beneficiaires"}))
    formes = _formes(section)
    assert formes[_lien("QN09591A")] == ("Les Tilleuls : < 5", "url(#carte-hachures)")
    assert "Chiffre masqué (« < 5 » ou « s ») : petit effectif protégé" in html.unescape(section)
    # Nowhere in the map is the 4 hidden: not in a shape's title, the legend, a cell of the table
    # (but the quartiers' numbers), nor in a data attribute.
    textes = [titre for titre, _ in formes.values()] + _legende(section)
    textes += [texte for _, chiffre, classe in _lignes(section) for texte in (chiffre, classe)]
    assert "Les Tilleuls : < 5" in textes and not any(re.search(r"\b4\b", texte) for texte in textes)
    assert "data-" not in section
    # The officers see it.
    section = _carte(_client(client, "demo-chef").get(URL, {"annee": ANNEE, "carte": "nb_enfants_beneficiaires"}))
    assert _formes(section)[_lien("QN09591A")][0] == "Les Tilleuls : 4"


def test_a_quartier_without_outline_is_listed_not_drawn(client, demo, reference):
    Quartier.objects.filter(code="QN09594D").update(contour=None)
    section = _carte(_client(client, "demo-chef").get(URL, {"annee": ANNEE}))
    assert _dessin(section).count("<path") == len(QUARTIERS) - 1
    assert 'Les Cèdres</a> <span class="d-block small text-body-secondary">contour non importé' in section


def test_the_map_costs_the_same_queries_with_more_quartiers_and_more_activity(
    client, demo, reference, django_assert_num_queries
):
    client = _client(client, "demo-chef")
    _activite(reference)
    with django_assert_num_queries(REQUETES[URL]):
        _carte(client.get(URL, {"annee": ANNEE, "carte": "nb_enfants_beneficiaires"}))
    etendre_territoire(contrat=reference, quartiers=12)
    _grossir(reference)
    with django_assert_num_queries(REQUETES[URL]):
        section = _carte(client.get(URL, {"annee": ANNEE, "carte": "nb_enfants_beneficiaires"}))
    assert _dessin(section).count("<path") == 12


def test_quartiers_are_classed_by_equal_intervals_between_the_figures_shown():
    quartiers = [
        QuartierDeCarte(code, code, valeur, str(valeur), "")
        for code, valeur in [
            ("a", 0),
            ("b", 2),
            ("c", 5),
            ("d", 8),
            ("e", 10),
            ("f", Effectif(3, True, 5)),
            ("g", None),
            ("h", Decimal("9.5")),
        ]
    ]
    legende = classer(quartiers, unite="nombre", seuil=5)
    # Four classes 2.5 wide from 0 to 10: [0, 2.5) [2.5, 5) [5, 7.5) [7.5, 10]; the second is empty.
    assert [classe.libelle for classe in legende] == [
        "de 0 à 2",
        "5",
        "de 8 à 10",
        "Chiffre masqué (« < 5 » ou « s ») : petit effectif protégé",
        "Pas de chiffre",
    ]
    assert [q.classe.couleur for q in quartiers[:5]] == ["#ffffcc", "#ffffcc", "#41b6c4", "#225ea8", "#225ea8"]
    assert quartiers[5].classe.hachuree and not quartiers[6].classe.hachuree
