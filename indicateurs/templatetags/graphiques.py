from django import template
from django.utils.html import format_html_join
from django.utils.text import Truncator

register = template.Library()


@register.simple_tag
def barres(ventilation):
    """The bars of a breakdown's chart, one group per line. Built here rather than by a loop in
    the template: a large city's dashboard draws about 200 of them, and the template engine took
    10 ms to."""
    return format_html_join(
        "\n",
        '<g transform="translate(0 {})"><text x="0" y="9" font-size="9">{}</text>'
        '<rect x="175" y="2" height="6" width="{}" fill="#0d6efd"></rect>'
        '<rect x="175" y="8" height="4" width="{}" fill="#6c757d"></rect></g>',
        (
            (rang * ventilation.HAUTEUR_DE_LIGNE, Truncator(ligne.libelle).chars(34), actuelle, precedente)
            for rang, (ligne, actuelle, precedente) in enumerate(ventilation.barres())
        ),
    )
