"""The fiche's computed indicators, live, for a school year and the one before it, for the whole
contract or one quartier. Every figure comes from nine SQL queries (seven for a quartier, one
more while the school year is under way), whatever the volume of records: grouped queries with
conditional aggregation over the actions and over the summaries kept up to date on write
(actions.resumes). Nothing is counted per indicator, per quartier or per row, and no record is
looped over in Python, only the few hundred groups the queries return."""

from dataclasses import dataclass, field
from decimal import ROUND_HALF_UP, Decimal

from django.db.models import Count, Exists, OuterRef, Q, Sum
from django.utils import timezone

from actions.enums import NiveauScolaire, Sexe, StatutAction
from actions.models import Action, EffectifAnnuel, Seance, SeancesAnnuelles
from fiches.models import RealisationAttendue

from .confidentialite import masquer

ANNEES = ("actuelle", "precedente")


def _annees(annee):
    return {"actuelle": annee, "precedente": annee.precedente()}


def _chevauche(annee):
    return Q(date_debut__lte=annee.fin, date_fin__gte=annee.debut)


def _par_annee(agregat, champ, annees, condition):
    """One aggregate per school year, e.g. Count("pk", filter=<year>) for both years."""
    return {nom: agregat(champ, filter=condition(annee)) for nom, annee in annees.items()}


@dataclass
class Ligne:
    cle: str
    libelle: str
    actuelle: object
    precedente: object


@dataclass
class Ventilation:
    axe: str
    titre: str
    lignes: list

    HAUTEUR_DE_LIGNE = 14

    @property
    def hauteur(self):
        return (len(self.lignes) + 1) * self.HAUTEUR_DE_LIGNE

    def barres(self, longueur=220):
        """Bar lengths for the chart, in SVG units; a masked count gets no bar."""
        valeurs = [v for ligne in self.lignes for v in (ligne.actuelle, ligne.precedente) if isinstance(v, int)]
        maximum = max(valeurs, default=0) or 1
        return [
            (
                ligne,
                round(ligne.actuelle * longueur / maximum) if isinstance(ligne.actuelle, int) else 0,
                round(ligne.precedente * longueur / maximum) if isinstance(ligne.precedente, int) else 0,
            )
            for ligne in self.lignes
        ]


@dataclass
class Figures:
    """Raw figures of one perimeter: totals per code and per year, breakdowns per code."""

    totaux: dict = field(default_factory=dict)
    ventilations: dict = field(default_factory=dict)


def actions_du_perimetre(*, contrat, quartier=None):
    """Actions that count: those of the contract's fiches, cancelled ones excluded; for a
    quartier, those that concern it."""
    actions = Action.objects.filter(realisation__fiche__enjeu__axe__pilier__contrat=contrat).exclude(
        statut=StatutAction.ANNULEE
    )
    if quartier is not None:
        concerne = Action.quartiers.through.objects.filter(action=OuterRef("pk"), quartier=quartier)
        actions = actions.filter(Exists(concerne))
    return actions


def _groupe(queryset, cles, annees, agregat, champ, condition):
    """A breakdown: one grouped query, one count per school year."""
    return list(queryset.values(*cles).annotate(**_par_annee(agregat, champ, annees, condition)).order_by(*cles))


def _sommes(groupes, cle):
    """The yearly counts of fine groups summed by a coarser key: exact, since each record
    (an action, a child's year) falls in exactly one group."""
    sommes = {}
    for groupe in groupes:
        somme = sommes.get(valeur := cle(groupe))
        if somme is None:
            somme = sommes[valeur] = dict.fromkeys(ANNEES, 0)
        for nom in ANNEES:
            somme[nom] += groupe[nom] or 0
    return sommes


def _total(groupes, champ=None, condition=lambda groupe: True):
    """{year: sum} of the groups that meet the condition, of their counts or of another field."""
    return {
        nom: sum(groupe[f"{champ}__{nom}" if champ else nom] or 0 for groupe in groupes if condition(groupe))
        for nom in ANNEES
    }


def _lignes(sommes, libelle, ordre=None):
    return [
        Ligne(cle, libelle(cle), somme["actuelle"], somme["precedente"])
        for cle, somme in sorted(sommes.items(), key=lambda item: ordre(item[0]) if ordre else item[0])
    ]


