from django.db.models import Prefetch
from django.shortcuts import get_object_or_404

from fiches.models import Fiche

from .models import Dispositif, Partenaire, SourceFinancement, TypeStructure


def _fiches_du_contrat(contrat):
    return Fiche.objects.du_contrat(contrat)


def annuaire(*, contrat):
    """Partners, kinds of acteurs, dispositifs and funding sources of the contract."""
    return {
        "partenaires": list(Partenaire.objects.filter(contrat=contrat)),
        "types_acteurs": list(TypeStructure.objects.all()),
        "dispositifs": list(Dispositif.objects.all()),
        "sources_financement": list(SourceFinancement.objects.filter(contrat=contrat).select_related("financeur")),
    }


def partenaire_a_afficher(*, pk, contrat):
    return get_object_or_404(
        Partenaire.objects.filter(contrat=contrat)
        .select_related("contrat")
        .prefetch_related(
            Prefetch("fiches", queryset=_fiches_du_contrat(contrat)),
            "sources_financement",
        ),
        pk=pk,
    )


def dispositif_a_afficher(*, code, contrat):
    return get_object_or_404(
        Dispositif.objects.prefetch_related(Prefetch("fiches", queryset=_fiches_du_contrat(contrat))),
        code=code,
    )
