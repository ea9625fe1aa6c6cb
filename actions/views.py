"""The pages of actions, sessions, funding and children. Each answers only the methods it
handles (fiches.perms.lecture, formulaire). The pages that show children (their record, their
export, their codes with attendance) are never kept by a browser or a cache (never_cache:
Cache-Control no-store), so that a shared computer does not show them to the next person."""

from django import forms
from django.conf import settings
from django.contrib import messages
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.http import Http404, HttpResponse, JsonResponse
from django.shortcuts import redirect, render, resolve_url
from django.template.defaultfilters import pluralize
from django.urls import reverse
from django.utils import timezone
from django.utils.formats import date_format
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_POST

from comptes.perms import peut_exporter_les_enfants, peut_faire_repondre, peut_saisir
from fiches import clotures, tableurs
from fiches.annees import AnneeScolaire
from fiches.perms import exige, formulaire, lecture

from . import exports, selectors, services
from .enums import EtatSeance, ModeDeReponse, MomentQuestionnaire
from .filters import FiltreActions, FiltreEnfants
from .forms import (
    FormulaireAction,
    FormulaireAnnulation,
    FormulaireFinancement,
    FormulaireGrilleQuestionnaire,
    FormulaireInscription,
    FormulaireParticipant,
    FormulairePresences,
    FormulairePresencesDuMois,
    FormulaireQuestionnaire,
    FormulaireRendreLaTablette,
    FormulaireSeance,
    FormulaireSerieSeances,
    mois_demande,
)
from .models import Action, Seance
from .versions import ModificationConcurrente

ACTIONS_PAR_PAGE = 25
ENFANTS_PAR_PAGE = 50


def _perimetre(request):
    perimetre = request.perimetre
    return perimetre.contrat, selectors.structures_de_travail(perimetre=perimetre)


def _formulaire(
    request,
    *,
    titre,
    form,
    retour,
    bouton="Enregistrer",
    intro="",
    gabarit="actions/formulaire.html",
    filtre=None,
    **contexte,
):
    """A form page; `filtre`: a filter of the choices the form offers, shown above it."""
    return render(
        request,
        gabarit,
        {
            "titre": titre,
            "form": form,
            "retour": resolve_url(retour),
            "bouton": bouton,
            "intro": intro,
            "filtre": filtre,
            **contexte,
        },
    )


def _traiter(request, form, ecrire, message):
    """Validate the form and run the write with its cleaned data. A refusal lands next to the
    fields it concerns and nothing is saved; success is announced (unless the next page says
    it all: message None). Returns what was written, or None."""
    if not form.is_valid():
        return None
    try:
        resultat = ecrire(form.cleaned_data)
    except ValidationError as erreur:
        form.add_error(None, erreur)
        if isinstance(erreur, ModificationConcurrente):
            # Shown again with what was saved meanwhile where the user changed nothing, the form
            # now stands for that version: sent again, it keeps the user's values, and only those.
            form.data = form.data.copy()
            form.data["version"] = erreur.version
            for nom, valeur in erreur.valeurs.items():
                form.data.setlist(nom, _comme_envoye(form.fields[nom], valeur))
        return None
    if message:
        messages.success(request, message(resultat) if callable(message) else message)
    return resultat


def _comme_envoye(champ, valeur):
    """A saved value as the field's widget posts it: a list of strings (none for an unticked box)."""
    if isinstance(champ.widget, forms.CheckboxInput):
        return ["on"] if valeur else []
    envoye = champ.widget.format_value(champ.prepare_value(valeur))
    if envoye is None:
        return []
    return [str(element) for element in envoye] if isinstance(envoye, list) else [str(envoye)]


def _clotures_de_l_action(request, action):
    """The closed school years the action runs over, for their banner « chiffres définitifs »."""
    annees = clotures.annees_entre(action.date_debut, action.date_fin)
    return [
        cloture
        for annee, cloture in sorted(clotures.clotures(contrat=request.perimetre.contrat, annees=annees).items())
    ]


def _action_fermee(request, action, fermees, *, titre, objet):
    """Instead of a form of the action, the closure, when every school year it runs over is
    closed (`fermees`: its closures): every change the form could make would be refused. None
    while one of its years is open."""
    if len(fermees) < len(clotures.annees_entre(action.date_debut, action.date_fin)):
        return None
    return _annee_cloturee(request, fermees[0], titre=titre, objet=objet, retour=action)


