"""Every URL of the project, found by walking the URLconf: a page added later is covered here
without editing this file."""

import re
from unittest import mock

import pytest
from django.db import OperationalError, connection
from django.urls import URLPattern, URLResolver, get_resolver
from django.urls.resolvers import RegexPattern, RoutePattern

pytestmark = pytest.mark.django_db

PUBLIQUES = {
    "/connexion/",
    "/sante/",
    "/admin/login/",
    # The way back into an account is for those who cannot log in.
    "/mot-de-passe/oublie/",
    "/mot-de-passe/oublie/envoye/",
    "/mot-de-passe/nouveau/x/x/",
    "/mot-de-passe/nouveau/enregistre/",
    # The API's schema and documentation; its data answers the public itself (below).
    "/api/schema/",
    "/api/documentation/",
}
# The read-only API serves published years to the public and authenticates tokens, which a
# login page cannot (api.acces): without them it refuses in JSON, never redirects.
API_PUBLIQUE = "/api/v1/"
# Values that make a converter match; the page behind them need not exist to test the login wall.
VALEURS = {
    "int": "1",
    "id": "1",
    "str": "x",
    "slug": "x",
    "path": "x/y",
    "uuid": "00000000-0000-0000-0000-000000000000",
}
VALEURS_REGEX = {"app_label": "fiches", "url": "x"}


def _segment(pattern):
    if isinstance(pattern, RoutePattern):
        return re.sub(r"<(?:(\w+):)?\w+>", lambda m: VALEURS[m.group(1) or "str"], str(pattern))
    assert isinstance(pattern, RegexPattern)
    regex = pattern.regex.pattern
    regex = re.sub(r"\(\?P<(\w+)>[^)]*\)", lambda m: VALEURS_REGEX.get(m.group(1), "1"), regex)
    regex = re.sub(r"\((?!\?)[^)]*\)", "1", regex)
    return re.sub(r"[\^$\\]", "", regex)


def toutes_les_urls(resolver=None, prefixe="/"):
    for entree in (resolver or get_resolver()).url_patterns:
        chemin = prefixe + _segment(entree.pattern)
        if isinstance(entree, URLResolver):
            yield from toutes_les_urls(entree, chemin)
        elif isinstance(entree, URLPattern):
            yield chemin


URLS = sorted(set(toutes_les_urls()))


def test_the_walk_finds_the_pages_of_every_app():
    assert {"/fiches/", "/fiches/x/", "/partenaires/", "/partenaires/1/", "/admin/"} <= set(URLS)
    assert len(URLS) > 40


@pytest.mark.parametrize("url", [u for u in URLS if u not in PUBLIQUES and not u.startswith(API_PUBLIQUE)])
def test_every_page_but_the_public_ones_asks_for_a_login(client, url):
    reponse = client.get(url)
    assert reponse.status_code == 302, url
    assert re.match(r"^/(admin/)?(connexion|login)/\?next=", reponse["Location"]), reponse["Location"]


@pytest.mark.parametrize("url", [u for u in URLS if u.startswith(API_PUBLIQUE)])
def test_the_api_answers_the_public_in_json_without_a_login_page(client, url):
    reponse = client.get(url)
    assert reponse.status_code == 404 and reponse["Content-Type"] == "application/json", url
    assert reponse.json() == {"detail": "Aucun contrat de ce code n’a d’année publiée."}


@pytest.mark.parametrize("url", sorted(PUBLIQUES))
def test_public_pages_open_without_a_login(client, url):
    assert client.get(url).status_code == 200


def test_health_check_reports_the_database(client):
    reponse = client.get("/sante/")
    assert reponse.json() == {"statut": "ok", "base_de_donnees": "ok"}
    assert "no-cache" in reponse["Cache-Control"]


def test_health_check_answers_503_when_the_database_is_unreachable(client):
    with mock.patch.object(connection, "cursor", side_effect=OperationalError("connexion refusée")):
        reponse = client.get("/sante/")
    assert reponse.status_code == 503
    assert reponse.json()["base_de_donnees"] == "injoignable"


def test_login_with_a_wrong_password_is_refused_in_french(client, utilisateur):
    reponse = client.post("/connexion/", {"username": "agent", "password": "faux"})
    assert reponse.status_code == 200
    assert "Saisissez un nom d’utilisateur et un mot de passe valides" in reponse.content.decode()
    assert "_auth_user_id" not in client.session


def test_login_then_logout(client, utilisateur, reference):
    reponse = client.post("/connexion/", {"username": "agent", "password": "mot-de-passe-solide-42"})
    # Home first: the page that says what waits for the user (accueil).
    assert reponse.status_code == 302 and reponse["Location"] == "/"
    assert client.get("/").status_code == 200
    assert client.post("/deconnexion/").status_code == 302
    assert client.get("/fiches/").status_code == 302


def test_every_page_sends_a_strict_content_security_policy(client_connecte):
    politique = client_connecte.get("/fiches/")["Content-Security-Policy"]
    assert "script-src 'self'" in politique
    assert "style-src 'self'" in politique
    assert "unsafe-inline" not in politique
