"""Reads of the home page: what waits for each role, and the key figures the officers and the
partners watch. Each list shows its first rows with how many there are in all, read together in
one query (a window over the rows), so the page costs the same queries whatever the data;
`envoyer_rappels` mails the same lists, read by the same functions."""

from collections import defaultdict
from dataclasses import dataclass
from datetime import timedelta

from django.db.models import Count, Exists, F, Min, OuterRef, Q, Subquery, Window
from django.db.models.functions import Coalesce, RowNumber
from django.urls import reverse
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.http import urlencode
from django.utils.text import Truncator

from actions.selectors import seances_non_saisies
from comptes.perms import peut_voir_le_tableau_du_contrat
from dossiers.enums import EtatDossier
from dossiers.models import LigneBudget, TransitionDossier
from dossiers.perms import peut_voir_les_dossiers
from dossiers.selectors import campagnes_visibles, dossiers_visibles
from fiches.templatetags.format_fr import euros
from indicateurs.selectors import chiffres_des_fiches, quartiers_visibles

# The rows each list shows; the others are counted, with a link to the list that has them all.
PREMIERS = 5
# A bilan is expected from the porteur once its action has ended, or within this many days of its end.
BILAN_ATTENDU_DANS = timedelta(days=30)
# A session still à saisir this long after its day is late: the officers follow its action up.
SAISIE_EN_RETARD_APRES = timedelta(days=7)
# The quartiers of a partner whose key figures the page computes (one pass each); the others
# are a link to their dashboards.
QUARTIERS_CHIFFRES = 3
COMMENTAIRE_MAX = 200


@dataclass(frozen=True)
class Element:
    """One line of a list: what it names, where it stands, and the page where to act on it."""

    texte: str
    detail: str
    adresse: str


@dataclass(frozen=True)
class Bloc:
    """One list of the home page: its first rows, how many in all, what it says when it is empty
    and the list page that shows them all, where one exists. A list `a_faire` asks something of
    its reader; the others tell where things stand. Nothing to do: no reminder (envoyer_rappels)."""

    cle: str
    titre: str
    elements: list
    total: int
    vide: str
    voir_tout: str | None = None
    a_faire: bool = True
    precision: str = ""

    @property
    def autres(self):
        return self.total - len(self.elements)


@dataclass(frozen=True)
class ChiffresCles:
    """The key figures of each fiche, for the contract (quartier None) or one quartier."""

    quartier: object
    fiches: list


def rien_a_faire(blocs):
    return not any(bloc.total for bloc in blocs if bloc.a_faire)


def _premiers(lignes, *, ordre, partition=None):
    """The first PREMIERS rows of the query in `ordre` (of each value of `partition`), each
    carrying `total`, the number of rows (of its partition): one query."""
    par = {"partition_by": [F(partition)]} if partition else {}
    return list(
        lignes.annotate(rang=Window(RowNumber(), order_by=ordre, **par), total=Window(Count("pk"), **par))
        .filter(rang__lte=PREMIERS)
        .order_by(*([partition] if partition else []), "rang")
    )


def _total(lignes):
    return lignes[0].total if lignes else 0


def _jour(jour):
    return f"{jour:%d/%m/%Y}"


def _liste_des_dossiers(**filtres):
    return f"{reverse('dossiers:liste')}?{urlencode(filtres)}" if filtres else reverse("dossiers:liste")


def _derniere_etape(champ):
    """The field of the dossier's last step of instruction (TransitionDossier)."""
    etapes = TransitionDossier.objects.filter(dossier=OuterRef("pk")).order_by("-le", "-pk")
    return Subquery(etapes.values(champ)[:1])


def _dossier(dossier, ce_qu_il_attend):
    """A dossier's line: its title, its structure and what it waits for, linking to its page."""
    return Element(dossier.titre, f"{dossier.structure} – {ce_qu_il_attend}", dossier.get_absolute_url())


def _fin_de_l_action():
    """The end of the action a conventionné dossier became, or the end the dossier planned."""
    return Coalesce("action__date_fin", "date_fin")


# --- Chefs de projet ----------------------------------------------------------------------------

A_INSTRUIRE = {
    EtatDossier.DEPOSE: (
        "Dossiers déposés, à mettre en instruction",
        "Aucun dossier déposé n’attend d’être mis en instruction.",
    ),
    EtatDossier.EN_INSTRUCTION: (
        "Dossiers en instruction, à décider",
        "Aucun dossier en instruction n’attend de décision.",
    ),
    EtatDossier.BILAN_DEPOSE: ("Bilans déposés, à valider", "Aucun bilan déposé n’attend d’être validé."),
}


