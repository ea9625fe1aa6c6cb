"""Writes of the indicator definitions, targets and external values."""

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone

from actions.versions import changements_a_appliquer
from fiches.clotures import annees_ouvertes_exiger
from fiches.models import EnonceIndicateur
from fiches.reference import sans_doublon
from fiches.services import Bilan, contrat_charger, synchroniser
from fiches.templatetags.format_fr import valeur as en_chiffres
from partenaires.services import partenaires_charger

from .models import Cible, Indicateur, ValeurExterne


@transaction.atomic
def reference_charger(*, donnees, ecraser=False):
    """Load a contract's reference file layer by layer (structure and fiches, then their
    partners, then the measures of their indicators, its `indicateurs` list), all or nothing.
    Without `ecraser`, a load only adds what is missing; a second run with the same data
    changes nothing."""
    bilan = Bilan(ecraser=ecraser)
    contrat, fiches = contrat_charger(bilan=bilan, donnees=donnees)
    partenaires_charger(bilan=bilan, donnees=donnees, contrat=contrat, fiches=fiches)
    indicateurs_charger(bilan=bilan, donnees=donnees.get("indicateurs", []), contrat=contrat)
    return contrat, bilan


def indicateurs_charger(*, bilan, donnees, contrat):
    """The measurable definitions of the fiches' indicators, each under its fiche and the
    statement it measures, in the order of the file. Like the fiche, a second load adds only
    what is missing unless asked to overwrite."""
    enonces = {
        (e.fiche.code, e.code): e
        for e in EnonceIndicateur.objects.filter(fiche__enjeu__axe__pilier__contrat=contrat).select_related("fiche")
    }
    sans_doublon([(d["fiche"], d["code"]) for d in donnees], "Un indicateur (fiche, code)")
    for ordre, definition in enumerate(donnees, start=1):
        enonce = enonces.get((definition["fiche"], definition["enonce"]))
        if enonce is None:
            raise ValidationError(
                f"L’indicateur « {definition['enonce']} » de la fiche « {definition['fiche']} » n’existe pas."
            )
        champs = {k: v for k, v in definition.items() if k not in ("fiche", "enonce", "code")}
        synchroniser(
            bilan,
            Indicateur,
            {"fiche": enonce.fiche, "code": definition["code"]},
            {**champs, "enonce": enonce, "ordre": ordre},
        )


def _verrouiller_l_indicateur(indicateur):
    """Two writes of the targets or external values of one indicator wait for each other, and
    the second then reads what the first committed: neither finds free a place just taken."""
    list(Indicateur.objects.select_for_update().filter(pk=indicateur.pk).values_list("pk"))


def _saisie(objet):
    """« par Camille Martin le 30/11/2026 à 09:35 », from its last history row, if it has one."""
    return signature(objet.history.select_related("history_user").order_by("-history_date", "-history_id").first())


def signature(ligne):
    """« par Camille Martin le 30/11/2026 à 09:35 » for a history row, "" for none."""
    if ligne is None:
        return ""
    quand = f"le {timezone.localtime(ligne.history_date):%d/%m/%Y à %H:%M}"
    if ligne.history_user is None:
        return f" {quand}"
    return f" par {ligne.history_user.get_full_name() or ligne.history_user.get_username()} {quand}"


@transaction.atomic
def cible_fixer(*, indicateur, contrat, annee_scolaire, quartier, valeur, vues=None):
    """Set the target of a perimeter and school year, replacing the one it had. From the
    definition sheet, `vues` maps each target the page listed to its value: a target set or
    changed by someone else since is not replaced unseen, the refusal says what it is (and the
    page shown again lists it, so that saving again replaces it knowingly). None: the caller
    replaces outright."""
    _verrouiller_l_indicateur(indicateur)
    annees_ouvertes_exiger(contrat=contrat, annees=[annee_scolaire], objet="ses cibles ne peuvent plus être modifiées")
    # Its indicator along: the model checks the value against its unit.
    cible = (
        Cible.objects.select_related("indicateur")
        .filter(indicateur=indicateur, contrat=contrat, quartier=quartier, annee_scolaire=annee_scolaire)
        .first()
    )
    if cible is not None and vues is not None and cible.valeur != valeur and vues.get(cible.pk) != cible.valeur:
        unite = indicateur.unite
        raise ValidationError(
            {
                "valeur": f"Une cible de {en_chiffres(cible.valeur, unite)} a été fixée entre-temps pour "
                f"{annee_scolaire} ({quartier or 'tout le contrat'}){_saisie(cible)} : votre cible de "
                f"{en_chiffres(valeur, unite)} n’a pas été enregistrée. Enregistrez de nouveau pour la remplacer."
            }
        )
    cible = cible or Cible(indicateur=indicateur, contrat=contrat, quartier=quartier, annee_scolaire=annee_scolaire)
    cible.valeur = valeur
    cible.full_clean()
    cible.save()
    return cible


