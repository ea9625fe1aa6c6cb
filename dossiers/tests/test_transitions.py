"""Every refusal of the state machine, in French, with nothing written: a transition that does
not apply to the dossier's state, a role that may not run it, a missing comment, an incomplete
deposit, a campaign closed to deposits, a decision taken meanwhile by someone else."""

from datetime import timedelta

import pytest
from django.core.exceptions import ValidationError
from django.utils import timezone

from comptes.enums import Role
from comptes.perimetre import perimetre_de
from comptes.services import adhesion_definir
from dossiers.enums import EtatDossier
from dossiers.models import Campagne, Dossier, TransitionDossier
from dossiers.services import dossier_transitionner, transitions_du_modele
from partenaires.models import Partenaire

from .conftest import dossier_en

pytestmark = pytest.mark.django_db

SOURCES = {
    "deposer": EtatDossier.BROUILLON,
    "instruire": EtatDossier.DEPOSE,
    "donner_avis": EtatDossier.EN_INSTRUCTION,
    "retenir": EtatDossier.EN_INSTRUCTION,
    "refuser": EtatDossier.EN_INSTRUCTION,
    "ajourner": EtatDossier.EN_INSTRUCTION,
    "reprendre": EtatDossier.AJOURNE,
    "conventionner": EtatDossier.RETENU,
    "demarrer": EtatDossier.CONVENTIONNE,
    "deposer_bilan": EtatDossier.EN_COURS,
    "valider_bilan": EtatDossier.BILAN_DEPOSE,
    "renvoyer_bilan": EtatDossier.BILAN_DEPOSE,
    "solder": EtatDossier.BILAN_VALIDE,
}
PAR = {"deposer": "porteur", "deposer_bilan": "porteur", "donner_avis": "partenaire"}
# A bilan deposited needs no comment: the bilan says it all (dossiers.services checks it is complete).
COMMENTAIRE_REQUIS = {"donner_avis", "refuser", "ajourner", "renvoyer_bilan"}


@pytest.fixture
def perimetres(campagne, comptes):
    return {role: perimetre_de(comptes[role]) for role in ["admin", "chef", "animateur", "partenaire", "porteur"]}


def _refus(dossier, nom, perimetre, commentaire="Un commentaire.", **kwargs):
    avant = (Dossier.objects.get(pk=dossier.pk).etat, TransitionDossier.objects.count())
    with pytest.raises(ValidationError) as refus:
        dossier_transitionner(
            dossier=dossier, nom=nom, perimetre=perimetre, auteur=None, commentaire=commentaire, **kwargs
        )
    assert (Dossier.objects.get(pk=dossier.pk).etat, TransitionDossier.objects.count()) == avant
    return " ".join(refus.value.messages)


def test_the_table_of_this_test_is_the_model_s():
    assert set(SOURCES) == set(transitions_du_modele())
    assert {
        nom for nom, custom in transitions_du_modele().items() if custom["commentaire_requis"]
    } == COMMENTAIRE_REQUIS


def test_every_transition_is_refused_from_every_state_it_does_not_leave(perimetres):
    for nom, source in SOURCES.items():
        libelle = transitions_du_modele()[nom]["libelle"]
        for etat in EtatDossier:
            if etat == source:
                continue
            message = _refus(dossier_en(etat), nom, perimetres[PAR.get(nom, "chef")])
            assert message == f"« {libelle} » ne s’applique pas à un dossier « {etat.label} ».", (nom, etat)


def test_every_transition_is_refused_to_every_role_it_is_not_given_to(perimetres):
    for nom, source in SOURCES.items():
        autorises = {PAR[nom]} if nom in PAR else {"admin", "chef"}
        for role, perimetre in perimetres.items():
            if role in autorises:
                continue
            message = _refus(dossier_en(source), nom, perimetre)
            assert message.startswith("Votre rôle ne permet pas de faire"), (nom, role)


