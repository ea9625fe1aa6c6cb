"""The one update-or-create of the services (a membership, keyed by user and contract) run by
several requests at once on PostgreSQL: one membership, no error."""

from functools import partial

import pytest
from django.contrib.auth import get_user_model
from django.db import connection

from actions.tests.navigateur import simultanement
from fiches.tests.factories import ContratFactory, QuartierFactory

from ..enums import Role
from ..models import Adhesion
from ..services import adhesion_definir


@pytest.mark.django_db(transaction=True)
@pytest.mark.skipif(connection.vendor != "postgresql", reason="SQLite runs one write at a time")
def test_a_membership_defined_eight_times_at_once_exists_once():
    contrat = ContratFactory()
    quartiers = [QuartierFactory(contrat=contrat) for _ in range(2)]
    utilisateur = get_user_model().objects.create_user(username="camille", password="mot-de-passe-solide-42")

    simultanement(
        *(
            partial(adhesion_definir, utilisateur=utilisateur, contrat=contrat, role=role, quartiers=quartiers)
            for role in [Role.PARTENAIRE, Role.ANIMATEUR] * 4
        )
    )

    adhesion = Adhesion.objects.get(utilisateur=utilisateur)
    assert set(adhesion.quartiers.all()) == set(quartiers)
    assert [groupe.name for groupe in utilisateur.groups.all()] == [Role(adhesion.role).label]
