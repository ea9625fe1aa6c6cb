"""What the computed indicators read, for one dashboard: grouped queries over the actions and
over the summaries kept up to date on write (actions.resumes), for a school year and the one
before it, for the whole contract or one quartier, for the actions of one fiche or of several.

Each dataset is one query (conditional aggregation, one count per school year), grouped by
fiche, run the first time an indicator reads it and shared with every other indicator of the
dashboard, whatever the volume of records: the fiche's nine indicators cost nine queries on the
contract's dashboard, seven on a quartier's (no breakdown by quartier there), one more while the
school year is under way (the presences possible so far); the list of the contract's fiches
reads the same datasets once for all its fiches. Nothing is counted per indicator, per fiche,
per quartier or per row, and no record is looped over in Python, only the few hundred groups
the queries return; each calculation reads the groups of its own fiche (Lecture)."""

from functools import cached_property

from django.db.models import Count, Exists, F, OuterRef, Q, Sum
from django.utils import timezone

from actions.enums import StatutAction
from actions.models import Action, EffectifAnnuel, Seance, SeancesAnnuelles
from fiches.models import Quartier, RealisationAttendue

ANNEES = ("actuelle", "precedente")


def actions_du_perimetre(*, contrat, fiches, quartier=None):
    """Actions that count: those of these fiches of the contract (ids), cancelled ones excluded;
    for a quartier, those that concern it."""
    actions = Action.objects.filter(
        realisation__fiche__enjeu__axe__pilier__contrat=contrat, realisation__fiche__in=fiches
    ).exclude(statut=StatutAction.ANNULEE)
    if quartier is not None:
        concerne = Action.quartiers.through.objects.filter(action=OuterRef("pk"), quartier=quartier)
        actions = actions.filter(Exists(concerne))
    return actions


def _chevauche(annee):
    return Q(date_debut__lte=annee.fin, date_fin__gte=annee.debut)


def _de_l_annee(annee):
    return Q(annee_scolaire=annee.annee_de_rentree)


