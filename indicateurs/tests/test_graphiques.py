import re
from decimal import Decimal

from fiches.annees import AnneeScolaire
from indicateurs.calculs import Ligne, Ventilation
from indicateurs.confidentialite import Effectif
from indicateurs.models import Indicateur
from indicateurs.selectors import LigneTableau
from indicateurs.templatetags.graphiques import barres, barres_d_indicateur, lignes_a_barres, lignes_du_tableau


def test_each_line_gets_its_two_bars_scaled_to_the_largest_figure_its_values_as_text_and_a_scale():
    ventilation = Ventilation(
        "structure",
        "Par structure porteuse",
        [
            Ligne("a", "Centre social <Les Tilleuls>", 10, 5),
            Ligne("b", "Association Réussir ensemble La Petite-Prairie", 20, Effectif(valeur=3, masque=True, seuil=5)),
        ],
    )

    html = barres(ventilation)

    assert html.count("<svg ") == 2
    # Out of 100 for the largest figure (20): 10 draws 50, 5 draws 25, the masked count nothing.
    assert re.findall(r'width="([\d.]+)"', html) == ["50.0", "25.0", "100.0", "0"]
    # Each bar's value, as text beside it, the masked one as it is published.
    assert "<span>10</span><span>5</span>" in html and "<span>20</span><span>&lt; 5</span>" in html
    # Labels whole, escaped, outside the SVG: at the page's size, not scaled with the drawing.
    assert '<span class="graphique-libelle">Centre social &lt;Les Tilleuls&gt;</span>' in html
    assert "Association Réussir ensemble La Petite-Prairie</span>" in html
    assert not re.search(r"<svg[^>]*>[^<]*<text", html) and "font-size" not in html
    # The scale: 0, half and the largest figure.
    assert '<span class="graphique-echelle"><span>0</span><span>10</span><span>20</span></span>' in html


def test_the_scale_of_an_odd_largest_figure_has_a_half_in_the_middle():
    html = barres(Ventilation("sexe", "Par sexe", [Ligne("F", "Filles", 3, 1)]))

    assert '<span class="graphique-echelle"><span>0</span><span>1,5</span><span>3</span></span>' in html


def test_the_table_after_the_chart_gives_the_same_figures_and_says_when_there_is_none():
    lignes = [Ligne("a", "CM1 & CM2", 1234, None), Ligne("b", "6e", Effectif(valeur=3, masque=True, seuil=5), 7)]

    html = lignes_du_tableau(Ventilation("niveau", "Par niveau", lignes))

    assert html.count("<tr>") == 2
    assert '<th scope="row" class="fw-normal">CM1 &amp; CM2</th><td class="text-end">1\u202f234</td>' in html
    assert '<td class="text-end">–</td>' in html and '<td class="text-end">&lt; 5</td>' in html
    assert "Aucune donnée." in lignes_du_tableau(Ventilation("niveau", "Par niveau", []))


def test_the_report_s_rows_carry_their_bars_titled_and_coloured_without_a_stylesheet():
    annee = AnneeScolaire.depuis_libelle("2025-2026")
    lignes = [Ligne("a", "CM1", 10, 5), Ligne("b", "6e", Effectif(valeur=3, masque=True, seuil=5), 20)]

    html = lignes_a_barres(Ventilation("niveau", "Par niveau", lignes), annee)

    assert html.count("<tr>") == 2 and html.count("<svg ") == 2
    # Out of 100 for the largest figure (20), as on the dashboard; the masked count has no bar.
    assert re.findall(r' width="([\d.]+)"', html) == ["50.0", "25.0", "0", "100.0"]
    assert "<title>CM1 : 10 en 2025-2026, 5 en 2024-2025</title>" in html
    assert '<td class="nombre">&lt; 5</td>' in html and 'fill="#0d6efd"' in html
    assert "Aucune donnée." in lignes_a_barres(Ventilation("niveau", "Par niveau", []), annee)


def test_an_indicator_s_bars_are_scaled_to_the_largest_of_its_year_the_year_before_and_its_target():
    annee = AnneeScolaire.depuis_libelle("2025-2026")
    indicateur = Indicateur(libelle="Taux d’assiduité", unite="pourcentage", sens="hausse")
    ligne = LigneTableau(indicateur, actuelle=Decimal("40.0"), precedente=Decimal("20.0"), cible=Decimal("80"))

    html = barres_d_indicateur(ligne, annee)

    # The year, the year before, then the target's mark at its place (less its own width).
    assert re.findall(r' (?:x|width)="([\d.]+)"', html)[-5:] == ["50.0", "0", "25.0", "98.8", "1.2"]
    assert "cible 80,0\u00a0%" in html and "40,0\u00a0% en 2025-2026" in html
    sans_cible = barres_d_indicateur(LigneTableau(indicateur, actuelle=Effectif(3, True, 5)), annee)
    assert re.findall(r' width="([\d.]+)"', sans_cible) == ["0", "0"]
