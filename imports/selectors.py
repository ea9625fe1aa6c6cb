"""Reads of the import pages, in a fixed number of queries."""

from django.shortcuts import get_object_or_404

from indicateurs.models import ValeurExterne

from .enums import EtatImport
from .models import ImportTableur


def imports_visibles(*, perimetre, utilisateur):
    """The contract's imports for its officers; an animateur's own."""
    imports = ImportTableur.objects.filter(contrat=perimetre.contrat)
    return imports if perimetre.responsable else imports.filter(auteur=utilisateur)


def historique(*, perimetre, utilisateur):
    """The imports written, newest first, with who made them and the action concerned."""
    return (
        imports_visibles(perimetre=perimetre, utilisateur=utilisateur)
        .filter(etat=EtatImport.CONFIRME)
        .select_related("auteur", "action")
        .defer("contenu", "resultat")
    )


def import_a_afficher(*, pk, perimetre, utilisateur):
    return get_object_or_404(
        imports_visibles(perimetre=perimetre, utilisateur=utilisateur)
        .select_related("auteur", "action")
        .defer("contenu"),
        pk=pk,
    )


def valeurs_a_reimporter(*, contrat):
    """The contract's external values, as the template of their import lists them: one query."""
    return (
        ValeurExterne.objects.filter(contrat=contrat)
        .select_related("indicateur__fiche", "quartier", "etablissement")
        .order_by(
            "-annee_scolaire", "indicateur__fiche__code", "indicateur__code", "quartier__code", "etablissement__uai"
        )
    )


def contenu_du_fichier(*, import_tableur):
    """The file kept with an import, read apart: the pages that list or show imports leave it."""
    return bytes(ImportTableur.objects.values_list("contenu", flat=True).get(pk=import_tableur.pk))
