"""A real browser (Debian's Chromium, driven by Playwright) against the app served by
pytest-django's live_server, with the demo data loaded inside each test that needs it: the live
server's database is emptied after every test."""

import os
import shutil
from io import StringIO
from pathlib import Path

import pytest
from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.management import call_command

from .outils import MOT_DE_PASSE

# Playwright's sync API runs an asyncio loop in the test's thread; Django then takes every ORM
# call made by the test for one made from async code and refuses it. The test code is not async.
os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = "true"

CHROMIUM = os.environ.get("CHROMIUM") or shutil.which("chromium") or "/usr/bin/chromium"
# No sandbox: CI runs as root. The rest keeps the browser from calling out (there is no network).
ARGUMENTS_CHROMIUM = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
    "--disable-quic",
]
ARTEFACTS = Path(settings.BASE_DIR) / "artefacts" / "e2e"
DELAI_MS = 15_000


def pytest_collection_modifyitems(items):
    dossier = Path(__file__).parent
    for item in items:
        if dossier in Path(item.path).parents:
            item.add_marker(pytest.mark.e2e)


@pytest.fixture(scope="session")
def navigateur():
    from playwright.sync_api import sync_playwright

    if not Path(CHROMIUM).exists():
        pytest.fail(f"Chromium introuvable ({CHROMIUM}) : apt-get install chromium, ou CHROMIUM=/chemin/du/binaire.")
    with sync_playwright() as playwright:
        navigateur = playwright.chromium.launch(executable_path=CHROMIUM, args=ARGUMENTS_CHROMIUM)
        yield navigateur
        navigateur.close()


@pytest.fixture
def nouveau_contexte(navigateur, live_server):
    """Opens browser contexts (one per user: each has its own cookies), closed after the test."""
    ouverts = []

    def ouvrir():
        # bypass_csp: axe-core is injected into pages whose policy forbids any script but the app's.
        contexte = navigateur.new_context(
            base_url=live_server.url, bypass_csp=True, locale="fr-FR", viewport={"width": 1280, "height": 900}
        )
        contexte.set_default_timeout(DELAI_MS)
        ouverts.append(contexte)
        return contexte

    yield ouvrir
    for contexte in ouverts:
        contexte.close()


@pytest.fixture
def contexte(nouveau_contexte):
    return nouveau_contexte()


@pytest.hookimpl(wrapper=True, tryfirst=True)
def pytest_runtest_makereport(item, call):
    rapport = yield
    setattr(item, f"rapport_{rapport.when}", rapport)
    return rapport


@pytest.fixture
def page(request, contexte):
    page = contexte.new_page()
    yield page
    # What the browser showed when the test failed, for whoever reads the CI log.
    rapport = getattr(request.node, "rapport_call", None)
    if rapport is not None and rapport.failed and not page.is_closed():
        ARTEFACTS.mkdir(parents=True, exist_ok=True)
        page.screenshot(path=ARTEFACTS / f"echec-{request.node.name}.png", full_page=True)


@pytest.fixture
def artefacts():
    ARTEFACTS.mkdir(parents=True, exist_ok=True)
    return ARTEFACTS


@pytest.fixture
def donnees_demo(transactional_db, live_server):
    """What `make run` loads (the fiche, the fictional territory, one account per role, three
    school years of activity), through the same commands, with a known password per account."""
    call_command("charger_reference", stdout=StringIO())
    call_command("generer_demo", stdout=StringIO())
    comptes = get_user_model().objects.filter(username__startswith="demo-")
    for compte in comptes:
        compte.set_password(MOT_DE_PASSE)
        compte.save(update_fields=["password"])
    assert {c.username for c in comptes} >= {
        "demo-admin",
        "demo-chef",
        "demo-animateur",
        "demo-partenaire",
        "demo-porteur",
    }
