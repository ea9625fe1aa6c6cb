"""The home page: what waits for the user's role (accueil.selectors), and the year's key figures."""

from django.shortcuts import render
from django.utils import timezone

from fiches.annees import AnneeScolaire
from fiches.perms import exige, lecture
from indicateurs.periodes import Comparaison
from indicateurs.selectors import notes_des_chiffres

from . import selectors
from .perms import peut_voir_l_accueil


@lecture
@exige(peut_voir_l_accueil)
def accueil(request):
    perimetre = request.perimetre
    aujourdhui = timezone.localdate()
    annee = AnneeScolaire.de_la_date(aujourdhui)
    blocs = selectors.taches(perimetre=perimetre, aujourdhui=aujourdhui)
    chiffres = selectors.chiffres_cles(perimetre=perimetre, annee=annee)
    return render(
        request,
        "accueil/accueil.html",
        {
            "blocs": blocs,
            "rien_a_faire": selectors.rien_a_faire(blocs),
            "chiffres": chiffres,
            "annee": annee,
            # The key figures are compared as the dashboards are: said beside them.
            "comparaison": Comparaison(annee, aujourdhui),
            "notes": notes_des_chiffres(perimetre=perimetre) if chiffres else {},
            # A partner granted more quartiers than the page computes finds the others' dashboards.
            "autres_quartiers": max(0, len(perimetre.quartier_ids) - len(chiffres)) if perimetre.partenaire else 0,
        },
    )
