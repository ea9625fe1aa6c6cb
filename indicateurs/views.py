import re
from copy import copy
from functools import wraps

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_not_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone

from actions.versions import ModificationConcurrente
from comptes.perms import (
    peut_cloturer,
    peut_piloter,
    peut_publier,
    peut_voir_le_tableau_du_contrat,
    peut_voir_les_tableaux,
)
from dossiers.selectors import bilans_en_attente
from dossiers.services import annee_cloturer
from fiches import clotures
from fiches.annees import AnneeScolaire, annees_recentes
from fiches.perms import exige, formulaire, lecture
from fiches.services import annee_depublier, annee_publier

from . import bilan, exports, rapport, selectors, services
from .calculs.figures import regle_de_masquage
from .forms import FormulaireCible, FormulaireSuppression, FormulaireValeurExterne, cibles_vues
from .periodes import Comparaison


@lecture
@exige(peut_voir_les_tableaux)
def tableaux(request):
    """The contract's fiches, each with its key figures and a link to its dashboard."""
    annee = AnneeScolaire.demandee(request.GET.get("annee"))
    du_contrat = peut_voir_le_tableau_du_contrat(request.perimetre)
    cloture = clotures.cloture_de(contrat=request.perimetre.contrat, annee=annee)
    return render(
        request,
        "indicateurs/fiches.html",
        {
            "annee": annee,
            "annees": annees_recentes(),
            "fiches": selectors.chiffres_des_fiches(perimetre=request.perimetre, annee=annee),
            # The key figures are compared as the dashboards are: said beside them.
            "comparaison": Comparaison(annee, timezone.localdate()),
            "du_contrat": du_contrat,
            # The marks of the key figures, as on each fiche's contract dashboard.
            "notes": selectors.notes_des_chiffres(perimetre=request.perimetre) if du_contrat else {},
            # A partner granted some quartiers reads the dashboards of the first of them.
            "premier_quartier": None if du_contrat else selectors.premier_quartier(perimetre=request.perimetre),
            "cloture": cloture if cloture and cloture.cloturee else None,
            # A chef is offered to close a finished year that is not closed yet.
            "a_cloturer": peut_cloturer(request.perimetre)
            and not _raisons_de_ne_pas_cloturer(request.perimetre.contrat, annee, cloture),
            "peut_publier": peut_publier(request.perimetre),
        },
    )


def _raisons_de_ne_pas_cloturer(contrat, annee, cloture):
    """Why the year cannot close yet, bilans awaited included, as the closing service says it."""
    return clotures.raisons_de_ne_pas_cloturer(
        annee=annee,
        cloture=cloture,
        aujourdhui=timezone.localdate(),
        contrat=contrat,
        bilans_en_attente=bilans_en_attente,
    )


def _annee_close(perimetre, annee):
    """The closure of the school year shown, if it is closed: its figures are final."""
    return clotures.clotures(contrat=perimetre.contrat, annees=[annee]).get(annee.annee_de_rentree)


def _annee_cloturee(request, cloture, valeur):
    """Instead of a form that would be refused: the closure of the value's year."""
    return render(
        request,
        "fiches/annee_cloturee.html",
        {
            "titre": f"{valeur.indicateur.libelle}, {valeur.annee_scolaire}",
            "cloture": cloture,
            "objet": "ses valeurs externes ne peuvent plus être modifiées ni supprimées",
            "retour": reverse("indicateurs:valeurs"),
        },
    )


def _rendre_tableau(request, fiche, quartier):
    annee = AnneeScolaire.demandee(request.GET.get("annee"))
    tableau = selectors.tableau_de_bord(perimetre=request.perimetre, annee=annee, fiche=fiche, quartier=quartier)
    tableau.cloture = _annee_close(request.perimetre, annee)
    carte = None
    if quartier is None:
        carte = selectors.carte_des_quartiers(
            tableau=tableau,
            demande=request.GET.get("carte"),
            lien=lambda code: (
                f"{reverse('indicateurs:quartier', kwargs={'fiche': fiche.code, 'code': code})}?annee={annee}"
            ),
            gardes={"annee": annee.libelle},
        )
    return render(
        request,
        "indicateurs/tableau.html",
        {
            "tableau": tableau,
            "carte": carte,
            "annees": annees_recentes(),
            "quartiers": selectors.quartiers_visibles(perimetre=request.perimetre),
            "du_contrat": peut_voir_le_tableau_du_contrat(request.perimetre),
        },
    )