def _dossiers_a_instruire(perimetre):
    """The dossiers waiting for the project team in each state, those waiting longest first."""
    lignes = _premiers(
        dossiers_visibles(perimetre=perimetre)
        .filter(etat__in=A_INSTRUIRE)
        .select_related("structure")
        .annotate(depuis=Coalesce(_derniere_etape("le"), "cree_le")),
        ordre=[F("depuis").asc(), F("pk").asc()],
        partition="etat",
    )
    par_etat = defaultdict(list)
    for dossier in lignes:
        par_etat[dossier.etat].append(dossier)
    return [
        Bloc(
            cle=f"dossiers-{etat}",
            titre=titre,
            elements=[
                _dossier(dossier, f"{etat.label.lower()} depuis le {_jour(timezone.localdate(dossier.depuis))}")
                for dossier in par_etat[etat]
            ],
            total=_total(par_etat[etat]),
            vide=vide,
            voir_tout=_liste_des_dossiers(etat=etat),
        )
        for etat, (titre, vide) in A_INSTRUIRE.items()
    ]


def _fin_prevue(fin, aujourdhui):
    return f"action terminée le {_jour(fin)}" if fin < aujourdhui else f"l’action se termine le {_jour(fin)}"


def _bilans_attendus(perimetre, aujourdhui):
    """Dossiers en cours whose action has ended or ends soon, and whose porteur has not
    deposited the bilan (or had it returned): the officers remind them."""
    lignes = _premiers(
        dossiers_visibles(perimetre=perimetre)
        .filter(etat=EtatDossier.EN_COURS)
        .annotate(fin=_fin_de_l_action())
        .filter(fin__lte=aujourdhui + BILAN_ATTENDU_DANS)
        .select_related("structure"),
        ordre=[F("fin").asc(), F("pk").asc()],
    )
    return Bloc(
        cle="bilans-attendus",
        titre=f"Bilans attendus (actions terminées ou qui se terminent dans les {BILAN_ATTENDU_DANS.days} jours)",
        elements=[_dossier(dossier, _fin_prevue(dossier.fin, aujourdhui)) for dossier in lignes],
        total=_total(lignes),
        vide=(
            "Aucun bilan n’est attendu : aucune action en cours ne se termine dans les "
            f"{BILAN_ATTENDU_DANS.days} jours."
        ),
        voir_tout=_liste_des_dossiers(etat=EtatDossier.EN_COURS),
    )


def _pluriel(nombre, singulier, pluriel):
    return f"{nombre} {singulier if nombre == 1 else pluriel}"


def _actions_en_retard(perimetre, aujourdhui):
    """The actions with sessions à saisir for more than SAISIE_EN_RETARD_APRES, the oldest
    waiting first, with how many each has: two queries."""
    seances = seances_non_saisies(perimetre=perimetre).filter(date__lt=aujourdhui - SAISIE_EN_RETARD_APRES)
    par_action = (
        seances.values("action", "action__titre", "action__porteur__nom")
        .annotate(nombre=Count("pk"), depuis=Min("date"))
        .order_by("depuis", "action")[:PREMIERS]
    )
    totaux = seances.aggregate(seances=Count("pk"), actions=Count("action", distinct=True))
    jours = SAISIE_EN_RETARD_APRES.days
    return Bloc(
        cle="saisies-en-retard",
        titre=f"Actions dont des séances sont à saisir depuis plus de {jours} jours",
        elements=[
            Element(
                ligne["action__titre"],
                f"{ligne['action__porteur__nom']} – {_pluriel(ligne['nombre'], 'séance', 'séances')} à saisir, "
                f"la plus ancienne du {_jour(ligne['depuis'])}",
                reverse("actions:detail", kwargs={"pk": ligne["action"]}),
            )
            for ligne in par_action
        ],
        total=totaux["actions"],
        vide=f"Aucune séance n’attend sa saisie depuis plus de {jours} jours.",
        precision=f"{_pluriel(totaux['seances'], 'séance', 'séances')} en retard en tout" if totaux["seances"] else "",
    )


# --- Animateurs ---------------------------------------------------------------------------------


def _seance(seance, aujourdhui):
    heure = f" à {seance.heure_debut:%H:%M}" if seance.heure_debut else ""
    etat = "à saisir" if seance.date <= aujourdhui else "à venir, sa grille s’ouvre le jour même"
    return Element(
        seance.action.titre,
        f"{date_format(seance.date, 'l d/m/Y')}{heure} – {etat}",
        reverse("actions:presences", kwargs={"pk": seance.pk}),
    )


