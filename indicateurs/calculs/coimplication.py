"""Effect E1 of fiche 1.2.3: schools, quartier actors and parents or residents co-involved in
designing and running the actions, read from what each action records ("conçue avec", "animée
avec", its porteur, partners and schools) and from where its sessions were held. Counts of
actions and organisations, never of children: nothing here is masked."""

from .figures import Ligne, Resultat, Ventilation, ratio, total
from .registre import indicateur
from .sources import ANNEES


def _part(sources, condition):
    actions = total(sources.profils_d_actions)
    retenues = total(sources.profils_d_actions, condition=condition)
    return Resultat({nom: ratio(retenues[nom], actions[nom]) for nom in ANNEES})


@indicateur(
    "part_actions_concues_avec_ecole", libelle="Part des actions conçues avec une école", lit=("profils_d_actions",)
)
def part_actions_concues_avec_ecole(sources):
    """Actions of the year whose "conçue avec" names a school, out of the actions of the year
    (those of nb_actions), in percent: an action with nothing recorded counts as designed
    without one."""
    return _part(sources, lambda groupe: groupe["concue_avec_ecole"])


@indicateur(
    "part_actions_animees_avec_parents",
    libelle="Part des actions animées avec des parents ou des habitants",
    lit=("profils_d_actions",),
)
def part_actions_animees_avec_parents(sources):
    """Actions of the year whose "animée avec" names parents or residents, out of the actions of
    the year, in percent. Parents who only attend a session do not make it run with them."""
    return _part(sources, lambda groupe: groupe["animee_avec_parents"])


# What each group of `organisations` names, and the sort of organisation it is.
ORGANISATIONS = (("structure", "porteur"), ("partenaire", "partenaires"), ("etablissement", "etablissements"))


def _distinctes(groupes, nom):
    return len(
        {
            (sorte, groupe[champ])
            for groupe in groupes
            if groupe[nom]
            for sorte, champ in ORGANISATIONS
            if groupe[champ] is not None
        }
    )


@indicateur(
    "nb_partenaires_distincts",
    libelle="Nombre de partenaires distincts impliqués",
    lit=("organisations", "noms_des_quartiers"),
)
def nb_partenaires_distincts(sources):
    """Distinct organisations involved in the actions of the year: structures porteuses,
    partenaires associés and établissements scolaires where an action takes place, each counted
    once however many actions involve it; by quartier of the action on the contract's dashboard."""
    groupes = sources.organisations
    ventilations = []
    if sources.quartier is None:
        par_quartier = {}
        for groupe in groupes:
            par_quartier.setdefault(groupe["quartiers"], []).append(groupe)
        noms = sources.noms_des_quartiers
        ventilations.append(
            Ventilation(
                "quartier",
                "Par quartier concerné",
                [
                    Ligne(*noms[pk], *(_distinctes(des_groupes, nom) for nom in ANNEES))
                    for pk, des_groupes in sorted(par_quartier.items(), key=lambda item: noms[item[0]])
                ],
                recouvrement="Un partenaire impliqué dans plusieurs quartiers compte dans chacun : "
                "la somme des lignes peut dépasser le total.",
            )
        )
    return Resultat({nom: _distinctes(groupes, nom) for nom in ANNEES}, ventilations)


@indicateur("part_seances_en_ecole", libelle="Part des séances tenues dans un établissement scolaire", lit=("seances",))
def part_seances_en_ecole(sources):
    """Sessions of the year held in an établissement scolaire, out of the sessions of the year
    (up to the date, for a year under way), in percent; cancelled sessions, and those of
    cancelled actions, left out. Summed with the sessions' other figures (actions.resumes):
    no query of its own."""
    seances = sources.seances
    return Resultat({nom: ratio(seances["en_ecole"][nom], seances["tenues"][nom]) for nom in ANNEES})
