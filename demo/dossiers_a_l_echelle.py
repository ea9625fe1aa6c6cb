"""The appels à projets behind a generated contract's activity: a campaign per school year, and
for every action the dossier it was born from, moved along its instruction as far as the
action's dates allow (past years soldé, this year's from conventionné to bilan validé), plus
this year's dossiers not retained or still instructed. Bulk inserts, with the history and the
steps the services would have written, so the dossier pages read what they read in service."""

from collections import defaultdict
from datetime import date, datetime, time, timedelta
from decimal import Decimal

from django.contrib.auth import get_user_model
from django.utils import timezone
from simple_history.utils import bulk_create_with_history

from comptes.auth import PREFIXE_DEMO
from dossiers.bilans import CompteRendu
from dossiers.enums import EtatDossier
from dossiers.models import Bilan, Campagne, Dossier, EnveloppeCampagne, LigneBudget, TransitionDossier
from fiches.annees import AnneeScolaire
from fiches.models import Fiche
from partenaires.enums import TypePartenaire
from partenaires.models import SourceFinancement

from .activite import creer_en_lot
from .dossiers import CHEMINS, COMMENTAIRES, PAR, SIRET_DU_PORTEUR, TEXTES_DU_BILAN, montants_du_bilan

# This year's dossiers that did not (yet) become an action, as a share of its actions.
NON_RETENUS = 0.12
ETATS_NON_RETENUS = [
    (0.15, EtatDossier.BROUILLON),
    (0.15, EtatDossier.DEPOSE),
    (0.25, EtatDossier.EN_INSTRUCTION),
    (0.1, EtatDossier.RETENU),
    (0.25, EtatDossier.REFUSE),
    (0.1, EtatDossier.AJOURNE),
]
# An envelope holds what its financeur granted, and a margin the committee did not spend.
MARGE_DES_ENVELOPPES = Decimal("1.1")


def _campagnes(contrat, annees, source, fiche):
    campagnes = [
        Campagne(
            contrat=contrat,
            intitule=f"Appel à projets {annee.libelle}",
            annee_scolaire=annee.annee_de_rentree,
            ouverture=date(annee.annee_de_rentree, 3, 1),
            cloture=date(annee.annee_de_rentree, 5, 31),
            description="Projets éducatifs dans les quartiers prioritaires : réussite scolaire et parentalité.",
            source=source,
        )
        for annee in annees
    ]
    campagnes = creer_en_lot(Campagne, campagnes, [{"fiches": [fiche]}] * len(campagnes), ["fiches"])
    return {campagne.annee_scolaire: campagne for campagne in campagnes}


def _etat_de_l_action(alea, action, aujourdhui, courante):
    """How far the dossier of an action got: a past year's is soldé; this year's follows its
    action's dates, its bilan deposited or validated a few weeks after the end."""
    if action.date_debut < courante.debut:
        return EtatDossier.SOLDE
    if action.date_debut > aujourdhui:
        return EtatDossier.CONVENTIONNE
    if action.date_fin >= aujourdhui:
        return EtatDossier.EN_COURS
    return alea.choices(
        [EtatDossier.EN_COURS, EtatDossier.BILAN_DEPOSE, EtatDossier.BILAN_VALIDE, EtatDossier.SOLDE],
        weights=[0.25, 0.35, 0.3, 0.1],
    )[0]


def _dates_des_etapes(alea, chemin, campagne, action, aujourdhui):
    """A date for each step: deposit and instruction during the call, the convention before the
    start, the bilan after the end; never after today."""
    depot = campagne.ouverture + timedelta(days=alea.randint(0, (campagne.cloture - campagne.ouverture).days))
    fin = action.date_fin if action else depot + timedelta(days=60)
    reperes = {
        "deposer": depot,
        "instruire": campagne.cloture + timedelta(days=alea.randint(1, 10)),
        "donner_avis": campagne.cloture + timedelta(days=alea.randint(11, 20)),
        "retenir": campagne.cloture + timedelta(days=alea.randint(21, 35)),
        "refuser": campagne.cloture + timedelta(days=alea.randint(21, 35)),
        "ajourner": campagne.cloture + timedelta(days=alea.randint(21, 35)),
        "conventionner": campagne.cloture + timedelta(days=alea.randint(36, 60)),
        "demarrer": action.date_debut if action else None,
        "deposer_bilan": fin + timedelta(days=alea.randint(5, 30)),
        "valider_bilan": fin + timedelta(days=alea.randint(31, 50)),
        "solder": fin + timedelta(days=alea.randint(51, 80)),
    }
    return [min(reperes[nom], aujourdhui) for nom in chemin]


