from django.shortcuts import render

from fiches.selectors import contrat_courant

from . import selectors


def annuaire(request):
    contrat = contrat_courant(utilisateur=request.user)
    return render(request, "partenaires/annuaire.html", selectors.annuaire(contrat=contrat))


def detail_partenaire(request, pk):
    partenaire = selectors.partenaire_a_afficher(pk=pk, contrat=contrat_courant(utilisateur=request.user))
    return render(request, "partenaires/partenaire.html", {"partenaire": partenaire})


def detail_dispositif(request, code):
    dispositif = selectors.dispositif_a_afficher(code=code, contrat=contrat_courant(utilisateur=request.user))
    return render(request, "partenaires/dispositif.html", {"dispositif": dispositif})