def _jour_ferme(request, jour, *, action, titre, objet):
    """Instead of a form of a day's records (a session, a month: each in one school year), the
    closure of its school year; None while it is open."""
    annee = AnneeScolaire.de_la_date(jour).annee_de_rentree
    cloture = clotures.clotures(contrat=request.perimetre.contrat, annees=[annee]).get(annee)
    if cloture is None:
        return None
    return _annee_cloturee(request, cloture, titre=titre, objet=objet, retour=action)


def _seance_fermee(request, seance, *, titre, objet):
    return _jour_ferme(request, seance.date, action=seance.action, titre=titre, objet=objet)


def _annee_cloturee(request, cloture, *, titre, objet, retour):
    """Instead of a form that the services would refuse: the closure, and who may reopen it."""
    return render(
        request,
        "fiches/annee_cloturee.html",
        {"titre": titre, "cloture": cloture, "objet": objet, "retour": resolve_url(retour)},
    )


def _avec_version(donnees):
    """The fields a form writes and, apart, the version of the record it was loaded at."""
    champs = dict(donnees)
    return {"version": champs.pop("version"), "donnees": champs}


def _filtre_des_actions(request):
    """The list's filters, as the list and its exports read them from the address."""
    contrat, structures = _perimetre(request)
    return FiltreActions(
        request.GET,
        queryset=selectors.actions_visibles(perimetre=request.perimetre),
        contrat=contrat,
        structures=structures,
    )


def _sans_page(request):
    parametres = request.GET.copy()
    parametres.pop("page", None)
    parametres.pop("format", None)
    return parametres.urlencode()


@lecture
@exige(peut_saisir)
def liste_actions(request):
    filtre = _filtre_des_actions(request)
    page = Paginator(selectors.liste_des_actions(actions=filtre.qs), ACTIONS_PAR_PAGE).get_page(request.GET.get("page"))
    return render(request, "actions/liste.html", {"filtre": filtre, "page": page, "parametres": _sans_page(request)})


TYPES_DE_FICHIER = {
    "xlsx": (tableurs.en_classeur, "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"),
    # A CSV file holds one table: the first of the export's.
    "csv": (lambda feuilles: tableurs.en_csv(feuilles[0]), "text/csv; charset=utf-8"),
}


def _fichier(request, feuilles, nom):
    """The tables as the file asked for by `format` (xlsx, or csv; anything else: xlsx)."""
    extension = request.GET.get("format")
    if extension not in TYPES_DE_FICHIER:
        extension = "xlsx"
    ecrire, type_mime = TYPES_DE_FICHIER[extension]
    reponse = HttpResponse(ecrire(feuilles), content_type=type_mime)
    reponse["Content-Disposition"] = f'attachment; filename="{nom}-{timezone.localdate():%Y-%m-%d}.{extension}"'
    return reponse


# What each export of the filtered list reads, and how it writes it.
LISTES = {
    "actions": (selectors.actions_a_exporter, exports.actions),
    "financements": (selectors.financements_a_exporter, exports.financements),
    "seances": (selectors.seances_a_exporter, exports.seances),
}


@lecture
@exige(peut_saisir)
def exporter_liste(request, liste):
    """The actions of the list as filtered (with their funding lines), their funding lines, or
    their sessions."""
    lire, ecrire = LISTES[liste]
    return _fichier(request, ecrire(lire(actions=_filtre_des_actions(request).qs)), liste)


@lecture
@exige(peut_saisir)
def exporter_seances_action(request, pk):
    action = selectors.action_a_exporter(pk=pk, perimetre=request.perimetre)
    seances = selectors.seances_a_exporter(actions=Action.objects.filter(pk=action.pk))
    return _fichier(request, exports.seances(seances), f"seances-action-{action.pk}")


@lecture
@never_cache
@exige(peut_saisir)
def exporter_presences(request, pk):
    """A month of attendance of an action (`mois=2025-11`, the current month by default)."""
    action = selectors.action_a_exporter(pk=pk, perimetre=request.perimetre)
    mois = exports.Mois.depuis(request.GET.get("mois"), timezone.localdate())
    grille = selectors.presences_du_mois(action=action, debut=mois.debut, fin=mois.fin)
    return _fichier(
        request, exports.presences_du_mois(action, mois, grille), f"presences-action-{action.pk}-{mois.parametre}"
    )


@formulaire
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


