"""Reads of the campaign and dossier pages, in a fixed number of queries whatever the data."""

from dataclasses import dataclass

from django.conf import settings
from django.db.models import Count, Exists, OuterRef, Prefetch, Q, Subquery, Sum
from django.shortcuts import get_object_or_404

from actions.enums import EtatSeance
from actions.models import Financement
from actions.selectors import assiduite_des_enfants, seances_de_l_action
from fiches.annees import AnneeScolaire

from .bilans import CompteRendu
from .enums import EtatDossier
from .models import Bilan, Campagne, Dossier, LigneBudget, TransitionDossier


def campagnes_visibles(*, perimetre):
    return Campagne.objects.filter(contrat=perimetre.contrat)


def liste_des_campagnes(*, perimetre):
    return (
        campagnes_visibles(perimetre=perimetre)
        .prefetch_related("fiches", "enveloppes__financeur")
        .annotate(nb_dossiers=Count("dossiers", filter=~Q(dossiers__etat=EtatDossier.BROUILLON)))
    )


def campagne_a_afficher(*, pk, perimetre):
    return get_object_or_404(
        campagnes_visibles(perimetre=perimetre)
        .select_related("source")
        .prefetch_related("fiches", "realisations__fiche", "enveloppes__financeur"),
        pk=pk,
    )


def dossiers_visibles(*, perimetre):
    """Officers see every dossier of their contract once deposited (a draft is the porteur's
    until then); a porteur those of their structures, drafts included; a partner only the
    deposited dossiers that ask its institution for money; nobody else any."""
    dossiers = Dossier.objects.filter(campagne__contrat=perimetre.contrat)
    if perimetre.porteur:
        return dossiers.filter(structure_id__in=perimetre.structure_ids)
    deposes = dossiers.exclude(etat=EtatDossier.BROUILLON)
    if perimetre.responsable:
        return deposes
    if perimetre.partenaire and perimetre.partenaire_id:
        sollicite = LigneBudget.objects.filter(
            dossier=OuterRef("pk"), financeur_id=perimetre.partenaire_id, montant_demande__gt=0
        )
        return deposes.filter(Exists(sollicite))
    return dossiers.none()


def liste_des_dossiers(*, dossiers, perimetre):
    """The rows of the list, with the amount asked: in total, or of the partner's institution.
    Summed by a subquery per row, which PostgreSQL evaluates for the page's rows only, after the
    sort and the limit (a join and GROUP BY would sum the lines of every dossier first: 60 ms
    instead of a few for the 6,000 dossiers of a large city)."""
    lignes = LigneBudget.objects.filter(dossier=OuterRef("pk"))
    if perimetre.partenaire:
        lignes = lignes.filter(financeur_id=perimetre.partenaire_id)
    somme = lignes.order_by().values("dossier").annotate(somme=Sum("montant_demande")).values("somme")
    return (
        dossiers.select_related("campagne", "structure", "fiche")
        .annotate(montant_demande=Subquery(somme))
        .order_by("-campagne__annee_scolaire", "titre", "pk")
    )


def etats_des_dossiers(*, dossiers):
    """How many dossiers in each state, in the order of the instruction."""
    nombres = dict(dossiers.order_by().values_list("etat").annotate(n=Count("pk")))
    return [(etat.label, nombres.get(etat.value, 0)) for etat in EtatDossier if nombres.get(etat.value)]


def dossier_a_afficher(*, pk, perimetre):
    """A dossier in scope with what its page and its transitions read. A partner reads only its
    own institution's line of the budget."""
    lignes = LigneBudget.objects.select_related("financeur")
    if perimetre.partenaire:
        lignes = lignes.filter(financeur_id=perimetre.partenaire_id)
    return get_object_or_404(
        dossiers_visibles(perimetre=perimetre)
        .select_related("campagne", "structure", "fiche", "action", "cree_par", "bilan")
        .prefetch_related("quartiers", "realisations", "dispositifs", Prefetch("lignes", queryset=lignes)),
        pk=pk,
    )


def historique_du_dossier(*, dossier, perimetre):
    """The steps of its instruction, oldest first. A partner does not read the other
    institutions' avis."""
    etapes = TransitionDossier.objects.filter(dossier=dossier).select_related("auteur", "partenaire")
    if perimetre.partenaire:
        etapes = etapes.exclude(Q(nom="donner_avis") & ~Q(partenaire_id=perimetre.partenaire_id))
    return list(etapes)


def transitions_possibles(*, dossier, perimetre):
    """(name, label) of the transitions this user may run on the dossier now."""
    return [(t.name, t.custom["libelle"]) for t in dossier.get_available_user_etat_transitions(perimetre)]


# --- Bilans ---------------------------------------------------------------------------------------

# A bilan is due from these states on: the action runs, its bilan is not validated yet.
BILAN_ATTENDU = (EtatDossier.CONVENTIONNE, EtatDossier.EN_COURS, EtatDossier.BILAN_DEPOSE)
BILAN_LISIBLE = (EtatDossier.EN_COURS, EtatDossier.BILAN_DEPOSE, EtatDossier.BILAN_VALIDE, EtatDossier.SOLDE)


def dossier_du_bilan(*, pk, perimetre):
    """A dossier in scope whose bilan may exist, with it and what its compte rendu reads."""
    return get_object_or_404(
        dossiers_visibles(perimetre=perimetre)
        .filter(etat__in=BILAN_LISIBLE, action__isnull=False)
        .select_related("campagne", "structure", "fiche", "action", "bilan")
        .prefetch_related(Prefetch("lignes", queryset=LigneBudget.objects.select_related("financeur"))),
        pk=pk,
    )


