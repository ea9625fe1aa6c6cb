"""Issue 17, point 2: the contract's administrator puts a closed year's public bilan online, or
takes it off, from the dashboards (a confirmation page) or in the admin, through the services;
every refusal is said in French and writes nothing."""

import pytest
from django.contrib.auth import get_user_model
from django.test import Client

from actions.tests.navigateur import texte
from dossiers.services import annee_cloturer
from fiches.annees import AnneeScolaire
from fiches.models import ClotureAnnee
from fiches.services import annee_rouvrir

pytestmark = pytest.mark.django_db

COURANTE = AnneeScolaire.courante()
FERMEE = COURANTE.precedente()
PAGE = f"/indicateurs/annees/{FERMEE}/publication/"


def _client(username):
    client = Client()
    client.force_login(get_user_model().objects.get(username=username))
    return client


@pytest.fixture
def fermee(demo, reference):
    return annee_cloturer(contrat=reference, annee=FERMEE, auteur=get_user_model().objects.get(username="demo-chef"))


def test_an_administrator_publishes_then_withdraws_a_closed_year_after_a_confirmation(fermee, reference):
    admin = _client("demo-admin")
    tableaux = texte(admin.get("/indicateurs/", {"annee": FERMEE}))
    assert f"Publier le bilan de l’année {FERMEE}" in tableaux
    confirmation = texte(admin.get(PAGE))
    assert "sans connexion" in confirmation and "masqués comme les lisent les partenaires" in confirmation

    reponse = admin.post(PAGE, {"demande": "publier"}, follow=True)
    assert f"Le bilan public de l’année {FERMEE} est en ligne." in texte(reponse)
    cloture = ClotureAnnee.objects.get(pk=fermee.pk)
    assert cloture.publiee and cloture.publiee_par.username == "demo-admin"
    assert f'href="/bilan/{reference.code}/{FERMEE}/"' in reponse.content.decode()
    assert Client().get(f"/bilan/{reference.code}/{FERMEE}/").status_code == 200

    # A second tab still offering to publish: refused, nothing written.
    refus = admin.post(PAGE, {"demande": "publier"})
    assert refus.status_code == 200 and f"Le bilan de l’année scolaire {FERMEE} est déjà publié." in texte(refus)
    assert ClotureAnnee.objects.get(pk=fermee.pk).publiee_le == cloture.publiee_le

    assert f"Retirer le bilan public {FERMEE}" in texte(admin.get(PAGE))
    reponse = admin.post(PAGE, {"demande": "retirer"}, follow=True)
    assert f"Le bilan public de l’année {FERMEE} est retiré." in texte(reponse)
    assert not ClotureAnnee.objects.get(pk=fermee.pk).publiee
    assert Client().get(f"/bilan/{reference.code}/{FERMEE}/").status_code == 404


def test_a_year_not_closed_or_a_request_without_its_button_is_refused_and_nothing_written(fermee):
    admin = _client("demo-admin")
    ouverte = admin.post(f"/indicateurs/annees/{COURANTE}/publication/", {"demande": "publier"})
    assert ouverte.status_code == 200
    assert f"L’année scolaire {COURANTE} n’est pas clôturée" in texte(ouverte)
    assert not ClotureAnnee.objects.filter(annee_scolaire=COURANTE.annee_de_rentree).exists()
    sans_bouton = admin.post(PAGE, {"demande": "tout"})
    assert "Choisissez de publier ou de retirer le bilan" in texte(sans_bouton)
    annee_rouvrir(
        cloture=fermee, motif="Présences corrigées", auteur=get_user_model().objects.get(username="demo-admin")
    )
    rouverte = admin.post(PAGE, {"demande": "publier"})
    assert f"L’année scolaire {FERMEE} n’est pas clôturée" in texte(rouverte)
    assert not ClotureAnnee.objects.filter(publiee=True).exists()
    assert admin.get("/indicateurs/annees/2025-2027/publication/").status_code == 404


@pytest.mark.parametrize("username", ["demo-chef", "demo-animateur", "demo-partenaire", "demo-porteur"])
def test_only_the_contract_s_administrators_publish(fermee, username):
    client = _client(username)
    assert client.get(PAGE).status_code == 403
    assert client.post(PAGE, {"demande": "publier"}).status_code == 403
    assert not ClotureAnnee.objects.get(pk=fermee.pk).publiee
    assert "Publier le bilan" not in texte(client.get("/indicateurs/", {"annee": FERMEE}))


class TestAdministration:
    URL = "/admin/fiches/clotureannee/"

    def test_the_admin_shows_the_publication_and_publishes_through_the_service(self, fermee, client_admin):
        page = texte(client_admin.get(f"{self.URL}{fermee.pk}/change/"))
        assert "Publiée" in page and "Publiée par" in page
        reponse = client_admin.post(self.URL, {"action": "publier", "_selected_action": [fermee.pk]}, follow=True)
        assert f"Bilan public {FERMEE} mis en ligne." in texte(reponse)
        cloture = ClotureAnnee.objects.get(pk=fermee.pk)
        assert cloture.publiee and cloture.publiee_par.username == "demo-admin"
        assert cloture.history.order_by("-history_date").first().history_change_reason == "Bilan public mis en ligne"
        reponse = client_admin.post(self.URL, {"action": "depublier", "_selected_action": [fermee.pk]}, follow=True)
        assert f"Bilan public {FERMEE} retiré." in texte(reponse)
        assert not ClotureAnnee.objects.get(pk=fermee.pk).publiee

    def test_a_reopened_year_is_refused_in_the_admin_with_the_service_s_words(self, fermee, client_admin):
        annee_rouvrir(
            cloture=fermee, motif="Présences corrigées", auteur=get_user_model().objects.get(username="demo-admin")
        )
        reponse = client_admin.post(self.URL, {"action": "publier", "_selected_action": [fermee.pk]}, follow=True)
        assert f"L’année scolaire {FERMEE} a été rouverte : clôturez-la avant de publier son bilan." in texte(reponse)
        assert not ClotureAnnee.objects.get(pk=fermee.pk).publiee