def calculer(*, contrat, annee, quartier=None, aujourdhui=None):
    aujourdhui = aujourdhui or timezone.localdate()
    annees = _annees(annee)
    actions = actions_du_perimetre(contrat=contrat, quartier=quartier)
    actions_des_deux_annees = actions.filter(_chevauche(annees["actuelle"]) | _chevauche(annees["precedente"]))
    noms_des_quartiers = {pk: (code, nom) for pk, code, nom in contrat.quartiers.values_list("pk", "code", "nom")}
    figures = Figures()

    # Actions: one query grouped by everything a single-valued breakdown needs; the totals and
    # those breakdowns are sums of its groups. Themes and quartiers are many-to-many: an action
    # counts in each of its own, so they have a query each.
    profils_d_actions = list(
        actions_des_deux_annees.avec_caracteres_derives()
        # Grouped by ids (hashed) rather than by names (sorted), which come from the two queries below.
        .values("realisation", "porteur", "intervention_croisee", "implique_parents")
        .annotate(**_par_annee(Count, "pk", annees, _chevauche))
        .order_by()
    )
    bruts = {
        "nb_actions": _total(profils_d_actions),
        "nb_interventions_croisees": _total(profils_d_actions, condition=lambda g: g["intervention_croisee"]),
        "nb_actions_parents": _total(profils_d_actions, condition=lambda g: g["implique_parents"]),
    }
    realisations = {
        pk: (fiche, ordre, code, intitule)
        for pk, fiche, ordre, code, intitule in RealisationAttendue.objects.filter(
            fiche__enjeu__axe__pilier__contrat=contrat
        ).values_list("pk", "fiche__code", "ordre", "code", "intitule_court")
    }
    noms_des_structures = dict(contrat.structures.values_list("pk", "nom"))
    # An action has each of its themes once: a plain count, hashed, not a sorted distinct one.
    thematiques = _groupe(
        actions_des_deux_annees.filter(thematiques__isnull=False),
        ["thematiques__ordre", "thematiques__code", "thematiques__libelle"],
        annees,
        Count,
        "pk",
        _chevauche,
    )
    figures.ventilations["nb_actions"] = [
        Ventilation(
            "realisation",
            "Par réalisation attendue",
            [
                # A réalisation's code is unique within its fiche only.
                Ligne(f"{fiche}-{code}", intitule, somme["actuelle"], somme["precedente"])
                for (fiche, _, code, intitule), somme in sorted(
                    (realisations[pk], somme)
                    for pk, somme in _sommes(profils_d_actions, lambda g: g["realisation"]).items()
                )
            ],
        ),
        Ventilation(
            "thematique",
            "Par thématique",
            [
                Ligne(g["thematiques__code"], g["thematiques__libelle"], g["actuelle"], g["precedente"])
                for g in thematiques
            ],
        ),
        Ventilation(
            "structure",
            "Par structure porteuse",
            _lignes(_sommes(profils_d_actions, lambda g: noms_des_structures[g["porteur"]]), lambda nom: nom),
        ),
    ]

    def par_quartier(groupes, champ):
        return [
            Ligne(*noms_des_quartiers[pk], somme["actuelle"], somme["precedente"])
            for pk, somme in sorted(
                _sommes(groupes, lambda g: g[champ]).items(), key=lambda i: noms_des_quartiers[i[0]]
            )
        ]

    if quartier is None:
        figures.ventilations["nb_actions"].append(
            Ventilation(
                "quartier",
                "Par quartier concerné",
                par_quartier(
                    actions_des_deux_annees.filter(quartiers__isnull=False)
                    .values("quartiers")
                    .annotate(**_par_annee(Count, "pk", annees, _chevauche))
                    .order_by(),
                    "quartiers",
                ),
            )
        )

    # Children are counted from counters kept up to date by every write (actions.resumes): per
    # school year, perimeter and profile (sex, level, residence), so that the totals and the
    # breakdowns are sums of a few hundred rows, with no deduplication of presences at read
    # time. Presences count in the school year of their session's date.
    effectifs = EffectifAnnuel.objects.filter(
        contrat=contrat, annee_scolaire__in=[a.annee_de_rentree for a in annees.values()], nb_enfants__gt=0
    )

    def de_l_annee(annee_):
        return Q(annee_scolaire=annee_.annee_de_rentree)

    profils_d_enfants = list(
        effectifs.filter(perimetre=quartier.pk if quartier else 0)
        .values("sexe", "niveau_scolaire", "residence")
        .annotate(
            **_par_annee(Sum, "nb_enfants", annees, de_l_annee),
            **{f"presences__{n}": Sum("nb_presences", filter=de_l_annee(a)) for n, a in annees.items()},
        )
        .order_by()
    )
    bruts["nb_enfants_beneficiaires"] = _total(profils_d_enfants)
    bruts["presences"] = _total(profils_d_enfants, "presences")
    bruts["residents"] = _total(profils_d_enfants, condition=lambda g: g["residence"])
    libelles_sexe = dict(Sexe.choices)
    rang_niveau = {niveau: rang for rang, niveau in enumerate(NiveauScolaire.values)}
    libelles_niveau = dict(NiveauScolaire.choices)
    hors_qpv = ("hors_qpv", "Hors quartier prioritaire")
    figures.ventilations["nb_enfants_beneficiaires"] = [
        Ventilation(
            "sexe",
            "Par sexe (axe T.3, égalité femmes-hommes)",
            _lignes(_sommes(profils_d_enfants, lambda g: g["sexe"]), lambda sexe: str(libelles_sexe[sexe])),
        ),
        Ventilation(
            "niveau",
            "Par niveau scolaire",
            _lignes(
                _sommes(profils_d_enfants, lambda g: g["niveau_scolaire"]),
                lambda niveau: str(libelles_niveau[niveau]),
                ordre=rang_niveau.get,
            ),
        ),
        Ventilation(
            "residence",
            "Par quartier de résidence",
            [
                Ligne(*noms_des_quartiers.get(pk, hors_qpv), somme["actuelle"], somme["precedente"])
                # Quartiers by code, children living outside them last.
                for pk, somme in sorted(
                    _sommes(profils_d_enfants, lambda g: g["residence"]).items(),
                    key=lambda item: (not item[0], noms_des_quartiers.get(item[0], hors_qpv)),
                )
            ],
        ),
    ]
    if quartier is None:
        # A child who came to two quartiers is in the counters of each.
        figures.ventilations["nb_enfants_beneficiaires"].append(
            Ventilation(
                "quartier",
                "Par quartier de l’action (un enfant venu dans deux quartiers compte dans chacun)",
                par_quartier(
                    effectifs.filter(perimetre__gt=0)
                    .values("perimetre")
                    .annotate(**_par_annee(Sum, "nb_enfants", annees, de_l_annee))
                    .order_by(),
                    "perimetre",
                ),
            )
        )

    # Sessions: their yearly sums per action, kept up to date on write. The presences possible
    # so far in a year under way come from the sessions held by today: the sums of that year
    # include those to come.
    # All the perimeter's actions, not only those of the two years: an action's dates can be
    # changed after its sessions, which then fall outside them and still count.
    sommes_des_seances = SeancesAnnuelles.objects.filter(
        action__in=actions, annee_scolaire__in=[a.annee_de_rentree for a in annees.values()]
    ).aggregate(
        **{f"anonymes__{n}": Sum("enfants_anonymes", filter=de_l_annee(a)) for n, a in annees.items()},
        **{f"nb_parents__{n}": Sum("parents_presents", filter=de_l_annee(a)) for n, a in annees.items()},
        **{f"possibles__{n}": Sum("nb_inscrits", filter=de_l_annee(a)) for n, a in annees.items()},
    )
    for code in ("anonymes", "nb_parents", "possibles"):
        bruts[code] = {n: sommes_des_seances[f"{code}__{n}"] or 0 for n in ANNEES}
    for nom, annee_ in annees.items():
        if annee_.debut > aujourdhui:
            bruts["possibles"][nom] = 0
        elif annee_.fin >= aujourdhui:
            bruts["possibles"][nom] = (
                Seance.objects.filter(action__in=actions, date__range=(annee_.debut, aujourdhui)).aggregate(
                    n=Sum("nb_inscrits")
                )["n"]
                or 0
            )

    def b(code, nom):
        return bruts[code][nom]

    for nom in ANNEES:
        valeurs = {
            "nb_actions": b("nb_actions", nom),
            "nb_interventions_croisees": b("nb_interventions_croisees", nom),
            "nb_actions_parents": b("nb_actions_parents", nom),
            "nb_enfants_beneficiaires": b("nb_enfants_beneficiaires", nom),
            "nb_participations_anonymes": b("anonymes", nom),
            "part_residents_qpv": _ratio(b("residents", nom), b("nb_enfants_beneficiaires", nom)),
            "frequentation": b("presences", nom) + b("anonymes", nom),
            "taux_assiduite": _ratio(b("presences", nom), b("possibles", nom)),
            "nb_parents": b("nb_parents", nom),
        }
        for code, valeur in valeurs.items():
            figures.totaux.setdefault(code, {})[nom] = valeur
    return figures


