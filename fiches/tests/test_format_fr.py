"""Numbers the French way (fiches.templatetags.format_fr)."""

from decimal import Decimal

from django.utils.numberformat import format as formater
from hypothesis import given
from hypothesis import strategies as st

from fiches.templatetags.format_fr import euros, pourcentage, valeur


@given(st.integers(min_value=-(10**15), max_value=10**15), st.sampled_from([0, 1, 2]))
def test_a_count_reads_as_django_s_formatter_writes_it(nombre, decimales):
    attendu = formater(nombre, ",", decimal_pos=decimales, grouping=3, thousand_sep="\u202f", force_grouping=True)
    unite = {0: "", 1: "pourcentage", 2: ""}[decimales]
    if decimales == 2:
        assert euros(nombre) == f"{attendu}\u00a0€"
    else:
        assert valeur(nombre, unite) == (f"{attendu}\u00a0%" if unite else attendu)


def test_figures_read_the_french_way():
    assert valeur(1234567) == "1\u202f234\u202f567"
    assert valeur(-1234) == "-1\u202f234"
    assert valeur(75, "pourcentage") == "75,0\u00a0%"
    assert valeur(Decimal("12.35"), "pourcentage") == "12,3\u00a0%"
    assert valeur(Decimal("0.25"), "nombre") == "0,25"
    assert valeur(None) == "–"
    assert euros(1500) == "1\u202f500,00\u00a0€"
    assert pourcentage(Decimal("0.756")) == "75,6\u00a0%"
