"""The lists as files (fiches.tableurs): actions with their funding, funding lines, sessions, a
month of attendance, children. XLSX for people (French headers and labels, the codes in their own
columns, amounts in euros); CSV for machines (the same columns under stable keys). Each function
takes what its selector read and returns the tables; nothing here queries the database."""

import calendar
from dataclasses import dataclass
from datetime import date

from fiches.bornes import DATE_MAX, DATE_MIN
from fiches.tableurs import DATE, ENTIER, EUROS, HEURE, NUMERO, Colonne, Feuille

from .enums import NiveauScolaire

MOIS = [
    "janvier",
    "février",
    "mars",
    "avril",
    "mai",
    "juin",
    "juillet",
    "août",
    "septembre",
    "octobre",
    "novembre",
    "décembre",
]


def _liste(elements):
    return ", ".join(elements)


def _niveaux(codes):
    return _liste(str(NiveauScolaire(code).label) for code in codes if code in NiveauScolaire.values)


def _realisation(realisation):
    return f"{realisation.fiche.code}-{realisation.code}"


# --- Actions and their funding --------------------------------------------------------------------

COLONNES_MONTANTS = [
    Colonne("montant_demande", "Demandé", EUROS),
    Colonne("montant_accorde", "Accordé", EUROS),
    Colonne("montant_verse", "Versé", EUROS),
]

COLONNES_ACTIONS = [
    Colonne("id", "N°", NUMERO),
    Colonne("titre", "Action"),
    Colonne("realisation", "Code de la réalisation"),
    Colonne("realisation_intitule", "Réalisation attendue"),
    Colonne("realisation_libelle", "Réalisation attendue, libellé de la fiche"),
    Colonne("structure", "Structure porteuse"),
    Colonne("quartiers", "Quartiers concernés"),
    Colonne("codes_quartiers", "Codes des quartiers"),
    Colonne("thematiques", "Thématiques"),
    Colonne("dispositif", "Dispositif"),
    Colonne("niveaux", "Niveaux visés"),
    Colonne("codes_niveaux", "Codes des niveaux"),
    Colonne("date_debut", "Début", DATE),
    Colonne("date_fin", "Fin", DATE),
    Colonne("statut_libelle", "Statut"),
    Colonne("statut", "Code du statut"),
    Colonne("archivee", "Archivée"),
    Colonne("nb_seances", "Séances", ENTIER),
    Colonne("nb_inscrits", "Enfants inscrits", ENTIER),
    Colonne("montant_demande", "Total demandé", EUROS),
    Colonne("montant_accorde", "Total accordé", EUROS),
    Colonne("montant_verse", "Total versé", EUROS),
]


def _ligne_action(action):
    quartiers = list(action.quartiers.all())
    financements = list(action.financements.all())
    return [
        action.pk,
        action.titre,
        _realisation(action.realisation),
        action.realisation.intitule_court,
        action.realisation.libelle,
        action.porteur.nom,
        _liste(q.nom for q in quartiers),
        _liste(q.code for q in quartiers),
        _liste(t.libelle for t in action.thematiques.all()),
        str(action.dispositif) if action.dispositif else "",
        _niveaux(action.niveaux),
        _liste(action.niveaux),
        action.date_debut,
        action.date_fin,
        action.get_statut_display(),
        action.statut,
        "oui" if action.archivee else "non",
        action.nb_seances,
        action.nb_inscrits,
        *(sum(getattr(f, colonne.cle) for f in financements) for colonne in COLONNES_MONTANTS),
    ]


COLONNES_FINANCEMENTS = [
    Colonne("action_id", "N° de l’action", NUMERO),
    Colonne("action", "Action"),
    Colonne("structure", "Structure porteuse"),
    Colonne("annee", "Année budgétaire", NUMERO),
    Colonne("source", "Source de financement"),
    Colonne("financeur", "Financeur"),
    *COLONNES_MONTANTS,
]


def _ligne_financement(financement, action):
    return [
        action.pk,
        action.titre,
        action.porteur.nom,
        financement.annee,
        financement.source.libelle,
        str(financement.financeur) if financement.financeur else "",
        financement.montant_demande,
        financement.montant_accorde,
        financement.montant_verse,
    ]


def actions(liste):
    """The actions, then their funding lines (requested, granted, paid per financeur)."""
    liste = list(liste)
    return [
        Feuille("Actions", COLONNES_ACTIONS, [_ligne_action(action) for action in liste]),
        Feuille(
            "Financements",
            COLONNES_FINANCEMENTS,
            [_ligne_financement(f, action) for action in liste for f in action.financements.all()],
        ),
    ]