def bilan_du_dossier(dossier):
    """Its bilan, or an empty one (not saved) until the porteur first saves it."""
    try:
        return dossier.bilan
    except Bilan.DoesNotExist:
        return Bilan(dossier=dossier)


def financeurs_du_bilan(*, dossier):
    """[(id, name, amount planned)] of the subventions d'exploitation of a bilan: the financeurs
    of its action's funding lines, planned as granted, and those its budget asked that the
    action has no line of, planned as asked. One query (the dossier's lines fetched up front)."""
    prevus, noms = {}, {}
    for financement in Financement.objects.filter(action_id=dossier.action_id, financeur__isnull=False).select_related(
        "financeur"
    ):
        prevus[financement.financeur_id] = prevus.get(financement.financeur_id, 0) + financement.montant_accorde
        noms[financement.financeur_id] = str(financement.financeur)
    for ligne in dossier.lignes.all():
        if ligne.montant_demande and ligne.financeur_id not in prevus:
            prevus[ligne.financeur_id] = ligne.montant_demande
            noms[ligne.financeur_id] = str(ligne.financeur)
    return sorted(((pk, noms[pk], prevu) for pk, prevu in prevus.items()), key=lambda financeur: financeur[1])


def compte_rendu_du_bilan(*, bilan):
    return CompteRendu.depuis(
        bilan.compte_rendu, financeurs_du_bilan(dossier=bilan.dossier), prerempli=bilan.pk is None
    )


@dataclass(frozen=True)
class ChiffresDuBilan:
    """What the action's records say, for its bilan: never typed. Children's counts are masked
    outside the officers as the dashboards mask them: « < 5 » for 1 to 4 children, « s » for a
    figure that would give one away (by difference with another shown, or derived from one)."""

    enfants_inscrits: object
    enfants_venus: object
    enfants_venus_en_qpv: object
    part_en_qpv: object
    presences: object
    presences_possibles: object
    taux_assiduite: object
    seances_prevues: int
    seances_tenues: int
    seances_annulees: int
    seances_a_saisir: int
    parents: int
    enfants_comptes_a_l_entree: int
    masque: bool


SECONDAIRE = "s"


def chiffres_du_bilan(*, action, perimetre):
    """The quantitative part of a bilan, from the action's enrolments and sessions, read by the
    selectors of the action's page (two queries): a child who came twice counts once; a session
    counts as held once its grid is saved, never when cancelled."""
    inscriptions = assiduite_des_enfants(action=action)
    seances = seances_de_l_action(action=action)
    venus = [inscription for inscription in inscriptions if inscription.nb_presences]
    tenues = [seance for seance in seances if seance.etat == EtatSeance.SAISIE]
    presences = sum(inscription.nb_presences for inscription in inscriptions)
    possibles = sum(inscription.nb_possibles for inscription in inscriptions)
    en_qpv = sum(1 for inscription in venus if inscription.participant.quartier_residence_id)
    enfants = {"inscrits": len(inscriptions), "venus": len(venus), "en_qpv": en_qpv}
    masque = not perimetre.responsable
    marques = _marques(enfants) if masque else {}
    derives = {
        "part_en_qpv": (en_qpv / len(venus) if venus else None, ("venus", "en_qpv")),
        "presences": (presences, ("venus",)),
        "presences_possibles": (possibles, ("inscrits",)),
        "taux_assiduite": (presences / possibles if possibles else None, ("venus", "inscrits")),
    }
    valeurs = {nom: marques.get(nom, valeur) for nom, valeur in enfants.items()}
    for nom, (valeur, sources) in derives.items():
        valeurs[nom] = SECONDAIRE if any(source in marques for source in sources) else valeur
    return ChiffresDuBilan(
        enfants_inscrits=valeurs["inscrits"],
        enfants_venus=valeurs["venus"],
        enfants_venus_en_qpv=valeurs["en_qpv"],
        part_en_qpv=valeurs["part_en_qpv"],
        presences=valeurs["presences"],
        presences_possibles=valeurs["presences_possibles"],
        taux_assiduite=valeurs["taux_assiduite"],
        seances_prevues=len(seances),
        seances_tenues=len(tenues),
        seances_annulees=sum(1 for seance in seances if seance.etat == EtatSeance.ANNULEE),
        seances_a_saisir=sum(1 for seance in seances if seance.etat == EtatSeance.A_SAISIR),
        parents=sum(seance.parents_presents for seance in tenues),
        enfants_comptes_a_l_entree=sum(seance.enfants_anonymes for seance in tenues),
        masque=masque,
    )


def _marques(enfants):
    """{count: mark} of the children's counts to hide: 1 to seuil − 1 children, and a count
    whose difference with the one it is part of (enrolled ⊃ came ⊃ living in a QPV) would be such
    a count, since the page shows both."""
    seuil = settings.SEUIL_PETITS_EFFECTIFS
    marques = {nom: f"< {seuil}" for nom, valeur in enfants.items() if 0 < valeur < seuil}
    for tout, partie in (("inscrits", "venus"), ("venus", "en_qpv")):
        if tout not in marques and partie not in marques and 0 < enfants[tout] - enfants[partie] < seuil:
            marques[partie] = SECONDAIRE
    return marques


def bilans_en_attente(*, contrat, annee):
    """The titles of the contract's dossiers whose action ended in the school year and whose
    bilan is not validated yet (conventionné, en cours, bilan déposé): the year cannot close
    before. An action that runs on past the year's end has its bilan in a later year."""
    annee = AnneeScolaire(annee) if isinstance(annee, int) else annee
    return list(
        Dossier.objects.filter(
            campagne__contrat=contrat,
            etat__in=BILAN_ATTENDU,
            action__date_fin__range=(annee.debut, annee.fin),
        )
        .order_by("titre", "pk")
        .values_list("titre", flat=True)
    )
