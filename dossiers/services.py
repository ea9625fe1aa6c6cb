"""Writes of campaigns and dossiers: keyword-only functions named <entity>_<action>, one
transaction each; reads live in dossiers.selectors.

A dossier's state moves only through dossier_transitionner, which locks its row (SELECT … FOR
UPDATE) before reading its state: two officers deciding at once are served one after the other,
and the second is told in French what the first did, never given a second transition. The
transitions themselves (sources, targets, roles) are declared on the model with django-fsm."""

from django.core.exceptions import NON_FIELD_ERRORS, ValidationError
from django.db import transaction
from django.utils import timezone
from django_fsm import can_proceed, has_transition_perm

from actions.services import action_enregistrer, financement_enregistrer
from actions.versions import ModificationConcurrente, changements_a_appliquer
from fiches import services as services_des_fiches

from .bilans import CompteRendu
from .enums import EtatDossier
from .models import Bilan, Campagne, Dossier, EnveloppeCampagne, LigneBudget, TransitionDossier
from .selectors import bilan_du_dossier, bilans_en_attente, financeurs_du_bilan

CHAMPS_M2M_CAMPAGNE = ["fiches", "realisations"]
CHAMPS_M2M_DOSSIER = ["quartiers", "realisations", "dispositifs"]


def _enregistrer(objet, donnees, champs_m2m, exclus=()):
    for nom, valeur in donnees.items():
        if nom not in champs_m2m:
            setattr(objet, nom, valeur)
    # A dossier's state is django-fsm's to set (a protected field): cleaning would set it again.
    objet.full_clean(exclude=exclus)
    objet.save()
    for nom in champs_m2m:
        if nom in donnees:
            getattr(objet, nom).set(donnees[nom])
    return objet


def _montants_par_financeur(modele, parent, montants, champ_montant):
    """Writes one row per financeur with an amount, removes those left empty."""
    modele.objects.filter(**parent, financeur__in=[f for f, m in montants.items() if m is None]).delete()
    for financeur, montant in montants.items():
        if montant is not None:
            modele.objects.update_or_create(**parent, financeur=financeur, defaults={champ_montant: montant})


@transaction.atomic
def campagne_enregistrer(*, contrat, donnees, enveloppes, campagne=None):
    """Create or update a campaign and its envelopes (`enveloppes`: financeur -> amount, None to
    remove one). Its réalisations must belong to its fiches. A financeur already asked by a
    dossier keeps its envelope: removing it would leave the request without an envelope."""
    realisations = donnees.get("realisations") or []
    fiches = {fiche.pk for fiche in donnees.get("fiches") or []}
    hors = [r.code for r in realisations if r.fiche_id not in fiches]
    if hors:
        raise ValidationError(
            {"realisations": "Ces réalisations ne sont pas dans les fiches visées : " + ", ".join(hors)}
        )
    campagne = campagne or Campagne(contrat=contrat)
    if campagne.pk:
        retirees = [f for f, montant in enveloppes.items() if montant is None]
        demandes = LigneBudget.objects.filter(dossier__campagne=campagne, financeur__in=retirees)
        noms = sorted({str(ligne.financeur) for ligne in demandes.select_related("financeur")})
        if noms:
            raise ValidationError(
                f"Des dossiers sollicitent déjà ces financeurs : {', '.join(noms)}. Gardez leur enveloppe."
            )
    _enregistrer(campagne, donnees, CHAMPS_M2M_CAMPAGNE)
    _montants_par_financeur(EnveloppeCampagne, {"campagne": campagne}, enveloppes, "montant")
    return campagne


@transaction.atomic
def dossier_enregistrer(*, donnees, montants, auteur, campagne=None, dossier=None):
    """Create a draft in a campaign (dossier=None) or update one. A draft may be incomplete
    (deposit checks completeness), but what it says must hold: its fiche is one the campaign
    targets, its réalisations belong to that fiche, its financeurs are the campaign's. Only a
    draft is edited: once deposited, the dossier is the one being instructed."""
    if dossier is None:
        dossier = Dossier(campagne=campagne, cree_par=auteur)
    else:
        dossier = Dossier.objects.select_for_update().select_related("campagne").get(pk=dossier.pk)
        if dossier.etat != EtatDossier.BROUILLON:
            raise ValidationError(f"Ce dossier est « {dossier.get_etat_display()} » : seul un brouillon se modifie.")
    campagne = dossier.campagne
    erreurs = {}
    fiche = donnees.get("fiche")
    if fiche and not campagne.fiches.filter(pk=fiche.pk).exists():
        erreurs["fiche"] = "Cet appel à projets ne vise pas cette fiche."
    realisations = donnees.get("realisations") or []
    hors = [r.code for r in realisations if fiche is None or r.fiche_id != fiche.pk]
    if hors:
        erreurs["realisations"] = (
            "Choisissez les réalisations de la fiche du dossier : " + ", ".join(hors) + " n’en sont pas."
        )
    ouvertes = set(campagne.enveloppes.values_list("financeur_id", flat=True))
    etrangers = [str(f) for f, montant in montants.items() if montant is not None and f.pk not in ouvertes]
    if etrangers:
        erreurs["__all__"] = "Ces financeurs ne participent pas à cet appel à projets : " + ", ".join(etrangers)
    if erreurs:
        raise ValidationError(erreurs)
    _enregistrer(dossier, donnees, CHAMPS_M2M_DOSSIER, exclus=["etat"])
    _montants_par_financeur(LigneBudget, {"dossier": dossier}, montants, "montant_demande")
    return dossier


