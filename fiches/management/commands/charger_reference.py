from pathlib import Path

from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError

from fiches.services import FICHIER_REFERENCE, charger_reference, lire_reference


class Command(BaseCommand):
    help = "Charge (ou met à jour) le contrat, ses partenaires et la fiche 1.2.3 depuis le fichier de référence."

    def add_arguments(self, parser):
        parser.add_argument(
            "--fichier",
            type=Path,
            default=FICHIER_REFERENCE,
            help="Fichier TOML à charger (par défaut : la fiche 1.2.3 livrée avec l’application).",
        )

    def handle(self, *args, fichier, **options):
        if not fichier.exists():
            raise CommandError(f"Fichier introuvable : {fichier}")
        try:
            contrat, bilan = charger_reference(donnees=lire_reference(fichier))
        except (ValidationError, KeyError) as erreur:
            message = " ".join(erreur.messages) if isinstance(erreur, ValidationError) else f"champ manquant {erreur}"
            raise CommandError(f"Chargement annulé, rien n’a été enregistré. {message}") from erreur
        if bilan.inchange:
            self.stdout.write(f"« {contrat} » est déjà à jour : rien n’a changé.")
            return
        for action, compteur in [
            ("création(s)", bilan.crees),
            ("modification(s)", bilan.modifies),
            ("suppression(s)", bilan.supprimes),
        ]:
            for modele, nombre in compteur.items():
                self.stdout.write(f"  {modele} : {nombre} {action}")
        self.stdout.write(self.style.SUCCESS(f"Référence de « {contrat} » chargée."))
