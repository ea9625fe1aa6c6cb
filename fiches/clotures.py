"""Closing a contract's school year: from then on its figures are final.

A chef closes a finished year whose bilans are validated (dossiers.services.annee_cloturer, over
fiches.services.annee_cloturer); an administrator may reopen it,
with a reason kept in the history (annee_rouvrir); it can be closed again. This module holds
the rule every writer reads: the guard, the closures a page shows, and when a year may close.

Every service that writes what a year's figures count calls `annees_ouvertes_exiger` first,
with the school years its write changes: a write into a closed year is refused there, in
French, naming the closure, whatever page, command or admin form it comes from.

The race between a closing and a write of that year (a grid saved at the same moment) is
settled by one row both take a lock on, the contract's: each write takes a shared lock (FOR
SHARE, which writes of the contract do not wait on between themselves), the closing an
exclusive one. A closing thus waits for the writes under way, and the writes that come after
it wait for it, then read it and are refused: one of the two wins, never half of each.
SQLite runs one write at a time: the lock is a plain read there."""

from datetime import date

from django.core.exceptions import ValidationError
from django.db import connection
from django.db.models import QuerySet

from .annees import AnneeScolaire
from .models import ClotureAnnee, Contrat


def rentree(annee):
    """A school year as its rentrée, from an AnneeScolaire, a rentrée or a label (« 2024-2025 »;
    None for a label that is not a school year: the model refuses it)."""
    if isinstance(annee, str):
        annee = AnneeScolaire.depuis_libelle(annee)
    return annee.annee_de_rentree if isinstance(annee, AnneeScolaire) else annee


def annees_entre(debut, fin):
    """The school years (as their rentrée) a span of dates touches, both ends included."""
    premiere, derniere = AnneeScolaire.de_la_date(debut), AnneeScolaire.de_la_date(max(debut, fin))
    return list(range(premiere.annee_de_rentree, derniere.annee_de_rentree + 1))


def _contrats(contrat):
    """The contracts' rows to lock: a contract, its id, or a queryset of contract ids (the
    contract of an action's structure, read in the same query as the lock)."""
    if isinstance(contrat, QuerySet):
        return Contrat.objects.filter(pk__in=contrat)
    return Contrat.objects.filter(pk=getattr(contrat, "pk", contrat))


def _partager_le_verrou(contrat):
    requete = _contrats(contrat).order_by("pk").values_list("pk", flat=True)
    if connection.vendor != "postgresql":
        return list(requete)
    sql, parametres = requete.query.sql_with_params()
    with connection.cursor() as curseur:
        curseur.execute(f"{sql} FOR SHARE", parametres)
        return [ligne[0] for ligne in curseur.fetchall()]


def annees_ouvertes_exiger(*, contrat, annees, objet, changees=None):
    """Refuse a write that changes the figures of a closed school year of the contract.
    `annees`: the school years (rentrée, AnneeScolaire or label) whose figures the write may
    change; `changees`, for a write that spans years and changes only some of them: a function
    that, given the closed ones among `annees`, returns those the write does change (only
    called when one is closed, so that a write far from any closure costs nothing more).
    `objet`: what can no longer change, as the end of the sentence (« cette séance ne peut plus
    être modifiée »). Called inside the write's transaction, before it writes anything: the
    shared lock on the contract holds a closing back until the write commits."""
    annees = sorted({rentree(annee) for annee in annees} - {None})
    if not annees:
        return
    contrats = _partager_le_verrou(contrat)
    fermees = {
        cloture.annee_scolaire: cloture
        for cloture in ClotureAnnee.objects.filter(
            contrat__in=contrats, annee_scolaire__in=annees, cloturee=True
        ).select_related("cloturee_par")
    }
    if fermees and changees is not None:
        fermees = {annee: fermees[annee] for annee in set(changees(set(fermees))) & fermees.keys()}
    if fermees:
        raise ValidationError(f"{fermees[min(fermees)].en_clair()} : {objet}.", code="annee_cloturee")


def clotures(*, contrat, annees):
    """The closed years among `annees`, by rentrée, for the pages and exports that mark the
    figures final: one query."""
    annees = {rentree(annee) for annee in annees}
    if not annees:
        return {}
    lignes = ClotureAnnee.objects.filter(
        contrat=getattr(contrat, "pk", contrat), annee_scolaire__in=annees, cloturee=True
    ).select_related("cloturee_par")
    return {cloture.annee_scolaire: cloture for cloture in lignes}


def annee_terminee(annee, aujourdhui):
    return aujourdhui > AnneeScolaire(rentree(annee)).fin


def cloture_de(*, contrat, annee):
    """The closure row of the contract's school year, closed or reopened; None if never closed."""
    return (
        ClotureAnnee.objects.filter(contrat=getattr(contrat, "pk", contrat), annee_scolaire=rentree(annee))
        .select_related("cloturee_par")
        .first()
    )


def raisons_de_ne_pas_cloturer(*, annee, cloture, aujourdhui, contrat=None, bilans_en_attente=None):
    """Why the school year cannot be closed now, in French (none: it can), for the closing page
    and the service alike: the year is not over, it is closed already, or the bilans of the
    actions that ended in it are not all validated. `bilans_en_attente(contrat=, annee=)` gives
    the titles of those dossiers: the layer that records bilans passes it
    (dossiers.selectors.bilans_en_attente), as this one cannot import it; it is read only once
    the year is over (before, the closing is refused anyway: no query spent on it)."""
    annee = AnneeScolaire(rentree(annee))
    raisons = []
    if not annee_terminee(annee, aujourdhui):
        raisons.append(
            f"L’année scolaire {annee} n’est pas terminée : elle pourra être clôturée à partir du "
            f"{date(annee.annee_de_rentree + 1, 9, 1):%d/%m/%Y}."
        )
        return raisons
    if cloture is not None and cloture.cloturee:
        raisons.append(f"{cloture.en_clair()}.")
    titres = bilans_en_attente(contrat=contrat, annee=annee.annee_de_rentree) if bilans_en_attente else []
    if titres:
        raisons.append(
            f"Les bilans de ces actions terminées en {annee} ne sont pas encore validés : "
            + ", ".join(f"« {titre} »" for titre in titres)
            + ". L’année pourra être clôturée une fois leurs bilans validés."
        )
    return raisons
