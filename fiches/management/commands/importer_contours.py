from pathlib import Path

from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError

from fiches.contours import lire_contours
from fiches.models import Quartier
from fiches.services import contours_importer


class Command(BaseCommand):
    help = (
        "Importe les contours des quartiers prioritaires depuis le fichier publié par l’ANCT sur data.gouv.fr "
        "(contours des QPV 2024, GeoJSON en WGS84 : propriétés code_qp, lib_qp…). Sans --appliquer, montre "
        "seulement ce qui changerait. Seuls les quartiers déjà enregistrés reçoivent un contour ; aucun n’est "
        "retiré."
    )

    def add_arguments(self, parser):
        parser.add_argument("fichier", type=Path, help="Fichier GeoJSON des contours des QPV.")
        parser.add_argument("--appliquer", action="store_true", help="Enregistre les contours (sinon : essai à blanc).")

    def handle(self, *args, fichier, appliquer, **options):
        try:
            texte = fichier.read_bytes()
        except FileNotFoundError:
            raise CommandError(f"Fichier introuvable : {fichier}") from None
        except OSError as erreur:
            raise CommandError(f"Fichier illisible : {fichier} ({erreur.strerror}).") from None
        try:
            lecture = lire_contours(texte, codes=set(Quartier.objects.values_list("code", flat=True)))
        except ValidationError as erreur:
            raise CommandError(" ".join(erreur.messages)) from erreur
        if lecture.erreurs:
            raise CommandError(
                f"Import refusé, rien n’a été enregistré : {len(lecture.erreurs)} entité(s) illisible(s) sur "
                f"{lecture.entites}.\n" + "\n".join(lecture.erreurs)
            )
        resultat = contours_importer(contours=lecture.contours, appliquer=appliquer)
        ajout, modification = ("ajoutés", "modifiés") if appliquer else ("à ajouter", "à modifier")
        for libelle, codes in (
            (f"Contours {ajout}", resultat.ajoutes),
            (f"Contours {modification}", resultat.modifies),
        ):
            if codes:
                self.stdout.write(f"{libelle} ({len(codes)}) : {', '.join(codes)}.")
        self.stdout.write(
            f"{len(resultat.inchanges)} contour(s) déjà à jour ; {lecture.ecartees} entité(s) du fichier, "
            "de quartiers hors de l’application, laissées de côté."
        )
        if resultat.sans_contour:
            self.stdout.write(
                f"Quartiers toujours sans contour, absents du fichier : {', '.join(resultat.sans_contour)}."
            )
        if not (resultat.ajoutes or resultat.modifies):
            self.stdout.write(self.style.SUCCESS("Rien à changer."))
        elif appliquer:
            self.stdout.write(self.style.SUCCESS("Contours enregistrés."))
        else:
            self.stdout.write("Essai à blanc : rien n’a été enregistré. Relancez avec --appliquer pour enregistrer.")