def test_a_partner_gives_no_avis_on_a_dossier_that_does_not_ask_its_institution(perimetres, comptes, reference):
    dsden = Partenaire.objects.get(contrat=reference, sigle="DSDEN")
    adhesion_definir(utilisateur=comptes["partenaire"], contrat=reference, role=Role.PARTENAIRE, partenaire=dsden)
    message = _refus(dossier_en(EtatDossier.EN_INSTRUCTION), "donner_avis", perimetre_de(comptes["partenaire"]))
    assert message.startswith("Votre rôle ne permet pas")


def test_a_porteur_runs_nothing_on_another_structure_s_dossier(perimetres, comptes, reference):
    autre = reference.structures.exclude(pk__in=perimetres["porteur"].structure_ids).first()
    adhesion_definir(utilisateur=comptes["porteur"], contrat=reference, role=Role.PORTEUR, structures=[autre])
    message = _refus(dossier_en(EtatDossier.EN_COURS), "deposer_bilan", perimetre_de(comptes["porteur"]))
    assert message.startswith("Votre rôle ne permet pas")


@pytest.mark.parametrize("nom", sorted(COMMENTAIRE_REQUIS))
def test_a_transition_that_needs_a_reason_is_refused_without_one(perimetres, nom):
    dossier = dossier_en(SOURCES[nom])
    with pytest.raises(ValidationError) as refus:
        dossier_transitionner(
            dossier=dossier, nom=nom, perimetre=perimetres[PAR.get(nom, "chef")], auteur=None, commentaire="  "
        )
    assert "demande un commentaire" in refus.value.message_dict["commentaire"][0]
    assert Dossier.objects.get(pk=dossier.pk).etat == SOURCES[nom]


def test_an_incomplete_draft_is_not_deposited_and_the_page_says_what_is_missing(perimetres):
    brouillon = dossier_en(EtatDossier.BROUILLON)
    message = _refus(brouillon, "deposer", perimetres["porteur"])
    assert message == ("Le dossier n’est pas complet. Il manque : les objectifs ; au moins une réalisation attendue.")


def test_the_dauphin_number_is_required_when_the_state_is_asked(perimetres):
    brouillon = dossier_en(EtatDossier.BROUILLON)
    Dossier.objects.filter(pk=brouillon.pk).update(numero_dauphin="")
    message = _refus(brouillon, "deposer", perimetres["porteur"])
    assert "le numéro de dossier Dauphin (l’État est sollicité)" in message
    # Asking the CAF alone, no Dauphin number is needed.
    brouillon.lignes.filter(financeur__sigle="ANCT").delete()
    assert "Dauphin" not in _refus(brouillon, "deposer", perimetres["porteur"])


def test_a_deposit_outside_the_campaign_s_dates_is_refused(perimetres, campagne):
    hier = timezone.localdate() - timedelta(days=1)
    Campagne.objects.filter(pk=campagne.pk).update(ouverture=hier - timedelta(days=30), cloture=hier)
    message = _refus(dossier_en(EtatDossier.BROUILLON), "deposer", perimetres["porteur"])
    assert message.startswith("L’appel à projets reçoit les dossiers du") and "aujourd’hui" in message


def test_a_decision_on_a_dossier_that_moved_since_the_page_was_read_is_refused_and_names_the_change(
    perimetres, comptes
):
    dossier = dossier_en(EtatDossier.EN_INSTRUCTION)
    dossier_transitionner(dossier=dossier, nom="retenir", perimetre=perimetres["chef"], auteur=comptes["chef"])
    message = _refus(dossier, "refuser", perimetres["admin"], etat_vu=EtatDossier.EN_INSTRUCTION)
    assert message.startswith(
        "Ce dossier a changé pendant que vous le consultiez : il est passé de « En instruction » à « Retenu » par "
        "Cheffe de projet Démo."
    )


def test_an_unknown_transition_is_refused(perimetres):
    assert _refus(dossier_en(EtatDossier.DEPOSE), "supprimer", perimetres["chef"]) == "Cette étape n’existe pas."
