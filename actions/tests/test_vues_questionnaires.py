"""The questionnaire's pages: the animateur's list, the grid of paper sheets, the sheets and
the tablet. Only the structure's animateurs see them; the child's page leads nowhere else."""

import datetime

import pytest
from django.contrib.auth import get_user_model
from django.db import connection
from django.test.utils import CaptureQueriesContext

from actions.enums import NiveauScolaire
from actions.models import QuestionnaireRempli
from actions.questionnaires import questionnaire
from comptes.enums import Role
from comptes.services import adhesion_definir

from .factories import ActionFactory, InscriptionFactory
from .test_questionnaires import remplir, reponses

pytestmark = pytest.mark.django_db
MOT_DE_PASSE = "x-Motdepasse-42"
ITEMS = [item.code for item in questionnaire().forme("elementaire").items]
ITEMS_COLLEGE = [item.code for item in questionnaire().forme("college").items]


@pytest.fixture
def action():
    return ActionFactory(questionnaire_envie_ecole=True)


@pytest.fixture
def animateur(client, action):
    utilisateur = get_user_model().objects.create_user(username="animateur", password=MOT_DE_PASSE)
    adhesion_definir(
        utilisateur=utilisateur, contrat=action.porteur.contrat, role=Role.ANIMATEUR, structures=[action.porteur]
    )
    client.force_login(utilisateur)
    return client


def _enfant(action, couvert=True, **champs):
    return InscriptionFactory(action=action, participant__consentement_questionnaire=couvert, **champs).participant


def test_la_liste_dit_qui_peut_repondre(animateur, action):
    couvert, refuse = _enfant(action), _enfant(action, couvert=False)
    html = animateur.get(f"/actions/{action.pk}/questionnaires/").content.decode()
    assert f"/questionnaires/entree/tablette/{couvert.pk}/" in html
    assert f"/questionnaires/entree/tablette/{refuse.pk}/" not in html
    assert "ne couvre pas le questionnaire" in html


def test_un_chef_de_projet_ne_voit_pas_les_reponses_d_un_enfant(client_connecte, action):
    enfant = _enfant(action)
    assert client_connecte.get(f"/actions/{action.pk}/questionnaires/").status_code == 403
    assert client_connecte.get(f"/actions/{action.pk}/questionnaires/entree/tablette/{enfant.pk}/").status_code == 403


def test_une_action_qui_ne_le_propose_pas_n_a_pas_de_page(animateur, action):
    autre = ActionFactory(porteur=action.porteur)
    assert animateur.get(f"/actions/{autre.pk}/questionnaires/").status_code == 404


def test_la_tablette_enregistre_puis_ne_rend_la_liste_qu_au_mot_de_passe(animateur, action):
    enfant = _enfant(action)
    adresse = f"/actions/{action.pk}/questionnaires/entree/tablette/{enfant.pk}/"
    page = animateur.get(adresse).content.decode()
    assert 'href="' not in page.split("<body", 1)[1], "the child's page has no link"
    reponse = animateur.post(adresse, {"revision": 0, **dict.fromkeys(ITEMS, 4)})
    assert reponse.status_code == 302
    rempli = QuestionnaireRempli.objects.get(participant=enfant)
    assert (rempli.mode, rempli.rempli_le) == ("tablette", datetime.date.today())
    merci = animateur.get(reponse.url).content.decode()
    assert enfant.code not in merci and 'href="' not in merci.split("<body", 1)[1]
    refuse = animateur.post(reponse.url, {"mot_de_passe": "non"})
    assert "Ce n’est pas le mot de passe" in refuse.content.decode()
    assert animateur.post(reponse.url, {"mot_de_passe": MOT_DE_PASSE}).url == f"/actions/{action.pk}/questionnaires/"


def test_sur_la_tablette_une_reponse_manquante_est_dite_a_sa_phrase(animateur, action):
    enfant = _enfant(action)
    reponse = animateur.post(
        f"/actions/{action.pk}/questionnaires/entree/tablette/{enfant.pk}/",
        {"revision": 0, **dict.fromkeys(ITEMS[1:], 2)},
    )
    html = reponse.content.decode()
    assert f'id="{ITEMS[0]}-erreur">Choisissez une réponse.' in html
    assert not QuestionnaireRempli.objects.exists()


def test_un_enfant_sans_consentement_n_a_pas_de_tablette(animateur, action):
    enfant = _enfant(action, couvert=False)
    assert animateur.get(f"/actions/{action.pk}/questionnaires/entree/tablette/{enfant.pk}/").status_code == 404


