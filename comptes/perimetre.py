"""A user's scope, read once per request: which contract, which role, which structures and
quartiers. Every view and selector filters by it; nothing is shown outside it."""

from dataclasses import dataclass, field
from functools import cached_property

from django.utils.functional import SimpleLazyObject

from fiches.models import Contrat

from .enums import Role
from .models import Adhesion


@dataclass(frozen=True)
class Perimetre:
    contrat: Contrat | None
    role: str | None
    structure_ids: frozenset = field(default_factory=frozenset)
    quartier_ids: frozenset = field(default_factory=frozenset)
    utilisateur_id: int | None = None
    # The institution a partner represents: the dossiers it is asked money by (dossiers.perms).
    partenaire_id: int | None = None

    @cached_property
    def contrats_administres(self):
        """The ids of the contracts whose reference and accounts the user edits in the admin:
        those where their membership makes them administrator. Read by the admin only, hence
        on first use rather than for every page."""
        if self.utilisateur_id is None:
            return frozenset()
        return frozenset(
            Adhesion.objects.filter(utilisateur=self.utilisateur_id, role=Role.ADMINISTRATEUR).values_list(
                "contrat_id", flat=True
            )
        )

    @property
    def responsable(self):
        return self.role in (Role.ADMINISTRATEUR, Role.CHEF_DE_PROJET)

    @property
    def animateur(self):
        return self.role == Role.ANIMATEUR

    @property
    def partenaire(self):
        return self.role == Role.PARTENAIRE

    @property
    def porteur(self):
        return self.role == Role.PORTEUR


AUCUN = Perimetre(contrat=None, role=None)


def perimetre_de(utilisateur):
    """The scope of a user in their contract. A superuser without membership administers the
    first contract: the technical account of a deployment must reach everything."""
    if not utilisateur.is_authenticated:
        return AUCUN
    adhesion = Adhesion.objects.filter(utilisateur=utilisateur).select_related("contrat").order_by("contrat_id").first()
    if adhesion is None:
        if utilisateur.is_superuser:
            return Perimetre(
                contrat=Contrat.objects.order_by("pk").first(), role=Role.ADMINISTRATEUR, utilisateur_id=utilisateur.pk
            )
        return AUCUN
    structures = quartiers = frozenset()
    if adhesion.role in (Role.ANIMATEUR, Role.PORTEUR):
        structures = frozenset(adhesion.structures.values_list("pk", flat=True))
    if adhesion.role in (Role.ANIMATEUR, Role.PARTENAIRE):
        quartiers = frozenset(adhesion.quartiers.values_list("pk", flat=True))
    return Perimetre(
        contrat=adhesion.contrat,
        role=adhesion.role,
        structure_ids=structures,
        quartier_ids=quartiers,
        utilisateur_id=utilisateur.pk,
        partenaire_id=adhesion.partenaire_id if adhesion.role == Role.PARTENAIRE else None,
    )


class PerimetreMiddleware:
    """Attaches request.perimetre, computed on first use only (public pages cost nothing)."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        request.perimetre = SimpleLazyObject(lambda: perimetre_de(request.user))
        return self.get_response(request)
