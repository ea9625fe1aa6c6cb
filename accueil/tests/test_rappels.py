"""envoyer_rappels: who gets a mail and what it says; nobody gets an empty one."""

from datetime import timedelta
from io import StringIO

import pytest
from django.contrib.auth import get_user_model
from django.core import mail
from django.core.management import call_command
from django.test import override_settings
from django.urls import reverse
from django.utils import timezone

from actions.tests.factories import SeanceFactory
from demo.dossiers import TITRES
from dossiers.enums import EtatDossier
from dossiers.models import Dossier
from partenaires.models import Structure

from .test_accueil import _action

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("campagne")]

SITE = "https://fiches.exemple-ville.fr"


@pytest.fixture
def adresses(comptes):
    """Every demo account has an address but the administrator's."""
    for role, compte in comptes.items():
        compte.email = "" if role == "admin" else f"{role}@exemple-ville.fr"
        compte.save(update_fields=["email"])
    return {f"{role}@exemple-ville.fr": role for role in comptes if role != "admin"}


def _envoyer(*options):
    sortie = StringIO()
    with override_settings(ADRESSE_DU_SITE=SITE):
        call_command("envoyer_rappels", *options, stdout=sortie)
    return sortie.getvalue()


def _courriels():
    return {message.to[0]: message for message in mail.outbox}


def test_each_member_with_something_to_do_gets_their_home_page_s_lists(adresses):
    sortie = _envoyer()
    courriels = _courriels()
    # The animateur has no session to enter, the CAF gave its avis already: no mail for them;
    # the administrator has no address.
    assert set(courriels) == {"chef@exemple-ville.fr", "porteur@exemple-ville.fr"}
    chef = courriels["chef@exemple-ville.fr"]
    assert chef.subject == "Contrat de ville : 3 éléments vous attendent"
    assert "Dossiers déposés, à mettre en instruction : 1" in chef.body
    assert f"- {TITRES[EtatDossier.DEPOSE]} (" in chef.body
    assert f"  {SITE}{Dossier.objects.get(titre=TITRES[EtatDossier.DEPOSE]).get_absolute_url()}\n" in chef.body
    # Only what waits: the empty lists are left out of the mail.
    assert "Bilans attendus" not in chef.body and "Aucun" not in chef.body
    porteur = courriels["porteur@exemple-ville.fr"]
    assert porteur.subject == "Contrat de ville : 1 élément vous attend"
    assert (
        f"- {TITRES[EtatDossier.BROUILLON]} (Association Lire et Grandir – Brouillon : à compléter puis déposer)"
        in (porteur.body)
    )
    assert "Vos autres dossiers en cours" not in porteur.body
    assert f"{SITE}/" in porteur.body
    assert sortie.strip() == "2 courriel(s) envoyé(s) ; 2 membre(s) sans rien à faire ; 1 sans adresse."


def test_an_animateur_with_sessions_to_enter_gets_them_with_their_grids(adresses, reference):
    structure = Structure.objects.get(contrat=reference, nom="Centre social Les Tilleuls")
    seance = SeanceFactory(
        action=_action(structure, "Aide aux devoirs"), date=timezone.localdate() - timedelta(days=10), a_saisir=True
    )
    _envoyer()
    animateur = _courriels()["animateur@exemple-ville.fr"]
    assert "Séances des semaines passées toujours à saisir : 1" in animateur.body
    assert f"{SITE}{reverse('actions:presences', kwargs={'pk': seance.pk})}" in animateur.body
    assert "Séances de la semaine" not in animateur.body


def test_the_simulation_prints_and_sends_nothing(adresses):
    sortie = _envoyer("--dry-run")
    assert mail.outbox == []
    assert "À : chef@exemple-ville.fr" in sortie and "Objet : Contrat de ville : 3 éléments vous attendent" in sortie
    assert sortie.strip().endswith(
        "2 courriel(s) à envoyer (simulation, rien n’est parti) ; 2 membre(s) sans rien à faire ; 1 sans adresse."
    )
    assert _envoyer("--simulation") == sortie


def test_nobody_without_a_membership_or_an_active_account_is_written_to(adresses):
    get_user_model().objects.create_user(username="sans-adhesion", email="personne@exemple-ville.fr")
    get_user_model().objects.filter(username="demo-porteur").update(is_active=False)
    _envoyer()
    assert set(_courriels()) == {"chef@exemple-ville.fr"}
    assert all(message.body.strip() for message in mail.outbox)
