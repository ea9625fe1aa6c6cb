from django.shortcuts import render

from fiches.selectors import contrats_visibles

from . import selectors


def annuaire(request):
    contrats = contrats_visibles(utilisateur=request.user)
    return render(request, "partenaires/annuaire.html", selectors.annuaire(contrats=contrats))


def detail_partenaire(request, pk):
    partenaire = selectors.partenaire_a_afficher(pk=pk, contrats=contrats_visibles(utilisateur=request.user))
    return render(request, "partenaires/partenaire.html", {"partenaire": partenaire})


def detail_dispositif(request, code):
    dispositif = selectors.dispositif_a_afficher(code=code, contrats=contrats_visibles(utilisateur=request.user))
    return render(request, "partenaires/dispositif.html", {"dispositif": dispositif})