def _refuser_un_doublon(valeur):
    """One value per indicator, school year and perimeter (the contract, a quartier or a school):
    the one saved is named, with who entered it, and is not replaced. Called with the indicator
    locked, so that what it reads is committed. Both a quartier and a school is the model's
    check to refuse."""
    if valeur.quartier_id and valeur.etablissement_id:
        return
    if valeur.etablissement_id:
        cle, perimetre = {"etablissement": valeur.etablissement_id}, "cet établissement"
    elif valeur.quartier_id:
        cle, perimetre = {"quartier": valeur.quartier_id}, "ce quartier"
    else:
        cle, perimetre = {"contrat": valeur.contrat_id, "quartier": None, "etablissement": None}, "ce contrat"
    existante = (
        ValeurExterne.objects.filter(indicateur=valeur.indicateur_id, annee_scolaire=valeur.annee_scolaire, **cle)
        .exclude(pk=valeur.pk)
        .first()
    )
    if existante:
        saisie = _saisie(existante)
        raise ValidationError(
            {
                "valeur": f"Une valeur existe déjà pour cet indicateur, {perimetre} et cette année : "
                f"{en_chiffres(existante.valeur, valeur.indicateur.unite)} ({existante.source}, "
                f"{existante.date_source:%d/%m/%Y}){', saisie' + saisie if saisie else ''}. La vôtre n’a "
                "pas été enregistrée : si celle-ci est fausse, corrigez-la dans la liste des valeurs saisies."
            }
        )


@transaction.atomic
def valeur_externe_enregistrer(*, contrat, donnees):
    """Record an external value: one per indicator, school year and perimeter. Entered twice at
    once, the second waits for the first and is told which value was saved and by whom; it does
    not replace it (a chef corrects a wrong value: valeur_externe_modifier)."""
    _verrouiller_l_indicateur(donnees["indicateur"])
    annees_ouvertes_exiger(
        contrat=contrat,
        annees=[donnees.get("annee_scolaire")],
        objet="aucune valeur externe ne peut plus y être ajoutée",
    )
    valeur = ValeurExterne(contrat=contrat, **donnees)
    _refuser_un_doublon(valeur)
    valeur.full_clean()
    valeur.save()
    return valeur


def _verrouiller_la_valeur(valeur):
    """The value as committed, locked: the form has already changed the one in hand. None when
    it was deleted meanwhile."""
    return (
        ValeurExterne.objects.select_for_update(of=("self",))
        .select_related("indicateur")
        .filter(pk=valeur.pk, contrat=valeur.contrat_id)
        .first()
    )


@transaction.atomic
def valeur_externe_modifier(*, valeur, donnees, version=None):
    """Correct an external value (its figure, source, year or perimeter), from a form loaded at
    `version` (None: the caller states the fields outright). A correction made meanwhile by
    someone else is merged, or refused field by field when both changed the same one
    (actions.versions); the history keeps each state."""
    # The indicator it lands on first, as a new value's entry does: a value entered meanwhile for
    # the same place is then committed, and refused as a duplicate.
    _verrouiller_l_indicateur(donnees["indicateur"])
    actuelle = _verrouiller_la_valeur(valeur)
    if actuelle is None:
        raise ValidationError(f"Cette valeur a été supprimée entre-temps{_saisie(valeur)} : rien n’a été enregistré.")
    annee_avant = actuelle.annee_scolaire
    for nom, nouvelle in changements_a_appliquer(objet=actuelle, donnees=donnees, version=version).items():
        setattr(actuelle, nom, nouvelle)
    annees_ouvertes_exiger(
        contrat=actuelle.contrat_id,
        annees=[annee_avant, actuelle.annee_scolaire],
        objet="ses valeurs externes ne peuvent plus être modifiées",
    )
    _refuser_un_doublon(actuelle)
    actuelle.version += 1
    actuelle.full_clean()
    actuelle.save()
    return actuelle


@transaction.atomic
def valeur_externe_supprimer(*, valeur, version=None):
    """Remove an external value entered by mistake, as shown at `version` (None: whatever it is
    now). Changed meanwhile by someone else, it is not removed unseen: the refusal says what it
    is now. The history keeps it, with who removed it."""
    actuelle = _verrouiller_la_valeur(valeur)
    if actuelle is None:
        return
    annees_ouvertes_exiger(
        contrat=actuelle.contrat_id,
        annees=[actuelle.annee_scolaire],
        objet="ses valeurs externes ne peuvent plus être supprimées",
    )
    if version is not None and actuelle.version != version:
        raise ValidationError(
            f"Cette valeur a été modifiée entre-temps{_saisie(actuelle)} : elle est maintenant de "
            f"{en_chiffres(actuelle.valeur, actuelle.indicateur.unite)} pour {actuelle.annee_scolaire} "
            f"({actuelle.source}, {actuelle.date_source:%d/%m/%Y}). Rien n’a été supprimé : vérifiez-la, puis "
            "supprimez-la de nouveau si elle est fausse."
        )
    actuelle._change_reason = "Valeur supprimée"
    actuelle.delete()
