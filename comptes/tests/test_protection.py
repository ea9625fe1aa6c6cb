import datetime
import json
import logging

import pytest
from django.core.management import call_command
from django.test import override_settings

from actions.dates import seuil_de_retention
from actions.models import Participant
from actions.selectors import participants_expires
from actions.services import participants_anonymiser
from actions.tests.factories import InscriptionFactory, ParticipantFactory, PresenceFactory, SeanceFactory

pytestmark = pytest.mark.django_db


class TestLimitationDesConnexions:
    @override_settings(AXES_ENABLED=True)
    def test_five_failed_logins_lock_the_account_with_a_french_message(self, client, utilisateur, reference):
        for _ in range(4):
            assert client.post("/connexion/", {"username": "agent", "password": "faux"}).status_code == 200
        assert client.post("/connexion/", {"username": "agent", "password": "faux"}).status_code == 429
        # Locked: even the right password is refused until the cool-off ends.
        reponse = client.post("/connexion/", {"username": "agent", "password": "mot-de-passe-solide-42"})
        assert reponse.status_code == 429
        assert "Connexion temporairement bloquée" in reponse.content.decode()
        assert "_auth_user_id" not in client.session

    @override_settings(AXES_ENABLED=True)
    def test_a_success_before_the_limit_resets_the_count(self, client, utilisateur, reference):
        for _ in range(4):
            client.post("/connexion/", {"username": "agent", "password": "faux"})
        assert (
            client.post("/connexion/", {"username": "agent", "password": "mot-de-passe-solide-42"}).status_code == 302
        )
        client.post("/deconnexion/")
        for _ in range(4):
            client.post("/connexion/", {"username": "agent", "password": "faux"})
        assert (
            client.post("/connexion/", {"username": "agent", "password": "mot-de-passe-solide-42"}).status_code == 302
        )


PROXY = "10.0.0.2"
UTILISATRICE = "203.0.113.5"
INTRUS = "198.51.100.7"
BON = "mot-de-passe-solide-42"


def _connexion(client, mot_de_passe, *, depuis, relais=None, en_tete=None):
    """A login POST from `depuis`, through the reverse proxy `relais` when given (which appends
    the address it saw to what the client sent as X-Forwarded-For)."""
    meta = {"REMOTE_ADDR": depuis}
    if relais:
        meta = {"REMOTE_ADDR": relais, "HTTP_X_FORWARDED_FOR": ", ".join([*(en_tete or []), depuis])}
    elif en_tete:
        meta["HTTP_X_FORWARDED_FOR"] = ", ".join(en_tete)
    client.logout()
    return client.post("/connexion/", {"username": "agent", "password": mot_de_passe}, **meta).status_code


@pytest.fixture
def axes_derriere_le_proxy(settings):
    settings.AXES_ENABLED = True
    settings.PROXYS_DE_CONFIANCE = [PROXY]


@pytest.mark.usefixtures("axes_derriere_le_proxy")
class TestVerrouillageDerriereUnProxy:
    """Issue 16, point 4: behind the TLS proxy every user shared its address, so five wrong
    passwords typed anywhere locked the real user out."""

    def test_a_stranger_s_failures_lock_the_stranger_not_the_user(self, client, utilisateur, reference):
        for _ in range(4):
            assert _connexion(client, "faux", depuis=INTRUS, relais=PROXY) == 200
        assert _connexion(client, "faux", depuis=INTRUS, relais=PROXY) == 429
        assert _connexion(client, BON, depuis=INTRUS, relais=PROXY) == 429
        assert _connexion(client, BON, depuis=UTILISATRICE, relais=PROXY) == 302

    def test_an_address_written_by_the_client_is_not_believed(self, client, utilisateur, reference):
        # The stranger claims to be the user's address: the proxy appends the real one, read from the right.
        for _ in range(5):
            _connexion(client, "faux", depuis=INTRUS, relais=PROXY, en_tete=[UTILISATRICE])
        assert _connexion(client, BON, depuis=UTILISATRICE, relais=PROXY) == 302
        # Nor can the stranger get fresh guesses by changing what they write.
        assert _connexion(client, BON, depuis=INTRUS, relais=PROXY, en_tete=["192.0.2.1"]) == 429

    def test_guessing_from_many_addresses_is_bounded_but_the_user_s_usual_address_stays_open(
        self, client, utilisateur, reference
    ):
        assert _connexion(client, BON, depuis=UTILISATRICE, relais=PROXY) == 302  # where she works
        for rang in range(4):
            for _ in range(5):
                _connexion(client, "faux", depuis=f"198.51.100.{10 + rang}", relais=PROXY)
        # 20 failures from four addresses: the account is closed to any new address, right
        # password included...
        assert _connexion(client, BON, depuis="198.51.100.99", relais=PROXY) == 429
        # ...but not to the address it logs in from.
        assert _connexion(client, BON, depuis=UTILISATRICE, relais=PROXY) == 302

    def test_one_address_alone_never_reaches_the_account_s_limit(self, client, utilisateur, reference):
        for _ in range(30):
            _connexion(client, "faux", depuis=INTRUS, relais=PROXY)
        assert _connexion(client, BON, depuis="192.0.2.44", relais=PROXY) == 302


