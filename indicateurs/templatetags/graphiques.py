"""The bar charts of the dashboard's breakdowns, and the tables that follow them. Their geometry
lives here, with the drawing, not on the figures."""

from django import template
from django.utils.html import format_html, format_html_join
from django.utils.text import Truncator

from fiches.templatetags.format_fr import valeur

register = template.Library()

HAUTEUR_DE_LIGNE = 14
LONGUEUR_MAXIMALE = 220


@register.simple_tag
def hauteur(ventilation):
    """The chart's height in SVG units: a line per breakdown value, and a margin of one."""
    return (len(ventilation.lignes) + 1) * HAUTEUR_DE_LIGNE


def _longueurs(ventilation):
    """(line, bar of the year, bar of the year before), in SVG units; a masked count gets no bar."""
    valeurs = [v for ligne in ventilation.lignes for v in (ligne.actuelle, ligne.precedente) if isinstance(v, int)]
    maximum = max(valeurs, default=0) or 1

    def longueur(nombre):
        return round(nombre * LONGUEUR_MAXIMALE / maximum) if isinstance(nombre, int) else 0

    return [(ligne, longueur(ligne.actuelle), longueur(ligne.precedente)) for ligne in ventilation.lignes]


@register.simple_tag
def barres(ventilation):
    """The bars of a breakdown's chart, one group per line. Built here rather than by a loop in
    the template: a large city's dashboard draws about 200 of them, and the template engine took
    10 ms for them and their tables."""
    return format_html_join(
        "\n",
        '<g transform="translate(0 {})"><text x="0" y="9" font-size="9">{}</text>'
        '<rect x="175" y="2" height="6" width="{}" fill="#0d6efd"></rect>'
        '<rect x="175" y="8" height="4" width="{}" fill="#6c757d"></rect></g>',
        (
            (rang * HAUTEUR_DE_LIGNE, Truncator(ligne.libelle).chars(34), actuelle, precedente)
            for rang, (ligne, actuelle, precedente) in enumerate(_longueurs(ventilation))
        ),
    )


@register.simple_tag
def lignes_du_tableau(ventilation):
    """The rows of the table that follows each chart, with the same figures, built here for
    the same reason as the bars."""
    if not ventilation.lignes:
        return format_html('<tr><td colspan="3">{}</td></tr>', "Aucune donnée.")
    return format_html_join(
        "",
        '<tr><th scope="row" class="fw-normal">{}</th><td class="text-end">{}</td><td class="text-end">{}</td></tr>',
        ((ligne.libelle, valeur(ligne.actuelle), valeur(ligne.precedente)) for ligne in ventilation.lignes),
    )
