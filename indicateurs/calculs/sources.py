"""What the computed indicators read, for one dashboard: grouped queries over the actions and
over the summaries kept up to date on write (actions.resumes), for a school year and the one
before it, for the whole contract or one quartier, for the actions of one fiche or of several.
While the year is under way, both years are cut at the same day of the school year
(indicateurs.periodes): actions begun by then, children come by then (actions.ArriveesDuJour),
sessions dated up to then (actions.SeancesDuJour); a finished year is read whole from the
yearly summaries.

Each dataset is one query (conditional aggregation, one count per school year), grouped by
fiche, run the first time an indicator reads it and shared with every other indicator of the
dashboard, whatever the volume of records: the fiche's indicators cost twelve queries on the
contract's dashboard, ten on a quartier's (no breakdown by quartier there), whether the year is
under way or not (effect E1's four: its organisations, one query over the actions, shared by a
quartier's page with the contract's column beside it; two flags in the actions' profiles; two
sums in the sessions' summaries; effect E2's three: one query over the questionnaires; the
children by éducation prioritaire: one query over the yearly attendance rows); the list of the
contract's fiches reads the same datasets once for all its fiches. Nothing is counted per
indicator, per fiche, per quartier or per row, and no record is looped over in Python, only the
few hundred (a few thousand, cut at a date) groups the queries return; each calculation reads
the groups of its own fiche (Lecture)."""

from functools import cached_property, wraps

from django.db.models import Avg, Count, Exists, F, OuterRef, Q, Sum
from django.db.models.functions import Coalesce
from django.utils import timezone

from actions.enums import MomentQuestionnaire, StatutAction
from actions.models import (
    Action,
    ArriveesDuJour,
    ArriveesDuJourDuPerimetre,
    EffectifAnnuel,
    FrequentationAnnuelle,
    QuestionnaireRempli,
    SeancesAnnuelles,
    SeancesDuJour,
    SeancesDuJourParAction,
)
from fiches.models import Quartier, RealisationAttendue

from .. import fraicheur
from ..periodes import Comparaison

ANNEES = ("actuelle", "precedente")
# What `seances` sums per fiche and year.
SOMMES_DES_SEANCES = ("anonymes", "parents", "possibles", "a_saisir", "presences", "tenues", "en_ecole")
# What `questionnaires` gives per fiche and year.
SOMMES_DES_QUESTIONNAIRES = ("enfants", "evolution", "hausse")


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


# Each condition takes a period (first day, last day) of indicateurs.periodes.Comparaison.


def _chevauche(periode):
    """Actions begun by the period's last day and not ended before its first."""
    return Q(date_debut__lte=periode[1], date_fin__gte=periode[0])


def _de_l_annee(periode):
    return Q(annee_scolaire=periode[0].year)


def _arrives(periode):
    return Q(annee_scolaire=periode[0].year, jour__lte=periode[1])


def _dans(periode):
    return Q(jour__range=periode)


def _sans_groupe_vide(groupes):
    """Groups with children in either year: cut at a date, a profile whose children all came
    later in both years sums to nothing, and is no line of a breakdown."""
    return [groupe for groupe in groupes if any(groupe[nom] for nom in ANNEES)]


