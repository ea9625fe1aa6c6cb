"""Effect indicators: how often the children came, and the parents with them."""

from .figures import Resultat, ratio
from .registre import indicateur
from .sources import ANNEES


@indicateur(
    "frequentation",
    libelle="Fréquentation des actions éducatives",
    lit=("presences", "seances"),
    derive_de=("nb_enfants_beneficiaires",),
    additif=True,
)
def frequentation(sources):
    """Presences of enrolled children, plus the children counted at the door of the sessions."""
    presences = sources.presences
    anonymes = sources.seances["anonymes"]
    return Resultat({nom: presences[nom] + anonymes[nom] for nom in ANNEES})


@indicateur(
    "taux_assiduite",
    libelle="Taux d’assiduité",
    lit=("presences", "seances"),
    derive_de=("nb_enfants_beneficiaires", "frequentation"),
)
def taux_assiduite(sources):
    """Presences of enrolled children out of the presences possible, in percent: for each
    session whose attendance grid was saved (even with nobody present) and not cancelled, the
    children enrolled in its action and consenting on its date. A past session never entered
    (à saisir) counts none of its children absent: how many there are is shown beside the rate."""
    presences = sources.presences
    possibles = sources.seances["possibles"]
    return Resultat(
        {nom: ratio(presences[nom], possibles[nom]) for nom in ANNEES},
        seances_a_saisir=dict(sources.seances["a_saisir"]),
    )


@indicateur("nb_parents", libelle="Présences de parents", lit=("seances",))
def nb_parents(sources):
    """Parents present at the sessions of the school year."""
    return Resultat(dict(sources.seances["parents"]))
