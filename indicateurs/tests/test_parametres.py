"""The dashboards' and exports' query parameters, as anyone may type them in an address: a school
year that is not one, or a quartier code with a NUL byte, never answers 500."""

import pytest
from django.contrib.auth import get_user_model

from demo.adhesions import QUARTIERS_DU_PARTENAIRE
from fiches.annees import AnneeScolaire

pytestmark = pytest.mark.django_db

ROLES = ["demo-admin", "demo-chef", "demo-animateur", "demo-partenaire"]
QUARTIER = QUARTIERS_DU_PARTENAIRE[0]
PAGES = [
    ("/indicateurs/", {}),
    ("/indicateurs/fiches/1.2.3/", {}),
    (f"/indicateurs/fiches/1.2.3/quartiers/{QUARTIER}/", {}),
    ("/indicateurs/export.csv", {"fiche": "1.2.3", "quartier": QUARTIER}),
    ("/indicateurs/export.xlsx", {"fiche": "1.2.3", "quartier": QUARTIER}),
]


def _annee_affichee(reponse):
    """The school year of a fiche's dashboard, or of the list of fiches."""
    return (reponse.context["tableau"].annee if "tableau" in reponse.context else reponse.context["annee"]).libelle


@pytest.mark.parametrize("role", ROLES)
@pytest.mark.parametrize("annee", ["0000-0001", "9999-10000", "1989-1990", "2101-2102"])
def test_a_school_year_outside_the_contract_s_reach_shows_the_current_one(client, demo, role, annee):
    client.force_login(get_user_model().objects.get(username=role))
    courante = AnneeScolaire.courante().libelle
    for adresse, parametres in PAGES:
        reponse = client.get(adresse, {**parametres, "annee": annee}, follow=True)
        assert reponse.status_code == 200, adresse
        if adresse.endswith((".csv", ".xlsx")):
            assert f"-{courante}." in reponse["Content-Disposition"]
        else:
            assert _annee_affichee(reponse) == courante
    # The first and last school years within the bounds are shown as asked.
    for annee_bornee in ["1990-1991", "2100-2101"]:
        reponse = client.get(PAGES[2][0], {"annee": annee_bornee})
        assert reponse.context["tableau"].annee.libelle == annee_bornee


@pytest.mark.parametrize("role", ROLES)
def test_a_nul_byte_in_a_quartier_code_is_a_bad_request(client, demo, role):
    client.force_login(get_user_model().objects.get(username=role))
    for adresse in [
        "/indicateurs/fiches/1.2.3/quartiers/%00/",
        f"/indicateurs/fiches/1.2.3/quartiers/{QUARTIER}%00/",
        "/indicateurs/fiches/%00/",
        "/indicateurs/fiches/1.2.3%00/definitions/nb_actions/",
    ]:
        reponse = client.get(adresse)
        assert reponse.status_code == 400, adresse
        assert "Requête invalide" in reponse.content.decode()
    for adresse in ["/indicateurs/export.csv", "/indicateurs/export.xlsx", "/indicateurs/"]:
        assert client.get(adresse, {"fiche": "1.2.3", "quartier": "\x00"}).status_code == 400
        assert client.get(adresse, {"fiche": "1.2.3", "annee": "2025-2026\x00"}).status_code == 400
        assert client.get(adresse, {"fiche": "1.2.3\x00"}).status_code == 400
