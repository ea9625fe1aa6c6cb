import pytest
from django.contrib.auth import get_user_model

from comptes.demo import adhesions_de_demo
from fiches.demo import generer_demo
from fiches.services import charger_reference, lire_reference
from indicateurs.demo import valeurs_de_demo
from indicateurs.services import charger_indicateurs, lire_indicateurs


@pytest.fixture
def reference(db):
    contrat, _ = charger_reference(donnees=lire_reference())
    charger_indicateurs(donnees=lire_indicateurs(), contrat=contrat)
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
