import os

import pytest
from django.contrib.auth import get_user_model
from django.core.cache import cache
from hypothesis import HealthCheck
from hypothesis import settings as reglages_hypothesis

from demo.adhesions import adhesions_de_demo, jeton_de_demo
from demo.territoire import generer_demo
from demo.valeurs import valeurs_de_demo
from fiches.reference import lire_reference
from indicateurs.services import reference_charger

# Property-based tests (demo/tests/test_fuzz.py) send real requests to a real database: a few
# examples per target and role keep the whole run to a few minutes on SQLite and on PostgreSQL, the same
# examples on every run (derandomize) so that CI is reproducible, no deadline (a request's
# duration is not what is tested), and no example database written into the work tree.
# HYPOTHESIS_PROFILE=fouille explores further, for a run by hand.
_COMMUNS = {
    "deadline": None,
    "derandomize": True,
    "database": None,
    "suppress_health_check": [HealthCheck.too_slow, HealthCheck.data_too_large],
}
reglages_hypothesis.register_profile("ci", max_examples=6, **_COMMUNS)
reglages_hypothesis.register_profile("fouille", max_examples=60, **_COMMUNS)
reglages_hypothesis.load_profile(os.environ.get("HYPOTHESIS_PROFILE", "ci"))


@pytest.fixture(autouse=True)
def _cache_vide():
    """Each test starts with an empty cache: a test's database is rolled back, which no write
    statement tells the dashboards' cache (indicateurs.fraicheur), so the figures it computed
    would otherwise meet the next test's tables at the same versions."""
    cache.clear()


@pytest.fixture
def reference(db):
    contrat, _ = reference_charger(donnees=lire_reference())
    return contrat


@pytest.fixture
def demo(reference):
    """The reference fiche, the fictional territory, one member per role, the partner's API token
    and fictional school results, as generer_demo makes them; maps each demo username to its
    password."""
    identifiants = {username: mot_de_passe for username, _, mot_de_passe in generer_demo(contrat=reference)}
    adhesions_de_demo(contrat=reference)
    jeton_de_demo()
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
