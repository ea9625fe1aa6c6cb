"""The « envie d’école » answers of a child (E2): who may have them, the version and form they
take, the refusals (nothing half-saved), and where they go (consent withdrawn, purge, export)."""

import datetime
import json
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError

from actions.enums import MomentQuestionnaire, NiveauScolaire
from actions.models import Participant, QuestionnaireRempli
from actions.questionnaires import questionnaire
from actions.services import (
    participant_enregistrer,
    participant_supprimer,
    participants_anonymiser,
    questionnaire_enregistrer,
)

from .factories import ActionFactory, InscriptionFactory

pytestmark = pytest.mark.django_db

ENTREE, SORTIE = MomentQuestionnaire.ENTREE, MomentQuestionnaire.SORTIE
JOUR = datetime.date(2025, 9, 20)


def reponses(forme="elementaire", valeur=3, **autres):
    return {item.code: valeur for item in questionnaire().forme(forme).items} | autres


def enfant_inscrit(action=None, **champs):
    action = action or ActionFactory(questionnaire_envie_ecole=True)
    inscription = InscriptionFactory(action=action, participant__consentement_questionnaire=True, **champs)
    return action, inscription.participant


def remplir(action, enfant, moment=ENTREE, valeurs=None, jour=JOUR, revision_vue=0):
    return questionnaire_enregistrer(
        action=action,
        participant=enfant,
        moment=moment,
        reponses=valeurs or reponses(),
        rempli_le=jour,
        mode="papier",
        auteur=None,
        revision_vue=revision_vue,
    )


def test_l_entree_prend_la_forme_du_niveau_et_la_sortie_celle_de_l_entree():
    action, enfant = enfant_inscrit(participant__niveau_scolaire=NiveauScolaire.CM2)
    entree = remplir(action, enfant)
    assert (entree.version, entree.forme, entree.revision) == (1, "elementaire", 1)
    # Tout à 3, deux phrases inversées (5 − 3 = 2) : (5 × 3 + 2 × 2) / 7 = 19 / 7.
    assert entree.score == Decimal("2.714")
    # Passé au collège entre-temps : la sortie reste sur la forme de l’entrée.
    enfant.niveau_scolaire = NiveauScolaire.SIXIEME
    enfant.save()
    sortie = remplir(action, enfant, SORTIE, reponses(valeur=4), jour=datetime.date(2026, 6, 1))
    assert sortie.forme == "elementaire"
    assert sortie.score == Decimal("3.143")
    assert entree.history.count() == 1


def test_un_collegien_repond_a_la_forme_du_college():
    action, enfant = enfant_inscrit(participant__niveau_scolaire=NiveauScolaire.QUATRIEME)
    assert remplir(action, enfant, valeurs=reponses("college")).forme == "college"


def refus(action, enfant, **kwargs):
    with pytest.raises(ValidationError) as erreur:
        remplir(action, enfant, **kwargs)
    assert not QuestionnaireRempli.objects.filter(participant=enfant, moment=kwargs.get("moment", ENTREE)).exists()
    return erreur.value.message_dict


def test_sans_consentement_qui_le_couvre_aucune_reponse():
    action = ActionFactory(questionnaire_envie_ecole=True)
    enfant = InscriptionFactory(action=action).participant
    assert "ne couvre pas le questionnaire" in refus(action, enfant)["participant"][0]


def test_une_action_qui_ne_le_propose_pas_ou_un_enfant_non_inscrit_sont_refuses():
    action, enfant = enfant_inscrit(action=ActionFactory())
    assert "ne propose pas" in refus(action, enfant)["action"][0]
    autre = ActionFactory(questionnaire_envie_ecole=True, porteur=action.porteur)
    assert "n’est pas inscrit" in refus(autre, enfant)["participant"][0]


def test_une_reponse_manquante_est_refusee_a_sa_phrase_sans_rien_ecrire():
    action, enfant = enfant_inscrit()
    valeurs = reponses()
    del valeurs["capable"]
    assert refus(action, enfant, valeurs=valeurs) == {"capable": ["Choisissez une réponse."]}


