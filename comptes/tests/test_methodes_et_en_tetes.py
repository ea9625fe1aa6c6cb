"""Issue 16, point 7: methods and headers.

Every address of the site map (e2e/plan.py, which names every URL pattern of the project, the
admin's audited pages included) answers 405 to a method it does not handle, as a logged-in chef
de projet. The method is refused before anything else, so 405 it is for every role and every
record, in scope or not: which methods an address takes is no secret, and refusing them first
reads nothing. Every response carries a Permissions-Policy; the pages and the export of a
child's data are never cached."""

import os
import subprocess
import sys

import pytest
from django.conf import settings
from django.contrib.auth import get_user_model

from demo.activite import generer_activite
from demo.dossiers import dossiers_de_demo
from e2e.plan import ADMIN_AUDITE, PAGES, SANS_PAGE, Demo

pytestmark = pytest.mark.django_db

METHODES_REFUSEES = ["PUT", "DELETE", "PATCH", "TRACE", "OPTIONS"]


@pytest.fixture
def adresses(demo, reference):
    """One real address per pattern of the site map, from the demo with its activity and dossiers."""
    generer_activite(contrat=reference)
    dossiers_de_demo(contrat=reference)
    plan = Demo()
    chemins = {nom: page.chemin for nom, page in PAGES.items()}
    chemins |= {nom: attendu.chemin for nom, attendu in SANS_PAGE.items()} | ADMIN_AUDITE
    return {nom: chemin(plan) for nom, chemin in chemins.items()}


@pytest.fixture
def chef(client, demo):
    client.force_login(get_user_model().objects.get(username="demo-chef"))
    return client


def test_every_address_refuses_the_methods_it_does_not_handle(chef, adresses):
    refus = {}
    for nom, adresse in adresses.items():
        for methode in METHODES_REFUSEES:
            reponse = chef.generic(methode, adresse)
            if reponse.status_code != 405:
                refus[f"{methode} {nom}"] = reponse.status_code
            else:
                assert methode not in reponse["Allow"]
    assert not refus, f"ces adresses acceptent une méthode qu’elles ne traitent pas : {refus}"


def test_the_methods_a_view_handles_still_work(chef, adresses):
    assert chef.head(adresses["fiches:liste"]).status_code == 200
    assert chef.get(adresses["actions:nouvelle"]).status_code == 200
    assert chef.post(adresses["actions:nouvelle"], {}).status_code == 200  # the form and its errors
    assert chef.post(adresses["deconnexion"]).status_code == 302


def test_a_method_is_refused_before_the_scope_whatever_the_role(client, adresses):
    client.force_login(get_user_model().objects.get(username="demo-partenaire"))
    for nom in ("actions:participant", "actions:archiver", "indicateurs:valeurs", "admin:index"):
        assert client.generic("PUT", adresses[nom]).status_code == 405, nom


def test_every_response_carries_a_permissions_policy(client, chef, adresses):
    reponses = [chef.get(adresses[nom]) for nom in ("fiches:liste", "indicateurs:export_csv", "sante", "admin:index")]
    reponses += [chef.get("/page-qui-n-existe-pas/"), chef.put(adresses["fiches:liste"]), chef.get("/")]
    client.logout()
    reponses += [client.get("/connexion/"), client.get("/actions/")]
    for reponse in reponses:
        politique = reponse["Permissions-Policy"]
        assert "camera=()" in politique and "geolocation=()" in politique and "microphone=()" in politique


def test_pages_and_export_of_a_child_are_never_cached(chef, adresses):
    for nom in (
        "actions:participants",
        "actions:participant",
        "actions:modifier_participant",
        "actions:nouveau_participant",
        "actions:exporter_participant",
        "actions:detail",
        "actions:presences",
        "actions:presences_du_mois",
        "actions:inscriptions",
    ):
        reponse = chef.get(adresses[nom])
        assert reponse.status_code == 200, nom
        assert "no-store" in reponse["Cache-Control"], nom


def test_in_production_static_files_carry_the_security_headers_too():
    """whitenoise answers static files itself: it must sit behind the middleware that set the headers."""
    environnement = os.environ | {
        "DJANGO_SETTINGS_MODULE": "config.settings.production",
        "SECRET_KEY": "x" * 50,
        "ALLOWED_HOSTS": "fiches.exemple.fr",
        "DATABASE_URL": "postgres://personne@127.0.0.1:5432/aucune",
        "REDIS_URL": "redis://127.0.0.1:6379/0",
    }
    code = "import django; django.setup(); from django.conf import settings; print('\\n'.join(settings.MIDDLEWARE))"
    sortie = subprocess.run(
        [sys.executable, "-c", code],
        env=environnement,
        cwd=settings.BASE_DIR,
        capture_output=True,
        text=True,
        check=True,
    )
    ordre = sortie.stdout.split()
    assert ordre.index("whitenoise.middleware.WhiteNoiseMiddleware") > max(
        ordre.index("django.middleware.security.SecurityMiddleware"),
        ordre.index("django_permissions_policy.PermissionsPolicyMiddleware"),
    )