def _seances_a_saisir(perimetre, aujourdhui):
    """This week's sessions whose grid is not saved yet, and the earlier ones still à saisir,
    each linking to its attendance grid."""
    lundi = aujourdhui - timedelta(days=aujourdhui.weekday())
    dimanche = lundi + timedelta(days=6)
    seances = seances_non_saisies(perimetre=perimetre).select_related("action")
    ordre = [F("date").asc(), F("heure_debut").asc(nulls_first=True), F("pk").asc()]
    semaine = _premiers(seances.filter(date__range=(lundi, dimanche)), ordre=ordre)
    retard = _premiers(seances.filter(date__lt=lundi), ordre=ordre)
    return [
        Bloc(
            cle="seances-de-la-semaine",
            titre=f"Séances de la semaine à saisir (du {_jour(lundi)} au {_jour(dimanche)})",
            elements=[_seance(seance, aujourdhui) for seance in semaine],
            total=_total(semaine),
            vide="Aucune séance à saisir cette semaine.",
            voir_tout=reverse("actions:liste"),
        ),
        Bloc(
            cle="seances-en-retard",
            titre="Séances des semaines passées toujours à saisir",
            elements=[_seance(seance, aujourdhui) for seance in retard],
            total=_total(retard),
            vide="Aucune séance en retard : toutes les grilles des semaines passées sont saisies.",
            voir_tout=reverse("actions:liste"),
        ),
    ]


# --- Porteurs -----------------------------------------------------------------------------------

ATTENTES = {
    EtatDossier.DEPOSE: "Déposé : en attente de sa mise en instruction",
    EtatDossier.EN_INSTRUCTION: "En instruction : avis des financeurs puis décision",
    EtatDossier.RETENU: "Retenu : en attente de la convention",
    EtatDossier.CONVENTIONNE: "Conventionné : l’action va démarrer",
    EtatDossier.BILAN_DEPOSE: "Bilan déposé : en attente de sa validation",
    EtatDossier.BILAN_VALIDE: "Bilan validé : en attente du solde",
}


def _commentaire(dossier):
    return f" : « {Truncator(dossier.commentaire).chars(COMMENTAIRE_MAX)} »" if dossier.commentaire else ""


def _ce_qu_attend(dossier, aujourdhui):
    """What the dossier waits for, in the porteur's words."""
    if dossier.etat == EtatDossier.BROUILLON:
        return "Brouillon : à compléter puis déposer"
    if dossier.etat == EtatDossier.AJOURNE:
        return f"Ajourné{_commentaire(dossier)} ; l’instruction reprendra"
    if dossier.etat == EtatDossier.EN_COURS:
        if dossier.etape == "renvoyer_bilan":
            return f"Bilan renvoyé avec un commentaire{_commentaire(dossier)} ; à reprendre et déposer"
        if dossier.fin is None:
            return "En cours : bilan à déposer à la fin de l’action"
        if dossier.fin <= aujourdhui + BILAN_ATTENDU_DANS:
            return f"Bilan à déposer ({_fin_prevue(dossier.fin, aujourdhui)})"
        return f"En cours : bilan à déposer à la fin de l’action, le {_jour(dossier.fin)}"
    return ATTENTES[dossier.etat]


def _dossiers_du_porteur(perimetre, aujourdhui):
    """The porteur's dossiers still under way: those waiting for them (a draft, a bilan due or
    returned), then those waiting for someone else, each saying what."""
    dossiers = (
        dossiers_visibles(perimetre=perimetre)
        .exclude(etat__in=[EtatDossier.SOLDE, EtatDossier.REFUSE])
        .select_related("structure")
        .annotate(fin=_fin_de_l_action(), etape=_derniere_etape("nom"), commentaire=_derniere_etape("commentaire"))
    )
    a_faire = Q(etat=EtatDossier.BROUILLON) | Q(
        Q(fin__lte=aujourdhui + BILAN_ATTENDU_DANS) | Q(etape="renvoyer_bilan"), etat=EtatDossier.EN_COURS
    )
    ordre = [F("fin").asc(nulls_last=True), F("pk").asc()]
    a_moi = _premiers(dossiers.filter(a_faire), ordre=ordre)
    ailleurs = _premiers(dossiers.exclude(a_faire), ordre=ordre)

    def elements(lignes):
        return [_dossier(dossier, _ce_qu_attend(dossier, aujourdhui)) for dossier in lignes]

    return [
        Bloc(
            cle="dossiers-a-faire",
            titre="Vos dossiers qui attendent quelque chose de vous",
            elements=elements(a_moi),
            total=_total(a_moi),
            vide="Aucun de vos dossiers n’attend quelque chose de vous.",
            voir_tout=_liste_des_dossiers(),
        ),
        Bloc(
            cle="dossiers-en-cours",
            titre="Vos autres dossiers en cours",
            elements=elements(ailleurs),
            total=_total(ailleurs),
            vide="Aucun autre dossier n’est en cours d’instruction ou de réalisation.",
            voir_tout=_liste_des_dossiers(),
            a_faire=False,
        ),
    ]


