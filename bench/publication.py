"""Closes the demo's previous school year and publishes its bilan, as generer_demo now ends
(demo.clotures), and gives the quartiers their outlines (demo.territoire): a bench database
generated before either gets its public bilan and its map without being generated again.
Changes nothing when both are there already.

Run from the project root: DJANGO_SETTINGS_MODULE=config.settings.bench python -m bench.publication
"""

import django

if __name__ == "__main__":
    django.setup()
    from demo.clotures import annee_precedente_cloturer
    from demo.territoire import contours_completer
    from fiches.models import Contrat

    contrat = Contrat.objects.order_by("pk").first()
    contours_completer(contrat=contrat)
    cloture = annee_precedente_cloturer(contrat=contrat)
    print(cloture.libelle)
