from pathlib import Path

from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError

from fiches.reference import FICHIER_REFERENCE, lire_reference
from indicateurs.services import reference_charger


class Command(BaseCommand):
    help = (
        "Charge (ou met à jour) le contrat, ses partenaires, ses fiches et leurs indicateurs depuis un fichier "
        "de référence (par défaut celui de la fiche 1.2.3)."
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "--fichier",
            type=Path,
            default=FICHIER_REFERENCE,
            help="Fichier TOML à charger (par défaut : la fiche 1.2.3 livrée avec l’application).",
        )
        parser.add_argument(
            "--ecraser",
            action="store_true",
            help=(
                "Réaligne tout sur le fichier, y compris ce qu’un administrateur a modifié depuis, et "
                "supprime les puces que le fichier n’a plus. Sans cette option, seul ce qui manque est ajouté."
            ),
        )

    def handle(self, *args, fichier, ecraser, **options):
        if not fichier.exists():
            raise CommandError(f"Fichier introuvable : {fichier}")
        try:
            # A fiche's measurable indicators come with it, from its own file.
            contrat, bilan = reference_charger(donnees=lire_reference(fichier), ecraser=ecraser)
        except ValidationError as erreur:
            raise CommandError(f"Chargement annulé, rien n’a été enregistré. {' '.join(erreur.messages)}") from erreur
        except KeyError as erreur:
            raise CommandError(f"Chargement annulé, rien n’a été enregistré. Champ manquant : {erreur}.") from erreur
        except (TypeError, ValueError) as erreur:
            raise CommandError(f"Chargement annulé, rien n’a été enregistré. Valeur invalide : {erreur}") from erreur
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
