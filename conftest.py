import pytest
from django.contrib.auth import get_user_model

from demo.adhesions import adhesions_de_demo
from demo.territoire import generer_demo
from demo.valeurs import valeurs_de_demo
from fiches.reference import lire_reference
from indicateurs.reference import lire_indicateurs
from indicateurs.services import reference_charger


@pytest.fixture
def reference(db):
    contrat, _ = reference_charger(donnees=lire_reference(), indicateurs=lire_indicateurs())
    return contrat


@pytest.fixture
def demo(reference):
    """The reference fiche, the fictional territory, one member per role and fictional school
    results; maps each demo username to its password."""
    identifiants = {username: mot_de_passe for username, _, mot_de_passe in generer_demo(contrat=reference)}
    adhesions_de_demo(contrat=reference)
    valeurs_de_demo(contrat=reference)
    return identifiants


@pytest.fixture
def utilisateur(db):
    """A superuser without membership, who administers the first contract: for tests of behaviour
    that are not about scope (scope has its own tests, with one account per role)."""
    return get_user_model().objects.create_superuser(username="agent", password="mot-de-passe-solide-42")


@pytest.fixture
def client_connecte(client, utilisateur):
    client.force_login(utilisateur)
    return client


@pytest.fixture
def client_admin(client, demo):
    client.force_login(get_user_model().objects.get(username="demo-admin"))
    return client