def _dossier(
    alea, *, etat, demandes, campagne, action, structure, titre, quartiers, realisation, dispositif, debut, fin
):
    """A dossier (its state given at creation: django-fsm protects it afterwards) and its links."""
    etat_sollicite = any(financeur.type == TypePartenaire.ETAT for financeur, _ in demandes)
    return Dossier(
        etat=etat,
        numero_dauphin=f"DA-{campagne.annee_scolaire}-{alea.randrange(10**6):06d}" if etat_sollicite else "",
        campagne=campagne,
        structure=structure,
        titre=titre,
        objectifs="Donner envie d’apprendre aux enfants du quartier, avec leurs parents et leurs écoles.",
        public="Enfants des quartiers prioritaires et leurs parents.",
        fiche_id=realisation.fiche_id,
        date_debut=debut,
        date_fin=fin,
        cout_total=Decimal(alea.randrange(3000, 40000, 100)),
        siret=SIRET_DU_PORTEUR,
        rna="W951000123",
        action=action,
        cree_le=timezone.make_aware(datetime.combine(campagne.ouverture, time(10))),
    ), {"quartiers": quartiers, "realisations": [realisation], "dispositifs": [dispositif] if dispositif else []}


def generer_dossiers_a_l_echelle(*, alea, contrat, annees, actions, details, financements, aujourdhui):
    """Campaigns, dossiers, their budget lines and steps for the generated actions of `annees`
    (the last is the current one). The lines ask what the action's funding asked; the
    envelopes hold what was granted, and a margin."""
    courante = annees[-1]
    fiche = Fiche.objects.du_contrat(contrat).get(code="1.2.3")
    source = SourceFinancement.objects.filter(contrat=contrat, categorie="politique_ville").first()
    if source is None:
        return {"campagnes": 0, "dossiers": 0}
    campagnes = _campagnes(contrat, annees, source, fiche)
    par_action = defaultdict(list)
    for financement in financements:
        par_action[financement.action_id].append(financement)

    dossiers, liens, demandes = [], [], []
    for action, detail in zip(actions, details, strict=True):
        campagne = campagnes[annees[detail["rang"]].annee_de_rentree]
        demande = [(f.financeur, f.montant_demande) for f in par_action[action.pk] if f.financeur_id]
        dossier, lien = _dossier(
            alea,
            etat=_etat_de_l_action(alea, action, aujourdhui, courante),
            demandes=demande,
            campagne=campagne,
            action=action,
            structure=action.porteur,
            titre=action.titre,
            quartiers=detail["quartiers"],
            realisation=action.realisation,
            dispositif=action.dispositif,
            debut=action.date_debut,
            fin=action.date_fin,
        )
        dossiers.append(dossier)
        liens.append(lien)
        demandes.append(demande)
    campagne = campagnes[courante.annee_de_rentree]
    financeurs = sorted({f for lignes in demandes for f, _ in lignes}, key=lambda f: f.pk)
    derniere = len(annees) - 1
    de_l_annee = [(a, d) for a, d in zip(actions, details, strict=True) if d["rang"] == derniere]
    for action, detail in alea.sample(de_l_annee, int(len(de_l_annee) * NON_RETENUS)):
        debut = courante.debut + timedelta(days=alea.randint(14, 120))
        demande = [(alea.choice(financeurs), Decimal(alea.randrange(1000, 15000, 50)))] if financeurs else []
        etat = alea.choices([e for _, e in ETATS_NON_RETENUS], weights=[p for p, _ in ETATS_NON_RETENUS])[0]
        dossier, lien = _dossier(
            alea,
            etat=etat,
            demandes=demande,
            campagne=campagne,
            action=None,
            structure=action.porteur,
            titre=f"Nouveau projet : {action.titre}",
            quartiers=detail["quartiers"],
            realisation=action.realisation,
            dispositif=action.dispositif,
            debut=debut,
            fin=min(debut + timedelta(days=120), courante.fin),
        )
        dossiers.append(dossier)
        liens.append(lien)
        demandes.append(demande)

    dossiers = creer_en_lot(Dossier, dossiers, liens, ["quartiers", "realisations", "dispositifs"], lot=5000)

    lignes = bulk_create_with_history(
        [
            LigneBudget(dossier=dossier, financeur=financeur, montant_demande=montant)
            for dossier, demande in zip(dossiers, demandes, strict=True)
            for financeur, montant in dict(demande).items()
        ],
        LigneBudget,
        batch_size=5000,
    )
    accorde = defaultdict(Decimal)
    for financement in financements:
        if financement.financeur_id:
            annee = AnneeScolaire.de_la_date(financement.action.date_debut).annee_de_rentree
            accorde[(annee, financement.financeur_id)] += financement.montant_accorde or 0
    EnveloppeCampagne.objects.bulk_create(
        [
            EnveloppeCampagne(
                campagne=campagnes[annee],
                financeur_id=financeur,
                montant=(montant * MARGE_DES_ENVELOPPES).quantize(Decimal("1000")),
            )
            for (annee, financeur), montant in accorde.items()
            if annee in campagnes
        ]
    )

    utilisateurs = {u.username: u for u in get_user_model().objects.filter(username__startswith=PREFIXE_DEMO)}
    par_role = {role: utilisateurs.get(f"{PREFIXE_DEMO}{role}") for role in ["porteur", "chef"]}
    cibles = {t.name: t.target for t in Dossier._meta.get_field("etat").get_all_transitions(Dossier)}
    etapes = []
    for dossier in dossiers:
        chemin = [nom for nom in CHEMINS[dossier.etat] if nom != "donner_avis"]
        etat = EtatDossier.BROUILLON
        jours = _dates_des_etapes(alea, chemin, dossier.campagne, dossier.action, aujourdhui)
        for nom, jour in zip(chemin, jours, strict=True):
            apres = cibles[nom]
            etapes.append(
                TransitionDossier(
                    dossier=dossier,
                    nom=nom,
                    etat_avant=etat,
                    etat_apres=apres,
                    auteur=par_role.get(PAR.get(nom, "chef")),
                    commentaire=COMMENTAIRES.get(nom, ""),
                    le=timezone.make_aware(datetime.combine(jour, time(14))),
                )
            )
            etat = apres
    TransitionDossier.objects.bulk_create(etapes, batch_size=5000)
    bilans = _bilans(dossiers, demandes, par_action, etapes)
    return {"campagnes": len(campagnes), "dossiers": len(dossiers), "lignes": len(lignes), "bilans": len(bilans)}


def _bilans(dossiers, demandes, par_action, etapes):
    """A complete bilan for each dossier whose bilan was deposited, as the demo's: its
    subventions planned as the action's funding granted them, or as the dossier asked."""
    deposes = {etape.dossier_id: etape.le for etape in etapes if etape.nom == "deposer_bilan"}
    bilans = []
    for dossier, demande in zip(dossiers, demandes, strict=True):
        if dossier.pk not in deposes:
            continue
        prevus = {financeur.pk: montant for financeur, montant in demande}
        for financement in par_action[dossier.action_id]:
            if financement.financeur_id:
                prevus[financement.financeur_id] = financement.montant_accorde
        financeurs = [(pk, "", prevu) for pk, prevu in sorted(prevus.items())]
        compte_rendu = CompteRendu.saisi(montants_du_bilan(financeurs), financeurs)
        bilans.append(
            Bilan(
                dossier=dossier,
                compte_rendu=compte_rendu.en_donnees(),
                version=1,
                modifie_le=deposes[dossier.pk],
                **TEXTES_DU_BILAN,
            )
        )
    return bulk_create_with_history(bilans, Bilan, batch_size=5000)
