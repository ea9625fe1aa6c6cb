"""Realisation indicators: the actions run and the children they reached."""

from actions.enums import NiveauScolaire, Sexe
from partenaires.enums import EducationPrioritaire

from .figures import Ligne, Resultat, Ventilation, lignes_de, ratio, sommes_par, total
from .registre import indicateur
from .sources import ANNEES

HORS_QPV = ("hors_qpv", "Hors quartier prioritaire")
LIBELLES_SEXE = dict(Sexe.choices)
LIBELLES_NIVEAU = dict(NiveauScolaire.choices)
RANG_NIVEAU = {niveau: rang for rang, niveau in enumerate(NiveauScolaire.values)}
# A child with no school recorded (not yet at school, or anonymised): a line of its own, so that
# the lines add up to the total.
SANS_ETABLISSEMENT = "sans_etablissement"
LIBELLES_EP = {
    EducationPrioritaire.REP_PLUS: "REP+",
    EducationPrioritaire.REP: "REP",
    EducationPrioritaire.HORS: "Hors éducation prioritaire",
    SANS_ETABLISSEMENT: "École non renseignée",
}
RANG_EP = {cle: rang for rang, cle in enumerate(LIBELLES_EP)}


def _ligne(cle, libelle, somme):
    return Ligne(cle, libelle, somme["actuelle"], somme["precedente"])


def _par_quartier(groupes, champ, noms_des_quartiers):
    sommes = sommes_par(lambda g: g[champ], groupes)
    return [
        _ligne(*noms_des_quartiers[pk], somme)
        for pk, somme in sorted(sommes.items(), key=lambda item: noms_des_quartiers[item[0]])
    ]


def _par_realisation(profils, realisations):
    sommes = sommes_par(lambda g: g["realisation"], profils)
    # A réalisation's code is unique within its fiche only.
    return [
        _ligne(f"{fiche}-{code}", intitule, somme)
        for (fiche, _, code, intitule), somme in sorted((realisations[pk], somme) for pk, somme in sommes.items())
    ]


def _par_thematique(groupes):
    return [_ligne(g["thematiques__code"], g["thematiques__libelle"], g) for g in groupes]


def _par_structure(profils, structures):
    return lignes_de(sommes_par(lambda g: structures[g["porteur"]], profils), lambda nom: nom)


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
    """Actions of the fiche, not cancelled, whose dates overlap the school year (for a quartier,
    those that concern it), by réalisation attendue, theme, porteur and quartier."""
    profils = sources.profils_d_actions
    ventilations = [
        Ventilation("realisation", "Par réalisation attendue", _par_realisation(profils, sources.realisations)),
        Ventilation(
            "thematique",
            "Par thématique",
            _par_thematique(sources.actions_par_thematique),
            recouvrement="Une action à plusieurs thématiques compte dans chacune : "
            "la somme des lignes peut dépasser le total.",
        ),
        Ventilation("structure", "Par structure porteuse", _par_structure(profils, sources.noms_des_structures)),
    ]
    if sources.quartier is None:
        lignes = _par_quartier(sources.actions_par_quartier, "quartiers", sources.noms_des_quartiers)
        recouvrement = (
            "Une action qui concerne plusieurs quartiers compte dans chacun : "
            "la somme des lignes peut dépasser le total."
        )
        ventilations.append(Ventilation("quartier", "Par quartier concerné", lignes, recouvrement))
    return Resultat(total(profils), ventilations)


@indicateur("nb_interventions_croisees", libelle="Nombre d’interventions croisées", lit=("profils_d_actions",))
def nb_interventions_croisees(sources):
    """Actions that join a school (as a place or as porteur) and at least one other partner."""
    return Resultat(total(sources.profils_d_actions, condition=lambda g: g["intervention_croisee"]))


@indicateur("nb_actions_parents", libelle="Nombre d’actions impliquant les parents", lit=("profils_d_actions",))
def nb_actions_parents(sources):
    """Actions whose public is the parents, or one of whose sessions of the year (up to the
    date, for a year under way) counted parents."""
    return Resultat(total(sources.profils_d_actions, "parents"))


def _par_sexe(profils):
    return lignes_de(sommes_par(lambda g: g["sexe"], profils), lambda sexe: str(LIBELLES_SEXE[sexe]))


def _par_niveau(profils):
    sommes = sommes_par(lambda g: g["niveau_scolaire"], profils)
    return lignes_de(sommes, lambda niveau: str(LIBELLES_NIVEAU[niveau]), ordre=RANG_NIVEAU.get)


def _par_residence(profils, quartiers):
    sommes = sommes_par(lambda g: g["residence"], profils)
    # Quartiers by code, children living outside them last.
    return [
        _ligne(*quartiers.get(pk, HORS_QPV), somme)
        for pk, somme in sorted(sommes.items(), key=lambda item: (not item[0], quartiers.get(item[0], HORS_QPV)))
    ]


def _par_education_prioritaire(groupes):
    sommes = sommes_par(lambda g: g["education_prioritaire"] or SANS_ETABLISSEMENT, groupes)
    return lignes_de(sommes, LIBELLES_EP.get, ordre=RANG_EP.get)


@indicateur(
    "nb_enfants_beneficiaires",
    libelle="Nombre d’enfants bénéficiaires",
    lit=("profils_d_enfants", "enfants_par_quartier", "noms_des_quartiers", "enfants_par_education_prioritaire"),
    effectif_d_enfants=True,
)
def nb_enfants_beneficiaires(sources):
    """Distinct children present at least once in the school year, by sex, school level,
    éducation prioritaire of their school, quartier of residence and quartier of the action."""
    profils = sources.profils_d_enfants
    ventilations = [
        Ventilation("sexe", "Par sexe (axe T.3, égalité femmes-hommes)", _par_sexe(profils)),
        Ventilation("niveau", "Par niveau scolaire", _par_niveau(profils)),
        Ventilation(
            "education_prioritaire",
            "Par éducation prioritaire de l’école de l’enfant",
            _par_education_prioritaire(sources.enfants_par_education_prioritaire),
        ),
        Ventilation("residence", "Par quartier de résidence", _par_residence(profils, sources.noms_des_quartiers)),
    ]
    if sources.quartier is None:
        lignes = _par_quartier(sources.enfants_par_quartier, "perimetre", sources.noms_des_quartiers)
        recouvrement = (
            "Un enfant venu à des actions de plusieurs quartiers compte dans chacun : "
            "la somme des lignes peut dépasser le total."
        )
        ventilations.append(
            Ventilation("quartier", "Par quartier de l’action", lignes, recouvrement, lignes_des_quartiers=True)
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
    derive_de=("nb_enfants_beneficiaires",),
    complement=("nb_enfants_beneficiaires", "residence", HORS_QPV[0]),
)
def part_residents_qpv(sources):
    """Children living in a quartier prioritaire, out of all the children, in percent."""
    enfants = total(sources.profils_d_enfants)
    residents = total(sources.profils_d_enfants, condition=lambda g: g["residence"])
    return Resultat({nom: ratio(residents[nom], enfants[nom]) for nom in ANNEES})
