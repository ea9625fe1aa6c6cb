"""Schemathesis against the API's own OpenAPI schema (/api/schema/), every operation, as the
public and as a partner's token: no answer is a 5xx, and every answer conforms to the schema
(status, content type, headers, body). A few derandomized examples per operation  keep it to about a minute."""

import datetime

import pytest
import schemathesis
from django.core import signals
from django.core.wsgi import get_wsgi_application
from django.db import close_old_connections
from hypothesis import HealthCheck, settings
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    response_headers_conformance,
    response_schema_conformance,
    status_code_conformance,
)

CHECKS = [
    not_a_server_error,
    status_code_conformance,
    content_type_conformance,
    response_headers_conformance,
    response_schema_conformance,
]
PUBLIEE = "2024-2025"
CONTRAT = "contrat-de-ville"


# Served by the app itself, read once at collection: the schema view reads no database.
schema = schemathesis.openapi.from_wsgi("/api/schema/", get_wsgi_application())


@pytest.fixture(autouse=True)
def connexion_de_la_transaction_gardee():
    """Schemathesis calls the WSGI application itself, whose end of request closes the database
    connection: on PostgreSQL, the test's transaction with it. Django's test client keeps it open
    the same way, by disconnecting that handler while it calls."""
    signals.request_started.disconnect(close_old_connections)
    signals.request_finished.disconnect(close_old_connections)
    yield
    signals.request_started.connect(close_old_connections)
    signals.request_finished.connect(close_old_connections)


@pytest.fixture
def contrat_publie(territoire):
    """A contract with figures: children in both quartiers, small counts among them, this year
    and in a published one."""
    for quartier, enfants in [(territoire.quartier, 2), (territoire.autre, 7)]:
        territoire.activite(quartier, enfants)
        territoire.activite(quartier, enfants, jour=datetime.date(2024, 10, 1))
    territoire.publier(2024)
    return territoire


def _verifier(case, entetes, parametres=None):
    # Random contracts and fiches would only meet 404s: the generated ones are tried, then real ones.
    case.call_and_validate(headers=entetes, checks=CHECKS)
    chemin = case.path_parameters or {}
    case.path_parameters = {**chemin, "contrat": CONTRAT, **({"fiche": "1.2.3"} if "fiche" in chemin else {})}
    if case.operation.path.endswith("/valeurs/"):
        case.query = {**(case.query or {}), "annee": PUBLIEE, **(parametres or {})}
        case.query.pop("fiche", None)
    case.call_and_validate(headers=entetes, checks=CHECKS)


# The API only reads: a contract built once per test serves every generated request unchanged.
EXEMPLES = settings(
    max_examples=6,
    derandomize=True,
    deadline=None,
    database=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow, HealthCheck.filter_too_much],
)


@pytest.mark.django_db
@schema.parametrize()
@EXEMPLES
def test_every_operation_answers_the_public_as_its_schema_says(case, contrat_publie):
    _verifier(case, {})


@pytest.mark.django_db
@schema.parametrize()
@EXEMPLES
def test_every_operation_answers_a_partner_s_token_as_its_schema_says(case, contrat_publie):
    t = contrat_publie
    _verifier(case, {"Authorization": f"Token {t.jeton}"}, {"quartier": t.quartier.code})