@pytest.mark.usefixtures("axes_derriere_le_proxy")
class TestVerrouillageEnDirect:
    """Reached directly (the peer is not a trusted proxy), X-Forwarded-For is ignored."""

    def test_the_header_of_a_direct_client_is_ignored(self, client, utilisateur, reference):
        for rang in range(5):
            _connexion(client, "faux", depuis=INTRUS, en_tete=[f"192.0.2.{rang}", UTILISATRICE])
        assert _connexion(client, BON, depuis=INTRUS, en_tete=["192.0.2.200"]) == 429
        assert _connexion(client, BON, depuis=UTILISATRICE) == 302

    def test_without_a_trusted_proxy_the_peer_address_is_the_client_s(self, client, utilisateur, reference, settings):
        settings.PROXYS_DE_CONFIANCE = []
        for _ in range(5):
            _connexion(client, "faux", depuis=PROXY, en_tete=[INTRUS])
        assert _connexion(client, BON, depuis=PROXY, en_tete=[UTILISATRICE]) == 429


class TestAdresseDuClient:
    def _adresse(self, rf, **meta):
        from comptes.connexion import adresse_du_client

        return adresse_du_client(rf.get("/", **meta))

    def test_read_from_the_right_through_every_trusted_proxy(self, rf, settings):
        settings.PROXYS_DE_CONFIANCE = ["10.0.0.0/24", "::1"]
        assert self._adresse(rf, REMOTE_ADDR="10.0.0.2", HTTP_X_FORWARDED_FOR="1.2.3.4, 203.0.113.5, 10.0.0.9") == (
            "203.0.113.5"
        )
        assert self._adresse(rf, REMOTE_ADDR="::1", HTTP_X_FORWARDED_FOR="2001:db8::7") == "2001:db8::7"
        # Garbage written by a client stops the reading; a proxy without header is its own client.
        assert self._adresse(rf, REMOTE_ADDR="10.0.0.2", HTTP_X_FORWARDED_FOR="pirate, 10.0.0.3") == "10.0.0.3"
        assert self._adresse(rf, REMOTE_ADDR="10.0.0.2") == "10.0.0.2"
        assert self._adresse(rf, REMOTE_ADDR="192.0.2.8", HTTP_X_FORWARDED_FOR="203.0.113.5") == "192.0.2.8"

    def test_a_wrong_proxy_setting_is_reported_at_startup(self):
        from django.core.management import call_command
        from django.core.management.base import SystemCheckError

        with override_settings(PROXYS_DE_CONFIANCE=["10.0.0.x"]), pytest.raises(SystemCheckError, match="E001"):
            # The default database only: the test settings' replica alias is not this test's to query.
            call_command("check", databases=["default"])


