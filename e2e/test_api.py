"""The API's documentation page in a real browser, under the app's own Content-Security-Policy
(the audits bypass it to inject axe-core): Swagger UI draws every operation of the schema from
the app's static files, with no inline script, nothing from another host, no error."""

import re

import pytest

pytestmark = pytest.mark.django_db(transaction=True)


def test_the_api_documentation_draws_under_the_app_s_policy(navigateur, live_server):
    contexte = navigateur.new_context(base_url=live_server.url, locale="fr-FR")
    page = contexte.new_page()
    erreurs, ailleurs = [], []
    page.on("console", lambda message: erreurs.append(message.text) if message.type == "error" else None)
    page.on("pageerror", lambda erreur: erreurs.append(str(erreur)))
    page.on(
        "request", lambda requete: None if requete.url.startswith(live_server.url) else ailleurs.append(requete.url)
    )
    try:
        reponse = page.goto("/api/documentation/")
        assert "script-src 'self'" in reponse.headers["content-security-policy"]
        page.get_by_role("heading", name=re.compile("API du contrat de ville")).wait_for()
        page.locator(".opblock").first.wait_for()
        assert page.locator(".opblock").count() == 7
        assert not erreurs, erreurs
        assert not ailleurs, ailleurs
    finally:
        contexte.close()
