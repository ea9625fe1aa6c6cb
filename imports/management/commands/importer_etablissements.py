from pathlib import Path

from django.core.management.base import BaseCommand

from imports import etablissements
from imports.referentiels import lancer, territoire


class Command(BaseCommand):
    help = (
        "Crée ou met à jour les établissements scolaires du contrat depuis l’annuaire de l’Éducation "
        "nationale (export CSV « ; » du jeu fr-en-annuaire-education), pour les communes du contrat ou "
        "celles de --communes ; l’appartenance REP / REP+ suit l’annuaire. Simulation par défaut : "
        "--appliquer écrit. Aucun établissement n’est supprimé."
    )

    def add_arguments(self, parser):
        parser.add_argument("fichier", type=Path, help="Export CSV de l’annuaire de l’éducation.")
        parser.add_argument("--contrat", help="Code du contrat (facultatif s’il n’y en a qu’un).")
        parser.add_argument("--communes", help="Codes INSEE des communes retenues, séparés par des virgules.")
        parser.add_argument("--appliquer", action="store_true", help="Écrire (sinon : simulation).")

    def handle(self, *args, fichier, contrat, communes, appliquer, **options):
        lancer(
            self,
            fichier=fichier,
            territoire=territoire(contrat=contrat, communes=communes),
            analyser=etablissements.analyser,
            ecrire=etablissements.ecrire,
            appliquer=appliquer,
        )