@lecture
@never_cache
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
            "parents": sum(s.parents_presents for s in seances if s.etat != EtatSeance.ANNULEE),
            "a_saisir": sum(1 for s in seances if s.etat == EtatSeance.A_SAISIR),
            "financements": financements,
            "totaux": totaux,
            "historique": selectors.historique_de_l_action(action=action),
            # The months to export the attendance of: those with a session.
            "mois": sorted({exports.Mois(s.date.year, s.date.month) for s in seances}),
            "clotures": _clotures_de_l_action(request, action),
        },
    )


@formulaire
@exige(peut_saisir)
def modifier_action(request, pk):
    contrat, structures = _perimetre(request)
    action = selectors.action_a_afficher(pk=pk, perimetre=request.perimetre)
    fermees = _clotures_de_l_action(request, action)
    # Only its title and description could still change: no reason to show a form of refusals.
    fermee = _action_fermee(
        request, action, fermees, titre=f"Modifier « {action} »", objet="cette action ne peut plus être modifiée"
    )
    if fermee:
        return fermee
    form = FormulaireAction(request.POST or None, instance=action, contrat=contrat, structures=structures)
    if _traiter(
        request,
        form,
        lambda donnees: services.action_enregistrer(action=action, auteur=request.user, **_avec_version(donnees)),
        "Modifications enregistrées.",
    ):
        return redirect(action)
    return _formulaire(
        request, titre=f"Modifier « {action} »", form=form, retour=action.get_absolute_url(), clotures=fermees
    )


@require_POST
@exige(peut_saisir)
def archiver_action(request, pk):
    action = selectors.action_a_afficher(pk=pk, perimetre=request.perimetre)
    archivee = request.POST.get("archivee") == "1"
    services.action_archiver(action=action, archivee=archivee)
    messages.success(request, "L’action est archivée." if archivee else "L’action est de nouveau active.")
    return redirect(action)


@formulaire
@exige(peut_saisir)
def annuler_action(request, pk):
    action = selectors.action_a_afficher(pk=pk, perimetre=request.perimetre)
    form = FormulaireAnnulation(request.POST or None)
    if _traiter(
        request,
        form,
        lambda donnees: services.action_annuler(action=action, motif=donnees["motif"]),
        "L’action est annulée : elle ne compte plus dans les tableaux de bord.",
    ):
        return redirect(action)
    return render(
        request,
        "actions/annuler.html",
        {"titre": f"Annuler l’action « {action} »", "objet": action, "form": form, "retour": action.get_absolute_url()},
    )


@formulaire
@exige(peut_saisir)
def supprimer_action(request, pk):
    action = selectors.action_a_afficher(pk=pk, perimetre=request.perimetre)
    notees = selectors.presences_notees(seances=action.seances.all())
    erreur = None
    if request.method == "POST":
        try:
            services.action_supprimer(action=action)
        except ValidationError as refus:
            erreur = refus.messages[0]
        else:
            messages.success(request, f"L’action « {action} » est supprimée.")
            return redirect("actions:liste")
    return render(request, "actions/supprimer_action.html", {"action": action, "notees": notees, "erreur": erreur})


@formulaire
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


def _financement_ferme(request, financement, titre):
    """Instead of a funding line's form, the closure of the school year it belongs to."""
    (annee,) = services.annees_du_financement(financement.action, financement.annee)
    cloture = clotures.clotures(contrat=request.perimetre.contrat, annees=[annee]).get(annee)
    if cloture is None:
        return None
    objet = "ses financements ne peuvent plus être modifiés ni supprimés"
    return _annee_cloturee(request, cloture, titre=titre, objet=objet, retour=financement.action)


@formulaire
@exige(peut_saisir)
def modifier_financement(request, pk):
    contrat, financement = _financement(request, pk)
    fermee = _financement_ferme(request, financement, f"Financement de « {financement.action} »")
    if fermee:
        return fermee
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


@formulaire
@exige(peut_saisir)
def supprimer_financement(request, pk):
    _, financement = _financement(request, pk)
    fermee = _financement_ferme(request, financement, f"Supprimer un financement de « {financement.action} »")
    if fermee:
        return fermee
    if request.method == "POST":
        try:
            services.financement_supprimer(financement=financement)
        except ValidationError as refus:
            messages.warning(request, refus.messages[0])
        else:
            messages.success(request, "Financement supprimé.")
        return redirect(financement.action)
    return render(request, "actions/supprimer_financement.html", {"financement": financement})


