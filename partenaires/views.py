from django.shortcuts import render

from fiches.perms import exige, lecture, peut_consulter_la_reference

from . import selectors


@lecture
@exige(peut_consulter_la_reference)
def annuaire(request):
    return render(request, "partenaires/annuaire.html", selectors.annuaire(contrat=request.perimetre.contrat))


@lecture
@exige(peut_consulter_la_reference)
def detail_partenaire(request, pk):
    partenaire = selectors.partenaire_a_afficher(pk=pk, contrat=request.perimetre.contrat)
    return render(request, "partenaires/partenaire.html", {"partenaire": partenaire})


@lecture
@exige(peut_consulter_la_reference)
def detail_dispositif(request, code):
    dispositif = selectors.dispositif_a_afficher(code=code, contrat=request.perimetre.contrat)
    return render(request, "partenaires/dispositif.html", {"dispositif": dispositif})
