from pathlib import Path

from django.core.management.base import BaseCommand

from imports import quartiers
from imports.referentiels import lancer, territoire


class Command(BaseCommand):
    help = (
        "Crée ou met à jour les quartiers du contrat depuis la liste nationale des quartiers prioritaires "
        "2024 (CSV publié, colonnes code_qp;lib_qp;…;insee_com;lib_com;siren_epci;lib_epci), pour les "
        "communes du contrat, celles de --communes ou l’EPCI de --epci. Simulation par défaut : "
        "--appliquer écrit. Aucun quartier n’est supprimé."
    )

    def add_arguments(self, parser):
        parser.add_argument("fichier", type=Path, help="Liste nationale des quartiers prioritaires (CSV).")
        parser.add_argument("--contrat", help="Code du contrat (facultatif s’il n’y en a qu’un).")
        parser.add_argument("--communes", help="Codes INSEE des communes retenues, séparés par des virgules.")
        parser.add_argument("--epci", default="", help="SIREN de l’EPCI dont les quartiers sont retenus.")
        parser.add_argument("--appliquer", action="store_true", help="Écrire (sinon : simulation).")

    def handle(self, *args, fichier, contrat, communes, epci, appliquer, **options):
        lancer(
            self,
            fichier=fichier,
            territoire=territoire(contrat=contrat, communes=communes, epci=epci),
            analyser=quartiers.analyser,
            ecrire=quartiers.ecrire,
            appliquer=appliquer,
        )