def _ratio(numerateur, denominateur):
    """A percentage, or None for a year with nothing to divide by."""
    if not denominateur:
        return None
    # Half up, as a spreadsheet rounds: 6.25 % shows as 6.3 %.
    return (Decimal(numerateur) * 100 / Decimal(denominateur)).quantize(Decimal("0.1"), rounding=ROUND_HALF_UP)


# Counts of distinct children: masked when small outside the structure that owns the records.
EFFECTIFS_D_ENFANTS = {"nb_enfants_beneficiaires"}


def masquer_petits_effectifs(figures, *, seuil):
    """The same figures with small counts of children replaced by masked Effectif values."""
    for code in EFFECTIFS_D_ENFANTS:
        for nom in ANNEES:
            total = figures.totaux[code][nom]
            for ventilation in figures.ventilations.get(code, []):
                effectif_total, cellules = masquer(
                    total=total,
                    ventilation={ligne.cle: getattr(ligne, nom) for ligne in ventilation.lignes},
                    seuil=seuil,
                )
                for ligne in ventilation.lignes:
                    setattr(ligne, nom, _masque_ou_nombre(cellules[ligne.cle]))
            figures.totaux[code][nom] = _masque_ou_nombre(masquer(total=total, ventilation={}, seuil=seuil)[0])
    return figures


def _masque_ou_nombre(effectif):
    """A count that can be shown stays a number (to compare, chart, export); a masked one is an Effectif."""
    return effectif if effectif.masque else effectif.valeur