def financements(liste):
    return [Feuille("Financements", COLONNES_FINANCEMENTS, [_ligne_financement(f, f.action) for f in liste])]


# --- Sessions ----------------------------------------------------------------------------------

COLONNES_SEANCES = [
    Colonne("action_id", "N° de l’action", NUMERO),
    Colonne("action", "Action"),
    Colonne("structure", "Structure porteuse"),
    Colonne("id", "N° de la séance", NUMERO),
    Colonne("date", "Date", DATE),
    Colonne("heure_debut", "Heure de début", HEURE),
    Colonne("duree_minutes", "Durée (minutes)", ENTIER),
    Colonne("lieu", "Lieu"),
    Colonne("uai", "UAI du lieu"),
    Colonne("etat_libelle", "État"),
    Colonne("etat", "Code de l’état"),
    Colonne("motif_annulation", "Motif de l’annulation"),
    Colonne("nb_presents", "Enfants inscrits présents", ENTIER),
    Colonne("nb_inscrits", "Enfants attendus", ENTIER),
    Colonne("enfants_anonymes", "Enfants comptés à l’entrée", ENTIER),
    Colonne("parents_presents", "Parents", ENTIER),
    Colonne("adultes_presents", "Adultes encadrants", ENTIER),
]


def seances(liste):
    """Each session with its state and counts; presences and expected children count only once
    its grid is saved, as on the action's page."""
    lignes = []
    for seance in liste:
        etat = seance.etat
        saisie = seance.saisie_le is not None and seance.annulee_le is None
        lignes.append(
            [
                seance.action_id,
                seance.action.titre,
                seance.action.porteur.nom,
                seance.pk,
                seance.date,
                seance.heure_debut,
                seance.duree_minutes,
                seance.etablissement.nom if seance.etablissement else seance.lieu,
                seance.etablissement.uai if seance.etablissement else "",
                etat.label,
                etat.value,
                seance.motif_annulation,
                seance.nb_presents if saisie else None,
                seance.nb_inscrits if saisie else None,
                seance.enfants_anonymes,
                seance.parents_presents,
                seance.adultes_presents,
            ]
        )
    return [Feuille("Séances", COLONNES_SEANCES, lignes)]


# --- A month of attendance ---------------------------------------------------------------------


@dataclass(frozen=True, order=True)
class Mois:
    annee: int
    mois: int

    @classmethod
    def depuis(cls, texte, aujourdhui):
        """« 2025-11 »; anything else, or a month outside the dates the app accepts, gives the
        month of `aujourdhui`, as an illegible school year gives the current one."""
        try:
            annee, mois = (int(partie) for partie in str(texte).split("-"))
            resultat = cls(annee, mois)
            if resultat.debut >= DATE_MIN and resultat.fin <= DATE_MAX:
                return resultat
        except (ValueError, OverflowError):
            pass
        return cls(aujourdhui.year, aujourdhui.month)

    @property
    def debut(self):
        return date(self.annee, self.mois, 1)

    @property
    def fin(self):
        return date(self.annee, self.mois, calendar.monthrange(self.annee, self.mois)[1])

    @property
    def parametre(self):
        return f"{self.annee:04d}-{self.mois:02d}"

    def __str__(self):
        return f"{MOIS[self.mois - 1]} {self.annee}"


PRESENT, ABSENT = 1, 0
# In a cell of the grid: a cancelled session, and a child not expected on that date (not yet
# enrolled, or without parental consent): neither counts, as in the one-session grid.
ANNULEE = "annulée"
PAS_ATTENDU = "–"
COLONNES_ENFANT = [
    Colonne("code", "Code de l’enfant"),
    Colonne("niveau", "Niveau scolaire"),
    Colonne("date_inscription", "Inscrit le", DATE),
    Colonne("date_consentement", "Consentement parental le", DATE),
]


def titre_de_seance(seance):
    """A session's column, named by what identifies it within its action: its date, and its
    start time when it has one (two sessions of a day each have theirs)."""
    titre = f"{seance.date:%d/%m/%Y}"
    return f"{titre} {seance.heure_debut:%H:%M}" if seance.heure_debut else titre


def _cellule(grille, inscription, seance):
    if seance.annulee_le:
        return ANNULEE
    if not grille.attendu(inscription, seance):
        return PAS_ATTENDU
    if (seance.pk, inscription.participant_id) in grille.presents:
        return PRESENT
    return ABSENT if seance.saisie_le else None


