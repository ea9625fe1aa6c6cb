"""Realisation indicators: the actions run and the children they reached."""

from actions.enums import NiveauScolaire, Sexe

from .figures import Ligne, Resultat, Ventilation, lignes_de, ratio, sommes_par, total
from .registre import indicateur
from .sources import ANNEES

HORS_QPV = ("hors_qpv", "Hors quartier prioritaire")


def _par_quartier(groupes, champ, noms_des_quartiers):
    return [
        Ligne(*noms_des_quartiers[pk], somme["actuelle"], somme["precedente"])
        for pk, somme in sorted(
            sommes_par(lambda g: g[champ], groupes).items(), key=lambda item: noms_des_quartiers[item[0]]
        )
    ]


@indicateur(
    "nb_actions",
    libelle="Nombre d’actions",
    lit=(
        "profils_d_actions",
        "realisations",
        "actions_par_thematique",
        "noms_des_structures",
        "actions_par_quartier",
        "noms_des_quartiers",
    ),
)
def nb_actions(sources):
    """Actions of the contract's fiches, not cancelled, whose dates overlap the school year (for a
    quartier, those that concern it), by réalisation attendue, theme, porteur and quartier."""
    profils = sources.profils_d_actions
    realisations = sources.realisations
    structures = sources.noms_des_structures
    ventilations = [
        Ventilation(
            "realisation",
            "Par réalisation attendue",
            [
                # A réalisation's code is unique within its fiche only.
                Ligne(f"{fiche}-{code}", intitule, somme["actuelle"], somme["precedente"])
                for (fiche, _, code, intitule), somme in sorted(
                    (realisations[pk], somme) for pk, somme in sommes_par(lambda g: g["realisation"], profils).items()
                )
            ],
        ),
        Ventilation(
            "thematique",
            "Par thématique",
            [
                Ligne(g["thematiques__code"], g["thematiques__libelle"], g["actuelle"], g["precedente"])
                for g in sources.actions_par_thematique
            ],
        ),
        Ventilation(
            "structure",
            "Par structure porteuse",
            lignes_de(sommes_par(lambda g: structures[g["porteur"]], profils), lambda nom: nom),
        ),
    ]
    if sources.quartier is None:
        ventilations.append(
            Ventilation(
                "quartier",
                "Par quartier concerné",
                _par_quartier(sources.actions_par_quartier, "quartiers", sources.noms_des_quartiers),
            )
        )
    return Resultat(total(profils), ventilations)


@indicateur("nb_interventions_croisees", libelle="Nombre d’interventions croisées", lit=("profils_d_actions",))
def nb_interventions_croisees(sources):
    """Actions that join a school (as a place or as porteur) and at least one other partner."""
    return Resultat(total(sources.profils_d_actions, condition=lambda g: g["intervention_croisee"]))


@indicateur("nb_actions_parents", libelle="Nombre d’actions impliquant les parents", lit=("profils_d_actions",))
def nb_actions_parents(sources):
    """Actions whose public is the parents, or one of whose sessions counted parents."""
    return Resultat(total(sources.profils_d_actions, condition=lambda g: g["implique_parents"]))


@indicateur(
    "nb_enfants_beneficiaires",
    libelle="Nombre d’enfants bénéficiaires",
    lit=("profils_d_enfants", "enfants_par_quartier", "noms_des_quartiers"),
    effectif_d_enfants=True,
)
def nb_enfants_beneficiaires(sources):
    """Distinct children present at least once in the school year, by sex, school level,
    quartier of residence and quartier of the action."""
    profils = sources.profils_d_enfants
    quartiers = sources.noms_des_quartiers
    libelles_sexe = dict(Sexe.choices)
    libelles_niveau = dict(NiveauScolaire.choices)
    rang_niveau = {niveau: rang for rang, niveau in enumerate(NiveauScolaire.values)}
    ventilations = [
        Ventilation(
            "sexe",
            "Par sexe (axe T.3, égalité femmes-hommes)",
            lignes_de(sommes_par(lambda g: g["sexe"], profils), lambda sexe: str(libelles_sexe[sexe])),
        ),
        Ventilation(
            "niveau",
            "Par niveau scolaire",
            lignes_de(
                sommes_par(lambda g: g["niveau_scolaire"], profils),
                lambda niveau: str(libelles_niveau[niveau]),
                ordre=rang_niveau.get,
            ),
        ),
        Ventilation(
            "residence",
            "Par quartier de résidence",
            [
                Ligne(*quartiers.get(pk, HORS_QPV), somme["actuelle"], somme["precedente"])
                # Quartiers by code, children living outside them last.
                for pk, somme in sorted(
                    sommes_par(lambda g: g["residence"], profils).items(),
                    key=lambda item: (not item[0], quartiers.get(item[0], HORS_QPV)),
                )
            ],
        ),
    ]
    if sources.quartier is None:
        ventilations.append(
            Ventilation(
                "quartier",
                "Par quartier de l’action (un enfant venu dans deux quartiers compte dans chacun)",
                _par_quartier(sources.enfants_par_quartier, "perimetre", quartiers),
            )
        )
    return Resultat(total(profils), ventilations)


@indicateur("nb_participations_anonymes", libelle="Participations d’enfants non inscrits", lit=("seances",))
def nb_participations_anonymes(sources):
    """Children counted at the door of the sessions, never added to the children: they cannot
    be told apart."""
    return Resultat(dict(sources.seances["anonymes"]))


@indicateur(
    "part_residents_qpv",
    libelle="Part des bénéficiaires résidant en quartier prioritaire",
    lit=("profils_d_enfants",),
)
def part_residents_qpv(sources):
    """Children living in a quartier prioritaire, out of all the children, in percent."""
    enfants = total(sources.profils_d_enfants)
    residents = total(sources.profils_d_enfants, condition=lambda g: g["residence"])
    return Resultat({nom: ratio(residents[nom], enfants[nom]) for nom in ANNEES})
