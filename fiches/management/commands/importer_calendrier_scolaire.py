import os
import tempfile
from pathlib import Path

from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError

from fiches import calendrier


class Command(BaseCommand):
    help = (
        "Remplace le calendrier scolaire livré avec l’application par un nouvel export du jeu "
        "fr-en-calendrier-scolaire (CSV, séparateur « ; »), après l’avoir vérifié ligne à ligne."
    )

    def add_arguments(self, parser):
        parser.add_argument("fichier", type=Path, help="Export CSV du calendrier scolaire à importer.")

    def handle(self, *args, fichier, **options):
        try:
            texte = fichier.read_text(encoding="utf-8")
        except FileNotFoundError:
            raise CommandError(f"Fichier introuvable : {fichier}") from None
        except OSError as erreur:
            raise CommandError(f"Fichier illisible : {fichier} ({erreur.strerror}).") from None
        except UnicodeDecodeError:
            raise CommandError(f"Le fichier {fichier} n’est pas encodé en UTF-8.") from None
        try:
            lecture = calendrier.lire_calendrier(texte)
        except ValidationError as erreur:
            raise CommandError(
                "Import refusé, le calendrier livré n’a pas changé.\n" + "\n".join(erreur.messages)
            ) from erreur
        if lecture.ignorees:
            autres = ", ".join(f"{zone} {nombre}" for zone, nombre in sorted(lecture.ignorees.items()))
            self.stdout.write(f"Lignes laissées de côté, seules les zones A, B et C servent : {autres}.")
        contenu = calendrier.mettre_en_forme(lecture.lignes)
        destination = calendrier.FICHIER_CALENDRIER
        if destination.exists() and destination.read_text(encoding="utf-8") == contenu:
            self.stdout.write(
                f"Le calendrier livré est déjà celui-ci ({len(lecture.lignes)} lignes) : rien n’a changé."
            )
            return
        # Written beside the destination then renamed: a reader never sees half a file.
        with tempfile.NamedTemporaryFile(
            "w", encoding="utf-8", dir=destination.parent, suffix=".csv", delete=False
        ) as provisoire:
            provisoire.write(contenu)
        # A temporary file is private to its owner; the calendar is read by the application's user.
        os.chmod(provisoire.name, 0o644)
        os.replace(provisoire.name, destination)
        calendrier.oublier_calendrier()
        annees = sorted({ligne["annee_scolaire"] for ligne in lecture.lignes})
        self.stdout.write(
            self.style.SUCCESS(
                f"Calendrier scolaire importé : {len(lecture.lignes)} lignes des zones A, B et C, "
                f"années {annees[0]} à {annees[-1]}, dans {destination}."
            )
        )
        self.stdout.write(
            "Notez la source et la date de la copie dans le README.md à côté du fichier, puis redémarrez "
            "l’application : chaque processus lit le calendrier une fois."
        )