@lecture
@exige(peut_voir_les_tableaux)
def tableau_fiche(request, fiche):
    fiche = selectors.fiche_a_afficher(code=fiche, perimetre=request.perimetre)
    if not peut_voir_le_tableau_du_contrat(request.perimetre):
        # A partner granted some quartiers lands on the first of them, in the same fiche.
        premier = selectors.premier_quartier(perimetre=request.perimetre)
        adresse = reverse("indicateurs:quartier", kwargs={"fiche": fiche.code, "code": premier.code})
        return redirect(f"{adresse}?{request.GET.urlencode()}")
    return _rendre_tableau(request, fiche, None)


@lecture
@exige(peut_voir_les_tableaux)
def tableau_quartier(request, fiche, code):
    fiche = selectors.fiche_a_afficher(code=fiche, perimetre=request.perimetre)
    return _rendre_tableau(request, fiche, selectors.quartier_a_afficher(code=code, perimetre=request.perimetre))


FORMATS_D_EXPORT = {
    "csv": (exports.en_csv, "text/csv; charset=utf-8"),
    "xlsx": (exports.en_xlsx, "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"),
}


def _quartier_demande(request):
    """The quartier a download asks for (?quartier=), None for the whole contract; a partner
    granted some quartiers must name one of them, as their dashboards open on one."""
    code = request.GET.get("quartier")
    if code:
        return selectors.quartier_a_afficher(code=code, perimetre=request.perimetre)
    if peut_voir_le_tableau_du_contrat(request.perimetre):
        return None
    raise PermissionDenied("Choisissez un de vos quartiers (paramètre quartier).")


@lecture
@exige(peut_voir_les_tableaux)
def exporter(request, extension):
    """The figures of the page the export link was on: same fiche, school year and quartier."""
    fiche = selectors.fiche_a_afficher(code=request.GET.get("fiche", ""), perimetre=request.perimetre)
    quartier = _quartier_demande(request)
    annee = AnneeScolaire.demandee(request.GET.get("annee"))
    tableau = selectors.tableau_de_bord(
        perimetre=request.perimetre, annee=annee, fiche=fiche, quartier=quartier, colonne_du_contrat=False
    )
    tableau.cloture = _annee_close(request.perimetre, annee)
    ecrire, type_mime = FORMATS_D_EXPORT[extension]
    reponse = HttpResponse(ecrire(tableau), content_type=type_mime)
    reponse["Content-Disposition"] = (
        f'attachment; filename="indicateurs-{fiche.code}-{tableau.perimetre}-{tableau.annee.libelle}.{extension}"'
    )
    return reponse


@lecture
@exige(peut_voir_les_tableaux)
def rapport_annuel(request, annee):
    """The annual report of a school year as a PDF: the contract's (all its fiches), or a fiche's
    (?fiche=), in the whole contract or in a quartier (?quartier=), as the reader's dashboards show
    them; a partner granted some quartiers asks for one of them, as for the exports."""
    annee = AnneeScolaire.depuis_libelle(annee)
    if annee is None:
        raise Http404("Cette année scolaire n’existe pas.")
    code_fiche = request.GET.get("fiche")
    fiche = selectors.fiche_a_afficher(code=code_fiche, perimetre=request.perimetre) if code_fiche else None
    quartier = _quartier_demande(request)
    contenu = rapport.rapport_annuel(perimetre=request.perimetre, annee=annee, fiche=fiche, quartier=quartier)
    reponse = HttpResponse(rapport.en_pdf(contenu), content_type="application/pdf")
    reponse["Content-Disposition"] = f'attachment; filename="{contenu.nom_de_fichier}"'
    return reponse


@formulaire
@exige(peut_voir_les_tableaux)
def definition(request, fiche, code):
    indicateur = selectors.indicateur_a_afficher(fiche=fiche, code=code, perimetre=request.perimetre)
    pilote = peut_piloter(request.perimetre)
    form = None
    if pilote:
        form = FormulaireCible(
            request.POST or None,
            indicateur=indicateur,
            contrat=request.perimetre.contrat,
            cibles=indicateur.cibles.all(),
        )
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
                indicateur = selectors.indicateur_a_afficher(fiche=fiche, code=code, perimetre=request.perimetre)
                form.data = form.data.copy()
                form.data["vues"] = cibles_vues(indicateur.cibles.all())
            else:
                messages.success(request, "Cible enregistrée.")
                return redirect(indicateur)
    masquage = regle_de_masquage(indicateur.code, seuil=settings.SEUIL_PETITS_EFFECTIFS)
    return render(
        request,
        "indicateurs/definition.html",
        {
            "indicateur": indicateur,
            "form": form,
            "masquage": masquage,
            "clotures": clotures.clotures(contrat=request.perimetre.contrat, annees=annees_recentes()).values(),
        },
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
        {
            "valeurs": selectors.valeurs_externes(contrat=contrat),
            "form": form,
            "clotures": clotures.clotures(contrat=contrat, annees=annees_recentes()).values(),
        },
    )