class TestConservation:
    AUJOURDHUI = datetime.date(2029, 9, 15)  # school year 2029-2030

    def test_the_threshold_is_three_school_years_after_the_last_one(self):
        # Last presence in 2025-2026: kept through 2026-27, 27-28, 28-29; anonymised in 2029-2030.
        assert seuil_de_retention(aujourdhui=self.AUJOURDHUI, annees=3) == datetime.date(2026, 9, 1)

    def _enfant(self, derniere_presence):
        seance = SeanceFactory(
            action__date_debut=datetime.date(2020, 9, 1),
            action__date_fin=datetime.date(2029, 8, 31),
            date=derniere_presence,
        )
        participant = InscriptionFactory(action=seance.action, date_inscription=datetime.date(2020, 9, 1)).participant
        PresenceFactory(seance=seance, participant=participant)
        Participant.objects.filter(pk=participant.pk).update(cree_le=datetime.datetime(2020, 9, 1, tzinfo=datetime.UTC))
        return participant

    def test_only_children_past_retention_are_anonymised_and_their_history_goes(self):
        ancien = self._enfant(datetime.date(2026, 8, 31))
        recent = self._enfant(datetime.date(2026, 9, 1))
        code = ancien.code

        simulation = participants_expires(aujourdhui=self.AUJOURDHUI, annees=3)
        assert [p.pk for p in simulation] == [ancien.pk]
        assert Participant.objects.get(pk=ancien.pk).code == code

        participants_anonymiser(aujourdhui=self.AUJOURDHUI, annees=3)
        ancien.refresh_from_db()
        assert ancien.code != code and ancien.code.startswith("X")
        assert ancien.etablissement is None
        # The consent date is now that of the first session it covered: the presences possible
        # of every session stay as they were.
        assert ancien.date_consentement == datetime.date(2026, 8, 31)
        assert ancien.anonymise_le == self.AUJOURDHUI
        assert not Participant.history.filter(id=ancien.pk).exists()
        assert ancien.presences.count() == 1, "the presence stays: past indicators do not change"
        assert Participant.objects.get(pk=recent.pk).anonymise_le is None
        assert participants_anonymiser(aujourdhui=self.AUJOURDHUI, annees=3) == []

    def test_a_child_created_recently_without_presence_is_kept(self):
        enfant = ParticipantFactory()
        assert enfant not in participants_expires(aujourdhui=datetime.date.today(), annees=3)

    def test_the_command_simulates_first_and_reports(self, capsys):
        enfant = self._enfant(datetime.date(2021, 5, 1))
        call_command("purger_donnees_enfants")
        sortie = capsys.readouterr().out
        assert "1 enfant(s) à anonymiser (simulation : rien n’est modifié)" in sortie
        assert "Relancez avec --appliquer" in sortie
        assert Participant.objects.get(pk=enfant.pk).anonymise_le is None
        call_command("purger_donnees_enfants", "--appliquer")
        assert "1 enfant(s) anonymisé(s)" in capsys.readouterr().out
        assert Participant.objects.get(pk=enfant.pk).anonymise_le is not None


def test_a_parent_s_access_request_gets_every_record_of_the_child(client_connecte):
    presence = PresenceFactory()
    participant = presence.participant
    InscriptionFactory(action=presence.seance.action, participant=participant)
    reponse = client_connecte.get(f"/participants/{participant.pk}/export/")
    assert reponse["Content-Disposition"] == f'attachment; filename="enfant-{participant.code}.json"'
    donnees = json.loads(reponse.content)
    assert donnees["enfant"]["code"] == participant.code
    assert donnees["presences"] == [{"date": presence.seance.date.isoformat(), "action": str(presence.seance.action)}]
    assert len(donnees["inscriptions"]) == 1
    assert donnees["historique"][0]["modification"] == "Création"


def test_the_grid_offers_no_box_for_a_child_without_consent(client_connecte):
    seance = SeanceFactory(date=datetime.date(2025, 10, 1))
    sans = InscriptionFactory(action=seance.action, participant__date_consentement=None).participant
    html = client_connecte.get(seance.get_absolute_url()).content.decode()
    assert f'name="presents" value="{sans.pk}"' not in html
    assert "consentement parental à recueillir" in html


def test_no_child_code_reaches_the_logs(client_connecte, caplog):
    seance = SeanceFactory(date=datetime.date(2025, 10, 1))
    enfant = InscriptionFactory(action=seance.action).participant
    # From here: the logs of the requests (factory_boy logs the records it creates).
    caplog.set_level(logging.DEBUG)
    client_connecte.post(
        seance.get_absolute_url(), {"presents": [enfant.pk], "enfants_anonymes": 0, "parents_presents": 0}
    )
    client_connecte.get(enfant.get_absolute_url())
    client_connecte.get(f"/participants/{enfant.pk + 1000}/")  # a 404 is logged
    assert caplog.records, "the test must see the logs it checks"
    assert all(enfant.code not in record.getMessage() for record in caplog.records)
