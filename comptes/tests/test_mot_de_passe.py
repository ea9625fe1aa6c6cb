"""Issue 16, point 6: a way back into an account. The reset link goes by e-mail through the
configured backend (memory in tests), expires, serves once, tells nothing of who has an
account, and too many requests are refused; a logged-in user changes their password."""

import re

import pytest
from django.conf import settings
from django.contrib.auth import get_user_model
from django.contrib.auth.tokens import default_token_generator
from django.core import mail
from django.utils.encoding import force_bytes
from django.utils.http import urlsafe_base64_encode

from comptes.services import DEMANDES_PAR_ADRESSE, DEMANDES_PAR_COURRIEL

pytestmark = pytest.mark.django_db

OUBLIE = "/mot-de-passe/oublie/"
ANCIEN = "ancien-mot-de-passe-solide-42"
NOUVEAU = "nouveau-mot-de-passe-solide-77"


@pytest.fixture
def agente(db):
    return get_user_model().objects.create_user(username="mme-durand", email="durand@ville.fr", password=ANCIEN)


def _demander(client, courriel, **meta):
    return client.post(OUBLIE, {"email": courriel}, **meta)


def _lien(message):
    return re.search(r"https?://[^/\s]+(/mot-de-passe/nouveau/\S+/)", message.body).group(1)


def test_the_login_page_and_the_navigation_lead_to_the_password_pages(client, agente):
    assert 'href="/mot-de-passe/oublie/">Mot de passe oublié ?</a>' in client.get("/connexion/").content.decode()
    client.force_login(agente)
    html = client.get("/fiches/").content.decode()
    assert 'href="/mot-de-passe/changer/">Mot de passe<span class="visually-hidden"> (le changer)</span>' in html


def test_a_reset_link_comes_by_e_mail_and_opens_the_account_once(client, agente):
    reponse = _demander(client, "DURAND@ville.fr")
    assert reponse.status_code == 302 and reponse["Location"] == "/mot-de-passe/oublie/envoye/"
    assert "Consultez votre messagerie" in client.get(reponse["Location"]).content.decode()
    (message,) = mail.outbox
    assert message.to == ["durand@ville.fr"] and message.from_email == settings.DEFAULT_FROM_EMAIL
    assert message.subject == "Contrat de ville : choisir un nouveau mot de passe"
    assert "« mme-durand »" in message.body and "valable 1 heure" in message.body

    formulaire = client.get(_lien(message), follow=True)
    assert "Choisir un nouveau mot de passe" in formulaire.content.decode()
    adresse = formulaire.redirect_chain[-1][0]
    reponse = client.post(adresse, {"new_password1": NOUVEAU, "new_password2": "autre-chose-encore-99"})
    assert "Les deux mots de passe ne correspondent pas." in reponse.content.decode()
    reponse = client.post(adresse, {"new_password1": NOUVEAU, "new_password2": NOUVEAU}, follow=True)
    assert "Mot de passe enregistré" in reponse.content.decode()
    assert client.login(username="mme-durand", password=NOUVEAU)
    assert not client.login(username="mme-durand", password=ANCIEN)
    client.logout()
    assert "Ce lien n’est plus valable" in client.get(_lien(message), follow=True).content.decode()


def test_an_unknown_e_mail_gets_the_same_answer_and_no_message(client, agente):
    connu, inconnu = _demander(client, "durand@ville.fr"), _demander(client, "personne@ville.fr")
    assert (connu.status_code, connu["Location"]) == (inconnu.status_code, inconnu["Location"])
    assert [m.to for m in mail.outbox] == [["durand@ville.fr"]]


def test_a_link_older_than_an_hour_has_expired(client, agente):
    assert settings.PASSWORD_RESET_TIMEOUT == 3600
    generateur = default_token_generator
    il_y_a_une_heure = generateur._num_seconds(generateur._now()) - settings.PASSWORD_RESET_TIMEOUT - 1
    jeton = generateur._make_token_with_timestamp(agente, il_y_a_une_heure, generateur.secret)
    uid = urlsafe_base64_encode(force_bytes(agente.pk))
    reponse = client.get(f"/mot-de-passe/nouveau/{uid}/{jeton}/", follow=True)
    assert "Ce lien n’est plus valable" in reponse.content.decode()
    frais = generateur.make_token(agente)
    assert (
        "Choisir un nouveau mot de passe"
        in client.get(f"/mot-de-passe/nouveau/{uid}/{frais}/", follow=True).content.decode()
    )


