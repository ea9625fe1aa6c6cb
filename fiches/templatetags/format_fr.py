"""Numbers the French way (1 234,50 €, 75 %), without turning on thousand separators
everywhere, which would also break ids printed in forms."""

from django import template
from django.utils.numberformat import format as formater

register = template.Library()


def _nombre(valeur, decimales):
    return formater(valeur, ",", decimal_pos=decimales, grouping=3, thousand_sep="\u202f", force_grouping=True)


@register.filter
def euros(valeur):
    if valeur in (None, ""):
        return "–"
    return f"{_nombre(valeur, 2)}\u00a0€"


@register.filter
def nombre(valeur):
    if valeur in (None, ""):
        return "–"
    return _nombre(valeur, 0)


@register.filter
def pourcentage(ratio):
    """A ratio (0.756) as a percentage (75,6 %); a dash when it cannot be computed."""
    if ratio is None:
        return "–"
    return f"{_nombre(round(ratio * 100, 1), 1)}\u00a0%"
