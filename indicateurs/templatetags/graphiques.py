"""The bar charts of the dashboard's breakdowns, and the tables that follow them. Labels, values
and scale are HTML text, at the page's size (text inside an SVG scaled to its column would
scale with it); only the bars are drawn in SVG."""

from decimal import Decimal
from html import escape

from django import template
from django.utils.html import format_html, format_html_join
from django.utils.safestring import mark_safe

from fiches.templatetags.format_fr import valeur

register = template.Library()


def _largeurs(ventilation):
    """(line, width of the year's bar, of the year before's), in percent of the largest figure,
    and that largest figure; a masked count gets no bar."""
    valeurs = [v for ligne in ventilation.lignes for v in (ligne.actuelle, ligne.precedente) if isinstance(v, int)]
    maximum = max(valeurs, default=0)

    def largeur(nombre):
        return round(nombre * 100 / maximum, 1) if isinstance(nombre, int) and maximum else 0

    return [(ligne, largeur(ligne.actuelle), largeur(ligne.precedente)) for ligne in ventilation.lignes], maximum


@register.simple_tag
def barres(ventilation):
    """The chart of a breakdown: per line its label, its two bars (the year filled, the year
    before outlined) and their values as text, then the scale under the bars. Built here rather than by
    a loop in the template: a large city's dashboard draws about 500 bars, and the template
    engine took 10 ms for 200 of them and their tables; and as f-strings, each text escaped,
    rather than format_html_join, which escaped every number too and took 40 ms for 500."""
    largeurs, maximum = _largeurs(ventilation)
    lignes = "\n".join(
        f'<span class="graphique-libelle">{escape(ligne.libelle)}</span>'
        # The bars in SVG, stretched to the column: the page's policy forbids inline styles.
        '<svg class="graphique-piste" viewBox="0 0 100 12" preserveAspectRatio="none" focusable="false">'
        f'<rect class="graphique-actuelle" x="0" y="0" height="6" width="{actuelle}"></rect>'
        f'<rect class="graphique-precedente" x="0" y="7" height="5" width="{precedente}" '
        'vector-effect="non-scaling-stroke"></rect></svg>'
        f'<span class="graphique-valeurs"><span>{escape(valeur(ligne.actuelle))}</span>'
        f"<span>{escape(valeur(ligne.precedente))}</span></span>"
        for ligne, actuelle, precedente in largeurs
    )
    echelle = format_html(
        '<span></span><span class="graphique-echelle"><span>0</span><span>{}</span><span>{}</span></span><span></span>',
        valeur(maximum / 2 if maximum % 2 else maximum // 2),
        valeur(maximum),
    )
    return format_html("{}\n{}", mark_safe(lignes), echelle)  # noqa: S308 - each text escaped above


@register.simple_tag
def lignes_du_tableau(ventilation):
    """The rows of the table that follows each chart, with the same figures, built here for
    the same reason as the bars."""
    if not ventilation.lignes:
        return format_html('<tr><td colspan="3">{}</td></tr>', "Aucune donnée.")
    return mark_safe(  # noqa: S308 - each text escaped here
        "".join(
            f'<tr><th scope="row" class="fw-normal">{escape(ligne.libelle)}</th>'
            f'<td class="text-end">{escape(valeur(ligne.actuelle))}</td>'
            f'<td class="text-end">{escape(valeur(ligne.precedente))}</td></tr>'
            for ligne in ventilation.lignes
        )
    )


# The annual report's bars (indicateurs/rapport.py), drawn in a cell of its tables' rows rather
# than as the page's chart followed by its table: WeasyPrint lays out table rows several times
# faster than the chart's boxes, and the contract's report has hundreds of lines. Colours are
# attributes (WeasyPrint reads no stylesheet into an SVG); the title is the drawing's text
# alternative in the PDF's tags.
PISTE = (
    '<svg class="piste" viewBox="0 0 100 12" preserveAspectRatio="none"><title>{}</title>'
    '<rect x="0" y="0" height="6" width="{}" fill="#0d6efd"></rect>'
    '<rect x="0" y="7" height="5" width="{}" fill="#fff" stroke="#212529" stroke-width="0.6"></rect>{}</svg>'
)


def _en_pourcentage(nombre, maximum):
    if not isinstance(nombre, int | Decimal) or not maximum:
        return 0
    return round(nombre * 100 / maximum, 1)


@register.simple_tag
def lignes_a_barres(ventilation, annee):
    """The rows of a breakdown in the annual report: label, the two years' figures, their bars
    scaled to the largest figure of the breakdown as on the dashboard (a masked count gets none)."""
    largeurs, _ = _largeurs(ventilation)
    if not largeurs:
        return format_html('<tr><td colspan="4">{}</td></tr>', "Aucune donnée.")
    return format_html_join(
        "",
        '<tr><th scope="row">{}</th><td class="nombre">{}</td><td class="nombre">{}</td><td class="barres">'
        + PISTE
        + "</td></tr>",
        (
            (
                ligne.libelle,
                valeur(ligne.actuelle),
                valeur(ligne.precedente),
                f"{ligne.libelle} : {valeur(ligne.actuelle)} en {annee}, {valeur(ligne.precedente)} en "
                f"{annee.precedente()}",
                actuelle,
                precedente,
                "",
            )
            for ligne, actuelle, precedente in largeurs
        ),
    )


@register.simple_tag
def barres_d_indicateur(ligne, annee):
    """An indicator's bars in the annual report: the year filled, the year before outlined and
    the target as a black mark, scaled to the largest of the three."""
    nombres = [n for n in (ligne.actuelle, ligne.precedente, ligne.cible) if isinstance(n, int | Decimal)]
    maximum = max(nombres, default=0)
    unite = ligne.indicateur.unite
    titre = (
        f"{ligne.indicateur.libelle} : {valeur(ligne.actuelle, unite)} en {annee}, "
        f"{valeur(ligne.precedente, unite)} en {annee.precedente()}, cible {valeur(ligne.cible, unite)}"
    )
    repere = ""
    if ligne.cible is not None and maximum:
        repere = format_html(
            '<rect x="{}" y="0" height="12" width="1.2" fill="#000"></rect>',
            round(max(float(_en_pourcentage(ligne.cible, maximum)) - 1.2, 0), 1),
        )
    return format_html(
        PISTE,
        titre,
        _en_pourcentage(ligne.actuelle, maximum),
        _en_pourcentage(ligne.precedente, maximum),
        repere,
    )


@register.simple_tag
def formes_de_la_carte(carte):
    """The shapes of the map of the quartiers (indicateurs/carte.html): per quartier drawn, its
    link around its outline, filled with its class, and its number. Built here, as the bars are:
    a large city's 40 quartiers took the template engine longer than the rest of the map."""
    hachures = f"url(#{carte.identifiant}-hachures)"
    return format_html_join(
        "\n",
        '<a href="{}" tabindex="-1"><title>{} : {}</title>'
        '<path d="{}" fill="{}" fill-rule="evenodd" stroke="#212529" stroke-width="1" '
        'vector-effect="non-scaling-stroke"></path>'
        '<circle cx="{}" cy="{}" r="9" fill="#fff" stroke="#212529" stroke-width="1"></circle>'
        '<text x="{}" y="{}" dy="4" text-anchor="middle" font-size="11" fill="#000">{}</text></a>',
        (
            (
                quartier.lien,
                quartier.nom,
                quartier.texte,
                quartier.chemin,
                hachures if quartier.classe.hachuree else quartier.classe.couleur,
                *(f"{coordonnee:.1f}" for coordonnee in quartier.repere),
                *(f"{coordonnee:.1f}" for coordonnee in quartier.repere),
                quartier.numero,
            )
            for quartier in carte.dessines
        ),
    )
