from django.core.exceptions import ImproperlyConfigured
from django.core.management.base import BaseCommand, CommandError

from actions.demo import generer_activite
from comptes.demo import adhesions_de_demo
from fiches.demo import generer_demo
from fiches.models import Contrat
from indicateurs.demo import valeurs_de_demo


class Command(BaseCommand):
    help = (
        "Crée un territoire fictif de démonstration (quartiers, structures, écoles), trois années "
        "scolaires d’actions, de séances, d’enfants et de présences, et un compte par rôle, dont il "
        "affiche les mots de passe. Refusé avec les réglages de production."
    )

    def handle(self, *args, **options):
        contrat = Contrat.objects.order_by("pk").first()
        if contrat is None:
            raise CommandError("Aucun contrat : lancez d’abord « python manage.py charger_reference ».")
        try:
            identifiants = generer_demo(contrat=contrat)
        except ImproperlyConfigured as erreur:
            raise CommandError(str(erreur)) from erreur
        adhesions_de_demo(contrat=contrat)
        activite = generer_activite(contrat=contrat)
        valeurs_de_demo(contrat=contrat)
        self.stdout.write(self.style.SUCCESS(f"Territoire de démonstration prêt dans « {contrat} »."))
        if activite:
            self.stdout.write(
                "Activité créée : {actions} actions, {seances} séances, {enfants} enfants, "
                "{inscriptions} inscriptions, {presences} présences, {financements} financements.".format(**activite)
            )
        self.stdout.write("Comptes de démonstration (nouveaux mots de passe à chaque lancement) :")
        for username, role, mot_de_passe in identifiants:
            self.stdout.write(f"  {role:<18} identifiant : {username:<18} mot de passe : {mot_de_passe}")
