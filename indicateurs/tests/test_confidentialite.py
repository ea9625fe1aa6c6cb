"""The masking decision on bare counts (indicateurs.confidentialite): which cells are hidden, with
which mark, and that what a reader can work out (exactly or by bounds) is never a hidden cell."""

import pytest

from indicateurs.confidentialite import Effectif, Relation, proteger, retrouvables

SEUIL = 5


def _affiche(total, ventilation):
    """The total and its breakdown as shown: "< 5", "s" or the number."""
    valeurs = {"total": total, **ventilation}
    marques = proteger(valeurs, [Relation("total", tuple(ventilation))], seuil=SEUIL)
    montre = {cle: str(Effectif(v, cle in marques, SEUIL, marques.get(cle) == "s")) for cle, v in valeurs.items()}
    return montre.pop("total"), montre


def test_counts_at_or_above_the_threshold_are_shown():
    assert _affiche(30, {"F": 14, "M": 16}) == ("30", {"F": "14", "M": "16"})


def test_a_cell_hidden_to_protect_another_is_marked_s_not_under_5():
    # F alone hidden would be 30 - 26 = 4: M goes too, and says so ("s"), since it holds 26.
    assert _affiche(30, {"F": 4, "M": 26}) == ("30", {"F": "< 5", "M": "s"})


def test_secondary_suppression_picks_the_smallest_other_cell():
    assert _affiche(40, {"CP": 3, "CE1": 12, "CE2": 25}) == ("40", {"CP": "< 5", "CE1": "s", "CE2": "25"})


def test_two_small_cells_protect_each_other_when_their_sum_leaves_room():
    assert _affiche(40, {"CP": 3, "CE1": 2, "CE2": 35}) == ("40", {"CP": "< 5", "CE1": "< 5", "CE2": "35"})


@pytest.mark.parametrize("petits", [(4, 4), (1, 1)], ids=["4+4=8", "1+1=2"])
def test_two_small_cells_whose_sum_pins_them_get_a_third(petits):
    # "< 5" is 1 to 4: two of them making 8 are 4 and 4, making 2 are 1 and 1.
    total, cellules = _affiche(sum(petits) + 30 + 50, {"a": petits[0], "b": petits[1], "c": 30, "d": 50})
    assert cellules == {"a": "< 5", "b": "< 5", "c": "s", "d": "50"}


def test_a_row_that_must_total_10_with_two_hidden_cells_marks_them_s():
    # The row: 71 residents, 61 shown, two hidden cells holding 3 and 7.
    total, cellules = _affiche(71, {"QN1": 3, "QN2": 7, "QN3": 61})
    assert (total, cellules) == ("71", {"QN1": "< 5", "QN2": "s", "QN3": "61"})


def test_zero_is_shown():
    assert _affiche(20, {"F": 0, "M": 20}) == ("20", {"F": "0", "M": "20"})


def test_a_small_total_hides_its_small_lines_but_not_zeros():
    assert _affiche(4, {"F": 4, "M": 0}) == ("< 5", {"F": "< 5", "M": "0"})


def test_four_lines_of_one_under_a_total_of_four_would_be_pinned_so_one_says_s():
    # 4 children in 4 levels: N ≤ 4 and four lines ≥ 1 each give N = 4 and every line 1.
    total, cellules = _affiche(4, {"CP": 1, "CE1": 1, "CE2": 1, "CM1": 1})
    assert total == "< 5" and sorted(cellules.values()) == ["< 5", "< 5", "< 5", "s"]


@pytest.mark.parametrize("seuil", [3, 10])
def test_the_threshold_is_a_parameter(seuil):
    marques = proteger({"t": 20, "a": 4, "b": 16}, [Relation("t", ("a", "b"))], seuil=seuil)
    assert ("a" in marques) == (seuil > 4)
    assert str(Effectif(4, True, seuil)) == f"< {seuil}"


def test_a_table_with_margins_is_protected_across_rows_and_columns():
    """Two quartiers and the contract (their sum), by sex: a hidden cell in one quartier would be
    the contract's line minus the other quartier's, whatever its own row says."""
    valeurs = {
        ("C",): 40, ("C", "F"): 13, ("C", "M"): 27,
        ("q1",): 10, ("q1", "F"): 3, ("q1", "M"): 7,
        ("q2",): 30, ("q2", "F"): 10, ("q2", "M"): 20,
    }  # fmt: skip
    relations = [
        Relation(("C",), (("C", "F"), ("C", "M"))),
        Relation(("q1",), (("q1", "F"), ("q1", "M"))),
        Relation(("q2",), (("q2", "F"), ("q2", "M"))),
        Relation(("C",), (("q1",), ("q2",))),
        Relation(("C", "F"), (("q1", "F"), ("q2", "F"))),
        Relation(("C", "M"), (("q1", "M"), ("q2", "M"))),
    ]
    marques = proteger(valeurs, relations, seuil=SEUIL)
    assert marques[("q1", "F")] == "<"
    assert not retrouvables(valeurs, relations, marques, seuil=SEUIL)
    # Masking the quartier's row only (the old rule) leaves the column: 13 - 10 = 3.
    assert retrouvables(valeurs, relations, {("q1", "F"): "<", ("q1", "M"): "s"}, seuil=SEUIL)


def test_an_overlap_is_bounded_not_summed():
    # A child in both quartiers: 9 children, quartiers of 4 and 6. 9 ≤ x + 6 and x ≤ 4 give x = 3 or 4.
    valeurs = {"C": 9, "q1": 4, "q2": 6}
    relations = [Relation("C", ("q1", "q2"))]
    assert not retrouvables(valeurs, relations, {"q1": "<"}, seuil=SEUIL)
    # With 10 children and quartiers of 4 and 6 (no overlap), 4 is the only value: hidden with another.
    marques = proteger({"C": 10, "q1": 4, "q2": 6}, relations, seuil=SEUIL)
    assert marques == {"q1": "<", "q2": "s"}