def _valeur_externe(request, pk):
    """A value of the user's contract; another contract's is not found. None, with a message
    saying who deleted it, when it was deleted (by someone else while the page was open, most
    likely): the caller goes back to the list."""
    contrat = request.perimetre.contrat
    valeur = selectors.valeurs_externes(contrat=contrat).filter(pk=pk).first()
    if valeur is not None:
        return valeur
    suppression = selectors.suppression_de_valeur_externe(contrat=contrat, pk=pk)
    if suppression is None:
        raise Http404
    messages.warning(
        request, f"Cette valeur a été supprimée entre-temps{services.signature(suppression)} : rien n’a été enregistré."
    )
    return None


@formulaire
@exige(peut_piloter)
def modifier_valeur(request, pk):
    valeur = _valeur_externe(request, pk)
    if valeur is None:
        return redirect("indicateurs:valeurs")
    cloture = _annee_close(request.perimetre, AnneeScolaire.depuis_libelle(valeur.annee_scolaire))
    if cloture is not None:
        return _annee_cloturee(request, cloture, valeur)
    # The form fills a copy: the page keeps showing the value as saved, whatever was typed.
    form = FormulaireValeurExterne(request.POST or None, instance=copy(valeur), contrat=request.perimetre.contrat)
    if form.is_valid():
        donnees = dict(form.cleaned_data)
        version = donnees.pop("version")
        try:
            services.valeur_externe_modifier(valeur=valeur, donnees=donnees, version=version)
        except ValidationError as erreur:
            form.add_error(None, erreur)
            if isinstance(erreur, ModificationConcurrente):
                # Shown again with what was saved meanwhile where the user changed nothing, the
                # form now stands for that version: sent again, it keeps the user's values.
                form.data = form.data.copy()
                form.data["version"] = erreur.version
                for nom, saisie in erreur.valeurs.items():
                    champ = form.fields[nom]
                    envoye = champ.widget.format_value(champ.prepare_value(saisie))
                    form.data.setlist(nom, envoye if isinstance(envoye, list) else [envoye or ""])
        else:
            messages.success(request, "Valeur corrigée.")
            return redirect("indicateurs:valeurs")
    return render(request, "indicateurs/modifier_valeur.html", {"valeur": valeur, "form": form})


@formulaire
@exige(peut_piloter)
def supprimer_valeur(request, pk):
    valeur = _valeur_externe(request, pk)
    if valeur is None:
        return redirect("indicateurs:valeurs")
    cloture = _annee_close(request.perimetre, AnneeScolaire.depuis_libelle(valeur.annee_scolaire))
    if cloture is not None:
        return _annee_cloturee(request, cloture, valeur)
    erreurs = []
    if request.method == "POST":
        form = FormulaireSuppression(request.POST)
        if form.is_valid():
            try:
                services.valeur_externe_supprimer(valeur=valeur, version=form.cleaned_data["version"])
            except ValidationError as erreur:
                erreurs = erreur.messages
                # The page shows the value as it is now, and its version: confirmed again, it goes.
                valeur = _valeur_externe(request, pk)
                if valeur is None:
                    return redirect("indicateurs:valeurs")
            else:
                messages.success(request, "Valeur supprimée ; l’historique la garde.")
                return redirect("indicateurs:valeurs")
        else:
            erreurs = form.errors["version"]
    return render(request, "indicateurs/supprimer_valeur.html", {"valeur": valeur, "erreurs": erreurs})


@formulaire
@exige(peut_cloturer)
def cloturer_annee(request, annee):
    """The confirmation page of a closing: what it means, in plain words, then the button; or
    why the year cannot be closed yet."""
    annee = AnneeScolaire.depuis_libelle(annee)
    if annee is None:
        raise Http404("Cette année scolaire n’existe pas.")
    contrat = request.perimetre.contrat
    cloture = clotures.cloture_de(contrat=contrat, annee=annee)
    raisons = _raisons_de_ne_pas_cloturer(contrat, annee, cloture)
    if request.method == "POST" and not raisons:
        try:
            annee_cloturer(contrat=contrat, annee=annee, auteur=request.user)
        except ValidationError as refus:
            raisons = refus.messages
        else:
            messages.success(request, f"L’année scolaire {annee} est clôturée : ses chiffres sont définitifs.")
            return redirect(f"{reverse('indicateurs:tableau')}?annee={annee}")
    return render(request, "indicateurs/cloturer.html", {"annee": annee, "raisons": raisons})


