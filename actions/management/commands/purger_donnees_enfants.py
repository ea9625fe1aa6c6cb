from collections import Counter

from django.conf import settings
from django.core.management.base import BaseCommand
from django.utils import timezone

from actions.dates import seuil_de_retention
from actions.selectors import participants_expires
from actions.services import participants_anonymiser


class Command(BaseCommand):
    help = (
        "Anonymise les fiches des enfants dont la dernière présence date de plus de "
        "RETENTION_ANNEES_SCOLAIRES années scolaires (3 par défaut). Sans --appliquer, "
        "n’écrit rien et dit ce qui serait fait."
    )

    def add_arguments(self, parser):
        parser.add_argument("--appliquer", action="store_true", help="Anonymise réellement.")

    def handle(self, *args, appliquer, **options):
        aujourdhui = timezone.localdate()
        annees = settings.RETENTION_ANNEES_SCOLAIRES
        seuil = seuil_de_retention(aujourdhui=aujourdhui, annees=annees)
        if appliquer:
            expires = participants_anonymiser(aujourdhui=aujourdhui, annees=annees)
        else:
            expires = participants_expires(aujourdhui=aujourdhui, annees=annees)
        verbe = "anonymisé(s)" if appliquer else "à anonymiser (simulation : rien n’est modifié)"
        self.stdout.write(
            f"Durée de conservation : {annees} années scolaires ; aucune activité depuis le {seuil:%d/%m/%Y}."
        )
        self.stdout.write(f"{len(expires)} enfant(s) {verbe}.")
        for structure, nombre in sorted(Counter(str(p.structure) for p in expires).items()):
            self.stdout.write(f"  {structure} : {nombre}")
        if expires and not appliquer:
            self.stdout.write("Relancez avec --appliquer pour anonymiser.")
