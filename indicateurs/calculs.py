"""The fiche's computed indicators, live, for a school year and the one before it, for the whole
contract or one quartier. Every figure comes from a fixed number of grouped SQL queries with
conditional aggregation (one per breakdown), whatever the volume of records: nothing is counted
per indicator, per quartier or per row, and no record is looped over in Python."""

from dataclasses import dataclass, field
from decimal import ROUND_HALF_UP, Decimal

from django.db.models import Count, Exists, OuterRef, Q, Sum
from django.utils import timezone

from actions.enums import NiveauScolaire, Sexe, StatutAction
from actions.models import Action, FrequentationAnnuelle, Seance

from .confidentialite import masquer

ANNEES = ("actuelle", "precedente")


def _annees(annee):
    return {"actuelle": annee, "precedente": annee.precedente()}


def _chevauche(annee):
    return Q(date_debut__lte=annee.fin, date_fin__gte=annee.debut)


def _pendant(annee, champ):
    return Q(**{f"{champ}__range": (annee.debut, annee.fin)})


def _par_annee(agregat, champ, annees, condition, **options):
    """One aggregate per school year, e.g. Count("pk", filter=<year>) for both years."""
    return {nom: agregat(champ, filter=condition(annee), **options) for nom, annee in annees.items()}


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


def _groupe(queryset, cles, annees, agregat, champ, condition, **options):
    """A breakdown: one grouped query, one count per school year."""
    return list(
        queryset.values(*cles).annotate(**_par_annee(agregat, champ, annees, condition, **options)).order_by(*cles)
    )


