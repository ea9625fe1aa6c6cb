"""The pages of the appel à projets: campaigns, dossiers and their instruction. Each answers only
the methods it handles (fiches.perms.lecture, formulaire); writes go through dossiers.services."""

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.http import HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse

from fiches import tableurs
from fiches.annees import AnneeScolaire, annees_recentes
from fiches.perms import exige, formulaire, lecture
from partenaires.models import Structure

from . import exports, selectors, services
from .enums import EtatDossier
from .filters import FiltreDossiers
from .financements import financements_de_l_annee
from .forms import FormulaireCampagne, FormulaireDossier, FormulaireTransition
from .perms import (
    peut_gerer_les_campagnes,
    peut_rediger_un_dossier,
    peut_voir_les_campagnes,
    peut_voir_les_dossiers,
    peut_voir_les_financements,
)

DOSSIERS_PAR_PAGE = 25
GABARIT_FORMULAIRE = "actions/formulaire.html"


def _enregistrer(request, form, ecrire, message):
    """Validate the form and run the write; a refusal lands next to its fields, nothing saved."""
    if not form.is_valid():
        return None
    try:
        resultat = ecrire()
    except ValidationError as erreur:
        form.add_error(None, erreur)
        return None
    messages.success(request, message)
    return resultat


def _page_de_formulaire(request, *, titre, form, retour, bouton="Enregistrer", intro=""):
    return render(
        request,
        GABARIT_FORMULAIRE,
        {"titre": titre, "form": form, "retour": retour, "bouton": bouton, "intro": intro},
    )


def _structures_du_porteur(perimetre):
    return Structure.objects.filter(contrat=perimetre.contrat, pk__in=perimetre.structure_ids, active=True)


@lecture
@exige(peut_voir_les_campagnes)
def liste_campagnes(request):
    return render(
        request,
        "dossiers/campagnes.html",
        {"campagnes": selectors.liste_des_campagnes(perimetre=request.perimetre)},
    )


@lecture
@exige(peut_voir_les_campagnes)
def detail_campagne(request, pk):
    campagne = selectors.campagne_a_afficher(pk=pk, perimetre=request.perimetre)
    dossiers = selectors.dossiers_visibles(perimetre=request.perimetre).filter(campagne=campagne)
    return render(
        request,
        "dossiers/campagne.html",
        {"campagne": campagne, "etats": selectors.etats_des_dossiers(dossiers=dossiers)},
    )


@formulaire
@exige(peut_gerer_les_campagnes)
def nouvelle_campagne(request):
    contrat = request.perimetre.contrat
    form = FormulaireCampagne(request.POST or None, contrat=contrat)
    campagne = _enregistrer(
        request,
        form,
        lambda: services.campagne_enregistrer(contrat=contrat, donnees=form.donnees(), enveloppes=form.enveloppes()),
        "L’appel à projets est enregistré.",
    )
    if campagne:
        return redirect(campagne)
    return _page_de_formulaire(request, titre="Nouvel appel à projets", form=form, retour=reverse("dossiers:campagnes"))


@formulaire
@exige(peut_gerer_les_campagnes)
def modifier_campagne(request, pk):
    contrat = request.perimetre.contrat
    campagne = selectors.campagne_a_afficher(pk=pk, perimetre=request.perimetre)
    form = FormulaireCampagne(request.POST or None, instance=campagne, contrat=contrat)
    if _enregistrer(
        request,
        form,
        lambda: services.campagne_enregistrer(
            contrat=contrat, campagne=campagne, donnees=form.donnees(), enveloppes=form.enveloppes()
        ),
        "Modifications enregistrées.",
    ):
        return redirect(campagne)
    return _page_de_formulaire(request, titre=f"Modifier « {campagne} »", form=form, retour=campagne.get_absolute_url())


@lecture
@exige(peut_voir_les_dossiers)
def liste_dossiers(request):
    perimetre = request.perimetre
    visibles = selectors.dossiers_visibles(perimetre=perimetre)
    structures = (
        _structures_du_porteur(perimetre)
        if perimetre.porteur
        else Structure.objects.filter(contrat=perimetre.contrat)
        if perimetre.responsable
        else Structure.objects.filter(dossiers__in=visibles).distinct()
    )
    filtre = FiltreDossiers(
        request.GET,
        queryset=visibles,
        campagnes=selectors.campagnes_visibles(perimetre=perimetre),
        structures=structures,
    )
    page = Paginator(selectors.liste_des_dossiers(dossiers=filtre.qs, perimetre=perimetre), DOSSIERS_PAR_PAGE).get_page(
        request.GET.get("page")
    )
    parametres = request.GET.copy()
    parametres.pop("page", None)
    return render(
        request,
        "dossiers/liste.html",
        {"filtre": filtre, "page": page, "parametres": parametres.urlencode()},
    )


