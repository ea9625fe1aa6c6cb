"""Two officers deciding on the same dossier at the same moment, on PostgreSQL, through the
page: each loads it first, then both send their decision at once from their own thread (their
own connection). The dossier's row lock serves them one after the other: one decision is
recorded, the other is told in French what happened, never a server error nor a second
transition. Two porteurs saving its bilan at once are served the same way: what each changed
is kept, or the second is told that the same text changed meanwhile; never a lost save.

SQLite runs one write at a time: these races exist only on PostgreSQL (production)."""

from functools import partial

import pytest
from django.contrib.auth import get_user_model
from django.db import connection
from django.test import Client
from django.urls import reverse

from actions.models import Action
from actions.tests.navigateur import NOMS, formulaire, navigateurs, simultanement, texte
from comptes.enums import Role
from comptes.perimetre import Perimetre
from comptes.services import adhesion_definir
from dossiers.enums import EtatDossier
from dossiers.models import Bilan, TransitionDossier
from dossiers.services import bilan_enregistrer

from .conftest import bilan_complet, dossier_en, formulaire_de_bilan

pytestmark = [
    pytest.mark.django_db(transaction=True),
    pytest.mark.skipif(connection.vendor != "postgresql", reason="SQLite runs one write at a time"),
]


def _decisions_simultanees(dossier, premiere, seconde):
    camille, dominique = navigateurs(2)
    url = dossier.get_absolute_url()
    envois = []
    for client, (nom, commentaire) in [(camille, premiere), (dominique, seconde)]:
        donnees = formulaire(client.get(url), "etat_vu") | {"transition": nom, "commentaire": commentaire}
        envois.append(partial(client.post, url, donnees))
    return simultanement(*envois)


@pytest.mark.parametrize(
    ("premiere", "seconde"),
    [(("retenir", ""), ("refuser", "Hors des quartiers.")), (("retenir", ""), ("retenir", ""))],
    ids=["retenir-et-refuser", "retenir-deux-fois"],
)
def test_two_officers_deciding_at_once_record_one_decision_and_tell_the_other(campagne, premiere, seconde):
    dossier = dossier_en(EtatDossier.EN_INSTRUCTION)

    reponses = _decisions_simultanees(dossier, premiere, seconde)

    assert sorted(r.status_code for r in reponses) == [200, 302]
    refusee = next(r for r in reponses if r.status_code == 200)
    assert "Ce dossier a changé pendant que vous le consultiez : il est passé de « En instruction » à" in texte(refusee)
    decisions = TransitionDossier.objects.filter(dossier=dossier, etat_avant=EtatDossier.EN_INSTRUCTION).exclude(
        nom="donner_avis"
    )
    assert decisions.count() == 1
    dossier.refresh_from_db()
    assert dossier.etat == decisions.get().etat_apres


def test_two_officers_conventionning_at_once_create_one_action(campagne):
    dossier = dossier_en(EtatDossier.RETENU)
    actions = Action.objects.count()

    reponses = _decisions_simultanees(dossier, ("conventionner", ""), ("conventionner", ""))

    assert sorted(r.status_code for r in reponses) == [200, 302]
    assert Action.objects.count() == actions + 1
    assert TransitionDossier.objects.filter(dossier=dossier, nom="conventionner").count() == 1


def _deux_porteurs(dossier):
    """Two porteurs of the dossier's structure, each in their own browser."""
    clients = []
    for rang, (prenom, nom) in enumerate(NOMS):
        utilisateur = get_user_model().objects.create_user(
            username=f"porteur{rang}", password="mot-de-passe-solide-42", first_name=prenom, last_name=nom
        )
        adhesion_definir(
            utilisateur=utilisateur,
            contrat=dossier.campagne.contrat,
            role=Role.PORTEUR,
            structures=[dossier.structure],
        )
        client = Client(raise_request_exception=False)
        client.force_login(utilisateur)
        clients.append(client)
    return clients


def _enregistrements_simultanes(dossier, premier, second):
    """Both load the bilan's form, then send it at once with their own changes."""
    url = reverse("dossiers:modifier_bilan", args=[dossier.pk])
    envois = []
    for client, changements in zip(_deux_porteurs(dossier), (premier, second), strict=True):
        donnees = formulaire(client.get(url), "version") | changements
        envois.append(partial(client.post, url, donnees))
    return simultanement(*envois)


@pytest.fixture
def bilan_commence(campagne):
    """The dossier en cours with a complete bilan saved once."""
    dossier = dossier_en(EtatDossier.EN_COURS)
    textes, montants = bilan_complet(dossier)
    bilan_enregistrer(dossier=dossier, donnees=textes, montants=montants, perimetre=_perimetre_du_porteur(dossier))
    return dossier


def _perimetre_du_porteur(dossier):
    return Perimetre(
        contrat=dossier.campagne.contrat, role=Role.PORTEUR, structure_ids=frozenset([dossier.structure_id])
    )


def test_two_porteurs_saving_different_parts_of_a_bilan_at_once_keep_both(bilan_commence):
    reponses = _enregistrements_simultanes(
        bilan_commence,
        {"difficultes": "Le local."},
        {"perspectives": "Les CE1.", "prevu_60": "100", "prevu_64": "9 400"},
    )

    assert [r.status_code for r in reponses] == [302, 302]
    bilan = Bilan.objects.get(dossier=bilan_commence)
    assert (bilan.version, bilan.difficultes, bilan.perspectives) == (3, "Le local.", "Les CE1.")
    assert (bilan.compte_rendu["60"], bilan.compte_rendu["64"]["prevu"]) == ({"prevu": "100.00"}, "9400.00")


def test_two_porteurs_changing_the_same_text_at_once_save_one_and_tell_the_other(bilan_commence):
    reponses = _enregistrements_simultanes(bilan_commence, {"difficultes": "Le local."}, {"difficultes": "Le bus."})

    assert sorted(r.status_code for r in reponses) == [200, 302]
    refusee = next(r for r in reponses if r.status_code == 200)
    assert "a enregistré des modifications pendant que vous remplissiez ce formulaire" in texte(refusee)
    gagnant = "Le bus." if reponses[0] is refusee else "Le local."
    bilan = Bilan.objects.get(dossier=bilan_commence)
    assert (bilan.version, bilan.difficultes) == (2, gagnant)


def test_two_first_saves_at_once_create_one_bilan_and_lose_nothing_unseen(campagne):
    dossier = dossier_en(EtatDossier.EN_COURS)
    complet = formulaire_de_bilan(dossier)
    premier = complet | {"difficultes": "Le local."}
    second = complet | {"difficultes": "Le bus."}

    reponses = _enregistrements_simultanes(dossier, premier, second)

    assert sorted(r.status_code for r in reponses) == [200, 302]
    refusee = next(r for r in reponses if r.status_code == 200)
    assert "pendant que vous remplissiez ce formulaire" in texte(refusee)
    assert Bilan.objects.filter(dossier=dossier).count() == 1
