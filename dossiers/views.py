"""The pages of the appel à projets: campaigns, dossiers and their instruction. Each answers only
the methods it handles (fiches.perms.lecture, formulaire); writes go through dossiers.services."""

from django.conf import settings
from django.contrib import messages
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.http import HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse

from actions.versions import ModificationConcurrente
from fiches import tableurs
from fiches.annees import AnneeScolaire, annees_recentes
from fiches.perms import exige, formulaire, lecture
from partenaires.models import Structure

from . import exports, selectors, services
from .bilans import montant
from .enums import EtatDossier
from .filters import FiltreDossiers
from .financements import financements_de_l_annee
from .forms import FormulaireBilan, FormulaireCampagne, FormulaireDossier, FormulaireTransition
from .perms import (
    peut_gerer_les_campagnes,
    peut_rediger_un_bilan,
    peut_rediger_un_dossier,
    peut_voir_les_bilans,
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
            "bilan_lisible": peut_voir_les_bilans(perimetre)
            and dossier.action_id
            and dossier.etat in selectors.BILAN_LISIBLE,
            "bilan_a_remplir": peut_rediger_un_bilan(perimetre) and dossier.etat == EtatDossier.EN_COURS,
        },
    )


def _bilan_et_chiffres(dossier, perimetre):
    bilan = selectors.bilan_du_dossier(dossier)
    return {
        "dossier": dossier,
        "bilan": bilan,
        "compte_rendu": selectors.compte_rendu_du_bilan(bilan=bilan),
        "chiffres": selectors.chiffres_du_bilan(action=dossier.action, perimetre=perimetre),
        "seuil": settings.SEUIL_PETITS_EFFECTIFS,
    }


@lecture
@exige(peut_voir_les_bilans)
def bilan(request, pk):
    """A dossier's bilan as the porteur wrote it, with the figures of its action, printable."""
    contexte = _bilan_et_chiffres(selectors.dossier_du_bilan(pk=pk, perimetre=request.perimetre), request.perimetre)
    compte_rendu = contexte["compte_rendu"]
    contexte["manquants"] = (
        contexte["bilan"].elements_manquants(compte_rendu) if contexte["dossier"].etat == EtatDossier.EN_COURS else []
    )
    contexte["peut_modifier"] = (
        peut_rediger_un_bilan(request.perimetre) and contexte["dossier"].etat == EtatDossier.EN_COURS
    )
    return render(request, "dossiers/bilan.html", contexte)


@formulaire
@exige(peut_rediger_un_bilan)
def modifier_bilan(request, pk):
    """The porteur's bilan form, while the dossier is en cours (also once returned)."""
    perimetre = request.perimetre
    dossier = selectors.dossier_du_bilan(pk=pk, perimetre=perimetre)
    if dossier.etat != EtatDossier.EN_COURS:
        messages.warning(request, f"Ce dossier est « {dossier.get_etat_display()} » : son bilan ne se modifie plus.")
        return redirect("dossiers:bilan", pk=dossier.pk)
    contexte = _bilan_et_chiffres(dossier, perimetre)
    form = FormulaireBilan(request.POST or None, instance=contexte["bilan"], compte_rendu=contexte["compte_rendu"])
    if request.method == "POST" and form.is_valid():
        try:
            services.bilan_enregistrer(
                dossier=dossier,
                donnees=form.donnees(),
                montants=form.montants(),
                perimetre=perimetre,
                version=form.cleaned_data["version"],
            )
        except ValidationError as erreur:
            form.add_error(None, erreur)
            if isinstance(erreur, ModificationConcurrente):
                _reprendre_la_version(form, erreur)
        else:
            messages.success(request, "Bilan enregistré. Déposez-le depuis la page du dossier quand il est complet.")
            return redirect("dossiers:bilan", pk=dossier.pk)
    return render(request, "dossiers/bilan_formulaire.html", contexte | {"form": form})


def _reprendre_la_version(form, refus):
    """The form shown again now stands for the version saved meanwhile, with what was saved
    there where the user changed nothing: sent again, it keeps the user's values only."""
    form.data = form.data.copy()
    form.data["version"] = refus.version
    for nom, valeur in refus.valeurs.items():
        if nom != "compte_rendu":
            form.data[nom] = valeur
            continue
        for ligne in form.compte_rendu.lignes:
            for colonne in ("prevu", "realise"):
                champ = f"{colonne}_{ligne.cle}"
                form.data[champ] = form.fields[champ].prepare_value(montant(valeur.get(ligne.cle, {}).get(colonne)))


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