@formulaire
@exige(peut_saisir)
def ajouter_seance(request, pk):
    contrat = request.perimetre.contrat
    action = selectors.action_a_afficher(pk=pk, perimetre=request.perimetre)
    fermee = _action_fermee(
        request,
        action,
        _clotures_de_l_action(request, action),
        titre=f"Nouvelle séance de « {action} »",
        objet="aucune séance ne peut plus y être ajoutée",
    )
    if fermee:
        return fermee
    form = FormulaireSeance(request.POST or None, contrat=contrat)
    if _traiter(
        request,
        form,
        lambda donnees: services.seance_enregistrer(action=action, donnees=donnees),
        lambda seance: f"Séance du {seance.date:%d/%m/%Y} ajoutée.",
    ):
        return redirect(action)
    return _formulaire(request, titre=f"Nouvelle séance de « {action} »", form=form, retour=action.get_absolute_url())


@formulaire
@exige(peut_saisir)
def modifier_seance(request, pk):
    contrat = request.perimetre.contrat
    seance = selectors.seance_a_saisir(pk=pk, perimetre=request.perimetre)
    # The title names the session as it is stored, whatever the form is given.
    titre = f"Séance du {seance.date:%d/%m/%Y}"
    fermee = _seance_fermee(request, seance, titre=titre, objet="cette séance ne peut plus être modifiée")
    if fermee:
        return fermee
    form = FormulaireSeance(request.POST or None, instance=seance, contrat=contrat)
    if _traiter(
        request,
        form,
        lambda donnees: services.seance_enregistrer(action=seance.action, seance=seance, **_avec_version(donnees)),
        "Séance modifiée.",
    ):
        return redirect(seance.action)
    return _formulaire(
        request,
        titre=titre,
        form=form,
        retour=seance.action.get_absolute_url(),
        gabarit="actions/seance.html",
        seance=seance,
    )


def _sauts_de_la_serie(zone):
    sautes = "les jours fériés, " + (
        f"les vacances scolaires de la zone {zone}"
        if zone
        else "mais pas les vacances scolaires : la zone de vacances du contrat n’est pas renseignée (un "
        "administrateur la choisit dans l’administration, « Contrats de ville »)"
    )
    return (
        f"Une séance chaque jour coché entre les deux dates. Sont sautés : {sautes} ; et les dates où l’action a "
        "déjà une séance."
    )


@formulaire
@exige(peut_saisir)
def serie_de_seances(request, pk):
    contrat = request.perimetre.contrat
    action = selectors.action_a_afficher(pk=pk, perimetre=request.perimetre)
    fermee = _action_fermee(
        request,
        action,
        _clotures_de_l_action(request, action),
        titre=f"Série de séances de « {action} »",
        objet="aucune séance ne peut plus y être ajoutée",
    )
    if fermee:
        return fermee
    form = FormulaireSerieSeances(request.POST or None, contrat=contrat)
    # The dates skipped and why are a table: a page of their own says it all, not a message.
    serie = _traiter(
        request,
        form,
        lambda donnees: services.seances_creer_en_serie(action=action, auteur=request.user, **donnees),
        None,
    )
    if serie:
        return render(request, "actions/serie_creee.html", {"action": action, "serie": serie})
    return _formulaire(
        request,
        titre=f"Série de séances de « {action} »",
        form=form,
        retour=action.get_absolute_url(),
        bouton="Créer les séances",
        intro=_sauts_de_la_serie(contrat.zone_scolaire),
    )


@formulaire
@exige(peut_saisir)
def annuler_seance(request, pk):
    seance = selectors.seance_a_saisir(pk=pk, perimetre=request.perimetre)
    fermee = _seance_fermee(
        request,
        seance,
        titre=f"Annuler la séance du {seance.date:%d/%m/%Y}",
        objet="cette séance ne peut plus être annulée",
    )
    if fermee:
        return fermee
    form = FormulaireAnnulation(request.POST or None)
    if _traiter(
        request,
        form,
        lambda donnees: services.seance_annuler(seance=seance, motif=donnees["motif"]),
        f"La séance du {seance.date:%d/%m/%Y} est annulée : elle ne compte plus dans les tableaux de bord.",
    ):
        return redirect(seance.action)
    return render(
        request,
        "actions/annuler.html",
        {
            "titre": f"Annuler la séance du {seance.date:%d/%m/%Y}",
            "objet": seance,
            "notees": selectors.presences_notees(seances=Seance.objects.filter(pk=seance.pk)),
            "form": form,
            "retour": reverse("actions:modifier_seance", kwargs={"pk": seance.pk}),
        },
    )


