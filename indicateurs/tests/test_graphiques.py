from indicateurs.calculs import Ligne, Ventilation
from indicateurs.confidentialite import Effectif
from indicateurs.templatetags.graphiques import barres, hauteur, lignes_du_tableau


def test_each_line_gets_its_two_bars_scaled_to_the_largest_figure_and_a_masked_count_none():
    ventilation = Ventilation(
        "structure",
        "Par structure porteuse",
        [
            Ligne("a", "Centre social <Les Tilleuls>", 10, 5),
            Ligne("b", "Association Réussir ensemble La Petite-Prairie", 20, Effectif(valeur=3, masque=True, seuil=5)),
        ],
    )

    html = barres(ventilation)

    assert html.count("<g ") == 2
    assert "translate(0 0)" in html and "translate(0 14)" in html
    # 220 units for the largest figure (20): 10 draws 110, 5 draws 55, the masked count nothing.
    assert 'width="110"' in html and 'width="55"' in html and 'width="220"' in html and 'width="0"' in html
    assert "Centre social &lt;Les Tilleuls&gt;" in html
    assert "Association Réussir ensemble La P…" in html
    # Two lines of 14 units, and one more for the margin.
    assert hauteur(ventilation) == 42


def test_the_table_after_the_chart_gives_the_same_figures_and_says_when_there_is_none():
    lignes = [Ligne("a", "CM1 & CM2", 1234, None), Ligne("b", "6e", Effectif(valeur=3, masque=True, seuil=5), 7)]

    html = lignes_du_tableau(Ventilation("niveau", "Par niveau", lignes))

    assert html.count("<tr>") == 2
    assert '<th scope="row" class="fw-normal">CM1 &amp; CM2</th><td class="text-end">1\u202f234</td>' in html
    assert '<td class="text-end">–</td>' in html and '<td class="text-end">&lt; 5</td>' in html
    assert "Aucune donnée." in lignes_du_tableau(Ventilation("niveau", "Par niveau", []))
