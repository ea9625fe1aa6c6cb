from django.db.models import Prefetch
from django.shortcuts import get_object_or_404

from config.lecture import mode_de_chargement
from fiches.models import Fiche

from .models import Dispositif, Partenaire, SourceFinancement, TypeStructure


def _fiches_du_contrat(contrat):
    return Fiche.objects.du_contrat(contrat).fetch_mode(mode_de_chargement())


def annuaire(*, contrat):
    """Partners, kinds of acteurs, dispositifs and funding sources of the contract."""
    mode = mode_de_chargement()
    return {
        "partenaires": list(Partenaire.objects.filter(contrat=contrat).fetch_mode(mode)),
        "types_acteurs": list(TypeStructure.objects.fetch_mode(mode)),
        "dispositifs": list(Dispositif.objects.fetch_mode(mode)),
        "sources_financement": list(
            SourceFinancement.objects.filter(contrat=contrat).select_related("financeur").fetch_mode(mode)
        ),
    }


def partenaire_a_afficher(*, pk, contrat):
    return get_object_or_404(
        Partenaire.objects.filter(contrat=contrat)
        .select_related("contrat")
        .prefetch_related(
            Prefetch("fiches", queryset=_fiches_du_contrat(contrat)),
            Prefetch("sources_financement", queryset=SourceFinancement.objects.fetch_mode(mode_de_chargement())),
        )
        .fetch_mode(mode_de_chargement()),
        pk=pk,
    )


def dispositif_a_afficher(*, code, contrat):
    return get_object_or_404(
        Dispositif.objects.prefetch_related(Prefetch("fiches", queryset=_fiches_du_contrat(contrat))).fetch_mode(
            mode_de_chargement()
        ),
        code=code,
    )