class Sources:
    """The datasets of one dashboard, or of the list of fiches, each computed once, when first
    read, for every fiche of `fiches` (ids) at once: each group carries its "fiche"."""

    def __init__(self, *, contrat, annee, fiches, quartier=None, aujourdhui=None, noms=None, tous_les_perimetres=False):
        self.contrat = contrat
        # What is the same for every perimeter (the names of what the breakdowns are by, the
        # profiles of every perimeter when masking): a dict shared by the passes of one page (a
        # quartier's and the contract's figures) is read once.
        self._noms = {} if noms is None else noms
        self.__dict__.update(self._noms)
        self.fiches = list(fiches)
        self.quartier = quartier
        # Masking decides for every page a reader can open at once: the children's profiles of
        # the contract and of every quartier are then read in the query of the page's own.
        self.tous_les_perimetres = tous_les_perimetres
        self.aujourdhui = aujourdhui or timezone.localdate()
        self.annees = {"actuelle": annee, "precedente": annee.precedente()}
        self._rentrees = [a.annee_de_rentree for a in self.annees.values()]
        self._actions = actions_du_perimetre(contrat=contrat, fiches=self.fiches, quartier=quartier)
        self._actions_des_deux_annees = self._actions.filter(
            _chevauche(self.annees["actuelle"]) | _chevauche(self.annees["precedente"])
        )
        self._effectifs = EffectifAnnuel.objects.filter(
            contrat=contrat, fiche__in=self.fiches, annee_scolaire__in=self._rentrees, nb_enfants__gt=0
        )
        self._de_la_fiche = {}

    def _par_annee(self, agregat, champ, condition, prefixe=""):
        """One aggregate per school year, e.g. Count("pk", filter=<year>) for both years."""
        return {f"{prefixe}{nom}": agregat(champ, filter=condition(annee)) for nom, annee in self.annees.items()}

    # --- Names of what the breakdowns are by ---------------------------------------------------

    def _partager(self, nom, valeur):
        self._noms[nom] = valeur
        return valeur

    @cached_property
    def noms_des_quartiers(self):
        """fiches.Quartier: {pk: (code, nom)} of the contract's quartiers."""
        noms = {pk: (code, nom) for pk, code, nom in self.contrat.quartiers.values_list("pk", "code", "nom")}
        return self._partager("noms_des_quartiers", noms)

    @cached_property
    def realisations(self):
        """fiches.RealisationAttendue: {pk: (fiche's code, ordre, code, short title)}."""
        realisations = {
            pk: (fiche, ordre, code, intitule)
            for pk, fiche, ordre, code, intitule in RealisationAttendue.objects.filter(
                fiche__enjeu__axe__pilier__contrat=self.contrat
            ).values_list("pk", "fiche__code", "ordre", "code", "intitule_court")
        }
        return self._partager("realisations", realisations)

    @cached_property
    def noms_des_structures(self):
        """partenaires.Structure: {pk: nom} of the contract's structures."""
        return self._partager("noms_des_structures", dict(self.contrat.structures.values_list("pk", "nom")))

    # --- Actions -------------------------------------------------------------------------------

    @cached_property
    def profils_d_actions(self):
        """actions.Action (and SeancesAnnuelles, for the parents): the actions of the two years
        grouped by everything a single-valued breakdown needs, so that the totals and those
        breakdowns are sums of its groups."""
        return list(
            self._actions_des_deux_annees.avec_caracteres_derives()
            # Grouped by ids (hashed) rather than by names (sorted), which come from their own datasets.
            .values("realisation", "porteur", "intervention_croisee", "implique_parents", fiche=F("realisation__fiche"))
            .annotate(**self._par_annee(Count, "pk", _chevauche))
            .order_by()
        )

    @cached_property
    def actions_par_thematique(self):
        """actions.Action and its themes: many-to-many, an action counts under each of its own."""
        cles = ["thematiques__ordre", "thematiques__code", "thematiques__libelle"]
        return list(
            self._actions_des_deux_annees.filter(thematiques__isnull=False)
            .values(*cles, fiche=F("realisation__fiche"))
            # An action has each of its themes once: a plain count, hashed, not a sorted distinct one.
            .annotate(**self._par_annee(Count, "pk", _chevauche))
            .order_by(*cles)
        )

    @cached_property
    def actions_par_quartier(self):
        """actions.Action and its quartiers: many-to-many, an action counts in each of its own."""
        return list(
            self._actions_des_deux_annees.filter(quartiers__isnull=False)
            .values("quartiers", fiche=F("realisation__fiche"))
            .annotate(**self._par_annee(Count, "pk", _chevauche))
            .order_by()
        )

    # --- Children ------------------------------------------------------------------------------
    # Counted from counters kept up to date by every write (actions.resumes.EffectifAnnuel), so
    # that totals and breakdowns are sums of a few hundred rows, with no deduplication of
    # presences at read time. Presences count in the school year of their session's date.

    def _profils(self, effectifs, *cles):
        return (
            effectifs.values("fiche", *cles, "sexe", "niveau_scolaire", "residence")
            .annotate(
                **self._par_annee(Sum, "nb_enfants", _de_l_annee),
                **self._par_annee(Sum, "nb_presences", _de_l_annee, prefixe="presences__"),
            )
            .order_by()
        )

    @cached_property
    def profils_d_enfants(self):
        """actions.EffectifAnnuel of the perimeter: children and their presences per year, by
        sex, school level and quartier of residence."""
        perimetre = self.quartier.pk if self.quartier else 0
        if self.tous_les_perimetres:
            return [groupe for groupe in self.profils_de_chaque_perimetre if groupe["perimetre"] == perimetre]
        return list(self._profils(self._effectifs.filter(perimetre=perimetre)))

    @cached_property
    def profils_de_chaque_perimetre(self):
        """The profiles of the contract (perimetre 0) and of every quartier (its pk), in one query
        shared by every perimeter of the page."""
        return self._partager("profils_de_chaque_perimetre", list(self._profils(self._effectifs, "perimetre")))

    @cached_property
    def enfants_par_quartier(self):
        """actions.EffectifAnnuel of every quartier: a child who came to two quartiers is in the
        counters of each."""
        if self.tous_les_perimetres:
            sommes = {}
            for groupe in self.profils_de_chaque_perimetre:
                if groupe["perimetre"]:
                    cle = (groupe["fiche"], groupe["perimetre"])
                    somme = sommes.setdefault(cle, dict(zip(("fiche", "perimetre"), cle, strict=True)))
                    for nom in ANNEES:
                        somme[nom] = somme.get(nom, 0) + (groupe[nom] or 0)
            return list(sommes.values())
        return list(
            self._effectifs.filter(perimetre__gt=0)
            .values("fiche", "perimetre")
            .annotate(**self._par_annee(Sum, "nb_enfants", _de_l_annee))
            .order_by()
        )

    def perimetres(self):
        """{quartier code, or None for the contract: the Sources of that perimeter}, every one of
        the contract's, for the same fiches, sharing the profiles already read: their children's
        figures cost no query."""
        # Quartiers as the datasets read them, by pk, without reading them again.
        quartiers = {None: None} | {
            code: Quartier(pk=pk, code=code, contrat=self.contrat) for pk, (code, _) in self.noms_des_quartiers.items()
        }
        partages = self._noms | {"profils_de_chaque_perimetre": self.profils_de_chaque_perimetre}
        return {
            code: Sources(
                contrat=self.contrat,
                annee=self.annees["actuelle"],
                fiches=self.fiches,
                quartier=quartier,
                aujourdhui=self.aujourdhui,
                noms=partages,
                tous_les_perimetres=True,
            )
            for code, quartier in quartiers.items()
        }

    # --- Sessions ------------------------------------------------------------------------------

    @cached_property
    def seances(self):
        """actions.SeancesAnnuelles: {fiche: {"anonymes" | "parents" | "possibles": {year: sum}}}.

        All the perimeter's actions, not only those of the two years: an action's dates can be
        changed after its sessions, which then fall outside them and still count."""
        groupes = (
            SeancesAnnuelles.objects.filter(action__in=self._actions, annee_scolaire__in=self._rentrees)
            .values(fiche=F("action__realisation__fiche"))
            .annotate(
                **self._par_annee(Sum, "enfants_anonymes", _de_l_annee, prefixe="anonymes__"),
                **self._par_annee(Sum, "parents_presents", _de_l_annee, prefixe="parents__"),
                **self._par_annee(Sum, "nb_inscrits", _de_l_annee, prefixe="possibles__"),
            )
            .order_by()
        )
        return {
            sommes["fiche"]: {
                somme: {nom: sommes[f"{somme}__{nom}"] or 0 for nom in ANNEES}
                for somme in ("anonymes", "parents", "possibles")
            }
            for sommes in groupes
        }

    @cached_property
    def presences_possibles(self):
        """{fiche: {year: presences possible so far}}: the children enrolled and consenting on the
        date of each session whose grid was saved, cancelled ones left out; a year under way
        reads actions.Seance up to today (the dashboard's day may be given) instead of its sums."""
        possibles = {fiche: {} for fiche in self.fiches}
        for nom, annee in self.annees.items():
            if annee.debut > self.aujourdhui:
                sommes = {}
            elif annee.fin >= self.aujourdhui:
                sommes = dict(
                    Seance.objects.filter(
                        action__in=self._actions,
                        date__range=(annee.debut, self.aujourdhui),
                        saisie_le__isnull=False,
                        annulee_le__isnull=True,
                    )
                    .values_list("action__realisation__fiche")
                    .annotate(n=Sum("nb_inscrits"))
                    .order_by()
                )
            else:
                sommes = {fiche: seances["possibles"][nom] for fiche, seances in self.seances.items()}
            for fiche, par_annee in possibles.items():
                par_annee[nom] = sommes.get(fiche) or 0
        return possibles

    def de_la_fiche(self, nom, fiche):
        """The dataset `nom` restricted to one fiche's groups, filtered once per fiche."""
        cle = (nom, fiche)
        if cle not in self._de_la_fiche:
            donnees = getattr(self, nom)
            if nom not in PAR_FICHE:
                self._de_la_fiche[cle] = donnees
            elif isinstance(donnees, dict):
                self._de_la_fiche[cle] = donnees.get(fiche) or VIDES[nom]
            else:
                self._de_la_fiche[cle] = [groupe for groupe in donnees if groupe["fiche"] == fiche]
        return self._de_la_fiche[cle]