def _campagnes_ouvertes(perimetre, aujourdhui):
    lignes = _premiers(
        campagnes_visibles(perimetre=perimetre).filter(ouverture__lte=aujourdhui, cloture__gte=aujourdhui),
        ordre=[F("cloture").asc(), F("pk").asc()],
    )
    return Bloc(
        cle="campagnes-ouvertes",
        titre="Appels à projets ouverts",
        elements=[
            Element(
                campagne.intitule, f"dépôt des dossiers jusqu’au {_jour(campagne.cloture)}", campagne.get_absolute_url()
            )
            for campagne in lignes
        ],
        total=_total(lignes),
        vide="Aucun appel à projets n’est ouvert aujourd’hui.",
        voir_tout=reverse("dossiers:campagnes"),
        a_faire=False,
    )


# --- Partenaires --------------------------------------------------------------------------------


def _avis_a_donner(perimetre):
    """The dossiers in instruction that ask the partner's institution for money and on which it
    has given no avis yet, with the amount asked of it."""
    avis = TransitionDossier.objects.filter(
        dossier=OuterRef("pk"), nom="donner_avis", partenaire_id=perimetre.partenaire_id
    )
    demande = LigneBudget.objects.filter(dossier=OuterRef("pk"), financeur_id=perimetre.partenaire_id)
    lignes = _premiers(
        dossiers_visibles(perimetre=perimetre)
        .filter(etat=EtatDossier.EN_INSTRUCTION)
        .exclude(Exists(avis))
        .select_related("structure")
        .annotate(montant=Subquery(demande.values("montant_demande")[:1])),
        ordre=[F("pk").asc()],
    )
    return Bloc(
        cle="avis-a-donner",
        titre="Dossiers en instruction qui attendent l’avis de votre institution",
        elements=[_dossier(dossier, f"{euros(dossier.montant)} demandés à votre institution") for dossier in lignes],
        total=_total(lignes),
        vide="Aucun dossier en instruction n’attend l’avis de votre institution.",
        voir_tout=_liste_des_dossiers(etat=EtatDossier.EN_INSTRUCTION),
    )


# --- The page -----------------------------------------------------------------------------------


def taches(*, perimetre, aujourdhui=None):
    """The lists of the user's home page, in the order it shows them: what waits for them, and
    where their files stand. The same lists are mailed by envoyer_rappels."""
    aujourdhui = aujourdhui or timezone.localdate()
    if perimetre.responsable:
        return [
            *_dossiers_a_instruire(perimetre),
            _bilans_attendus(perimetre, aujourdhui),
            _actions_en_retard(perimetre, aujourdhui),
        ]
    if perimetre.animateur:
        return _seances_a_saisir(perimetre, aujourdhui)
    if perimetre.porteur:
        return [*_dossiers_du_porteur(perimetre, aujourdhui), _campagnes_ouvertes(perimetre, aujourdhui)]
    if perimetre.partenaire and peut_voir_les_dossiers(perimetre):
        return [_avis_a_donner(perimetre)]
    return []


def chiffres_cles(*, perimetre, annee):
    """The year's key figures of each fiche, as /indicateurs/ shows them: for the contract, to
    the officers and the partners who read it; for the first QUARTIERS_CHIFFRES quartiers of a
    partner granted some, masked as their dashboards are. Nothing for the other roles."""
    if perimetre.responsable or (perimetre.partenaire and peut_voir_le_tableau_du_contrat(perimetre)):
        return [ChiffresCles(None, chiffres_des_fiches(perimetre=perimetre, annee=annee))]
    if not perimetre.partenaire:
        return []
    quartiers = quartiers_visibles(perimetre=perimetre).order_by("nom", "pk")[:QUARTIERS_CHIFFRES]
    return [
        ChiffresCles(quartier, chiffres_des_fiches(perimetre=perimetre, annee=annee, quartier=quartier))
        for quartier in quartiers
    ]
