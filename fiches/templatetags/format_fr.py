"""Numbers the French way (1 234,50 €, 75 %), without turning on thousand separators
everywhere, which would also break ids printed in forms."""

from decimal import Decimal

from django import template
from django.utils.numberformat import format as formater

register = template.Library()


def _nombre(valeur, decimales):
    if type(valeur) is int:
        # Most figures are counts: a large dashboard formats a thousand of them, and Python's own
        # grouping does it several times faster than Django's general formatter, to the same text.
        entier = f"{valeur:,}".replace(",", "\u202f")
        return f"{entier},{'0' * decimales}" if decimales else entier
    return formater(valeur, ",", decimal_pos=decimales, grouping=3, thousand_sep="\u202f", force_grouping=True)


@register.filter
def euros(valeur):
    if valeur in (None, ""):
        return "–"
    return f"{_nombre(valeur, 2)}\u00a0€"


@register.filter
def pourcentage(ratio):
    """A ratio (0.756) as a percentage (75,6 %); a dash when it cannot be computed."""
    if ratio is None:
        return "–"
    return f"{_nombre(round(ratio * 100, 1), 1)}\u00a0%"


@register.filter
def valeur(valeur, unite=""):
    """A figure of an indicator: a masked count as it says ("< 5"), a share with its % sign, a
    count of the unit « nombre » as the whole number it is."""
    if valeur is None:
        return "–"
    if not isinstance(valeur, int | float | Decimal):
        return str(valeur)
    if unite == "pourcentage":
        return f"{_nombre(valeur, 1)}\u00a0%"
    if unite == "nombre":
        # A mean (the change of the « envie d’école » score) keeps its hundredths.
        return _nombre(valeur, 0 if valeur == int(valeur) else 2)
    return _nombre(valeur, 0 if valeur == int(valeur) else 1)


@register.filter
def evolution(valeur, unite=""):
    """A change with its sign, in words as well as figures: the fiche asks for an increase."""
    if valeur is None:
        return "–"
    if valeur == 0:
        return "stable"
    sens = "en hausse" if valeur > 0 else "en baisse"
    points = " point" if unite == "pourcentage" else ""
    signe = "+" if valeur > 0 else "−"
    decimales = 1 if unite == "pourcentage" else 0 if valeur == int(valeur) else 2
    return f"{sens} ({signe}{_nombre(abs(valeur), decimales)}{points})"