def _refuser_un_conflit(dossier, etat_vu):
    """The page showed the dossier in `etat_vu`; someone moved it since."""
    if etat_vu is None or dossier.etat == etat_vu:
        return
    derniere = dossier.transitions.select_related("auteur").order_by("-le", "-pk").first()
    par = f" par {derniere.auteur.get_full_name() or derniere.auteur}" if derniere and derniere.auteur else ""
    raise ValidationError(
        f"Ce dossier a changé pendant que vous le consultiez : il est passé de « {EtatDossier(etat_vu).label} » "
        f"à « {dossier.get_etat_display()} »{par}. Votre décision n’a pas été enregistrée : relisez-le avant "
        "de décider."
    )


def _refuser_un_depot_incomplet(dossier):
    campagne = dossier.campagne
    if not campagne.ouverture <= timezone.localdate() <= campagne.cloture:
        raise ValidationError(
            f"L’appel à projets reçoit les dossiers du {campagne.ouverture:%d/%m/%Y} au {campagne.cloture:%d/%m/%Y} : "
            "il ne peut pas être déposé aujourd’hui."
        )
    manque = dossier.elements_manquants()
    if manque:
        raise ValidationError("Le dossier n’est pas complet. Il manque : " + " ; ".join(manque) + ".")


def _refuser_un_bilan_incomplet(dossier):
    bilan = bilan_du_dossier(dossier)
    if bilan.pk is None:
        raise ValidationError("Le bilan n’a pas encore été rempli : remplissez-le depuis la page du dossier.")
    manque = bilan.elements_manquants(CompteRendu.depuis(bilan.compte_rendu, financeurs_du_bilan(dossier=dossier)))
    if manque:
        raise ValidationError("Le bilan n’est pas complet. Il manque : " + " ; ".join(manque) + ".")


def _creer_l_action(dossier, auteur):
    """The retained dossier becomes the action, from what the porteur typed: its first
    réalisation (an action answers one), its dispositif when the fiche mobilises one of those
    the dossier names, and a funding line per financeur asked, granted as asked, from the
    campaign's source (the officer adjusts a partial grant on the action's page)."""
    realisations = sorted(dossier.realisations.all(), key=lambda r: (r.ordre, r.code))
    mobilises = set(dossier.fiche.dispositifs.values_list("pk", flat=True))
    dispositif = next((d for d in dossier.dispositifs.all() if d.pk in mobilises), None)
    description = "\n\n".join(
        texte for texte in [dossier.objectifs, f"Public : {dossier.public}" if dossier.public else ""] if texte
    )
    action = action_enregistrer(
        donnees={
            "titre": dossier.titre,
            "description": description,
            "realisation": realisations[0],
            "porteur": dossier.structure,
            "dispositif": dispositif,
            "quartiers": list(dossier.quartiers.all()),
            "date_debut": dossier.date_debut,
            "date_fin": dossier.date_fin,
        },
        auteur=auteur,
    )
    for ligne in dossier.lignes.all():
        financement_enregistrer(
            action=action,
            donnees={
                "source": dossier.campagne.source,
                "financeur": ligne.financeur,
                "annee": dossier.date_debut.year,
                "montant_demande": ligne.montant_demande,
                "montant_accorde": ligne.montant_demande,
            },
        )
    return action


def transitions_du_modele():
    """Every transition's name and what the page shows of it (django-fsm's declaration)."""
    champ = Dossier._meta.get_field("etat")
    return {t.name: t.custom for t in champ.get_all_transitions(Dossier)}


