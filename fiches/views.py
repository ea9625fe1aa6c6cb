from django.contrib.auth.decorators import login_not_required
from django.db import DatabaseError, connection
from django.http import JsonResponse
from django.shortcuts import render
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET

from comptes.perms import exige, peut_consulter_la_reference

from . import selectors


@exige(peut_consulter_la_reference)
def liste_fiches(request):
    contrat = request.perimetre.contrat
    piliers = selectors.sommaire_du_contrat(contrat=contrat)
    return render(request, "fiches/liste.html", {"contrat": contrat, "piliers": piliers})


@exige(peut_consulter_la_reference)
def detail_fiche(request, code):
    fiche, paragraphes, indicateurs = selectors.fiche_a_afficher(code=code, contrat=request.perimetre.contrat)
    return render(
        request,
        "fiches/detail.html",
        {"fiche": fiche, "paragraphes": paragraphes, "indicateurs": indicateurs},
    )


@exige(peut_consulter_la_reference)
def detail_indicateur(request, code, code_indicateur):
    enonce = selectors.enonce_a_afficher(
        code_fiche=code,
        code_indicateur=code_indicateur,
        contrat=request.perimetre.contrat,
    )
    return render(request, "fiches/indicateur.html", {"enonce": enonce})


@login_not_required
@require_GET
@never_cache
def sante(request):
    """For the load balancer and monitoring: 200 when the database answers, 503 when it does not."""
    try:
        with connection.cursor() as curseur:
            curseur.execute("SELECT 1")
    except DatabaseError:
        return JsonResponse({"statut": "erreur", "base_de_donnees": "injoignable"}, status=503)
    return JsonResponse({"statut": "ok", "base_de_donnees": "ok"})
