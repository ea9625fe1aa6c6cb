"""The bar charts of the dashboard's breakdowns, and the tables that follow them. Labels, values
and scale are HTML text, at the page's size (text inside an SVG scaled to its column would
scale with it); only the bars are drawn in SVG."""

from decimal import Decimal

from django import template
from django.utils.html import format_html, format_html_join

from fiches.templatetags.format_fr import valeur

register = template.Library()


def _nombre(valeur):
    return isinstance(valeur, int | Decimal)


def _largeurs(ventilation):
    """(line, width of the year's bar, of the year before's), in percent of the largest figure,
    and that largest figure; a masked count gets no bar. Counts, or rates (the annual report's
    chart of each indicator)."""
    valeurs = [v for ligne in ventilation.lignes for v in (ligne.actuelle, ligne.precedente) if _nombre(v)]
    maximum = max(valeurs, default=0)

    def largeur(nombre):
        return round(nombre * 100 / maximum, 1) if _nombre(nombre) and maximum else 0

    return [(ligne, largeur(ligne.actuelle), largeur(ligne.precedente)) for ligne in ventilation.lignes], maximum


@register.simple_tag
def barres(ventilation):
    """The chart of a breakdown: per line its label, its two bars (the year filled, the year
    before outlined) and their values as text, then the scale under the bars. Built here rather than by
    a loop in the template: a large city's dashboard draws about 200 bars, and the template
    engine took 10 ms for them and their tables."""
    largeurs, maximum = _largeurs(ventilation)
    lignes = format_html_join(
        "\n",
        '<span class="graphique-libelle">{}</span>'
        # The bars in SVG, stretched to the column: the page's policy forbids inline styles.
        '<svg class="graphique-piste" viewBox="0 0 100 12" preserveAspectRatio="none" focusable="false">'
        # The text alternative of the drawing where it is read apart from its labels (the PDF's tags).
        "<title>{} : {} ; année précédente : {}</title>"
        # Colours as attributes too, for the annual report's PDF (WeasyPrint reads no CSS into an
        # SVG); the site's stylesheet overrides them on the page.
        '<rect class="graphique-actuelle" x="0" y="0" height="6" width="{}" fill="#0d6efd"></rect>'
        '<rect class="graphique-precedente" x="0" y="7" height="5" width="{}" fill="#fff" stroke="#212529" '
        'stroke-width="0.6" vector-effect="non-scaling-stroke">'
        "</rect></svg>"
        '<span class="graphique-valeurs"><span>{}</span><span>{}</span></span>',
        (
            (
                ligne.libelle,
                ligne.libelle,
                valeur(ligne.actuelle),
                valeur(ligne.precedente),
                actuelle,
                precedente,
                valeur(ligne.actuelle),
                valeur(ligne.precedente),
            )
            for ligne, actuelle, precedente in largeurs
        ),
    )
    echelle = format_html(
        '<span></span><span class="graphique-echelle"><span>0</span><span>{}</span><span>{}</span></span><span></span>',
        valeur(maximum / 2 if maximum % 2 else maximum // 2),
        valeur(maximum),
    )
    return format_html("{}\n{}", lignes, echelle)


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
