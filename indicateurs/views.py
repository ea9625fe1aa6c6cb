from django.conf import settings
from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import HttpResponse
from django.shortcuts import redirect, render

from comptes.perms import peut_piloter, peut_voir_le_tableau_du_contrat, peut_voir_les_tableaux
from fiches.annees import annees_recentes
from fiches.perms import exige, formulaire, lecture

from . import exports, selectors, services
from .calculs.figures import regle_de_masquage
from .forms import FormulaireCible, FormulaireValeurExterne, cibles_vues


def _rendre_tableau(request, quartier):
    annee = selectors.annee_demandee(request.GET.get("annee"))
    tableau = selectors.tableau_de_bord(perimetre=request.perimetre, annee=annee, quartier=quartier)
    return render(
        request,
        "indicateurs/tableau.html",
        {
            "tableau": tableau,
            "annees": annees_recentes(),
            "quartiers": selectors.quartiers_visibles(perimetre=request.perimetre),
            "requete": request.GET.urlencode(),
        },
    )


@lecture
@exige(peut_voir_les_tableaux)
def tableau_contrat(request):
    if not peut_voir_le_tableau_du_contrat(request.perimetre):
        # A partner granted some quartiers lands on the first of them.
        premier = selectors.quartiers_visibles(perimetre=request.perimetre).order_by("nom").first()
        return redirect(f"{premier.get_absolute_url()}?{request.GET.urlencode()}")
    return _rendre_tableau(request, None)


@lecture
@exige(peut_voir_les_tableaux)
def tableau_quartier(request, code):
    return _rendre_tableau(request, selectors.quartier_a_afficher(code=code, perimetre=request.perimetre))


FORMATS_D_EXPORT = {
    "csv": (exports.en_csv, "text/csv; charset=utf-8"),
    "xlsx": (exports.en_xlsx, "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"),
}


@lecture
@exige(peut_voir_les_tableaux)
def exporter(request, extension):
    """The figures of the page the export link was on: same school year, same quartier."""
    code = request.GET.get("quartier")
    if code:
        quartier = selectors.quartier_a_afficher(code=code, perimetre=request.perimetre)
    elif peut_voir_le_tableau_du_contrat(request.perimetre):
        quartier = None
    else:
        raise PermissionDenied("Choisissez un de vos quartiers (paramètre quartier).")
    annee = selectors.annee_demandee(request.GET.get("annee"))
    tableau = selectors.tableau_de_bord(perimetre=request.perimetre, annee=annee, quartier=quartier)
    ecrire, type_mime = FORMATS_D_EXPORT[extension]
    reponse = HttpResponse(ecrire(tableau), content_type=type_mime)
    reponse["Content-Disposition"] = (
        f'attachment; filename="indicateurs-{tableau.perimetre}-{tableau.annee.libelle}.{extension}"'
    )
    return reponse


@formulaire
@exige(peut_voir_les_tableaux)
def definition(request, code):
    indicateur = selectors.indicateur_a_afficher(code=code, perimetre=request.perimetre)
    pilote = peut_piloter(request.perimetre)
    form = None
    if pilote:
        form = FormulaireCible(request.POST or None, contrat=request.perimetre.contrat, cibles=indicateur.cibles.all())
    if request.method == "POST":
        if not pilote:
            raise PermissionDenied
        if form.is_valid():
            try:
                services.cible_fixer(indicateur=indicateur, contrat=request.perimetre.contrat, **form.cleaned_data)
            except ValidationError as erreur:
                form.add_error(None, erreur)
                # The targets as they are now, listed on the page and carried by the form: saved
                # again, it replaces the one the refusal named, knowingly.
                indicateur = selectors.indicateur_a_afficher(code=code, perimetre=request.perimetre)
                form.data = form.data.copy()
                form.data["vues"] = cibles_vues(indicateur.cibles.all())
            else:
                messages.success(request, "Cible enregistrée.")
                return redirect(indicateur)
    masquage = regle_de_masquage(indicateur.code, seuil=settings.SEUIL_PETITS_EFFECTIFS)
    return render(
        request, "indicateurs/definition.html", {"indicateur": indicateur, "form": form, "masquage": masquage}
    )


@formulaire
@exige(peut_piloter)
def valeurs_externes(request):
    contrat = request.perimetre.contrat
    form = FormulaireValeurExterne(request.POST or None, contrat=contrat)
    if form.is_valid():
        try:
            services.valeur_externe_enregistrer(contrat=contrat, donnees=form.cleaned_data)
        except ValidationError as erreur:
            form.add_error(None, erreur)
        else:
            messages.success(request, "Valeur enregistrée.")
            return redirect("indicateurs:valeurs")
    return render(
        request,
        "indicateurs/valeurs.html",
        {"valeurs": selectors.valeurs_externes(contrat=contrat), "form": form},
    )