@formulaire
@exige(peut_publier)
def publier_annee(request, annee):
    """The confirmation page of putting a closed year's public bilan online, or taking it
    offline: what it shows and to whom, then the button; or why it cannot be published."""
    annee = AnneeScolaire.depuis_libelle(annee)
    if annee is None:
        raise Http404("Cette année scolaire n’existe pas.")
    cloture = clotures.cloture_de(contrat=request.perimetre.contrat, annee=annee)
    refus = []
    if cloture is None or not cloture.cloturee:
        refus = [
            f"L’année scolaire {annee} n’est pas clôturée : seul le bilan d’une année clôturée, "
            "aux chiffres définitifs, peut être publié."
        ]
    elif request.method == "POST":
        ecrire, fait = {
            "publier": (annee_publier, f"Le bilan public de l’année {annee} est en ligne."),
            "retirer": (annee_depublier, f"Le bilan public de l’année {annee} est retiré."),
        }.get(request.POST.get("demande"), (None, None))
        if ecrire is None:
            refus = ["Choisissez de publier ou de retirer le bilan avec l’un des boutons de cette page."]
        else:
            try:
                ecrire(cloture=cloture, auteur=request.user)
            except ValidationError as erreur:
                refus = erreur.messages
                cloture.refresh_from_db()
            else:
                messages.success(request, fait)
                return redirect(f"{reverse('indicateurs:tableau')}?annee={annee}")
    return render(request, "indicateurs/publier.html", {"annee": annee, "cloture": cloture, "refus": refus})


# A quartier's code as the public addresses carry it (fiches.validators: QN + 6, QP + 6): any
# other text is not looked up, nor made into a cache key.
CODE_DE_QUARTIER = re.compile(r"[A-Z0-9]{8}")


def _bilan_public(vue):
    """A public page of a published year: no login; an address with no published bilan answers
    404 with a page that says so and leads to those that are."""

    @login_not_required
    @lecture
    @wraps(vue)
    def vue_publique(request, *args, **kwargs):
        try:
            return vue(request, *args, **kwargs)
        except bilan.BilanIntrouvable:
            return render(request, "indicateurs/bilan/introuvable.html", status=404)

    return vue_publique


def _publication(contrat, annee, code):
    """The publication of the year asked; a quartier's code is checked before it is looked up."""
    if code is not None and not CODE_DE_QUARTIER.fullmatch(code):
        raise bilan.BilanIntrouvable
    return bilan.bilan_publie(code_contrat=contrat, libelle=annee)


@login_not_required
@lecture
def bilans_publics(request):
    """The school years whose bilan each contract published."""
    return render(request, "indicateurs/bilan/index.html", {"bilans": bilan.bilans_publies()})


@_bilan_public
def bilan_contrat(request, contrat, annee):
    cloture = _publication(contrat, annee, None)
    return render(request, "indicateurs/bilan/page.html", {"bilan": bilan.bilan_rendu(cloture=cloture)})


@_bilan_public
def bilan_quartier(request, contrat, annee, code):
    cloture = _publication(contrat, annee, code)
    rendu = bilan.bilan_rendu(cloture=cloture, code_quartier=code)
    return render(request, "indicateurs/bilan/page.html", {"bilan": rendu})


@_bilan_public
def bilan_csv(request, contrat, annee, fiche):
    """The CSV of one fiche's figures in the contract or a quartier (?quartier=), as the
    logged-in export writes it, masked."""
    code = request.GET.get("quartier")
    page = bilan.page_du_bilan(cloture=_publication(contrat, annee, code), code_quartier=code)
    tableau = page.tableau(fiche)
    if tableau is None:
        raise bilan.BilanIntrouvable
    reponse = HttpResponse(exports.en_csv(tableau), content_type="text/csv; charset=utf-8")
    reponse["Content-Disposition"] = (
        f'attachment; filename="bilan-{fiche}-{tableau.perimetre}-{tableau.annee.libelle}.csv"'
    )
    return reponse


@_bilan_public
def bilan_pdf(request, contrat, annee):
    """The annual report of the contract or a quartier (?quartier=), masked, without funding."""
    code = request.GET.get("quartier")
    cloture = _publication(contrat, annee, code)
    page = bilan.page_du_bilan(cloture=cloture, code_quartier=code)
    reponse = HttpResponse(bilan.pdf_du_bilan(cloture=cloture, code_quartier=code), content_type="application/pdf")
    reponse["Content-Disposition"] = f'attachment; filename="bilan-{page.rapport.nom_de_fichier}"'
    return reponse