def _requete(*, partagee=False):
    """A dataset its own query reads: computed once per Sources (a cached_property) and kept in
    the cache until a table the query read is written (indicateurs.fraicheur), so that a grid
    saved leaves the datasets of the actions as they were. `partagee`: shared with the other
    passes of the page (Sources._noms), read from them when one already has it."""

    def decorer(requete):
        nom = requete.__name__

        @wraps(requete)
        def lire(self):
            if partagee and nom in self._noms:
                return self._noms[nom]
            valeur = self._lire(nom, lambda: requete(self))
            return self._partager(nom, valeur) if partagee else valeur

        return cached_property(lire)

    return decorer


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
        self.comparaison = Comparaison(annee, self.aujourdhui)
        self.periodes = self.comparaison.periodes
        self._rentrees = [a.annee_de_rentree for a in self.annees.values()]
        self._actions = actions_du_perimetre(contrat=contrat, fiches=self.fiches, quartier=quartier)
        self._actions_des_deux_annees = self._actions.filter(
            _chevauche(self.periodes["actuelle"]) | _chevauche(self.periodes["precedente"])
        )
        # Cut at a date, the children are those arrived by then; whole years, the yearly counters.
        if self.comparaison.en_cours:
            self._effectifs = ArriveesDuJour.objects.filter(
                contrat=contrat,
                fiche__in=self.fiches,
                annee_scolaire__in=self._rentrees,
                jour__lte=self.periodes["actuelle"][1],
                nb_enfants__gt=0,
            )
            self._enfants_de = _arrives
        else:
            self._effectifs = EffectifAnnuel.objects.filter(
                contrat=contrat, fiche__in=self.fiches, annee_scolaire__in=self._rentrees, nb_enfants__gt=0
            )
            self._enfants_de = _de_l_annee
        self._de_la_fiche = {}

    def _lire(self, nom, requete):
        # What a dataset's query depends on, beside the day.
        quartier = self.quartier.pk if self.quartier else None
        cle = f"{nom}:{self.contrat.pk}:{self.annees['actuelle'].libelle}:{sorted(self.fiches)}:{quartier}"
        return fraicheur.en_cache(f"{cle}:{self.tous_les_perimetres}", requete, aujourdhui=self.aujourdhui)

    def _par_annee(self, agregat, champ, condition, prefixe=""):
        """One aggregate per school year, e.g. Count("pk", filter=<period>) for both years."""
        return {f"{prefixe}{nom}": agregat(champ, filter=condition(periode)) for nom, periode in self.periodes.items()}

    # --- Names of what the breakdowns are by ---------------------------------------------------

    def _partager(self, nom, valeur):
        self._noms[nom] = valeur
        return valeur

    @_requete(partagee=True)
    def noms_des_quartiers(self):
        """fiches.Quartier: {pk: (code, nom)} of the contract's quartiers."""
        return {pk: (code, nom) for pk, code, nom in self.contrat.quartiers.values_list("pk", "code", "nom")}

    @_requete(partagee=True)
    def realisations(self):
        """fiches.RealisationAttendue: {pk: (fiche's code, ordre, code, short title)}."""
        return {
            pk: (fiche, ordre, code, intitule)
            for pk, fiche, ordre, code, intitule in RealisationAttendue.objects.filter(
                fiche__enjeu__axe__pilier__contrat=self.contrat
            ).values_list("pk", "fiche__code", "ordre", "code", "intitule_court")
        }

    @_requete(partagee=True)
    def noms_des_structures(self):
        """partenaires.Structure: {pk: nom} of the contract's structures."""
        return dict(self.contrat.structures.values_list("pk", "nom"))

    # --- Actions -------------------------------------------------------------------------------

    @_requete()
    def profils_d_actions(self):
        """actions.Action (and its sessions, for the parents): the actions of the two years
        grouped by everything a single-valued breakdown needs, so that the totals and those
        breakdowns are sums of its groups; per year, those that involve the parents too
        ("parents__<year>")."""
        return list(
            self._actions_des_deux_annees.avec_caracteres_derives()
            .avec_coimplication()
            # Grouped by ids (hashed) rather than by names (sorted), which come from their own datasets.
            .values(
                "realisation",
                "porteur",
                "intervention_croisee",
                "concue_avec_ecole",
                "animee_avec_parents",
                fiche=F("realisation__fiche"),
            )
            .annotate(
                **self._par_annee(Count, "pk", _chevauche),
                **self._par_annee(
                    Count, "pk", lambda p: _chevauche(p) & self._avec_les_parents(p), prefixe="parents__"
                ),
            )
            .order_by()
        )

    def _avec_les_parents(self, periode):
        """An action for the parents, or one of whose sessions of the period counted parents
        (whole years from actions.SeancesAnnuelles; a year cut at a date from the days of its
        sessions up to then, actions.SeancesDuJourParAction, read once for every action from
        their index of the days with parents), cancelled sessions left out."""
        if self.comparaison.en_cours:
            jours = SeancesDuJourParAction.objects.filter(perimetre=0, parents_presents__gt=0, jour__range=periode)
            return Q(public_parents=True) | Q(pk__in=jours.values("action"))
        seances = SeancesAnnuelles.objects.filter(annee_scolaire=periode[0].year)
        return Q(public_parents=True) | Q(Exists(seances.filter(action=OuterRef("pk"), parents_presents__gt=0)))

    @_requete()
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

    @_requete()
    def actions_par_quartier(self):
        """actions.Action and its quartiers: many-to-many, an action counts in each of its own."""
        return list(
            self._actions_des_deux_annees.filter(quartiers__isnull=False)
            .values("quartiers", fiche=F("realisation__fiche"))
            .annotate(**self._par_annee(Count, "pk", _chevauche))
            .order_by()
        )

    @_requete(partagee=True)
    def organisations_par_quartier(self):
        """actions.Action and the organisations it involves: its structure porteuse, its
        partenaires associés and the établissements scolaires where it takes place, by quartier
        of the action (actions of no quartier left out). The contract's actions of the two years
        read once, their quartiers and two other many-to-many relations joined (as their themes
        by actions_par_thematique), grouped by fiche, quartier and these three: a group per
        combination the actions make, a few hundred, each saying whether actions of each year
        make it; the distinct organisations are counted from them. Every quartier's at once,
        whatever the perimeter, and shared by the passes of a page: a quartier's dashboard reads
        its own groups and the contract's column beside them in this one query."""
        actions = actions_du_perimetre(contrat=self.contrat, fiches=self.fiches).filter(
            _chevauche(self.periodes["actuelle"]) | _chevauche(self.periodes["precedente"]), quartiers__isnull=False
        )
        return list(
            actions.values("quartiers", "porteur", "partenaires", "etablissements", fiche=F("realisation__fiche"))
            .annotate(**self._par_annee(Count, "pk", _chevauche))
            .order_by()
        )

    @cached_property
    def organisations(self):
        """The groups of organisations_par_quartier of the perimeter: every one for the contract,
        those of its own quartier for a quartier (the same actions as its other datasets: those
        that concern it)."""
        if self.quartier is None:
            return self.organisations_par_quartier
        return [groupe for groupe in self.organisations_par_quartier if groupe["quartiers"] == self.quartier.pk]

    # --- Children ------------------------------------------------------------------------------
    # Counted from counters kept up to date by every write (actions.resumes.EffectifAnnuel, and
    # ArriveesDuJour for a year cut at a date), so that totals and breakdowns are sums of a few
    # hundred or thousand rows, with no deduplication of presences at read time. Presences count
    # in the school year of their session's date; a child, from the day of their first presence
    # at the fiche's actions.

    def _venus(self, periode):
        """The children's rows of a year: those come by its date, for a year under way."""
        if self.comparaison.en_cours:
            return Q(annee_scolaire=periode[0].year, premiere_presence__lte=periode[1])
        return _de_l_annee(periode)

    def _par_education_prioritaire(self, frequentations, *cles):
        """Children per fiche and year, by `cles` and the éducation prioritaire of their school
        (None: no school known), from actions.FrequentationAnnuelle, one row per child, year, fiche
        and perimeter: counted, never deduplicated. Each row keeps the classification of that
        year, so that a closed year's breakdown never changes (docs/architecture.md)."""
        return _sans_groupe_vide(
            frequentations.filter(contrat=self.contrat, fiche__in=self.fiches, annee_scolaire__in=self._rentrees)
            .values("fiche", *cles, "education_prioritaire")
            .annotate(**self._par_annee(Count, "pk", self._venus))
            .order_by()
        )

    @cached_property
    def enfants_par_education_prioritaire(self):
        """The perimeter's children by the éducation prioritaire of their school: see
        `_par_education_prioritaire`."""
        if self.tous_les_perimetres:
            perimetre = self.quartier.pk if self.quartier else 0
            return [g for g in self.education_prioritaire_de_chaque_perimetre if g["perimetre"] == perimetre]
        return self._lire(
            "enfants_par_education_prioritaire",
            lambda: self._par_education_prioritaire(FrequentationAnnuelle.objects.filter(quartier=self.quartier)),
        )

    @_requete(partagee=True)
    def education_prioritaire_de_chaque_perimetre(self):
        """The same, for the contract (perimetre 0) and every quartier (its pk), in one query
        shared by every perimeter of the page, as `profils_de_chaque_perimetre`."""
        return self._par_education_prioritaire(
            FrequentationAnnuelle.objects.annotate(perimetre=Coalesce("quartier", 0)), "perimetre"
        )

    def _profils(self, effectifs, *cles):
        """Children per fiche and year (cut at the date for a year under way), by `cles`, sex,
        school level of that year and quartier of residence; for whole years, their presences
        too (read by `presences`)."""
        presences = {}
        if not self.comparaison.en_cours:
            presences = self._par_annee(Sum, "nb_presences", _de_l_annee, prefixe="presences__")
        return _sans_groupe_vide(
            effectifs.values("fiche", *cles, "sexe", "niveau_scolaire", "residence")
            .annotate(**self._par_annee(Sum, "nb_enfants", self._enfants_de), **presences)
            .order_by()
        )

    @cached_property
    def profils_d_enfants(self):
        """actions.EffectifAnnuel (ArriveesDuJour up to the date, for a year under way) of the
        perimeter: see `_profils`."""
        perimetre = self.quartier.pk if self.quartier else 0
        if self.tous_les_perimetres:
            return [groupe for groupe in self.profils_de_chaque_perimetre if groupe["perimetre"] == perimetre]
        return self._lire("profils_d_enfants", lambda: self._profils(self._effectifs.filter(perimetre=perimetre)))

    @_requete(partagee=True)
    def profils_de_chaque_perimetre(self):
        """The profiles of the contract (perimetre 0) and of every quartier (its pk), in one query
        shared by every perimeter of the page."""
        return self._profils(self._effectifs, "perimetre")

    @cached_property
    def enfants_par_quartier(self):
        """actions.ArriveesDuJourDuPerimetre of every quartier, summed over the year (up to the
        date, for a year under way): a row per quartier and day of arrivals, the profiles
        already summed. A child who came to two quartiers is in the counters of each."""
        if self.tous_les_perimetres:
            sommes = {}
            for groupe in self.profils_de_chaque_perimetre:
                if groupe["perimetre"]:
                    cle = (groupe["fiche"], groupe["perimetre"])
                    somme = sommes.setdefault(cle, dict(zip(("fiche", "perimetre"), cle, strict=True)))
                    for nom in ANNEES:
                        somme[nom] = somme.get(nom, 0) + (groupe[nom] or 0)
            return list(sommes.values())
        arrivees = ArriveesDuJourDuPerimetre.objects.filter(
            contrat=self.contrat, fiche__in=self.fiches, annee_scolaire__in=self._rentrees, perimetre__gt=0
        )
        if self.comparaison.en_cours:
            arrivees = arrivees.filter(jour__lte=self.periodes["actuelle"][1])
        return self._lire(
            "enfants_par_quartier",
            lambda: _sans_groupe_vide(
                arrivees.values("fiche", "perimetre")
                .annotate(**self._par_annee(Sum, "nb_enfants", self._enfants_de))
                .order_by()
            ),
        )

    def perimetres(self):
        """{quartier code, or None for the contract: the Sources of that perimeter}, every one of
        the contract's, for the same fiches, sharing the profiles already read: their children's
        figures cost no query."""
        # Quartiers as the datasets read them, by pk, without reading them again.
        quartiers = {None: None} | {
            code: Quartier(pk=pk, code=code, contrat=self.contrat) for pk, (code, _) in self.noms_des_quartiers.items()
        }
        partages = self._noms | {
            "profils_de_chaque_perimetre": self.profils_de_chaque_perimetre,
            "education_prioritaire_de_chaque_perimetre": self.education_prioritaire_de_chaque_perimetre,
        }
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

    @_requete()
    def seances(self):
        """{fiche: {"anonymes" | "parents" | "possibles" | "a_saisir" | "presences" | "tenues" |
        "en_ecole": {year: sum}}}: the children counted at the door, the parents, the presences
        possible (the children enrolled and consenting on the date of each session whose grid was
        saved), the sessions à saisir (past, never saved), the sessions held and those held in a
        school (effect E1), cancelled sessions left out; cut at a date, the presences
        of enrolled children too ("presences", read by `presences`; 0 for whole years, read from
        the children's counters). Whole years from actions.SeancesAnnuelles, years cut at a date
        from actions.SeancesDuJour up to that date.

        All the perimeter's actions, not only those of the two years: an action's dates can be
        changed after its sessions, which then fall outside them and still count."""
        if self.comparaison.en_cours:
            groupes = self._seances_coupees()
        else:
            groupes = (
                SeancesAnnuelles.objects.filter(action__in=self._actions, annee_scolaire__in=self._rentrees)
                .values(fiche=F("action__realisation__fiche"))
                .annotate(
                    **self._par_annee(Sum, "enfants_anonymes", _de_l_annee, prefixe="anonymes__"),
                    **self._par_annee(Sum, "parents_presents", _de_l_annee, prefixe="parents__"),
                    **self._par_annee(Sum, "nb_inscrits", _de_l_annee, prefixe="possibles__"),
                    **self._par_annee(Sum, "seances_non_saisies", _de_l_annee, prefixe="a_saisir__"),
                    **self._par_annee(Sum, "nb_seances", _de_l_annee, prefixe="tenues__"),
                    **self._par_annee(Sum, "seances_en_ecole", _de_l_annee, prefixe="en_ecole__"),
                )
                .order_by()
            )
        par_fiche = {
            sommes["fiche"]: {
                somme: {nom: sommes.get(f"{somme}__{nom}") or 0 for nom in ANNEES} for somme in SOMMES_DES_SEANCES
            }
            for sommes in groupes
        }
        # A year to come has sessions to come, none à saisir.
        if self.annees["actuelle"].debut > self.aujourdhui:
            for sommes in par_fiche.values():
                sommes["a_saisir"]["actuelle"] = 0
        return par_fiche

    def _seances_coupees(self):
        """The sessions of each year up to its date, from their sums per day in the perimeter
        (actions.SeancesDuJour): a row per day of sessions, whatever their number."""
        return (
            SeancesDuJour.objects.filter(fiche__in=self.fiches, perimetre=self.quartier.pk if self.quartier else 0)
            .filter(_dans(self.periodes["actuelle"]) | _dans(self.periodes["precedente"]))
            .values("fiche")
            .annotate(
                **self._par_annee(Sum, "enfants_anonymes", _dans, prefixe="anonymes__"),
                **self._par_annee(Sum, "parents_presents", _dans, prefixe="parents__"),
                **self._par_annee(Sum, "nb_inscrits", _dans, prefixe="possibles__"),
                **self._par_annee(Sum, "nb_presents", _dans, prefixe="presences__"),
                **self._par_annee(Sum, "seances_non_saisies", _dans, prefixe="a_saisir__"),
                **self._par_annee(Sum, "nb_seances", _dans, prefixe="tenues__"),
                **self._par_annee(Sum, "seances_en_ecole", _dans, prefixe="en_ecole__"),
            )
            .order_by()
        )

    @cached_property
    def presences(self):
        """{fiche: {year: presences of enrolled children}}: cut at a date, summed with the
        sessions (`seances`); whole years, from the children's counters (`profils_d_enfants`).
        Either dataset is shared with the indicators that read it: no query of its own."""
        if self.comparaison.en_cours:
            return {fiche: sommes["presences"] for fiche, sommes in self.seances.items()}
        par_fiche = {}
        for groupe in self.profils_d_enfants:
            somme = par_fiche.setdefault(groupe["fiche"], dict.fromkeys(ANNEES, 0))
            for nom in ANNEES:
                somme[nom] += groupe[f"presences__{nom}"] or 0
        return par_fiche

    # --- The « envie d’école » questionnaire (effect E2) ----------------------------------------

    @_requete()
    def questionnaires(self):
        """{fiche: {"enfants" | "evolution" | "hausse": {year: value}}}: the children with both
        questionnaires (entry and exit) in an action of the perimeter, the mean change of their
        score, and how many rose. A pair counts in the school year of its entry; a year under
        way, and the previous one, count the exits filled by the same day. A child with pairs
        in several actions of the fiche in a year counts once, with the mean of their changes.

        One query: the pairs grouped per child (actions.QuestionnaireRempli, its exit rows carry
        the change), aggregated over the children, per fiche and year."""
        par_enfant = (
            self._sorties(self._actions)
            .values("participant", "annee_scolaire", fiche=F("action__realisation__fiche"))
            .annotate(evolution_enfant=Avg("evolution"))
            .order_by()
        )
        agregats = {}
        for fiche in self.fiches:
            for nom, rentree in zip(ANNEES, self._rentrees, strict=True):
                dans = Q(fiche=fiche, annee_scolaire=rentree)
                agregats[f"enfants__{fiche}__{nom}"] = Count("participant", filter=dans)
                agregats[f"evolution__{fiche}__{nom}"] = Avg("evolution_enfant", filter=dans)
                agregats[f"hausse__{fiche}__{nom}"] = Count("participant", filter=dans & Q(evolution_enfant__gt=0))
        valeurs = par_enfant.aggregate(**agregats)
        return {
            fiche: {
                somme: {nom: valeurs[f"{somme}__{fiche}__{nom}"] for nom in ANNEES}
                for somme in SOMMES_DES_QUESTIONNAIRES
            }
            for fiche in self.fiches
        }

    def _sorties(self, actions):
        """The exit questionnaires of these actions that close a pair counted in the two years:
        each exit row carries its pair's change."""
        cut = Q()
        if self.comparaison.en_cours:
            cut = Q(rempli_le__lte=self.periodes["actuelle"][1], annee_scolaire=self._rentrees[0]) | Q(
                rempli_le__lte=self.periodes["precedente"][1], annee_scolaire=self._rentrees[1]
            )
        return QuestionnaireRempli.objects.filter(
            cut, moment=MomentQuestionnaire.SORTIE, annee_scolaire__in=self._rentrees, action__in=actions
        )

    @cached_property
    def enfants_questionnaires(self):
        """{fiche: {year: children with both questionnaires}}: those of `questionnaires`; when
        masking reads every perimeter, those of `enfants_questionnaires_de_chaque_perimetre`, so
        that the contract's and each quartier's count cost no query each."""
        if not self.tous_les_perimetres:
            return {fiche: sommes["enfants"] for fiche, sommes in self.questionnaires.items()}
        perimetre = self.quartier.pk if self.quartier else 0
        enfants = self.enfants_questionnaires_de_chaque_perimetre
        return {
            fiche: {
                nom: enfants.get((fiche, perimetre, rentree), 0)
                for nom, rentree in zip(ANNEES, self._rentrees, strict=True)
            }
            for fiche in self.fiches
        }

    @_requete(partagee=True)
    def enfants_questionnaires_de_chaque_perimetre(self):
        """{(fiche, quartier pk or 0 for the contract, rentrée): children with both
        questionnaires}, for masking. One query, shared by every perimeter of the page: the
        contract's exits grouped by fiche and year, a distinct count for the contract and one
        per quartier by conditional aggregation (a child whose actions concern two quartiers
        counts in each, once in the contract)."""
        quartiers = list(self.noms_des_quartiers)
        actions = actions_du_perimetre(contrat=self.contrat, fiches=self.fiches)
        groupes = (
            self._sorties(actions)
            .values("annee_scolaire", fiche=F("action__realisation__fiche"))
            .annotate(
                q0=Count("participant", distinct=True),
                **{f"q{pk}": Count("participant", distinct=True, filter=Q(action__quartiers=pk)) for pk in quartiers},
            )
            .order_by()
        )
        enfants = {}
        for groupe in groupes:
            for pk in [0, *quartiers]:
                enfants[(groupe["fiche"], pk, groupe["annee_scolaire"])] = groupe[f"q{pk}"]
        return enfants

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
PAR_FICHE = DONNEES - {
    "noms_des_quartiers",
    "realisations",
    "noms_des_structures",
    "enfants_questionnaires_de_chaque_perimetre",
}
# What a fiche with no group reads in the datasets that map each fiche to its sums.
VIDES = {
    "seances": {somme: dict.fromkeys(ANNEES, 0) for somme in SOMMES_DES_SEANCES},
    "presences": dict.fromkeys(ANNEES, 0),
    "enfants_questionnaires": dict.fromkeys(ANNEES, 0),
    "questionnaires": {
        "enfants": dict.fromkeys(ANNEES, 0),
        "evolution": dict.fromkeys(ANNEES),
        "hausse": dict.fromkeys(ANNEES, 0),
    },
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
