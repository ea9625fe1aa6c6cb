from django.contrib import messages
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.http import JsonResponse
from django.shortcuts import redirect, render, resolve_url
from django.utils import timezone
from django.views.decorators.http import require_POST

from comptes.perms import peut_saisir
from fiches.perms import exige

from . import selectors, services
from .filters import FiltreActions, FiltreEnfants
from .forms import (
    FormulaireAction,
    FormulaireFinancement,
    FormulaireInscription,
    FormulaireParticipant,
    FormulairePresences,
    FormulaireSeance,
    FormulaireSerieSeances,
)

ACTIONS_PAR_PAGE = 25
ENFANTS_PAR_PAGE = 50


def _perimetre(request):
    perimetre = request.perimetre
    return perimetre.contrat, selectors.structures_de_travail(perimetre=perimetre)


def _formulaire(request, *, titre, form, retour, bouton="Enregistrer", intro="", filtre=None):
    """A form page; `filtre`: a filter of the choices the form offers, shown above it."""
    return render(
        request,
        "actions/formulaire.html",
        {
            "titre": titre,
            "form": form,
            "retour": resolve_url(retour),
            "bouton": bouton,
            "intro": intro,
            "filtre": filtre,
        },
    )


def _traiter(request, form, ecrire, message):
    """Validate the form and run the write with its cleaned data. A refusal lands next to the
    fields it concerns and nothing is saved; success is announced. Returns what was written,
    or None."""
    if not form.is_valid():
        return None
    try:
        resultat = ecrire(form.cleaned_data)
    except ValidationError as erreur:
        form.add_error(None, erreur)
        return None
    messages.success(request, message(resultat) if callable(message) else message)
    return resultat


@exige(peut_saisir)
def liste_actions(request):
    contrat, structures = _perimetre(request)
    filtre = FiltreActions(
        request.GET,
        queryset=selectors.actions_visibles(perimetre=request.perimetre),
        contrat=contrat,
        structures=structures,
    )
    page = Paginator(selectors.liste_des_actions(actions=filtre.qs), ACTIONS_PAR_PAGE).get_page(request.GET.get("page"))
    parametres = request.GET.copy()
    parametres.pop("page", None)
    return render(request, "actions/liste.html", {"filtre": filtre, "page": page, "parametres": parametres.urlencode()})


@exige(peut_saisir)
def nouvelle_action(request):
    contrat, structures = _perimetre(request)
    form = FormulaireAction(request.POST or None, contrat=contrat, structures=structures)
    action = _traiter(
        request,
        form,
        lambda donnees: services.action_enregistrer(donnees=donnees, auteur=request.user),
        lambda action: f"L’action « {action} » est enregistrée.",
    )
    if action:
        return redirect(action)
    return _formulaire(request, titre="Nouvelle action", form=form, retour="actions:liste")


@exige(peut_saisir)
def detail_action(request, pk):
    action = selectors.action_a_afficher(pk=pk, perimetre=request.perimetre)
    seances = selectors.seances_de_l_action(action=action)
    enfants = selectors.assiduite_des_enfants(action=action)
    financements, totaux = selectors.financements_de_l_action(action=action)
    presences = sum(e.nb_presences for e in enfants)
    possibles = sum(e.nb_possibles for e in enfants)
    return render(
        request,
        "actions/detail.html",
        {
            "action": action,
            "seances": seances,
            "enfants": enfants,
            "taux_assiduite": presences / possibles if possibles else None,
            "parents": sum(s.parents_presents for s in seances),
            "aujourdhui": timezone.localdate(),
            "financements": financements,
            "totaux": totaux,
            "historique": selectors.historique_de_l_action(action=action),
        },
    )


@exige(peut_saisir)
def modifier_action(request, pk):
    contrat, structures = _perimetre(request)
    action = selectors.action_a_afficher(pk=pk, perimetre=request.perimetre)
    form = FormulaireAction(request.POST or None, instance=action, contrat=contrat, structures=structures)
    if _traiter(
        request,
        form,
        lambda donnees: services.action_enregistrer(action=action, donnees=donnees, auteur=request.user),
        "Modifications enregistrées.",
    ):
        return redirect(action)
    return _formulaire(request, titre=f"Modifier « {action} »", form=form, retour=action.get_absolute_url())


