"""A month of an action's attendance, in the layout of its export (actions.exports.presences_du_mois,
README « La grille d’un mois »): a row per child (its code in the column « Code de l’enfant »),
a column per session titled by its date jj/mm/aaaa and its time hh:mm when it has one. In a cell:
1 present, 0 absent, empty or « – » or « annulée »: nothing to say. The other columns of the
export (level, enrolment, consent) are read back and ignored.

Written through actions.services.presences_du_mois_enregistrer, the month grid's save: the same
rules (enrolment and consent at the date, a cancelled or future session, a closed year), the same
summaries and history, all or nothing. The preview names each refusal by row and column before."""

import re
from dataclasses import dataclass
from datetime import time

from django.utils import timezone

from actions.exports import ANNULEE, COLONNES_ENFANT, PAS_ATTENDU
from actions.models import Inscription, Presence, Seance
from actions.services import presences_du_mois_enregistrer
from fiches.annees import AnneeScolaire
from fiches.clotures import clotures

from .apercus import INCHANGEE, MODIFIEE, Apercu, LigneApercu, normaliser
from .lecture import CelluleIllisible, Erreur, lire_date, texte

COLONNE_CODE = next(colonne for colonne in COLONNES_ENFANT if colonne.cle == "code")
IGNOREES = {normaliser(titre) for colonne in COLONNES_ENFANT for titre in (colonne.cle, colonne.titre)}
TITRE_DE_SEANCE = re.compile(r"(.+?)(?:\s+([0-9]{1,2})[:hH]([0-9]{2}))?")
PRESENT = {"1", "x", "oui", "present", "présent", "p"}
ABSENT = {"0", "non", "absent", "a"}
SANS_AVIS = {"", PAS_ATTENDU, "-", "—", ANNULEE, "annulee"}
VALEURS_ADMISES = "1 (présent), 0 (absent), vide, « – » ou « annulée »"


@dataclass(frozen=True)
class ColonneDeSeance:
    rang: int
    titre: str
    seance: Seance


def _colonnes_de_seances(entetes, action, erreurs):
    """Each session column with the session it names; the code column's index."""
    rang_code, titres = None, []
    for rang, entete in enumerate(entetes):
        norme = normaliser(entete)
        if norme in (normaliser(COLONNE_CODE.cle), normaliser(COLONNE_CODE.titre)):
            rang_code = rang if rang_code is None else rang_code
        elif norme in IGNOREES:
            continue
        else:
            titres.append((rang, entete))
    lues = []
    for rang, entete in titres:
        trouve = TITRE_DE_SEANCE.fullmatch(entete)
        try:
            jour = lire_date(trouve[1]) if trouve else None
            heure = time(int(trouve[2]), int(trouve[3])) if trouve and trouve[2] else None
        except (CelluleIllisible, ValueError):
            jour = None
        if jour is None:
            erreurs.append(
                Erreur(
                    1,
                    entete or f"colonne {rang + 1}",
                    entete,
                    "colonne non reconnue : ni une colonne de l’enfant, ni la date d’une séance jj/mm/aaaa",
                )
            )
        else:
            lues.append((rang, entete, jour, heure))
    seances = {}
    for seance in Seance.objects.filter(action=action, date__in={jour for _, _, jour, _ in lues}):
        seances.setdefault(seance.date, []).append(seance)
    colonnes, vues = [], set()
    for rang, entete, jour, heure in lues:
        du_jour = seances.get(jour, [])
        candidates = [s for s in du_jour if s.heure_debut == heure]
        if not candidates and heure is None and len(du_jour) == 1:
            candidates = du_jour
        if len(candidates) != 1:
            raison = (
                "cette action n’a pas de séance à cette date"
                if not du_jour
                else "cette action a plusieurs séances ce jour-là : ajoutez l’heure de début (jj/mm/aaaa hh:mm)"
                if heure is None
                else "cette action n’a pas de séance à cette heure ce jour-là"
            )
            erreurs.append(Erreur(1, entete, entete, raison))
        elif candidates[0].pk in vues:
            erreurs.append(Erreur(1, entete, entete, "cette séance a déjà sa colonne plus à gauche"))
        else:
            vues.add(candidates[0].pk)
            colonnes.append(ColonneDeSeance(rang, entete, candidates[0]))
    return rang_code, colonnes


def _lire_case(valeur):
    """True (present), False (absent), None (nothing said); CelluleIllisible otherwise."""
    lue = texte(valeur).lower()
    if lue in PRESENT:
        return True
    if lue in ABSENT:
        return False
    if lue in SANS_AVIS:
        return None
    raise CelluleIllisible(f"valeur non reconnue : {VALEURS_ADMISES}")


