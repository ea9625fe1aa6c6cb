"""Closes the demo's previous school year and publishes its bilan, as generer_demo now ends
(demo.clotures): a bench database generated before it published anything gets its public bilan
without being generated again. Changes nothing when the year is published already.

Run from the project root: DJANGO_SETTINGS_MODULE=config.settings.bench python -m bench.publication
"""

import django

if __name__ == "__main__":
    django.setup()
    from demo.clotures import annee_precedente_cloturer
    from fiches.models import Contrat

    cloture = annee_precedente_cloturer(contrat=Contrat.objects.order_by("pk").first())
    print(cloture.libelle)
