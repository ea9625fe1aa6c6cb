from django.contrib.auth.models import Group
from django.db import transaction

from fiches.enums import Role

from .models import Adhesion


@transaction.atomic
def definir_adhesion(*, utilisateur, contrat, role, structures=(), quartiers=(), partenaire=None):
    """Give a user their role in a contract. The role's group carries its admin permissions and
    only administrators get the staff flag, so the membership is the one place a role is set."""
    adhesion, _ = Adhesion.objects.update_or_create(
        utilisateur=utilisateur, contrat=contrat, defaults={"role": role, "partenaire": partenaire}
    )
    adhesion.structures.set(structures)
    adhesion.quartiers.set(quartiers)
    utilisateur.groups.set([Group.objects.get(name=Role(role).label)])
    utilisateur.is_staff = role == Role.ADMINISTRATEUR
    utilisateur.save(update_fields=["is_staff"])
    return adhesion
