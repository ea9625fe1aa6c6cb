import time

from django.core.exceptions import ImproperlyConfigured
from django.core.management.base import BaseCommand, CommandError
from django.db import connection

from demo.activite import generer_activite
from demo.adhesions import adhesions_de_demo, jeton_de_demo
from demo.clotures import annee_precedente_cloturer
from demo.dossiers import dossiers_de_demo
from demo.echelle import ECHELLES, generer_activite_a_l_echelle
from demo.fiche_fictive import charger_fiche_fictive, generer_activite_fictive
from demo.region import RegionRefusee, generer_la_region, refuser_hors_de_postgresql
from demo.territoire import etendre_territoire, generer_demo
from demo.valeurs import valeurs_de_demo
from fiches.models import Contrat


class Command(BaseCommand):
    help = (
        "Crée un territoire fictif de démonstration (quartiers, structures, écoles), trois années "
        "scolaires d’actions, de séances, d’enfants et de présences (l’année précédente clôturée), et un "
        "compte par rôle, dont il affiche les mots de passe. Avec --echelle grande : le contrat d’une "
        "grande ville, 40 quartiers et six années (6 000 actions, 60 000 enfants, environ 3 millions de "
        "présences) ; --echelle dixieme : un dixième de ces volumes ; --echelle region : dix fois la grande "
        "ville, dix contrats de ville de 40 quartiers (60 000 actions, 600 000 enfants, environ 30 millions "
        "de présences), chargés par COPY, sur PostgreSQL seulement. Refusé avec les réglages de production."
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "--echelle",
            choices=["demo", *ECHELLES],
            default="demo",
            help="Volume de l’activité générée (demo par défaut).",
        )

    def _journal(self, message):
        # Each phase as it ends, even when the output goes to a file.
        self.stdout.write(message)
        self.stdout.flush()

    def handle(self, *args, echelle, **options):
        contrat = Contrat.objects.order_by("pk").first()
        if contrat is None:
            raise CommandError("Aucun contrat : lancez d’abord « python manage.py charger_reference ».")
        if echelle in ECHELLES and ECHELLES[echelle].contrats > 1:
            try:
                refuser_hors_de_postgresql()
            except RegionRefusee as erreur:
                raise CommandError(str(erreur)) from erreur
        debut = time.monotonic()
        contrats = [contrat]
        try:
            identifiants = generer_demo(contrat=contrat)
        except ImproperlyConfigured as erreur:
            raise CommandError(str(erreur)) from erreur
        adhesions_de_demo(contrat=contrat)
        jeton = jeton_de_demo()
        if echelle == "demo":
            activite = generer_activite(contrat=contrat)
            # A second fiche, fictional, with its own ateliers: two dashboards to compare.
            generer_activite_fictive(contrat=contrat)
        else:
            charger_fiche_fictive(contrat=contrat)
            etendre_territoire(contrat=contrat, quartiers=ECHELLES[echelle].par_contrat().quartiers)
            try:
                if ECHELLES[echelle].contrats > 1:
                    self.stdout.write("Durée de chaque phase :")
                    contrats, activite = generer_la_region(
                        contrat=contrat, echelle=ECHELLES[echelle], journal=self._journal
                    )
                else:
                    activite = generer_activite_a_l_echelle(contrat=contrat, echelle=ECHELLES[echelle])
            except (ValueError, RegionRefusee) as erreur:
                raise CommandError(str(erreur)) from erreur
        phase = time.monotonic()
        for contrat_de_ville in contrats:
            valeurs_de_demo(contrat=contrat_de_ville)
        if echelle == "demo":
            # Its conventionned dossiers are actions too: the scales keep their exact volumes.
            dossiers_de_demo(contrat=contrat)
        for contrat_de_ville in contrats:
            # Once its activity and values are written: its figures are then final.
            annee_precedente_cloturer(contrat=contrat_de_ville)
        if len(contrats) > 1:
            self.stdout.write(f"  valeurs externes et clôtures : {time.monotonic() - phase:.1f} s")
        phase = time.monotonic()
        # Until autovacuum passes, the planner would take the tables just filled for empty ones
        # (a nested loop over 29,000 summary rows: 48 ms instead of 14).
        with connection.cursor() as curseur:
            curseur.execute("ANALYZE")
        if len(contrats) > 1:
            self.stdout.write(f"  ANALYZE : {time.monotonic() - phase:.1f} s")
        for contrat_de_ville in contrats:
            self.stdout.write(self.style.SUCCESS(f"Territoire de démonstration prêt dans « {contrat_de_ville} »."))
        if activite:
            self.stdout.write(
                "Activité créée en {duree:.0f} s : {actions} actions, {seances} séances, {enfants} enfants, "
                "{inscriptions} inscriptions, {presences} présences, {financements} financements.".format(
                    duree=time.monotonic() - debut, **activite
                )
            )
            if "dossiers" in activite:
                self.stdout.write(f"Dossiers d’appel à projets : {activite['dossiers']}.")
        self.stdout.write("Comptes de démonstration (nouveaux mots de passe à chaque lancement) :")
        for username, role, mot_de_passe in identifiants:
            self.stdout.write(f"  {role:<18} identifiant : {username:<18} mot de passe : {mot_de_passe}")
        self.stdout.write(f"Jeton de l’API de demo-partenaire (en-tête « Authorization: Token … ») : {jeton}")