MODE_D_EMPLOI = [
    ("Feuille « Présences »", "une ligne par enfant inscrit à l’action, une colonne par séance du mois"),
    ("Colonnes A à D", "code de l’enfant, niveau, date d’inscription, date du consentement parental"),
    ("Titre d’une colonne de séance", "sa date jj/mm/aaaa, suivie de son heure hh:mm quand elle en a une"),
    ("1", "présent"),
    ("0", "absent d’une séance dont la grille est enregistrée"),
    ("vide", "grille de la séance pas encore enregistrée"),
    (PAS_ATTENDU, "enfant pas encore inscrit ou sans consentement parental à cette date : ne compte pas"),
    (ANNULEE, "séance annulée : ne compte nulle part"),
    ("Feuille « Séances »", "chaque colonne de séance, son état et ses effectifs"),
]


def presences_du_mois(action, mois, grille):
    """The month's grid, children × sessions, in the layout the import of a month reads back
    (its « Mode d’emploi » sheet says it), then the sessions and the layout."""
    colonnes = [*COLONNES_ENFANT, *(Colonne(titre_de_seance(s), titre_de_seance(s), ENTIER) for s in grille.seances)]
    lignes = [
        [
            inscription.participant.code,
            inscription.participant.get_niveau_scolaire_display(),
            inscription.date_inscription,
            inscription.participant.date_consentement,
            *(_cellule(grille, inscription, seance) for seance in grille.seances),
        ]
        for inscription in grille.inscriptions
    ]
    details = [
        [
            titre_de_seance(seance),
            seance.date,
            seance.heure_debut,
            seance.etat.label,
            seance.motif_annulation,
            sum(1 for presente, _ in grille.presents if presente == seance.pk),
        ]
        for seance in grille.seances
    ]
    return [
        Feuille("Présences", colonnes, lignes),
        Feuille(
            "Séances",
            [
                Colonne("colonne", "Colonne"),
                Colonne("date", "Date", DATE),
                Colonne("heure_debut", "Heure de début", HEURE),
                Colonne("etat", "État"),
                Colonne("motif_annulation", "Motif de l’annulation"),
                Colonne("nb_presents", "Enfants inscrits présents", ENTIER),
            ],
            details,
        ),
        Feuille(
            "Mode d’emploi",
            [Colonne("element", f"{action.titre} – {mois}"), Colonne("sens", "Signification")],
            [list(ligne) for ligne in MODE_D_EMPLOI],
        ),
    ]


# --- Children ----------------------------------------------------------------------------------

COLONNES_ENFANTS = [
    Colonne("code", "Code de l’enfant"),
    Colonne("sexe_libelle", "Sexe"),
    Colonne("sexe", "Code du sexe"),
    Colonne("annee_naissance", "Année de naissance", NUMERO),
    Colonne("niveau_libelle", "Niveau scolaire"),
    Colonne("niveau", "Code du niveau"),
    Colonne("ecart_niveau", "Raison d’un niveau inhabituel pour l’âge"),
    Colonne("etablissement", "Établissement"),
    Colonne("uai", "UAI"),
    Colonne("quartier_residence", "Quartier de résidence"),
    Colonne("code_quartier_residence", "Code du quartier de résidence"),
    Colonne("structure", "Structure qui le suit"),
    Colonne("date_consentement", "Consentement parental le", DATE),
    Colonne("consentement_questionnaire", "Le consentement couvre le questionnaire"),
    Colonne("anonymise_le", "Anonymisé le", DATE),
    Colonne("nb_inscriptions", "Inscriptions", ENTIER),
]


def enfants(liste):
    """The children under their pseudonymous code, with what their record holds: never a name,
    never an address (the model has none)."""
    lignes = []
    for enfant in liste:
        quartier = enfant.quartier_residence
        lignes.append(
            [
                enfant.code,
                enfant.get_sexe_display(),
                enfant.sexe,
                enfant.annee_naissance,
                enfant.get_niveau_scolaire_display(),
                enfant.niveau_scolaire,
                enfant.get_ecart_niveau_display(),
                enfant.etablissement.nom if enfant.etablissement else "",
                enfant.etablissement.uai if enfant.etablissement else "",
                quartier.nom if quartier else "Hors quartier prioritaire",
                quartier.code if quartier else "",
                enfant.structure.nom,
                enfant.date_consentement,
                "oui" if enfant.consentement_questionnaire else "non",
                enfant.anonymise_le,
                enfant.nb_inscriptions,
            ]
        )
    return [Feuille("Enfants", COLONNES_ENFANTS, lignes)]