@exige(peut_saisir)
@require_POST
def archiver_action(request, pk):
    action = selectors.action_a_afficher(pk=pk, perimetre=request.perimetre)
    archivee = request.POST.get("archivee") == "1"
    services.action_archiver(action=action, archivee=archivee)
    messages.success(request, "L’action est archivée." if archivee else "L’action est de nouveau active.")
    return redirect(action)


@exige(peut_saisir)
def ajouter_financement(request, pk):
    contrat = request.perimetre.contrat
    action = selectors.action_a_afficher(pk=pk, perimetre=request.perimetre)
    form = FormulaireFinancement(request.POST or None, contrat=contrat)
    if _traiter(
        request,
        form,
        lambda donnees: services.financement_enregistrer(action=action, donnees=donnees),
        "Financement ajouté.",
    ):
        return redirect(action)
    return _formulaire(request, titre=f"Financement de « {action} »", form=form, retour=action.get_absolute_url())


def _financement(request, pk):
    return request.perimetre.contrat, selectors.financement_a_modifier(pk=pk, perimetre=request.perimetre)


@exige(peut_saisir)
def modifier_financement(request, pk):
    contrat, financement = _financement(request, pk)
    form = FormulaireFinancement(request.POST or None, instance=financement, contrat=contrat)
    if _traiter(
        request,
        form,
        lambda donnees: services.financement_enregistrer(
            action=financement.action, financement=financement, donnees=donnees
        ),
        "Financement modifié.",
    ):
        return redirect(financement.action)
    return _formulaire(
        request,
        titre=f"Financement de « {financement.action} »",
        form=form,
        retour=financement.action.get_absolute_url(),
    )


@exige(peut_saisir)
def supprimer_financement(request, pk):
    _, financement = _financement(request, pk)
    if request.method == "POST":
        services.financement_supprimer(financement=financement)
        messages.success(request, "Financement supprimé.")
        return redirect(financement.action)
    return render(request, "actions/supprimer_financement.html", {"financement": financement})


@exige(peut_saisir)
def ajouter_seance(request, pk):
    contrat = request.perimetre.contrat
    action = selectors.action_a_afficher(pk=pk, perimetre=request.perimetre)
    form = FormulaireSeance(request.POST or None, contrat=contrat)
    if _traiter(
        request,
        form,
        lambda donnees: services.seance_enregistrer(action=action, donnees=donnees),
        lambda seance: f"Séance du {seance.date:%d/%m/%Y} ajoutée.",
    ):
        return redirect(action)
    return _formulaire(request, titre=f"Nouvelle séance de « {action} »", form=form, retour=action.get_absolute_url())


@exige(peut_saisir)
def modifier_seance(request, pk):
    contrat = request.perimetre.contrat
    seance = selectors.seance_a_saisir(pk=pk, perimetre=request.perimetre)
    form = FormulaireSeance(request.POST or None, instance=seance, contrat=contrat)
    if _traiter(
        request,
        form,
        lambda donnees: services.seance_enregistrer(action=seance.action, seance=seance, donnees=donnees),
        "Séance modifiée.",
    ):
        return redirect(seance.action)
    return _formulaire(
        request, titre=f"Séance du {seance.date:%d/%m/%Y}", form=form, retour=seance.action.get_absolute_url()
    )


@exige(peut_saisir)
def serie_de_seances(request, pk):
    contrat = request.perimetre.contrat
    action = selectors.action_a_afficher(pk=pk, perimetre=request.perimetre)
    form = FormulaireSerieSeances(request.POST or None, contrat=contrat)
    if _traiter(
        request,
        form,
        lambda donnees: services.seances_creer_en_serie(action=action, auteur=request.user, **donnees),
        lambda seances: f"{len(seances)} séances ajoutées.",
    ):
        return redirect(action)
    return _formulaire(
        request,
        titre=f"Série de séances de « {action} »",
        form=form,
        retour=action.get_absolute_url(),
        bouton="Créer les séances",
        intro="Une séance chaque jour coché entre les deux dates ; une date qui a déjà sa séance est sautée.",
    )


