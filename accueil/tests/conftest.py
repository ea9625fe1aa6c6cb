"""The demo accounts by role (chef, animateur, porteur, partenaire, admin) and the demo campaign,
with a dossier of the demo porteur in each state: the fixtures of dossiers' tests."""

from dossiers.tests.conftest import campagne, comptes, connecter  # noqa: F401
