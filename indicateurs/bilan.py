"""The public bilan of a closed school year that an administrator published: its pages, CSV and
PDF, read without a login. A public reader reads what a partner of the whole contract reads
(masked figures, no funding, no action, no child), never more: the same selectors, with that
scope.

A published year's figures are final (a closed year refuses every write that would change them,
and reopening it unpublishes it), so each page's data, and its rendered content, are computed
once and kept in the cache, under a key that carries the publication's date: a year reopened,
changed, closed and published again is read afresh, never from what the first publication
cached. The publication itself is read on every request (one query), so that a withdrawal
needs no cache to be emptied."""

from dataclasses import dataclass

from django.conf import settings
from django.core.cache import cache
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone
from django.utils.safestring import mark_safe
from django.utils.text import slugify

from comptes.enums import Role
from comptes.perimetre import Perimetre
from fiches.annees import AnneeScolaire
from fiches.models import ClotureAnnee, Quartier

from . import rapport, selectors

# Weeks: a published year does not change; the date of its publication in the key, not this
# duration, is what keeps a republished year from being served stale.
DUREE_EN_CACHE = 60 * 60 * 24 * 7


class BilanIntrouvable(Exception):
    """No published bilan at this address: a year never closed or published, reopened or
    withdrawn, another contract's quartier. The page says so in French (404)."""


def lecteur_public(contrat):
    """The scope the public pages are computed with: a partner of the whole contract, the
    widest reader whose figures are masked."""
    return Perimetre(contrat=contrat, role=Role.PARTENAIRE)


def bilans_publies():
    """The published years of every contract, for the index: one query."""
    return list(
        ClotureAnnee.objects.filter(cloturee=True, publiee=True)
        .select_related("contrat")
        .order_by("contrat__nom", "-annee_scolaire")
    )


def bilan_publie(*, code_contrat, libelle):
    """The publication of this contract's school year (`2024-2025`), read on every request: a
    withdrawal or a reopening takes the pages offline at once."""
    annee = AnneeScolaire.depuis_libelle(libelle)
    if annee is None:
        raise BilanIntrouvable
    cloture = (
        ClotureAnnee.objects.filter(
            contrat__code=code_contrat, annee_scolaire=annee.annee_de_rentree, cloturee=True, publiee=True
        )
        .select_related("contrat")
        .first()
    )
    if cloture is None:
        raise BilanIntrouvable
    return cloture


@dataclass(frozen=True)
class ClotureEnClair:
    """The closure as the public reads it: the year and its date, not the account that closed it."""

    libelle: str
    cloturee_le: object

    def en_clair(self):
        return f"L’année scolaire {self.libelle} est clôturée depuis le {timezone.localtime(self.cloturee_le):%d/%m/%Y}"


@dataclass
class PageDuBilan:
    rapport: object
    quartiers: list

    @property
    def quartier(self):
        return self.rapport.quartier

    @property
    def titre(self):
        lieu = self.quartier.nom if self.quartier else self.rapport.contrat.nom
        return f"Bilan {self.rapport.annee} – {lieu}"

    def tableau(self, code_fiche):
        """The dashboard of one fiche (for its CSV), None for a code not in the contract."""
        return next((e.tableau for e in self.rapport.fiches if e.fiche.code == code_fiche), None)


def _cle(cloture, quartier, quoi):
    publication = cloture.publiee_le.timestamp()
    # The threshold too: the shared cache outlives a restart that changes it.
    seuil = settings.SEUIL_PETITS_EFFECTIFS
    return f"bilan-public:{quoi}:{cloture.contrat_id}:{cloture.annee_scolaire}:{quartier or '-'}:{publication}:{seuil}"


def _calculer(cloture, code_quartier):
    contrat = cloture.contrat
    quartiers = list(Quartier.objects.filter(contrat=contrat).order_by("nom"))
    quartier = None
    if code_quartier is not None:
        quartier = next((q for q in quartiers if q.code == code_quartier), None)
        if quartier is None:
            raise BilanIntrouvable
    contenu = rapport.rapport_annuel(
        perimetre=lecteur_public(contrat), annee=AnneeScolaire(cloture.annee_scolaire), quartier=quartier
    )
    contenu.cloture = ClotureEnClair(cloture.libelle, cloture.cloturee_le)
    for element in contenu.fiches:
        element.tableau.cloture = contenu.cloture
        # The contract's page maps its quartiers, each linked to its public page. Rendered once
        # and cached, it draws the first indicator counted by quartier, with no choice to make.
        element.carte = None
        if quartier is None:
            element.carte = selectors.carte_des_quartiers(
                tableau=element.tableau,
                lien=lambda code: reverse("bilan:quartier", args=[contrat.code, cloture.libelle, code]),
                identifiant=f"carte-{slugify(element.fiche.code)}",
            )
    return PageDuBilan(contenu, quartiers)


def page_du_bilan(*, cloture, code_quartier=None):
    """The figures of the contract (code_quartier None) or of one of its quartiers for the
    published year `cloture`, as its annual report holds them: computed once, then read from
    the cache."""
    cle = _cle(cloture, code_quartier, "page")
    page = cache.get(cle)
    if page is None:
        page = _calculer(cloture, code_quartier)
        cache.set(cle, page, DUREE_EN_CACHE)
    return page


@dataclass(frozen=True)
class BilanRendu:
    titre: str
    html: str


def bilan_rendu(*, cloture, code_quartier=None):
    """The page's title and content, rendered once from page_du_bilan then read from the cache:
    the same for every reader (no form, nothing of the reader's), so rendering them again would
    only spend time."""
    cle = _cle(cloture, code_quartier, "html")
    rendu = cache.get(cle)
    if rendu is None:
        page = page_du_bilan(cloture=cloture, code_quartier=code_quartier)
        rendu = BilanRendu(page.titre, render_to_string("indicateurs/bilan/contenu.html", {"page": page}))
        cache.set(cle, rendu, DUREE_EN_CACHE)
    return BilanRendu(rendu.titre, mark_safe(rendu.html))  # noqa: S308 - rendered by our own template, escaped there


def pdf_du_bilan(*, cloture, code_quartier=None):
    """The annual report of the published year as a PDF, made once (seconds) then cached."""
    cle = _cle(cloture, code_quartier, "pdf")
    pdf = cache.get(cle)
    if pdf is None:
        pdf = rapport.en_pdf(page_du_bilan(cloture=cloture, code_quartier=code_quartier).rapport)
        cache.set(cle, pdf, DUREE_EN_CACHE)
    return pdf
