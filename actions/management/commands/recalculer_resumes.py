import time

from django.core.management.base import BaseCommand
from django.db import connection, transaction

from actions.models import (
    ArriveesDuJour,
    ArriveesDuJourDuPerimetre,
    EffectifAnnuel,
    FrequentationAnnuelle,
    SeancesAnnuelles,
    SeancesDuJour,
    SeancesDuJourParAction,
)
from actions.resumes import (
    recalculer_frequentations,
    recalculer_seances_annuelles,
    recompter_inscrits,
    recompter_presents,
)


class Command(BaseCommand):
    help = (
        "Recalcule depuis les présences, les séances et les inscriptions les résumés que lisent les "
        "tableaux de bord (fréquentations et effectifs par année, séances par année, inscrits à la "
        "date de chaque séance, présences de chaque séance, arrivées par jour). Chaque écriture les "
        "tient à jour : cette commande ne sert qu’après une correction faite directement dans la "
        "base, ou une restauration partielle."
    )

    def handle(self, *args, **options):
        debut = time.monotonic()
        with transaction.atomic():
            if connection.vendor == "postgresql":
                # Saves made meanwhile wait, then recount their children from the rebuilt rows.
                tables = ", ".join(
                    connection.ops.quote_name(modele._meta.db_table)
                    for modele in (
                        FrequentationAnnuelle,
                        EffectifAnnuel,
                        ArriveesDuJour,
                        ArriveesDuJourDuPerimetre,
                        SeancesAnnuelles,
                        SeancesDuJour,
                        SeancesDuJourParAction,
                    )
                )
                with connection.cursor() as curseur:
                    curseur.execute(f"LOCK TABLE {tables} IN EXCLUSIVE MODE")
            recompter_inscrits()
            recompter_presents()
            recalculer_seances_annuelles()
            # From scratch, counters included; a past year keeps the éducation prioritaire its
            # rows were counted with (a closed year's figures never change).
            recalculer_frequentations()
        self.stdout.write(
            self.style.SUCCESS(
                f"Résumés recalculés en {time.monotonic() - debut:.0f} s : "
                f"{FrequentationAnnuelle.objects.count()} fréquentations annuelles, "
                f"{EffectifAnnuel.objects.count()} effectifs, {SeancesAnnuelles.objects.count()} années de séances."
            )
        )
