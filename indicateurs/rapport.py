"""The annual report (Rapport annuel) of a school year for the comité de pilotage, as a tagged
PDF: for the contract, one fiche or one quartier. Its figures are the dashboards' own
(selectors.tableaux_de_bord), masked for the reader as the dashboards are; its funding is the
funding page's (dossiers.financements), for those who may read that page.

Every read covers all the report's fiches at once: the number of queries depends neither on
the data nor on the number of fiches or indicators."""

from dataclasses import dataclass, field

from django.conf import settings
from django.contrib.staticfiles import finders
from django.db.models import Prefetch
from django.template.loader import render_to_string
from django.utils import timezone

from dossiers.financements import (
    lignes_de_l_annee,
    montants_par_action,
    montants_par_financeur,
    montants_par_quartier,
    total_des,
)
from dossiers.perms import peut_voir_les_financements
from fiches import clotures
from fiches.enums import Rubrique
from fiches.models import ParagrapheFiche

from . import selectors
from .calculs.figures import regle_de_masquage

# The report's print rules, read from the static files: no request, no network.
FEUILLE_DE_STYLE = "css/rapport.css"


@dataclass
class FinancementsDuRapport:
    """The funding lines of the report's actions: per financeur, and per action for a quartier
    (a quartier has some dozens of actions; the contract thousands: per quartier then)."""

    par_financeur: list
    total: object
    par_action: list = field(default_factory=list)
    par_quartier: list = field(default_factory=list)


@dataclass
class FicheDuRapport:
    tableau: object
    # The fiche's paragraphs « Objectifs et dynamiques ».
    objectifs: list

    @property
    def fiche(self):
        return self.tableau.fiche


@dataclass
class Rapport:
    contrat: object
    annee: object
    fiche: object
    quartier: object
    fiches: list
    # The year's closure (fiches.ClotureAnnee) if it is closed: its figures are final.
    cloture: object
    produit_le: object
    # None for a reader who may not see the contract's money (dossiers.perms).
    financements: FinancementsDuRapport | None
    masque: bool
    notes: dict

    @property
    def perimetre(self):
        """What the report covers, as its cover and title say it."""
        sujet = f"fiche {self.fiche.code}" if self.fiche else "toutes les fiches"
        lieu = f"quartier {self.quartier.nom}" if self.quartier else "tout le contrat"
        return f"{sujet}, {lieu}"

    @property
    def titre(self):
        return f"Rapport annuel {self.annee} – {self.contrat.nom} – {self.perimetre}"

    @property
    def nom_de_fichier(self):
        parties = ["rapport-annuel", self.annee.libelle]
        parties += [f"fiche-{self.fiche.code}"] if self.fiche else []
        parties += [self.quartier.code] if self.quartier else ["contrat"]
        return "-".join(parties) + ".pdf"

    @property
    def comparaison(self):
        return self.fiches[0].tableau.comparaison if self.fiches else None

    @property
    def definitions(self):
        """Per fiche, each of its indicators with how it is masked outside the officers."""
        seuil = settings.SEUIL_PETITS_EFFECTIFS
        return [
            (
                element.fiche,
                [
                    (ligne.indicateur, regle_de_masquage(ligne.indicateur.code, seuil=seuil))
                    for ligne in element.tableau.lignes
                ],
            )
            for element in self.fiches
        ]


def _financements(*, contrat, annee, fiche, quartier):
    lignes = lignes_de_l_annee(contrat=contrat, annee=annee)
    if fiche is not None:
        lignes = lignes.filter(action__realisation__fiche=fiche)
    if quartier is not None:
        lignes = lignes.filter(action__quartiers=quartier)
    par_financeur = montants_par_financeur(lignes)
    return FinancementsDuRapport(
        par_financeur=par_financeur,
        total=total_des(par_financeur),
        par_action=montants_par_action(lignes) if quartier is not None else [],
        par_quartier=montants_par_quartier(lignes) if quartier is None else [],
    )


def rapport_annuel(*, perimetre, annee, fiche=None, quartier=None, aujourdhui=None):
    """The report of the school year `annee` for the contract (all its fiches) or one fiche,
    in the whole contract or one quartier, as `perimetre`'s reader may read it."""
    contrat = perimetre.contrat
    fiches = selectors.fiches_du_contrat(contrat=contrat).prefetch_related(
        Prefetch("paragraphes", ParagrapheFiche.objects.filter(rubrique=Rubrique.OBJECTIFS), to_attr="objectifs"),
        "realisations_attendues",
        "effets_attendus",
    )
    fiches = list(fiches if fiche is None else fiches.filter(pk=fiche.pk))
    tableaux = selectors.tableaux_de_bord(
        perimetre=perimetre, annee=annee, fiches=fiches, quartier=quartier, aujourdhui=aujourdhui
    )
    return Rapport(
        contrat=contrat,
        annee=annee,
        fiche=fiche,
        quartier=quartier,
        fiches=[FicheDuRapport(tableau, tableau.fiche.objectifs) for tableau in tableaux],
        cloture=clotures.clotures(contrat=contrat, annees=[annee]).get(annee.annee_de_rentree),
        produit_le=timezone.localtime(),
        financements=_financements(contrat=contrat, annee=annee, fiche=fiche, quartier=quartier)
        if peut_voir_les_financements(perimetre)
        else None,
        masque=not perimetre.responsable,
        notes=selectors.notes_des_chiffres(perimetre=perimetre),
    )


def en_pdf(rapport):
    """The report as an accessible PDF (PDF/UA-1: tagged, titled, in French), on A4 pages, with
    the system's fonts only."""
    # WeasyPrint loads Pango and its fonts on import: only the report pays for it.
    from weasyprint import CSS, HTML

    html = render_to_string("indicateurs/rapport.html", {"rapport": rapport})
    feuille = CSS(filename=finders.find(FEUILLE_DE_STYLE))
    return HTML(string=html).write_pdf(stylesheets=[feuille], pdf_variant="pdf/ua-1")
