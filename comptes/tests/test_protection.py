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
