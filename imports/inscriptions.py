"""Children enrolled in an action: a row per child, their code (« Code de l’enfant ») and the date
of their enrolment (« Inscrit le »). The month's export has both in its first columns: it reads
back as these enrolments, its other columns ignored. A child already enrolled on that date is
left as is; a child is found among those the action's structure follows, by code.

Written through actions.services.participants_inscrire, once per date of enrolment: a closed
year, a date outside the action, a child of another structure are refused there as in the form,
and the sessions' expected children and the action's yearly sums follow."""

from django.utils import timezone

from actions.exports import COLONNES_ENFANT
from actions.models import Inscription, Participant
from actions.services import participants_inscrire
from fiches.clotures import annees_entre, clotures

from .apercus import CREEE, INCHANGEE, Apercu, LigneApercu, cellule, colonnes_connues
from .lecture import CelluleIllisible, Erreur, lire_date, texte

TITRES = {colonne.cle: colonne.titre for colonne in COLONNES_ENFANT}
ATTENDUES = {
    "code": ("code", TITRES["code"], "code enfant"),
    "date_inscription": ("date_inscription", TITRES["date_inscription"], "date d’inscription", "inscription"),
}


def analyser(*, tableau, action, contrat, **_):
    """Each row's child and date against the action's enrolments, in a fixed number of queries:
    the children by code, the action's enrolments, the closures of the years concerned."""
    apercu = Apercu()
    rangs = colonnes_connues(tableau.entetes, ATTENDUES)
    for nom in ATTENDUES:
        if nom not in rangs:
            apercu.erreurs.append(
                Erreur(1, TITRES[nom], "", f"colonne « {TITRES[nom]} » introuvable dans la première ligne")
            )
    if apercu.erreurs:
        return apercu
    codes = {texte(cellule(cellules, rangs["code"])).upper() for _, cellules in tableau.lignes}
    enfants = dict(Participant.objects.filter(code__in=codes, structure_id=action.porteur_id).values_list("code", "pk"))
    inscrits = dict(Inscription.objects.filter(action=action).values_list("participant_id", "date_inscription"))
    aujourdhui = timezone.localdate()
    lues, vus = [], {}
    for numero, cellules in tableau.lignes:
        code = texte(cellule(cellules, rangs["code"])).upper()
        brute = cellule(cellules, rangs["date_inscription"])
        if code not in enfants:
            raison = "code de l’enfant manquant" if not code else f"aucun enfant suivi par {action.porteur} n’a ce code"
            apercu.erreurs.append(Erreur(numero, TITRES["code"], code, raison))
            continue
        if code in vus:
            apercu.erreurs.append(
                Erreur(numero, TITRES["code"], code, f"cet enfant a déjà sa ligne (ligne {vus[code]})")
            )
            continue
        vus[code] = numero
        try:
            jour = lire_date(brute)
            if jour is None:
                raise CelluleIllisible("date d’inscription manquante")
            if not action.date_debut <= jour <= action.date_fin:
                raise CelluleIllisible(
                    f"la date d’inscription doit tomber pendant l’action, du {action.date_debut:%d/%m/%Y} au "
                    f"{action.date_fin:%d/%m/%Y}"
                )
        except CelluleIllisible as erreur:
            apercu.erreurs.append(Erreur(numero, TITRES["date_inscription"], texte(brute), str(erreur)))
            continue
        lues.append((numero, code, enfants[code], jour, texte(brute)))
    fermees = clotures(
        contrat=contrat, annees={a for *_, jour, _ in lues for a in annees_entre(jour, max(jour, aujourdhui))}
    )
    a_inscrire = {}
    for numero, code, pk, jour, brute in lues:
        deja = inscrits.get(pk)
        if deja == jour:
            apercu.lignes.append(LigneApercu(numero, code, INCHANGEE))
        elif deja:
            apercu.erreurs.append(
                Erreur(
                    numero,
                    TITRES["date_inscription"],
                    brute,
                    f"cet enfant est inscrit à l’action depuis le {deja:%d/%m/%Y} : une date d’inscription ne se "
                    "change pas par un import",
                )
            )
        elif fermee := next((fermees[a] for a in annees_entre(jour, max(jour, aujourdhui)) if a in fermees), None):
            apercu.erreurs.append(
                Erreur(
                    numero,
                    TITRES["date_inscription"],
                    brute,
                    f"{fermee.en_clair()} : aucun enfant ne peut plus y être inscrit ; choisissez une date dans une "
                    "année ouverte",
                )
            )
        else:
            a_inscrire.setdefault(jour, []).append(pk)
            apercu.lignes.append(LigneApercu(numero, code, CREEE, f"inscrit le {jour:%d/%m/%Y}"))
    apercu.ecritures = a_inscrire
    return apercu


def ecrire(*, apercu, action, auteur, **_):
    """The new enrolments, by the enrolment form's service, once per date."""
    enfants = {
        p.pk: p for p in Participant.objects.filter(pk__in=[pk for pks in apercu.ecritures.values() for pk in pks])
    }
    for jour, pks in sorted(apercu.ecritures.items()):
        participants_inscrire(
            action=action, participants=[enfants[pk] for pk in pks], date_inscription=jour, auteur=auteur
        )
