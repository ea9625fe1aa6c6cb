"""Reads for the fiche pages: each loads what its page shows in a fixed number of queries."""

from django.db.models import Prefetch
from django.shortcuts import get_object_or_404

from .enums import NatureIndicateur, Rubrique
from .models import ClotureAnnee, EnonceIndicateur, Fiche, LienFiche, ParagrapheFiche


def sommaire_du_contrat(*, contrat):
    """The contract's piliers, axes, enjeux and fiches, for the list of fiches."""
    return list(contrat.piliers.prefetch_related("axes__enjeux__fiches"))


def fiche_a_afficher(*, code, contrat):
    """A fiche of the contract with every section of its page; 404 when the contract has none of that code."""
    fiche = get_object_or_404(
        Fiche.objects.du_contrat(contrat)
        .filter(code=code)
        .select_related("enjeu__axe__pilier__contrat")
        .prefetch_related(
            Prefetch("paragraphes", queryset=ParagrapheFiche.objects.order_by("rubrique", "ordre")),
            "realisations_attendues",
            "effets_attendus",
            "enonces_indicateurs",
            Prefetch("liens", queryset=LienFiche.objects.select_related("fiche_liee", "axe", "enjeu")),
            "partenaires",
            "types_acteurs",
            "dispositifs",
            # The funding sources belong to the layer above: reached through the relation.
            Prefetch(
                "sources_financement",
                queryset=Fiche.sources_financement.field.related_model.objects.select_related("financeur"),
            ),
        )
    )
    paragraphes = {rubrique: [] for rubrique in Rubrique.values}
    for paragraphe in fiche.paragraphes.all():
        paragraphes[paragraphe.rubrique].append(paragraphe)
    indicateurs = {nature: [] for nature in NatureIndicateur.values}
    for enonce in fiche.enonces_indicateurs.all():
        indicateurs[enonce.nature].append(enonce)
    return fiche, paragraphes, indicateurs


def enonce_a_afficher(*, code_fiche, code_indicateur, contrat):
    return get_object_or_404(
        EnonceIndicateur.objects.filter(
            fiche__code=code_fiche, code=code_indicateur, fiche__enjeu__axe__pilier__contrat=contrat
        )
        .select_related("fiche__enjeu__axe__pilier__contrat")
        # Its measures (indicateurs.Indicateur) point to it: read through the reverse relation.
        .prefetch_related("indicateurs")
    )


def annees_publiees(*, contrat):
    """The school years (their rentrée) whose public bilan is online: closed, and published by
    an administrator. A reopened year leaves the list at once (annee_rouvrir unpublishes it)."""
    return list(
        ClotureAnnee.objects.filter(contrat=contrat, cloturee=True, publiee=True)
        .order_by("-annee_scolaire")
        .values_list("annee_scolaire", flat=True)
    )
