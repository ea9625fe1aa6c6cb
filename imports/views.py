"""The import pages: upload, preview, confirmation, history, templates. Thin: the reading and the
writing are the services'; who may import what, perms.py. The preview names children by their
code: never kept by a browser or a cache (never_cache), as the actions' pages."""

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_POST

from actions.selectors import actions_visibles
from fiches.perms import exige, formulaire, lecture

from . import modeles, selectors, services
from .enums import EtatImport, NatureImport
from .forms import FormulaireImport
from .perms import natures_permises, peut_importer

IMPORTS_PAR_PAGE = 25
# The rows a preview lists (errors, and rows created or changed); the counts say the rest.
LIGNES_MONTREES = 500


def _actions(request):
    """The actions offered: those the user may record, not archived, with their structure (named
    by a refusal)."""
    return (
        actions_visibles(perimetre=request.perimetre).non_archivees().select_related("porteur").order_by("titre", "pk")
    )


@formulaire
@never_cache
@exige(peut_importer)
def importer(request):
    natures = natures_permises(request.perimetre)
    initial = {"nature": request.GET.get("nature"), "action": request.GET.get("action")}
    form = FormulaireImport(
        request.POST or None, request.FILES or None, initial=initial, natures=natures, actions=_actions(request)
    )
    if form.is_valid():
        fichier = form.cleaned_data["fichier"]
        try:
            import_tableur, _ = services.import_previsualiser(
                contrat=request.perimetre.contrat,
                auteur=request.user,
                nature=form.cleaned_data["nature"],
                nom=fichier.name,
                contenu=fichier.read(),
                action=form.cleaned_data["action"],
                perimetre=request.perimetre,
            )
        except ValidationError as erreur:
            form.add_error(None, erreur)
        else:
            return redirect(import_tableur)
    return render(request, "imports/importer.html", {"form": form, "natures": natures})


def _import(request, pk):
    """An import of the user's scope, of a kind they may still import, about an action they
    still see (its preview names children): otherwise 403, or 404 as the action's pages."""
    import_tableur = selectors.import_a_afficher(pk=pk, perimetre=request.perimetre, utilisateur=request.user)
    if import_tableur.nature not in natures_permises(request.perimetre):
        raise PermissionDenied
    if (
        import_tableur.action_id
        and not actions_visibles(perimetre=request.perimetre).filter(pk=import_tableur.action_id).exists()
    ):
        raise Http404
    return import_tableur


def _apercu(request, import_tableur, refus=None):
    resultat = import_tableur.resultat
    return render(
        request,
        "imports/apercu.html",
        {
            "import": import_tableur,
            "erreurs": resultat.get("erreurs", [])[:LIGNES_MONTREES],
            "lignes": resultat.get("lignes", [])[:LIGNES_MONTREES],
            "limite": LIGNES_MONTREES,
            "refus": refus,
            "confirme": import_tableur.etat == EtatImport.CONFIRME,
        },
    )


@lecture
@never_cache
@exige(peut_importer)
def apercu(request, pk):
    return _apercu(request, _import(request, pk))


@require_POST
@exige(peut_importer)
def confirmer(request, pk):
    import_tableur = _import(request, pk)
    try:
        services.import_confirmer(import_tableur=import_tableur, auteur=request.user, perimetre=request.perimetre)
    except ValidationError as erreur:
        return _apercu(request, import_tableur, refus=erreur.messages)
    messages.success(
        request,
        f"Import enregistré : {import_tableur.nb_crees} ligne(s) créée(s), {import_tableur.nb_modifies} modifiée(s), "
        f"{import_tableur.nb_inchanges} inchangée(s).",
    )
    return redirect(import_tableur)


@require_POST
@exige(peut_importer)
def actualiser(request, pk):
    """The same file previewed again against the data as they are now, without uploading it again."""
    import_tableur = _import(request, pk)
    nouveau, _ = services.import_previsualiser(
        contrat=request.perimetre.contrat,
        auteur=request.user,
        nature=import_tableur.nature,
        nom=import_tableur.nom_du_fichier,
        contenu=selectors.contenu_du_fichier(import_tableur=import_tableur),
        action=import_tableur.action,
        perimetre=request.perimetre,
    )
    return redirect(nouveau)


@lecture
@exige(peut_importer)
def historique(request):
    page = Paginator(
        selectors.historique(perimetre=request.perimetre, utilisateur=request.user), IMPORTS_PAR_PAGE
    ).get_page(request.GET.get("page"))
    return render(request, "imports/historique.html", {"page": page})


@lecture
@exige(peut_importer)
def modele(request, nature):
    if nature not in NatureImport.values:
        raise Http404
    if nature not in natures_permises(request.perimetre):
        raise PermissionDenied
    valeurs = (
        selectors.valeurs_a_reimporter(contrat=request.perimetre.contrat) if nature == NatureImport.VALEURS else ()
    )
    reponse = HttpResponse(
        modeles.modele(NatureImport(nature), valeurs=valeurs),
        content_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    )
    reponse["Content-Disposition"] = f'attachment; filename="modele-import-{nature}.xlsx"'
    return reponse