class TestTropDeDemandes:
    def test_requests_for_one_e_mail_are_bounded_the_same_whether_it_has_an_account_or_not(self, client, agente):
        for courriel in ("durand@ville.fr", "personne@ville.fr"):
            for rang in range(DEMANDES_PAR_COURRIEL):
                assert _demander(client, courriel, REMOTE_ADDR=f"192.0.2.{rang}").status_code == 302
            refus = _demander(client, courriel.upper(), REMOTE_ADDR="192.0.2.200")
            assert refus.status_code == 429
            assert "Trop de demandes de nouveau mot de passe" in refus.content.decode()
        assert len(mail.outbox) == DEMANDES_PAR_COURRIEL

    def test_requests_from_one_address_are_bounded_behind_the_proxy_too(self, client, agente, settings):
        settings.PROXYS_DE_CONFIANCE = ["10.0.0.2"]
        derriere = {"REMOTE_ADDR": "10.0.0.2", "HTTP_X_FORWARDED_FOR": "198.51.100.7"}
        for rang in range(DEMANDES_PAR_ADRESSE):
            assert _demander(client, f"inconnu-{rang}@ville.fr", **derriere).status_code == 302
        assert _demander(client, "durand@ville.fr", **derriere).status_code == 429
        # Another client behind the same proxy is not refused for it.
        ailleurs = {"REMOTE_ADDR": "10.0.0.2", "HTTP_X_FORWARDED_FOR": "203.0.113.5"}
        assert _demander(client, "durand@ville.fr", **ailleurs).status_code == 302
        assert [m.to for m in mail.outbox] == [["durand@ville.fr"]]

    def test_an_empty_or_wrong_form_is_not_counted(self, client, agente):
        for _ in range(DEMANDES_PAR_ADRESSE + 1):
            reponse = _demander(client, "pas-un-courriel")
            assert reponse.status_code == 200
        assert "Saisissez une adresse de courriel valide." in reponse.content.decode()
        assert _demander(client, "durand@ville.fr").status_code == 302


def test_a_reset_lifts_the_lockout_of_the_account(client, agente, settings):
    settings.AXES_ENABLED = True
    for _ in range(5):
        client.post("/connexion/", {"username": "mme-durand", "password": "faux"})
    assert client.post("/connexion/", {"username": "mme-durand", "password": ANCIEN}).status_code == 429
    assert 'href="/mot-de-passe/oublie/"' in client.post("/connexion/", {"username": "mme-durand"}).content.decode()
    _demander(client, "durand@ville.fr")
    adresse = client.get(_lien(mail.outbox[0]), follow=True).redirect_chain[-1][0]
    client.post(adresse, {"new_password1": NOUVEAU, "new_password2": NOUVEAU})
    assert client.post("/connexion/", {"username": "mme-durand", "password": NOUVEAU}).status_code == 302


class TestChangerDeMotDePasse:
    def test_a_logged_in_user_changes_their_password_and_stays_logged_in(self, client, agente):
        client.force_login(agente)
        reponse = client.post(
            "/mot-de-passe/changer/", {"old_password": "faux", "new_password1": NOUVEAU, "new_password2": NOUVEAU}
        )
        assert "Votre ancien mot de passe est incorrect." in reponse.content.decode()
        reponse = client.post(
            "/mot-de-passe/changer/",
            {"old_password": ANCIEN, "new_password1": NOUVEAU, "new_password2": NOUVEAU},
            follow=True,
        )
        assert "Mot de passe changé" in reponse.content.decode()
        assert client.get("/fiches/").status_code != 302
        agente.refresh_from_db()
        assert agente.check_password(NOUVEAU)

    def test_a_short_or_common_password_is_refused(self, client, agente):
        client.force_login(agente)
        reponse = client.post(
            "/mot-de-passe/changer/", {"old_password": ANCIEN, "new_password1": "azerty", "new_password2": "azerty"}
        )
        assert "Ce mot de passe est trop court. Il doit contenir au minimum 12 caractères." in reponse.content.decode()

    def test_it_needs_a_login(self, client):
        reponse = client.get("/mot-de-passe/changer/")
        assert reponse.status_code == 302 and reponse["Location"].startswith("/connexion/")
