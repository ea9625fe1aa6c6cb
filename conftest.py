import pytest
from django.contrib.auth import get_user_model

from fiches.demo import generer_demo
from fiches.services import charger_reference, lire_reference


@pytest.fixture
def reference(db):
    contrat, _ = charger_reference(donnees=lire_reference())
    return contrat


@pytest.fixture
def demo(reference):
    """The reference fiche plus the fictional territory; maps each demo username to its password."""
    return {username: mot_de_passe for username, _, mot_de_passe in generer_demo(contrat=reference)}


@pytest.fixture
def utilisateur(db):
    return get_user_model().objects.create_user(username="agent", password="mot-de-passe-solide-42")


@pytest.fixture
def client_connecte(client, utilisateur):
    client.force_login(utilisateur)
    return client


@pytest.fixture
def client_admin(client, demo):
    client.force_login(get_user_model().objects.get(username="demo-admin"))
    return client