@require_POST
@exige(peut_saisir)
def retablir_seance(request, pk):
    seance = selectors.seance_a_saisir(pk=pk, perimetre=request.perimetre)
    try:
        services.seance_retablir(seance=seance)
    except ValidationError as refus:
        messages.warning(request, refus.messages[0])
    else:
        messages.success(request, f"La séance du {seance.date:%d/%m/%Y} est rétablie.")
    return redirect(seance.action)


@formulaire
@exige(peut_saisir)
def supprimer_seance(request, pk):
    seance = selectors.seance_a_saisir(pk=pk, perimetre=request.perimetre)
    fermee = _seance_fermee(
        request,
        seance,
        titre=f"Supprimer la séance du {seance.date:%d/%m/%Y}",
        objet="cette séance ne peut plus être supprimée",
    )
    if fermee:
        return fermee
    notees = selectors.presences_notees(seances=Seance.objects.filter(pk=seance.pk))
    erreur = None
    if request.method == "POST":
        try:
            services.seance_supprimer(seance=seance)
        except ValidationError as refus:
            erreur = refus.messages[0]
        else:
            messages.success(request, f"La séance du {seance.date:%d/%m/%Y} est supprimée.")
            return redirect(seance.action)
    return render(request, "actions/supprimer_seance.html", {"seance": seance, "notees": notees, "erreur": erreur})


@formulaire
@never_cache
@exige(peut_saisir)
def saisir_presences(request, pk):
    seance = selectors.seance_a_saisir(pk=pk, perimetre=request.perimetre)
    fermee = _seance_fermee(
        request,
        seance,
        titre=f"Présences du {seance.date:%d/%m/%Y}",
        objet="les présences de cette séance ne peuvent plus être modifiées",
    )
    if fermee:
        return fermee
    inscrits, presents = selectors.grille_de_presences(seance=seance)
    initial = {
        "presents": presents,
        "enfants_anonymes": seance.enfants_anonymes,
        "parents_presents": seance.parents_presents,
        # The children the grid shows ticked: a child present but no longer enrolled is not
        # shown, and so never unticked by this grid.
        "presents_au_chargement": presents & {p.pk for p in inscrits},
        "version": seance.version,
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
        {"seance": seance, "inscrits": inscrits, "coches": coches, "form": form},
    )


@formulaire
@never_cache
@exige(peut_saisir)
def presences_du_mois(request, pk):
    action = selectors.action_a_pointer(pk=pk, perimetre=request.perimetre)
    mois = selectors.mois_a_montrer(
        action=action, mois=mois_demande(request.GET.get("mois")), aujourdhui=timezone.localdate()
    )
    fermee = _jour_ferme(
        request,
        mois,
        action=action,
        titre=f"Présences de {date_format(mois, 'F Y')} – {action}",
        objet="les présences de ce mois ne peuvent plus être modifiées",
    )
    if fermee:
        return fermee
    grille = selectors.grille_du_mois(action=action, mois=mois)
    form = FormulairePresencesDuMois(request.POST or None, grille=grille)
    if form.is_valid():
        if not form.grilles:
            messages.info(request, "Aucune case ni aucun effectif changé : rien à enregistrer.")
            return redirect(request.get_full_path())
        if _traiter(
            request,
            form,
            lambda donnees: services.presences_du_mois_enregistrer(action=action, grilles=form.grilles),
            lambda nombre: f"Présences de {nombre} séance{'s' if nombre > 1 else ''} enregistrées.",
        ):
            return redirect(request.get_full_path())
        # Refused by the service: sent again, the grid stands for the sessions as saved now and
        # keeps the user's values, knowingly.
        form.data = form.data.copy()
        for seance in grille.seances_a_saisir():
            form.data[f"version-{seance.pk}"] = seance.version
    coches = set(form["presences"].value() or [])
    return render(
        request,
        "actions/presences_du_mois.html",
        {"action": action, "grille": grille, "form": form, "coches": coches},
    )