def test_la_grille_enregistre_les_lignes_remplies_et_rien_si_une_est_refusee(animateur, action):
    primaire = _enfant(action)
    college = _enfant(action, participant__niveau_scolaire=NiveauScolaire.SIXIEME, participant__annee_naissance=2014)
    vide = _enfant(action)
    adresse = f"/actions/{action.pk}/questionnaires/entree/grille/"
    html = animateur.get(adresse).content.decode()
    assert "École élémentaire" in html and "Collège" in html
    donnees = {
        "rempli_le": "20/09/2025",
        f"revision-{primaire.pk}": 0,
        f"revision-{college.pk}": 0,
        f"revision-{vide.pk}": 0,
        **{f"q-{primaire.pk}-{code}": 3 for code in ITEMS},
        **{f"q-{college.pk}-{code}": 2 for code in ITEMS_COLLEGE[1:]},
    }
    refuse = animateur.post(adresse, donnees)
    assert refuse.status_code == 200
    assert f'id="id_q-{college.pk}-{ITEMS_COLLEGE[0]}-erreur">Choisissez une réponse.' in refuse.content.decode()
    assert not QuestionnaireRempli.objects.exists(), "nothing half-saved"
    donnees[f"q-{college.pk}-{ITEMS_COLLEGE[0]}"] = 1
    assert animateur.post(adresse, donnees).status_code == 302
    assert sorted(QuestionnaireRempli.objects.values_list("participant__code", "forme")) == sorted(
        [(primaire.code, "elementaire"), (college.code, "college")]
    )


def test_la_grille_refuse_d_ecraser_une_saisie_faite_entre_temps(animateur, action):
    enfant = _enfant(action)
    adresse = f"/actions/{action.pk}/questionnaires/entree/grille/"
    donnees = {"rempli_le": "20/09/2025", f"revision-{enfant.pk}": 0, **{f"q-{enfant.pk}-{c}": 3 for c in ITEMS}}
    assert animateur.post(adresse, donnees).status_code == 302
    reponse = animateur.post(adresse, donnees | {f"q-{enfant.pk}-{ITEMS[0]}": 1})
    assert "vient d’être enregistré" in reponse.content.decode()
    assert QuestionnaireRempli.objects.get().reponses[ITEMS[0]] == 3


def test_les_feuilles_une_par_enfant_couvert(animateur, action):
    couvert, refuse = _enfant(action), _enfant(action, couvert=False)
    html = animateur.get(f"/actions/{action.pk}/questionnaires/sortie/feuilles/").content.decode()
    assert html.count('class="feuille-questionnaire"') == 1
    assert couvert.code in html and refuse.code not in html
    assert "<svg" in html


def test_un_moment_inconnu_est_une_page_introuvable(animateur, action):
    assert animateur.get(f"/actions/{action.pk}/questionnaires/milieu/feuilles/").status_code == 404


def test_l_evolution_de_l_action_n_est_calculee_qu_a_partir_du_seuil(animateur, action):
    enfants = [_enfant(action) for _ in range(5)]
    for rang, enfant in enumerate(enfants):
        remplir(action, enfant, valeurs=reponses(valeur=2))
        if rang < 4:
            # 2 → 3 for three children, 2 → 2 for one: 19/7 − 16/7 each, rounded to the thousandth.
            remplir(action, enfant, "sortie", reponses(valeur=3 if rang < 3 else 2), jour=datetime.date(2026, 6, 1))
    html = animateur.get(f"/actions/{action.pk}/questionnaires/").content.decode()
    assert "4 enfants ont répondu avant et après" in html and "non calculées en dessous de 5" in html
    remplir(action, enfants[4], "sortie", reponses(valeur=4), jour=datetime.date(2026, 6, 1))
    html = animateur.get(f"/actions/{action.pk}/questionnaires/").content.decode()
    # Changes 0.428 × 3, 0, 0.857 (22/7 − 16/7 = 3.143 − 2.286): mean 2.141 / 5 = 0.428; 4 of 5 rose.
    assert "<strong>0,43</strong>" in html and "<strong>80,0 %</strong>" in html


@pytest.mark.parametrize("page", ["", "entree/grille/", "sortie/feuilles/"])
def test_the_pages_cost_the_same_queries_with_three_children_or_thirty(animateur, action, page):
    adresse = f"/actions/{action.pk}/questionnaires/{page}"
    comptes = []
    for nombre in (3, 27):
        for _ in range(nombre):
            remplir(action, _enfant(action))
        with CaptureQueriesContext(connection) as requetes:
            assert animateur.get(adresse).status_code == 200
        comptes.append(len(requetes))
    assert comptes[0] == comptes[1]