def calculer(*, contrat, annee, quartier=None, aujourdhui=None):
    aujourdhui = aujourdhui or timezone.localdate()
    annees = _annees(annee)
    actions = actions_du_perimetre(contrat=contrat, quartier=quartier)
    actions_des_deux_annees = actions.filter(_chevauche(annees["actuelle"]) | _chevauche(annees["precedente"]))
    figures = Figures()

    derivees = actions_des_deux_annees.avec_caracteres_derives()
    totaux_actions = derivees.aggregate(
        **{f"nb_actions__{n}": Count("pk", filter=_chevauche(a)) for n, a in annees.items()},
        **{
            f"nb_interventions_croisees__{n}": Count("pk", filter=_chevauche(a) & Q(intervention_croisee=True))
            for n, a in annees.items()
        },
        **{
            f"nb_actions_parents__{n}": Count("pk", filter=_chevauche(a) & Q(implique_parents=True))
            for n, a in annees.items()
        },
    )

    par = {
        "realisation": _groupe(
            actions_des_deux_annees,
            ["realisation__fiche__code", "realisation__ordre", "realisation__code", "realisation__intitule_court"],
            annees,
            Count,
            "pk",
            _chevauche,
        ),
        "thematique": _groupe(
            actions_des_deux_annees.filter(thematiques__isnull=False),
            ["thematiques__ordre", "thematiques__code", "thematiques__libelle"],
            annees,
            Count,
            "pk",
            _chevauche,
            distinct=True,
        ),
        "structure": _groupe(actions_des_deux_annees, ["porteur__nom"], annees, Count, "pk", _chevauche),
    }
    figures.ventilations["nb_actions"] = [
        Ventilation(
            "realisation",
            "Par réalisation attendue",
            [
                # A réalisation's code is unique within its fiche only.
                Ligne(
                    f"{g['realisation__fiche__code']}-{g['realisation__code']}",
                    g["realisation__intitule_court"],
                    g["actuelle"],
                    g["precedente"],
                )
                for g in par["realisation"]
            ],
        ),
        Ventilation(
            "thematique",
            "Par thématique",
            [
                Ligne(g["thematiques__code"], g["thematiques__libelle"], g["actuelle"], g["precedente"])
                for g in par["thematique"]
            ],
        ),
        Ventilation(
            "structure",
            "Par structure porteuse",
            [Ligne(g["porteur__nom"], g["porteur__nom"], g["actuelle"], g["precedente"]) for g in par["structure"]],
        ),
    ]
    if quartier is None:
        par_quartier = _groupe(
            actions_des_deux_annees, ["quartiers__code", "quartiers__nom"], annees, Count, "pk", _chevauche
        )
        figures.ventilations["nb_actions"].append(
            Ventilation(
                "quartier",
                "Par quartier concerné",
                [
                    Ligne(g["quartiers__code"], g["quartiers__nom"], g["actuelle"], g["precedente"])
                    for g in par_quartier
                ],
            )
        )

    # Children are counted from the yearly summary (one row per child, year and perimeter,
    # kept up to date by every write): no deduplication of presences at read time. Presences
    # and headcounts count in the school year of their session's date.
    frequentations = FrequentationAnnuelle.objects.filter(
        contrat=contrat,
        quartier=quartier,
        annee_scolaire__in=[a.annee_de_rentree for a in annees.values()],
    )

    def de_l_annee(annee_):
        return Q(annee_scolaire=annee_.annee_de_rentree)

    totaux_presences = frequentations.aggregate(
        **{f"nb_enfants_beneficiaires__{n}": Count("pk", filter=de_l_annee(a)) for n, a in annees.items()},
        **{f"presences__{n}": Sum("nb_presences", filter=de_l_annee(a)) for n, a in annees.items()},
        **{
            f"residents__{n}": Count("pk", filter=de_l_annee(a) & Q(quartier_residence__isnull=False))
            for n, a in annees.items()
        },
    )
    enfants = {
        "sexe": _groupe(frequentations, ["sexe"], annees, Count, "pk", de_l_annee),
        "niveau": _groupe(frequentations, ["niveau_scolaire"], annees, Count, "pk", de_l_annee),
        "residence": _groupe(
            frequentations, ["quartier_residence__code", "quartier_residence__nom"], annees, Count, "pk", de_l_annee
        ),
    }
    libelles_sexe = dict(Sexe.choices)
    rang_niveau = {niveau: rang for rang, niveau in enumerate(NiveauScolaire.values)}
    libelles_niveau = dict(NiveauScolaire.choices)
    figures.ventilations["nb_enfants_beneficiaires"] = [
        Ventilation(
            "sexe",
            "Par sexe (axe T.3, égalité femmes-hommes)",
            [Ligne(g["sexe"], str(libelles_sexe[g["sexe"]]), g["actuelle"], g["precedente"]) for g in enfants["sexe"]],
        ),
        Ventilation(
            "niveau",
            "Par niveau scolaire",
            [
                Ligne(g["niveau_scolaire"], str(libelles_niveau[g["niveau_scolaire"]]), g["actuelle"], g["precedente"])
                for g in sorted(enfants["niveau"], key=lambda g: rang_niveau[g["niveau_scolaire"]])
            ],
        ),
        Ventilation(
            "residence",
            "Par quartier de résidence",
            [
                Ligne(
                    g["quartier_residence__code"] or "hors_qpv",
                    g["quartier_residence__nom"] or "Hors quartier prioritaire",
                    g["actuelle"],
                    g["precedente"],
                )
                for g in enfants["residence"]
            ],
        ),
    ]
    if quartier is None:
        # The summary has a row per quartier a child came to: counting rows counts children.
        par_quartier = _groupe(
            FrequentationAnnuelle.objects.filter(
                contrat=contrat,
                quartier__isnull=False,
                annee_scolaire__in=[a.annee_de_rentree for a in annees.values()],
            ),
            ["quartier__code", "quartier__nom"],
            annees,
            Count,
            "pk",
            de_l_annee,
        )
        figures.ventilations["nb_enfants_beneficiaires"].append(
            Ventilation(
                "quartier",
                "Par quartier de l’action (un enfant venu dans deux quartiers compte dans chacun)",
                [Ligne(g["quartier__code"], g["quartier__nom"], g["actuelle"], g["precedente"]) for g in par_quartier],
            )
        )

    # Each session carries its count of children enrolled by its date (kept up to date on
    # write): the possible presences of the sessions held so far are their sum.
    totaux_seances = Seance.objects.filter(
        action__in=actions, date__range=(annees["precedente"].debut, annees["actuelle"].fin)
    ).aggregate(
        **{f"anonymes__{n}": Sum("enfants_anonymes", filter=_pendant(a, "date")) for n, a in annees.items()},
        **{f"nb_parents__{n}": Sum("parents_presents", filter=_pendant(a, "date")) for n, a in annees.items()},
        **{
            f"possibles__{n}": Sum("nb_inscrits", filter=_pendant(a, "date") & Q(date__lte=aujourdhui))
            for n, a in annees.items()
        },
    )

    bruts = {**totaux_actions, **totaux_presences, **totaux_seances}

    def b(code, nom):
        return bruts[f"{code}__{nom}"] or 0

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