@formulaire
@exige(peut_rediger_un_dossier)
def nouveau_dossier(request, campagne):
    campagne = get_object_or_404(
        selectors.campagnes_visibles(perimetre=request.perimetre).select_related("contrat"), pk=campagne
    )
    form = FormulaireDossier(
        request.POST or None, campagne=campagne, structures=_structures_du_porteur(request.perimetre)
    )
    dossier = _enregistrer(
        request,
        form,
        lambda: services.dossier_enregistrer(
            campagne=campagne, donnees=form.donnees(), montants=form.montants(), auteur=request.user
        ),
        "Le brouillon est enregistré. Complétez-le si besoin, puis déposez-le depuis sa page.",
    )
    if dossier:
        return redirect(dossier)
    return _page_de_formulaire(
        request,
        titre=f"Nouveau dossier : {campagne}",
        form=form,
        retour=campagne.get_absolute_url(),
        bouton="Enregistrer le brouillon",
        intro="Un brouillon peut être incomplet : vous le compléterez plus tard. "
        "Le dépôt vérifie qu’il ne manque rien.",
    )


@formulaire
@exige(peut_rediger_un_dossier)
def modifier_dossier(request, pk):
    dossier = selectors.dossier_a_afficher(pk=pk, perimetre=request.perimetre)
    campagne = (
        selectors.campagnes_visibles(perimetre=request.perimetre).select_related("contrat").get(pk=dossier.campagne_id)
    )
    form = FormulaireDossier(
        request.POST or None,
        instance=dossier,
        campagne=campagne,
        structures=_structures_du_porteur(request.perimetre),
    )
    if _enregistrer(
        request,
        form,
        lambda: services.dossier_enregistrer(
            dossier=dossier, donnees=form.donnees(), montants=form.montants(), auteur=request.user
        ),
        "Brouillon enregistré.",
    ):
        return redirect(dossier)
    return _page_de_formulaire(
        request,
        titre=f"Modifier « {dossier} »",
        form=form,
        retour=dossier.get_absolute_url(),
        bouton="Enregistrer le brouillon",
    )


@formulaire
@exige(peut_voir_les_dossiers)
def detail_dossier(request, pk):
    """The dossier, its history, and a form with a button per transition the user may run."""
    perimetre = request.perimetre
    dossier = selectors.dossier_a_afficher(pk=pk, perimetre=perimetre)
    transitions = selectors.transitions_possibles(dossier=dossier, perimetre=perimetre)
    form = FormulaireTransition(request.POST or None, initial={"etat_vu": dossier.etat})
    if request.method == "POST" and form.is_valid():
        try:
            services.dossier_transitionner(
                dossier=dossier,
                nom=form.cleaned_data["transition"],
                perimetre=perimetre,
                auteur=request.user,
                commentaire=form.cleaned_data["commentaire"],
                etat_vu=form.cleaned_data["etat_vu"],
            )
        except ValidationError as erreur:
            form.add_error(None, erreur)
        else:
            libelle = dict(transitions).get(form.cleaned_data["transition"], "L’étape")
            messages.success(request, f"« {libelle} » : c’est enregistré.")
            return redirect(dossier)
    return render(
        request,
        "dossiers/detail.html",
        {
            "dossier": dossier,
            "transitions": transitions,
            "form": form,
            "manquants": dossier.elements_manquants() if dossier.etat == EtatDossier.BROUILLON else [],
            "historique": selectors.historique_du_dossier(dossier=dossier, perimetre=perimetre),
            "peut_modifier": peut_rediger_un_dossier(perimetre) and dossier.etat == EtatDossier.BROUILLON,
        },
    )


@lecture
@exige(peut_voir_les_financements)
def financements(request):
    """Funding at a glance for a school year: requested, granted, paid, broken down."""
    annee = AnneeScolaire.demandee(request.GET.get("annee"))
    return render(
        request,
        "dossiers/financements.html",
        {
            "financements": financements_de_l_annee(contrat=request.perimetre.contrat, annee=annee),
            "annees": annees_recentes(),
        },
    )


FORMATS_D_EXPORT = {
    "xlsx": (
        lambda financements: tableurs.en_classeur(exports.feuilles(financements)),
        "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    ),
    "csv": (lambda financements: tableurs.en_csv(exports.feuille_unique(financements)), "text/csv; charset=utf-8"),
}


@lecture
@exige(peut_voir_les_financements)
def exporter_financements(request, extension):
    """The tables of the funding page of the same school year."""
    annee = AnneeScolaire.demandee(request.GET.get("annee"))
    ecrire, type_mime = FORMATS_D_EXPORT[extension]
    reponse = HttpResponse(
        ecrire(financements_de_l_annee(contrat=request.perimetre.contrat, annee=annee)), content_type=type_mime
    )
    reponse["Content-Disposition"] = f'attachment; filename="financements-{annee.libelle}.{extension}"'
    return reponse