@exige(peut_saisir)
def saisir_presences(request, pk):
    seance = selectors.seance_a_saisir(pk=pk, perimetre=request.perimetre)
    inscrits, presents = selectors.grille_de_presences(seance=seance)
    initial = {
        "presents": presents,
        "enfants_anonymes": seance.enfants_anonymes,
        "parents_presents": seance.parents_presents,
    }
    form = FormulairePresences(request.POST or None, initial=initial, inscrits=inscrits)
    if _traiter(
        request,
        form,
        lambda donnees: services.presences_enregistrer(seance=seance, **donnees),
        f"Présences du {seance.date:%d/%m/%Y} enregistrées.",
    ):
        return redirect(seance.action)
    # A refused grid shows the boxes as they were sent; a value that is not an id is dropped.
    coches = {int(v) for v in form["presents"].value() or [] if str(v).isdigit()} if form.is_bound else presents
    return render(
        request,
        "actions/presences.html",
        {
            "seance": seance,
            "inscrits": inscrits,
            "coches": coches,
            "form": form,
            "a_venir": seance.date > timezone.localdate(),
        },
    )


@exige(peut_saisir)
def inscrire_participants(request, pk):
    action = selectors.action_a_afficher(pk=pk, perimetre=request.perimetre)
    # The filters narrow the boxes shown; the form is sent to the same address, so that what is
    # ticked is checked against the same children.
    filtre = FiltreEnfants(
        request.GET, queryset=selectors.enfants_a_inscrire(action=action), contrat=request.perimetre.contrat
    )
    form = FormulaireInscription(request.POST or None, action=action, participants=filtre.qs)
    if (
        _traiter(
            request,
            form,
            lambda donnees: services.participants_inscrire(action=action, auteur=request.user, **donnees),
            lambda inscriptions: f"{len(inscriptions)} enfant(s) inscrit(s).",
        )
        is not None
    ):
        return redirect(action)
    return _formulaire(
        request,
        titre=f"Inscrire des enfants à « {action} »",
        form=form,
        retour=action.get_absolute_url(),
        bouton="Inscrire",
        intro=f"Les enfants suivis par {action.porteur} qui ne sont pas encore inscrits.",
        filtre=filtre,
    )


@exige(peut_saisir)
def liste_participants(request):
    contrat, structures = _perimetre(request)
    filtre = FiltreEnfants(
        request.GET, queryset=selectors.participants_des_structures(structures=structures), contrat=contrat
    )
    page = Paginator(filtre.qs, ENFANTS_PAR_PAGE).get_page(request.GET.get("page"))
    parametres = request.GET.copy()
    parametres.pop("page", None)
    return render(
        request, "actions/participants.html", {"filtre": filtre, "page": page, "parametres": parametres.urlencode()}
    )


@exige(peut_saisir)
def nouveau_participant(request):
    contrat, structures = _perimetre(request)
    form = FormulaireParticipant(request.POST or None, contrat=contrat, structures=structures)
    participant = _traiter(
        request,
        form,
        lambda donnees: services.participant_enregistrer(donnees=donnees),
        lambda participant: f"Enfant enregistré sous le code {participant.code}.",
    )
    if participant:
        return redirect(participant)
    return _formulaire(
        request,
        titre="Nouvel enfant",
        form=form,
        retour="actions:participants",
        intro="Aucun nom ni adresse : l’enfant est suivi sous un code généré.",
    )


@exige(peut_saisir)
def detail_participant(request, pk):
    _, structures = _perimetre(request)
    participant = selectors.participant_a_afficher(pk=pk, structures=structures)
    return render(request, "actions/participant.html", {"participant": participant})


@exige(peut_saisir)
def exporter_participant(request, pk):
    _, structures = _perimetre(request)
    participant = selectors.participant_a_afficher(pk=pk, structures=structures)
    reponse = JsonResponse(
        selectors.donnees_d_un_enfant(participant=participant), json_dumps_params={"ensure_ascii": False, "indent": 2}
    )
    reponse["Content-Disposition"] = f'attachment; filename="enfant-{participant.code}.json"'
    return reponse


@exige(peut_saisir)
def modifier_participant(request, pk):
    contrat, structures = _perimetre(request)
    participant = selectors.participant_a_afficher(pk=pk, structures=structures)
    form = FormulaireParticipant(request.POST or None, instance=participant, contrat=contrat, structures=structures)
    if _traiter(
        request,
        form,
        lambda donnees: services.participant_enregistrer(participant=participant, donnees=donnees),
        "Fiche de l’enfant modifiée.",
    ):
        return redirect(participant)
    return _formulaire(
        request, titre=f"Modifier l’enfant {participant.code}", form=form, retour=participant.get_absolute_url()
    )