@formulaire
@never_cache
@exige(peut_saisir)
def inscrire_participants(request, pk):
    action = selectors.action_a_afficher(pk=pk, perimetre=request.perimetre)
    fermee = _action_fermee(
        request,
        action,
        _clotures_de_l_action(request, action),
        titre=f"Inscrire des enfants à « {action} »",
        objet="aucun enfant ne peut plus y être inscrit",
    )
    if fermee:
        return fermee
    # The filters narrow the boxes shown; the form is sent to the same address, so that what is
    # ticked is checked against the same children.
    filtre = FiltreEnfants(
        request.GET,
        queryset=selectors.enfants_a_inscrire(action=action, perimetre=request.perimetre),
        contrat=request.perimetre.contrat,
    )
    form = FormulaireInscription(
        request.POST or None,
        action=action,
        participants=selectors.participants_visibles(perimetre=request.perimetre),
        offerts=filtre.qs,
    )

    def annoncer(inscriptions):
        nouveaux = {inscription.participant_id for inscription in inscriptions}
        deja = sorted(p.code for p in form.cleaned_data["participants"] if p.pk not in nouveaux)
        message = [f"{len(inscriptions)} enfant(s) inscrit(s)."] if inscriptions else []
        if deja:
            message.append(f"Déjà inscrit(s) à cette action : {', '.join(deja)}.")
        return " ".join(message)

    if (
        _traiter(
            request,
            form,
            lambda donnees: services.participants_inscrire(action=action, auteur=request.user, **donnees),
            annoncer,
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


def _filtre_des_enfants(request):
    """The filters of the list of children, as the list and its export read them."""
    return FiltreEnfants(
        request.GET,
        queryset=selectors.liste_des_participants(perimetre=request.perimetre),
        contrat=request.perimetre.contrat,
    )


@lecture
@never_cache
@exige(peut_saisir)
def liste_participants(request):
    filtre = _filtre_des_enfants(request)
    page = Paginator(filtre.qs, ENFANTS_PAR_PAGE).get_page(request.GET.get("page"))
    return render(
        request,
        "actions/participants.html",
        {
            "filtre": filtre,
            "page": page,
            "parametres": _sans_page(request),
            "exportable": peut_exporter_les_enfants(request.perimetre),
        },
    )


@lecture
@never_cache
@exige(peut_exporter_les_enfants)
def exporter_participants(request):
    """The children of the list as filtered, under their codes: officers only."""
    return _fichier(request, exports.enfants(_filtre_des_enfants(request).qs), "enfants")


@formulaire
@never_cache
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


@lecture
@never_cache
@exige(peut_saisir)
def detail_participant(request, pk):
    participant = selectors.participant_a_afficher(pk=pk, perimetre=request.perimetre)
    return render(request, "actions/participant.html", {"participant": participant})


@lecture
@never_cache
@exige(peut_saisir)
def exporter_participant(request, pk):
    participant = selectors.participant_a_afficher(pk=pk, perimetre=request.perimetre)
    reponse = JsonResponse(
        selectors.donnees_d_un_enfant(participant=participant, perimetre=request.perimetre),
        json_dumps_params={"ensure_ascii": False, "indent": 2},
    )
    reponse["Content-Disposition"] = f'attachment; filename="enfant-{participant.code}.json"'
    return reponse


@formulaire
@never_cache
@exige(peut_saisir)
def modifier_participant(request, pk):
    contrat, structures = _perimetre(request)
    participant = selectors.participant_a_afficher(pk=pk, perimetre=request.perimetre)
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


# --- The « envie d’école » questionnaire (effet attendu E2) ----------------------------------------


def _moment(moment):
    if moment not in MomentQuestionnaire.values:
        raise Http404("Moment inconnu.")
    return MomentQuestionnaire(moment)


@lecture
@never_cache
@exige(peut_faire_repondre)
def questionnaires_de_l_action(request, pk):
    """Who answered at entry and exit, and where to answer: the grid, the sheets, the tablet."""
    action = selectors.action_au_questionnaire(pk=pk, perimetre=request.perimetre)
    enfants = selectors.enfants_au_questionnaire(action=action, moment=MomentQuestionnaire.ENTREE)
    evolution = selectors.evolution_de_l_action(action=action, seuil=settings.SEUIL_PETITS_EFFECTIFS)
    return render(
        request,
        "actions/questionnaires/action.html",
        {
            "action": action,
            "enfants": enfants,
            "moments": MomentQuestionnaire,
            "evolution": evolution,
            "seuil": settings.SEUIL_PETITS_EFFECTIFS,
        },
    )


@formulaire
@never_cache
@exige(peut_faire_repondre)
def grille_de_questionnaires(request, pk, moment):
    action = selectors.action_au_questionnaire(pk=pk, perimetre=request.perimetre)
    moment = _moment(moment)
    enfants = selectors.enfants_au_questionnaire(action=action, moment=moment)
    form = FormulaireGrilleQuestionnaire(
        request.POST or None, enfants=enfants, moment=moment, initial={"rempli_le": timezone.localdate()}
    )
    if form.is_valid():
        if not form.saisies:
            form.add_error(None, "Aucune réponse dans la grille : rien à enregistrer.")
        else:
            try:
                nombre = services.questionnaires_enregistrer(
                    action=action,
                    moment=moment,
                    rempli_le=form.cleaned_data["rempli_le"],
                    saisies=form.saisies,
                    auteur=request.user,
                )
            except ValidationError as erreur:
                codes = {str(enfant.participant.pk): enfant.participant.code for enfant in enfants}
                for champ, messages_du_champ in erreur.message_dict.items():
                    for message in messages_du_champ:
                        if champ in form.fields:
                            form.add_error(champ, message)
                        else:
                            form.add_error(None, f"{codes.get(champ.split('-')[-1], '')} : {message}")
            else:
                messages.success(
                    request,
                    f"{nombre} questionnaire{pluralize(nombre)} {moment.label.lower()} enregistré{pluralize(nombre)}.",
                )
                return redirect("actions:questionnaires", pk=action.pk)
    return render(request, "actions/questionnaires/grille.html", {"action": action, "moment": moment, "form": form})


@lecture
@never_cache
@exige(peut_faire_repondre)
def feuilles_de_questionnaire(request, pk, moment):
    """A sheet per child whose consent covers the questionnaire, to print: their code, never a name."""
    action = selectors.action_au_questionnaire(pk=pk, perimetre=request.perimetre)
    moment = _moment(moment)
    enfants = selectors.enfants_au_questionnaire(action=action, moment=moment)
    return render(
        request,
        "actions/questionnaires/feuilles.html",
        {"action": action, "moment": moment, "enfants": [e for e in enfants if e.couvert and e.forme]},
    )


@formulaire
@never_cache
@exige(peut_faire_repondre)
def questionnaire_sur_tablette(request, pk, moment, enfant):
    """One child's questionnaire, on a page with no way elsewhere: the animateur opens it from
    their session and hands the tablet over; the child sees their own questions only."""
    action = selectors.action_au_questionnaire(pk=pk, perimetre=request.perimetre)
    moment = _moment(moment)
    (ligne,) = selectors.enfants_au_questionnaire(action=action, moment=moment, participant=enfant)
    if not (ligne.couvert and ligne.forme):
        raise Http404("Cet enfant ne peut pas répondre au questionnaire.")
    rempli = ligne.rempli(moment)
    form = FormulaireQuestionnaire(
        request.POST or None,
        questionnaire=ligne.questionnaire,
        forme=ligne.forme,
        initial={"revision": rempli.revision if rempli else 0},
    )
    if form.is_valid():
        try:
            services.questionnaire_enregistrer(
                action=action,
                participant=ligne.participant,
                moment=moment,
                reponses=form.reponses(),
                rempli_le=timezone.localdate(),
                mode=ModeDeReponse.TABLETTE,
                auteur=request.user,
                revision_vue=form.cleaned_data["revision"],
            )
        except ValidationError as erreur:
            for champ, messages_du_champ in erreur.message_dict.items():
                for message in messages_du_champ:
                    form.add_error(champ if champ in form.fields else None, message)
        else:
            return redirect("actions:questionnaire_merci", pk=action.pk)
    return render(
        request,
        "actions/questionnaires/tablette.html",
        {"action": action, "moment": moment, "ligne": ligne, "form": form, "echelle": ligne.questionnaire.echelle},
    )


@formulaire
@never_cache
@exige(peut_faire_repondre)
def questionnaire_merci(request, pk):
    """After a child's answers: thanks, and the way back to the children's list behind the
    animateur's password, so that the child does not reach the other children's page."""
    action = selectors.action_au_questionnaire(pk=pk, perimetre=request.perimetre)
    form = FormulaireRendreLaTablette(request.POST or None, utilisateur=request.user)
    if form.is_valid():
        return redirect("actions:questionnaires", pk=action.pk)
    return render(request, "actions/questionnaires/merci.html", {"action": action, "form": form})
