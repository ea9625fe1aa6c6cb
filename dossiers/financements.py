"""Funding at a glance: the funding lines of a school year, requested, granted and paid, in
total and per financeur, source, fiche and quartier, crédits spécifiques against droit commun,
the leverage ratio, and each campaign of the year's envelopes against what was asked and granted.

Which lines belong to a school year: the rule the closure of a year reads
(actions.services.annees_du_financement): a line of budget year N is of the school year in which
its action first runs on that budget, the one of max(start of the action, 1 January N). Written
as a filter, for the year starting on `debut` and ending on `fin`:
  N = rentrée + 1 and the action starts by `fin` (it runs on 1 January N, or starts after it), or
  N ≤ rentrée + 1 and the action starts within the year.
Lines of budget year rentrée + 2 or later belong to a later year.

Every read is one `values().annotate()` query; the number of queries does not grow with the data."""

from dataclasses import dataclass, field
from decimal import Decimal

from django.db.models import DecimalField, F, Q, Sum, Value
from django.db.models.functions import Coalesce

from actions.models import Financement
from fiches import clotures
from partenaires.enums import CategorieFinancement

from .enums import EtatDossier
from .models import Campagne, EnveloppeCampagne, LigneBudget

ZERO = Decimal("0")
MONTANTS = ("demande", "accorde", "verse")


def _somme(champ, **filtre):
    return Coalesce(Sum(champ, **filtre), Value(ZERO), output_field=DecimalField(max_digits=14, decimal_places=2))


SOMMES = {
    "demande": _somme("montant_demande"),
    "accorde": _somme("montant_accorde"),
    "verse": _somme("montant_verse"),
}
# A line without its own financeur is its source's (financement_enregistrer fills it so).
FINANCEUR = {
    "financeur_effectif": Coalesce(F("financeur_id"), F("source__financeur_id")),
    "nom": Coalesce(F("financeur__nom"), F("source__financeur__nom")),
}
NON_PRECISE = "Financeur non précisé"


def lignes_de_l_annee(*, contrat, annee):
    """The funding lines of the contract's actions that belong to the school year `annee`."""
    suivante = annee.annee_de_rentree + 1
    return Financement.objects.filter(action__porteur__contrat=contrat).filter(
        Q(annee=suivante, action__date_debut__lte=annee.fin)
        | Q(annee__lte=suivante, action__date_debut__range=(annee.debut, annee.fin))
    )


@dataclass
class Montants:
    libelle: str
    demande: Decimal = ZERO
    accorde: Decimal = ZERO
    verse: Decimal = ZERO
    cle: str = ""

    @classmethod
    def de(cls, ligne, libelle, cle="", **autres):
        return cls(libelle=libelle, cle=str(cle or ""), **{m: ligne[m] for m in MONTANTS}, **autres)


@dataclass
class MontantsAction(Montants):
    porteur: str = ""


@dataclass
class LigneCampagne:
    financeur: str
    enveloppe: Decimal = ZERO
    demande_dossiers: Decimal = ZERO
    accorde: Decimal = ZERO

    @property
    def reste(self):
        """What the envelope still holds once the granted amounts are taken from it."""
        return self.enveloppe - self.accorde


@dataclass
class Financements:
    annee: object
    cloture: object
    total: Montants
    par_categorie: list
    par_financeur: list
    par_source: list
    par_fiche: list
    par_quartier: list
    campagnes: list
    par_financeur_de_campagne: list = field(default_factory=list)

    def _accorde(self, categorie):
        return next((ligne.accorde for ligne in self.par_categorie if ligne.cle == categorie), ZERO)

    @property
    def credits_specifiques(self):
        return self._accorde(CategorieFinancement.POLITIQUE_VILLE)

    @property
    def droit_commun(self):
        return self._accorde(CategorieFinancement.DROIT_COMMUN)

    @property
    def effet_levier(self):
        """Euros granted in all to the actions for one euro of crédits spécifiques de la politique
        de la ville granted; None without any crédits spécifiques."""
        if not self.credits_specifiques:
            return None
        return (self.total.accorde / self.credits_specifiques).quantize(Decimal("0.01"))


def _ventiler(lignes, *cles):
    return lignes.values(*cles).annotate(**SOMMES).order_by(*cles)


def total_des(montants):
    """The sum of amounts that split the same lines (per category, per financeur)."""
    total = Montants("Total", cle="total")
    for ligne in montants:
        for montant in MONTANTS:
            setattr(total, montant, getattr(total, montant) + getattr(ligne, montant))
    return total


