from django.db.models import Prefetch
from django.shortcuts import get_object_or_404

from config.lecture import mode_de_chargement
from fiches.models import Fiche

from .models import Dispositif, Partenaire, SourceFinancement, TypeStructure


def _fiches_des_contrats(contrats):
    return Fiche.objects.filter(enjeu__axe__pilier__contrat__in=contrats).fetch_mode(mode_de_chargement())


def annuaire(*, contrats):
    """Partners, kinds of acteurs, dispositifs and funding sources of the visible contracts."""
    mode = mode_de_chargement()
    return {
        "partenaires": list(Partenaire.objects.filter(contrat__in=contrats).fetch_mode(mode)),
        "types_acteurs": list(TypeStructure.objects.fetch_mode(mode)),
        "dispositifs": list(Dispositif.objects.fetch_mode(mode)),
        "sources_financement": list(
            SourceFinancement.objects.filter(contrat__in=contrats).select_related("financeur").fetch_mode(mode)
        ),
    }


def partenaire_a_afficher(*, pk, contrats):
    return get_object_or_404(
        Partenaire.objects.filter(contrat__in=contrats)
        .select_related("contrat")
        .prefetch_related(
            Prefetch("fiches", queryset=_fiches_des_contrats(contrats)),
            Prefetch("sources_financement", queryset=SourceFinancement.objects.fetch_mode(mode_de_chargement())),
        )
        .fetch_mode(mode_de_chargement()),
        pk=pk,
    )


def dispositif_a_afficher(*, code, contrats):
    return get_object_or_404(
        Dispositif.objects.prefetch_related(Prefetch("fiches", queryset=_fiches_des_contrats(contrats))).fetch_mode(
            mode_de_chargement()
        ),
        code=code,
    )
