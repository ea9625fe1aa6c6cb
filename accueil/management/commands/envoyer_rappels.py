"""Mails each member of a contract what waits for them: the to-do lists of their home page, read
by the same selectors at the time of sending. Nothing is computed ahead nor stored; run it from
cron (README, « Rappels par courriel »)."""

from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.mail import EmailMessage
from django.core.management.base import BaseCommand, CommandError
from django.template.loader import render_to_string
from django.utils import timezone

from comptes.perimetre import perimetre_de

from ...selectors import rien_a_faire, taches


class Command(BaseCommand):
    help = (
        "Envoie par courriel à chaque membre d’un contrat ce qui l’attend (les listes « à faire » de sa page "
        "d’accueil). Rien n’est envoyé à qui n’a rien à faire ni à qui n’a pas d’adresse."
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "--simulation",
            "--dry-run",
            action="store_true",
            dest="simulation",
            help="Affiche les courriels qui partiraient, sans rien envoyer.",
        )

    def handle(self, *args, simulation, **options):
        aujourdhui = timezone.localdate()
        membres = (
            get_user_model().objects.filter(is_active=True, adhesions__isnull=False).distinct().order_by("username")
        )
        envoyes, sans_adresse, rien, echecs = 0, 0, 0, []
        for utilisateur in membres:
            if not utilisateur.email:
                sans_adresse += 1
                continue
            perimetre = perimetre_de(utilisateur)
            blocs = taches(perimetre=perimetre, aujourdhui=aujourdhui)
            if rien_a_faire(blocs):
                rien += 1
                continue
            message = self.courriel(utilisateur, perimetre, [bloc for bloc in blocs if bloc.a_faire and bloc.total])
            if simulation:
                self.stdout.write(f"À : {utilisateur.email}\nObjet : {message.subject}\n\n{message.body}\n{'-' * 72}")
            else:
                try:
                    message.send()
                except OSError as erreur:
                    echecs.append(f"{utilisateur.email} ({erreur})")
                    continue
            envoyes += 1
        verbe = "à envoyer (simulation, rien n’est parti)" if simulation else "envoyé(s)"
        self.stdout.write(
            f"{envoyes} courriel(s) {verbe} ; {rien} membre(s) sans rien à faire ; {sans_adresse} sans adresse."
        )
        if echecs:
            raise CommandError("Envoi impossible à : " + ", ".join(echecs))

    def courriel(self, utilisateur, perimetre, blocs):
        contexte = {
            "nom": utilisateur.get_full_name() or utilisateur.get_username(),
            "contrat": perimetre.contrat,
            "blocs": blocs,
            "nombre": sum(bloc.total for bloc in blocs),
            "site": settings.ADRESSE_DU_SITE,
            "aujourdhui": timezone.localdate(),
        }
        objet = render_to_string("accueil/rappel_objet.txt", contexte).strip()
        return EmailMessage(objet, render_to_string("accueil/rappel.txt", contexte), to=[utilisateur.email])
