from django.shortcuts import render

from . import selectors
from .perms import exige, lecture, peut_consulter_la_reference


@lecture
@exige(peut_consulter_la_reference)
def liste_fiches(request):
    contrat = request.perimetre.contrat
    piliers = selectors.sommaire_du_contrat(contrat=contrat)
    return render(request, "fiches/liste.html", {"contrat": contrat, "piliers": piliers})


@lecture
@exige(peut_consulter_la_reference)
def detail_fiche(request, code):
    fiche, paragraphes, indicateurs = selectors.fiche_a_afficher(code=code, contrat=request.perimetre.contrat)
    return render(
        request,
        "fiches/detail.html",
        {"fiche": fiche, "paragraphes": paragraphes, "indicateurs": indicateurs},
    )


@lecture
@exige(peut_consulter_la_reference)
def detail_indicateur(request, code, code_indicateur):
    enonce = selectors.enonce_a_afficher(
        code_fiche=code,
        code_indicateur=code_indicateur,
        contrat=request.perimetre.contrat,
    )
    return render(request, "fiches/indicateur.html", {"enonce": enonce})
