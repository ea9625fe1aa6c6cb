"""A small hand-built contract for the API: the reference fiche, two quartiers, one structure,
a partner granted the first quartier with a token, a chef de projet, and the public."""

import datetime
from dataclasses import dataclass

import pytest
from django.contrib.auth import get_user_model
from django.utils import timezone
from rest_framework.authtoken.models import Token

from actions.tests.factories import ActionFactory, InscriptionFactory, PresenceFactory, SeanceFactory
from comptes.enums import Role
from comptes.services import adhesion_definir
from fiches.models import ClotureAnnee, RealisationAttendue
from fiches.tests.factories import QuartierFactory
from partenaires.tests.factories import StructureFactory

ANNEE = "2025-2026"
API = "/api/v1/contrats/contrat-de-ville/"


@dataclass
class Territoire:
    contrat: object
    quartier: object
    autre: object
    structure: object
    partenaire: object
    jeton: str
    chef: object

    def activite(self, quartier, enfants, jour=datetime.date(2025, 10, 1)):
        """An action of the fiche 1.2.3 in `quartier`, with `enfants` children, each enrolled and
        present at its one session, living in that quartier."""
        action = ActionFactory(
            realisation=RealisationAttendue.objects.get(fiche__code="1.2.3", code="R1"),
            porteur=self.structure,
            quartiers=[quartier],
            date_debut=datetime.date(jour.year if jour.month >= 9 else jour.year - 1, 9, 15),
            date_fin=datetime.date(jour.year + (1 if jour.month >= 9 else 0), 6, 30),
        )
        seance = SeanceFactory(action=action, date=jour)
        for _ in range(enfants):
            participant = InscriptionFactory(action=action, participant__quartier_residence=quartier).participant
            PresenceFactory(seance=seance, participant=participant)
        return action

    def publier(self, rentree, *, publiee=True, cloturee=True):
        return ClotureAnnee.objects.update_or_create(
            contrat=self.contrat,
            annee_scolaire=rentree,
            defaults={
                "cloturee": cloturee,
                "cloturee_le": timezone.make_aware(datetime.datetime(rentree + 1, 9, 15, 10, 0)),
                "publiee": publiee,
            },
        )[0]


def compte(username, contrat, role, **kwargs):
    utilisateur = get_user_model().objects.create_user(username=username, password="mot-de-passe-solide")
    adhesion_definir(utilisateur=utilisateur, contrat=contrat, role=role, **kwargs)
    return utilisateur


@pytest.fixture
def territoire(reference):
    quartier, autre = (
        QuartierFactory(contrat=reference, code="QN09591A"),
        QuartierFactory(contrat=reference, code="QN09592B"),
    )
    partenaire = compte("caf", reference, Role.PARTENAIRE, quartiers=[quartier])
    return Territoire(
        contrat=reference,
        quartier=quartier,
        autre=autre,
        structure=StructureFactory(contrat=reference),
        partenaire=partenaire,
        jeton=Token.objects.create(user=partenaire).key,
        chef=compte("chef", reference, Role.CHEF_DE_PROJET),
    )


@pytest.fixture
def client_partenaire(client, territoire):
    client.defaults["HTTP_AUTHORIZATION"] = f"Token {territoire.jeton}"
    return client