@transaction.atomic
def dossier_transitionner(*, dossier, nom, perimetre, auteur, commentaire="", etat_vu=None):
    """Run the transition `nom` on the dossier for the user of `perimetre`, with a comment,
    and record it. Refused in French, nothing written, when the dossier moved since the page
    showed it in `etat_vu`, when the transition does not apply to its state, when the role may
    not run it, when a required comment is missing, or when a deposit is incomplete."""
    definitions = transitions_du_modele()
    if nom not in definitions:
        raise ValidationError("Cette étape n’existe pas.")
    dossier = (
        Dossier.objects.select_for_update(of=("self",))
        .select_related("campagne__source", "fiche", "structure", "bilan")
        .prefetch_related("lignes__financeur", "quartiers", "realisations__fiche", "dispositifs")
        .get(pk=dossier.pk)
    )
    _refuser_un_conflit(dossier, etat_vu)
    methode = getattr(dossier, nom)
    libelle = definitions[nom]["libelle"]
    if not can_proceed(methode):
        raise ValidationError(f"« {libelle} » ne s’applique pas à un dossier « {dossier.get_etat_display()} ».")
    if not has_transition_perm(methode, perimetre):
        raise ValidationError(f"Votre rôle ne permet pas de faire « {libelle} » sur ce dossier.")
    commentaire = (commentaire or "").strip()
    if definitions[nom]["commentaire_requis"] and not commentaire:
        raise ValidationError({"commentaire": f"« {libelle} » demande un commentaire : dites pourquoi."})
    if nom == "deposer":
        _refuser_un_depot_incomplet(dossier)
    if nom == "deposer_bilan":
        _refuser_un_bilan_incomplet(dossier)
    etat_avant = dossier.etat
    methode()
    if nom == "conventionner":
        dossier.action = _creer_l_action(dossier, auteur)
    dossier.save(update_fields=["etat", "action"])
    TransitionDossier.objects.create(
        dossier=dossier,
        nom=nom,
        etat_avant=etat_avant,
        etat_apres=dossier.etat,
        auteur=auteur,
        partenaire_id=perimetre.partenaire_id if nom == "donner_avis" else None,
        commentaire=commentaire,
    )
    return dossier


@transaction.atomic
def bilan_enregistrer(*, dossier, donnees, montants, perimetre, version=None):
    """Create or update the bilan of a dossier en cours (also once returned to its porteur),
    for a porteur of its structure. `donnees`: its texts; `montants`: {line key: {"prevu":
    Decimal or None, "realise": ...}} of the compte rendu (dossiers.bilans), every line of the
    form. Refused in French, nothing written, when the dossier is not en cours, when the user
    is not its porteur, or when what is typed does not hold: a column filled must balance
    charges and produits, the contributions in kind their use, and a significant variance must
    be explained; an empty bilan is not saved (the rest may wait: the deposit checks it is complete).

    The dossier's row is locked first, as its transitions lock it: a save and a deposit, or two
    first saves, are served one after the other. A form loaded at `version` keeps what someone
    else saved meanwhile, or is refused when both changed the same part (actions.versions)."""
    dossier = Dossier.objects.select_for_update(of=("self",)).prefetch_related("lignes__financeur").get(pk=dossier.pk)
    if not (perimetre.porteur and dossier.structure_id in perimetre.structure_ids):
        raise ValidationError("Seul un porteur de la structure du dossier remplit son bilan.")
    if dossier.etat != EtatDossier.EN_COURS:
        raise ValidationError(
            f"Ce dossier est « {dossier.get_etat_display()} » : son bilan se remplit quand il est « En cours »."
        )
    bilan = Bilan.objects.filter(dossier=dossier).first() or Bilan(dossier=dossier)
    financeurs = financeurs_du_bilan(dossier=dossier)
    donnees = {**donnees, "compte_rendu": CompteRendu.saisi(montants, financeurs).en_donnees()}
    if bilan.pk is not None:
        try:
            donnees = changements_a_appliquer(objet=bilan, donnees=donnees, version=version)
        except ModificationConcurrente as refus:
            # The compte rendu is a table of fields on the page, not one: said above it.
            erreurs = refus.message_dict
            for message in erreurs.pop("compte_rendu", []):
                erreurs[NON_FIELD_ERRORS].append(f"Compte rendu financier : {message}")
            raise ModificationConcurrente(erreurs, version=refus.version, valeurs=refus.valeurs) from None
    for nom, valeur in donnees.items():
        setattr(bilan, nom, valeur)
    textes = [bilan.objectifs_atteints, bilan.difficultes, bilan.effets_observes, bilan.perspectives]
    if not (bilan.compte_rendu or any(texte.strip() for texte in textes)):
        raise ValidationError("Le bilan est vide : écrivez-en au moins une partie avant de l’enregistrer.")
    erreurs = CompteRendu.depuis(bilan.compte_rendu, financeurs).incoherences(explication=bilan.explication_ecarts)
    if erreurs:
        raise ValidationError({"__all__" if champ is None else champ: messages for champ, messages in erreurs.items()})
    bilan.version += 1
    bilan.modifie_le = timezone.now()
    bilan.full_clean(exclude=["dossier"])
    bilan.save()
    return bilan


@transaction.atomic
def annee_cloturer(*, contrat, annee, auteur, aujourdhui=None):
    """Close a finished school year once the bilans of the actions that ended in it are
    validated (dossiers.selectors.bilans_en_attente): fiches.services.annee_cloturer, which
    reads them under the contract's lock. The closing every page and command calls."""
    return services_des_fiches.annee_cloturer(
        contrat=contrat, annee=annee, auteur=auteur, aujourdhui=aujourdhui, bilans_en_attente=bilans_en_attente
    )