DONNEES = frozenset(nom for nom, attribut in vars(Sources).items() if isinstance(attribut, cached_property))
# The datasets of records, grouped by fiche; the others name what the breakdowns are by.
PAR_FICHE = DONNEES - {"noms_des_quartiers", "realisations", "noms_des_structures"}
# What a fiche with no group reads in the datasets that map each fiche to its sums.
VIDES = {
    "seances": {somme: dict.fromkeys(ANNEES, 0) for somme in ("anonymes", "parents", "possibles")},
    "presences_possibles": dict.fromkeys(ANNEES, 0),
}


class Lecture:
    """The sources as one calculation of one fiche sees them: the perimeter (contrat, fiche,
    quartier, annees, aujourdhui) and only the datasets it declares, restricted to that fiche's
    groups. A declaration is what tells later work what attaching a calculation costs: reading
    an undeclared dataset fails at once, in the calculation's tests, rather than leaving the
    declaration to drift."""

    def __init__(self, sources, lit, fiche):
        self._sources = sources
        self._lit = frozenset(lit)
        self.fiche = fiche

    def __getattr__(self, nom):
        if nom.startswith("_") or (nom in DONNEES and nom not in self._lit):
            raise AttributeError(f"« {nom} » n’est pas déclaré dans ce que lit ce calcul ({sorted(self._lit)}).")
        if nom in DONNEES:
            return self._sources.de_la_fiche(nom, self.fiche)
        return getattr(self._sources, nom)