def montants_par_financeur(lignes):
    """The amounts of these funding lines per financeur, by name."""
    return [
        Montants.de(ligne, ligne["nom"] or NON_PRECISE, ligne["financeur_effectif"])
        for ligne in lignes.values(**FINANCEUR).annotate(**SOMMES).order_by("nom", "financeur_effectif")
    ]


def montants_par_quartier(lignes):
    """The amounts of these funding lines per quartier of their action, by name. The join repeats
    a line for each quartier of its action: an action in two quartiers counts in both, as the
    dashboards' breakdowns."""
    return [
        Montants.de(ligne, ligne["nom"] or "Sans quartier", ligne["code"])
        for ligne in lignes.values(code=F("action__quartiers__code"), nom=F("action__quartiers__nom"))
        .annotate(**SOMMES)
        .order_by("nom", "code")
    ]


def montants_par_action(lignes):
    """The amounts of these funding lines per action, with its porteur, by title."""
    return [
        MontantsAction.de(ligne, ligne["titre"], ligne["action_id"], porteur=ligne["porteur"])
        for ligne in lignes.values("action_id", titre=F("action__titre"), porteur=F("action__porteur__nom"))
        .annotate(**SOMMES)
        .order_by("titre", "action_id")
    ]


def financements_de_l_annee(*, contrat, annee):
    """Everything the page and its exports show, in eight queries whatever the data."""
    lignes = lignes_de_l_annee(contrat=contrat, annee=annee)
    libelles = dict(CategorieFinancement.choices)
    par_categorie = [
        Montants.de(
            ligne, libelles.get(ligne["source__categorie"], ligne["source__categorie"]), ligne["source__categorie"]
        )
        for ligne in _ventiler(lignes, "source__categorie")
    ]
    par_source = [
        Montants.de(ligne, ligne["source__libelle"], ligne["source_id"])
        for ligne in lignes.values("source__ordre", "source__libelle", "source_id")
        .annotate(**SOMMES)
        .order_by("source__ordre", "source__libelle")
    ]
    par_fiche = [
        Montants.de(ligne, f"{ligne['code']} – {ligne['titre']}", ligne["code"])
        for ligne in lignes.values(
            code=F("action__realisation__fiche__code"), titre=F("action__realisation__fiche__titre")
        )
        .annotate(**SOMMES)
        .order_by("code")
    ]
    return Financements(
        annee=annee,
        cloture=clotures.clotures(contrat=contrat, annees=[annee]).get(annee.annee_de_rentree),
        total=total_des(par_categorie),
        par_categorie=par_categorie,
        par_financeur=montants_par_financeur(lignes),
        par_source=par_source,
        par_fiche=par_fiche,
        par_quartier=montants_par_quartier(lignes),
        **_campagnes(contrat=contrat, annee=annee, lignes=lignes),
    )


def _campagnes(*, contrat, annee, lignes):
    """The year's campaigns, and per financeur: the envelopes announced, what the dossiers
    deposited ask (drafts are not requests yet), what the actions born of them were granted."""
    campagnes = list(Campagne.objects.filter(contrat=contrat, annee_scolaire=annee.annee_de_rentree))
    if not campagnes:
        return {"campagnes": [], "par_financeur_de_campagne": []}
    par_financeur = {}

    def ligne(financeur_id, nom):
        return par_financeur.setdefault(financeur_id, LigneCampagne(financeur=nom))

    for enveloppe in (
        EnveloppeCampagne.objects.filter(campagne__in=campagnes)
        .values("financeur_id", nom=F("financeur__nom"))
        .annotate(montant=Sum("montant"))
    ):
        ligne(enveloppe["financeur_id"], enveloppe["nom"]).enveloppe = enveloppe["montant"]
    for demande in (
        LigneBudget.objects.filter(dossier__campagne__in=campagnes)
        .exclude(dossier__etat=EtatDossier.BROUILLON)
        .values("financeur_id", nom=F("financeur__nom"))
        .annotate(montant=Sum("montant_demande"))
    ):
        ligne(demande["financeur_id"], demande["nom"]).demande_dossiers = demande["montant"]
    for accord in (
        lignes.filter(action__dossier__campagne__in=campagnes)
        .values(**FINANCEUR)
        .annotate(montant=Sum("montant_accorde"))
    ):
        ligne(accord["financeur_effectif"], accord["nom"] or NON_PRECISE).accorde = accord["montant"]
    return {
        "campagnes": campagnes,
        "par_financeur_de_campagne": sorted(par_financeur.values(), key=lambda ligne: ligne.financeur),
    }
