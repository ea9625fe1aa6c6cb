import pytest
from django.contrib.auth import get_user_model

from demo.dossiers import dossiers_de_demo


@pytest.fixture
def comptes(demo, reference):
    """The demo accounts by role (chef, animateur, porteur, partenaire, admin), with the demo
    campaign and its dossier in each state."""
    dossiers_de_demo(contrat=reference)
    return {u.username.removeprefix("demo-"): u for u in get_user_model().objects.filter(username__startswith="demo-")}


@pytest.fixture
def connecter(client, comptes):
    def connecter(role):
        client.force_login(comptes[role])
        return client

    return connecter