def test_une_sortie_sans_entree_ou_avant_elle_est_refusee():
    action, enfant = enfant_inscrit()
    assert "d’abord le questionnaire d’entrée" in refus(action, enfant, moment=SORTIE)["moment"][0]
    remplir(action, enfant)
    assert (
        "ne peut pas précéder"
        in refus(action, enfant, moment=SORTIE, jour=JOUR - datetime.timedelta(1))["rempli_le"][0]
    )


def test_un_niveau_sans_forme_est_refuse():
    action, enfant = enfant_inscrit(participant__niveau_scolaire=NiveauScolaire.GS, participant__annee_naissance=2020)
    assert "pas de forme pour le niveau" in refus(action, enfant)["participant"][0]


def test_une_saisie_faite_pendant_qu_on_remplissait_est_refusee_pas_ecrasee():
    action, enfant = enfant_inscrit()
    premier = remplir(action, enfant, valeurs=reponses(valeur=4))
    # Une seconde tablette avait ouvert le questionnaire avant cet enregistrement (révision 0).
    with pytest.raises(ValidationError, match="vient d’être enregistré"):
        remplir(action, enfant, valeurs=reponses(valeur=1))
    premier.refresh_from_db()
    assert premier.reponses == reponses(valeur=4)
    # Qui a vu la révision 1 la corrige.
    assert remplir(action, enfant, valeurs=reponses(valeur=2), revision_vue=1).revision == 2


def test_un_consentement_retire_emporte_les_reponses_et_leur_historique():
    action, enfant = enfant_inscrit()
    remplir(action, enfant)
    participant_enregistrer(participant=enfant, donnees={"consentement_questionnaire": False})
    assert not QuestionnaireRempli.objects.filter(participant=enfant).exists()
    assert not QuestionnaireRempli.history.filter(participant_id=enfant.pk).exists()


def test_le_consentement_au_questionnaire_suppose_un_consentement_recueilli():
    action, enfant = enfant_inscrit()
    with pytest.raises(ValidationError) as erreur:
        participant_enregistrer(participant=enfant, donnees={"date_consentement": None})
    assert "consentement_questionnaire" in erreur.value.message_dict


def test_supprimer_l_enfant_supprime_ses_reponses_et_leur_historique():
    action, enfant = enfant_inscrit()
    remplir(action, enfant)
    pk = enfant.pk
    participant_supprimer(participant=enfant)
    assert not QuestionnaireRempli.objects.filter(participant_id=pk).exists()
    assert not QuestionnaireRempli.history.filter(participant_id=pk).exists()


def test_l_anonymisation_garde_les_reponses_et_efface_leur_historique():
    action, enfant = enfant_inscrit()
    rempli = remplir(action, enfant)
    Participant.objects.filter(pk=enfant.pk).update(cree_le=datetime.datetime(2025, 9, 1, tzinfo=datetime.UTC))
    assert participants_anonymiser(aujourdhui=datetime.date(2029, 9, 15), annees=3) == [enfant]
    rempli.refresh_from_db()
    assert rempli.score == Decimal("2.714"), "past figures do not change"
    assert not QuestionnaireRempli.history.filter(participant_id=enfant.pk).exists()


def test_l_export_d_un_enfant_porte_ses_reponses(client_connecte):
    action, enfant = enfant_inscrit()
    remplir(action, enfant)
    donnees = json.loads(client_connecte.get(f"/participants/{enfant.pk}/export/").content)
    assert donnees["enfant"]["consentement_questionnaire"] is True
    assert donnees["questionnaires"] == [
        {
            "action": str(action),
            "moment": "À l’inscription (entrée)",
            "rempli_le": "2025-09-20",
            "version": 1,
            "forme": "elementaire",
            "reponses": reponses(),
            "score": "2.714",
        }
    ]


def test_la_paire_porte_l_annee_de_l_entree_et_l_evolution_suit_une_correction():
    action, enfant = enfant_inscrit()
    entree = remplir(action, enfant)
    sortie = remplir(action, enfant, SORTIE, reponses(valeur=4), jour=datetime.date(2026, 6, 1))
    # 22/7 − 19/7, chacun arrondi au millième : 3,143 − 2,714.
    assert (sortie.annee_scolaire, sortie.evolution) == (2025, Decimal("0.429"))
    remplir(action, enfant, valeurs=reponses(valeur=4), revision_vue=entree.revision)
    sortie.refresh_from_db()
    assert sortie.evolution == 0