def _refus(seance, inscription, present, fermees, aujourdhui):
    """Why this cell cannot be written (None: it can)."""
    _, date_inscription, consentement = inscription
    if seance.annulee_le:
        return "séance annulée : laissez la case vide ou « annulée » (rétablissez la séance pour noter ses présences)"
    if seance.date > aujourdhui:
        return "séance à venir : ses présences se notent le jour même ou après"
    cloture = fermees.get(AnneeScolaire.de_la_date(seance.date).annee_de_rentree)
    if cloture:
        return f"{cloture.en_clair()} : ces présences ne peuvent plus être modifiées"
    if present and date_inscription > seance.date:
        return f"l’enfant n’était pas inscrit à cette date (inscrit le {date_inscription:%d/%m/%Y})"
    if present and (consentement is None or consentement > seance.date):
        return (
            "le consentement parental n’était pas recueilli à cette date : renseignez-le sur la fiche de "
            "l’enfant avant de noter sa présence"
        )
    return None


def analyser(*, tableau, action, contrat, **_):
    """What importing the month would change, cell by cell, in a fixed number of queries: the
    action's sessions at the dates of the columns, its enrolments, those sessions' presences, and
    the closures of their school years."""
    apercu = Apercu()
    rang_code, colonnes = _colonnes_de_seances(tableau.entetes, action, apercu.erreurs)
    if rang_code is None:
        apercu.erreurs.append(
            Erreur(1, COLONNE_CODE.titre, "", f"colonne « {COLONNE_CODE.titre} » introuvable dans la première ligne")
        )
        return apercu
    inscriptions = {
        code: (pk, date_inscription, consentement)
        for pk, code, date_inscription, consentement in Inscription.objects.filter(action=action).values_list(
            "participant_id", "participant__code", "date_inscription", "participant__date_consentement"
        )
    }
    presences = set(
        Presence.objects.filter(seance__in=[c.seance.pk for c in colonnes]).values_list("seance_id", "participant_id")
    )
    fermees = clotures(
        contrat=contrat, annees={AnneeScolaire.de_la_date(c.seance.date).annee_de_rentree for c in colonnes}
    )
    aujourdhui = timezone.localdate()
    notes = {c.seance.pk: {} for c in colonnes}
    vus = {}
    for numero, cellules in tableau.lignes:
        code = texte(cellules[rang_code] if rang_code < len(cellules) else None).upper()
        inscription = inscriptions.get(code)
        if inscription is None:
            raison = "code de l’enfant manquant" if not code else "aucun enfant inscrit à cette action n’a ce code"
            apercu.erreurs.append(Erreur(numero, COLONNE_CODE.titre, code, raison))
            continue
        if code in vus:
            apercu.erreurs.append(
                Erreur(numero, COLONNE_CODE.titre, code, f"cet enfant a déjà sa ligne (ligne {vus[code]})")
            )
            continue
        vus[code] = numero
        changements, erreurs_avant = [], len(apercu.erreurs)
        for colonne in colonnes:
            brute = cellules[colonne.rang] if colonne.rang < len(cellules) else None
            try:
                present = _lire_case(brute)
            except CelluleIllisible as erreur:
                apercu.erreurs.append(Erreur(numero, colonne.titre, texte(brute), str(erreur)))
                continue
            if present is None:
                continue
            seance = colonne.seance
            deja = (seance.pk, inscription[0]) in presences
            # Only a change is refused: a month of a closed year read back as it is passes.
            if present != deja or seance.saisie_le is None:
                raison = _refus(seance, inscription, present, fermees, aujourdhui)
                if raison:
                    apercu.erreurs.append(Erreur(numero, colonne.titre, texte(brute), raison))
                    continue
                changements.append(f"{colonne.titre} : {'présent' if present else 'absent'}")
            notes[seance.pk][inscription[0]] = present
        if len(apercu.erreurs) == erreurs_avant:
            apercu.lignes.append(
                LigneApercu(numero, code, MODIFIEE if changements else INCHANGEE, " ; ".join(changements))
            )
    a_ecrire = {}
    for colonne in colonnes:
        seance, notees = colonne.seance, notes[colonne.seance.pk]
        if any(present != ((seance.pk, pk) in presences) for pk, present in notees.items()) or (
            notees and seance.saisie_le is None
        ):
            a_ecrire[seance.pk] = {
                "presents": {pk for pk, present in notees.items() if present},
                # The children the file speaks of and who are present now: those it may untick.
                "presents_au_chargement": {pk for pk in notees if (seance.pk, pk) in presences},
                "enfants_anonymes": seance.enfants_anonymes,
                "parents_presents": seance.parents_presents,
            }
    apercu.ecritures = a_ecrire
    return apercu


def ecrire(*, apercu, action, **_):
    """The month's grids that change, saved at once by the month grid's service."""
    if apercu.ecritures:
        presences_du_mois_enregistrer(action=action, grilles=apercu.ecritures)
