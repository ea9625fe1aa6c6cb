import pytest

from indicateurs.confidentialite import masquer

SEUIL = 5


def _affiche(total, ventilation):
    total, cellules = masquer(total=total, ventilation=ventilation, seuil=SEUIL)
    return str(total), {cle: str(effectif) for cle, effectif in cellules.items()}


def test_counts_at_or_above_the_threshold_are_shown():
    assert _affiche(30, {"F": 14, "M": 16}) == ("30", {"F": "14", "M": "16"})


def test_a_small_count_is_hidden_and_a_second_cell_with_it():
    # F alone hidden would be 30 - 26 = 4: the smallest other cell goes too.
    assert _affiche(30, {"F": 4, "M": 26}) == ("30", {"F": "< 5", "M": "< 5"})


def test_secondary_suppression_picks_the_smallest_other_cell():
    total, cellules = _affiche(40, {"CP": 3, "CE1": 12, "CE2": 25})
    assert cellules == {"CP": "< 5", "CE1": "< 5", "CE2": "25"}


def test_two_small_cells_protect_each_other():
    assert _affiche(40, {"CP": 3, "CE1": 2, "CE2": 35}) == ("40", {"CP": "< 5", "CE1": "< 5", "CE2": "35"})


def test_zero_is_shown():
    assert _affiche(20, {"F": 0, "M": 20}) == ("20", {"F": "0", "M": "20"})


def test_a_small_total_hides_everything_but_zeros():
    assert _affiche(4, {"F": 4, "M": 0}) == ("< 5", {"F": "< 5", "M": "0"})


@pytest.mark.parametrize("seuil", [3, 10])
def test_the_threshold_is_a_parameter(seuil):
    total, cellules = masquer(total=20, ventilation={"a": 4, "b": 16}, seuil=seuil)
    assert cellules["a"].masque == (seuil > 4)
    assert str(cellules["a"]) == (f"< {seuil}" if seuil > 4 else "4")


def test_no_hidden_cell_can_be_recovered_from_the_total():
    """For every shape of breakdown, the total minus the shown cells never equals a single hidden cell."""
    for ventilation in [{"a": 1, "b": 9, "c": 30}, {"a": 4, "b": 4, "c": 4, "d": 50}, {"a": 2, "b": 100}]:
        total = sum(ventilation.values())
        _, cellules = masquer(total=total, ventilation=ventilation, seuil=SEUIL)
        caches = [cle for cle, effectif in cellules.items() if effectif.masque]
        assert len(caches) != 1
