"""The home page of each role, on a small case built by hand over the demo: what shows, what
does not, what it says when there is nothing, who may open it, and what it costs."""

from datetime import timedelta
from decimal import Decimal

import pytest
from django.contrib.auth import get_user_model
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from accueil.selectors import PREMIERS
from actions.models import Action, Seance
from actions.tests.factories import ActionFactory, InscriptionFactory, PresenceFactory, SeanceFactory
from comptes.enums import Role
from comptes.services import adhesion_definir
from demo.adhesions import QUARTIERS_DU_PARTENAIRE, STRUCTURE_DE_L_ANIMATEUR, STRUCTURE_DU_PORTEUR
from demo.dossiers import TITRES
from dossiers.enums import EtatDossier
from dossiers.models import Campagne, Dossier, TransitionDossier
from dossiers.services import dossier_enregistrer
from fiches.annees import AnneeScolaire
from fiches.models import ClotureAnnee, RealisationAttendue
from indicateurs.fraicheur import nouvelle_generation
from partenaires.models import Partenaire, Structure
from partenaires.tests.factories import PartenaireFactory, StructureFactory

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("campagne")]

AUJOURDHUI = timezone.localdate


def _blocs(reponse):
    return {bloc.cle: bloc for bloc in reponse.context["blocs"]}


def _textes(bloc):
    return [element.texte for element in bloc.elements]


def _action(structure, titre, **kwargs):
    return ActionFactory(
        titre=titre,
        realisation=RealisationAttendue.objects.get(fiche__code="1.2.3", code="R1"),
        porteur=structure,
        quartiers=list(structure.quartiers.order_by("code")[:1]),
        date_debut=AUJOURDHUI() - timedelta(days=60),
        date_fin=AUJOURDHUI() + timedelta(days=60),
        **kwargs,
    )


@pytest.fixture
def seances(comptes, reference):
    """The animateur's structure: a session à saisir for two weeks, one saved, one cancelled, one
    of today; another structure: a session à saisir for two weeks, and one for three days only."""
    jour = AUJOURDHUI()
    structure = Structure.objects.get(contrat=reference, nom=STRUCTURE_DE_L_ANIMATEUR)
    ici = _action(structure, "Aide aux devoirs des Tilleuls")
    ailleurs = _action(StructureFactory(contrat=reference), "Club échecs d’une autre structure")
    recente = _action(StructureFactory(contrat=reference), "Théâtre, séance d’il y a trois jours")
    return {
        "en_retard": SeanceFactory(action=ici, date=jour - timedelta(days=14), a_saisir=True),
        "saisie": SeanceFactory(action=ici, date=jour - timedelta(days=15)),
        "annulee": SeanceFactory(
            action=ici,
            date=jour - timedelta(days=16),
            a_saisir=True,
            annulee_le=timezone.now(),
            motif_annulation="Grève",
        ),
        "du_jour": SeanceFactory(action=ici, date=jour, a_saisir=True),
        "ailleurs": SeanceFactory(action=ailleurs, date=jour - timedelta(days=14), a_saisir=True),
        "recente": SeanceFactory(action=recente, date=jour - timedelta(days=3), a_saisir=True),
    }


def test_the_animateur_sees_this_week_s_sessions_and_the_late_ones_of_their_structure(connecter, seances):
    reponse = connecter("animateur").get(reverse("accueil"))
    blocs = _blocs(reponse)
    semaine, retard = blocs["seances-de-la-semaine"], blocs["seances-en-retard"]
    assert [e.adresse for e in semaine.elements] == [reverse("actions:presences", kwargs={"pk": seances["du_jour"].pk})]
    assert [e.adresse for e in retard.elements] == [
        reverse("actions:presences", kwargs={"pk": seances["en_retard"].pk})
    ]
    assert "à saisir" in semaine.elements[0].detail
    # A saved session, a cancelled one and another structure's are not theirs to enter.
    html = reponse.content.decode()
    assert "Club échecs" not in html
    assert f"{seances['saisie'].date:%d/%m/%Y}" not in html and f"{seances['annulee'].date:%d/%m/%Y}" not in html
    assert not reponse.context["rien_a_faire"] and not reponse.context["chiffres"]


def test_the_animateur_is_told_plainly_when_nothing_is_to_enter(connecter, seances):
    Seance.objects.update(saisie_le=timezone.now())
    reponse = connecter("animateur").get(reverse("accueil"))
    html = reponse.content.decode()
    assert "Aucune séance à saisir cette semaine." in html
    assert "Aucune séance en retard" in html
    assert "Rien ne vous attend aujourd’hui." in html


def test_a_session_of_a_closed_year_is_no_longer_to_enter(connecter, reference, seances):
    """Its grid is refused (fiches.clotures): reminding of it would ask the impossible."""
    precedente = AnneeScolaire.courante().precedente()
    action = seances["en_retard"].action
    Action.objects.filter(pk=action.pk).update(date_debut=precedente.debut)
    ancienne = SeanceFactory(action=action, date=precedente.debut + timedelta(days=30), a_saisir=True)
    grille = reverse("actions:presences", kwargs={"pk": ancienne.pk})
    assert grille in [e.adresse for e in _blocs(connecter("animateur").get("/"))["seances-en-retard"].elements]
    ClotureAnnee.objects.update_or_create(
        contrat=reference,
        annee_scolaire=precedente.annee_de_rentree,
        defaults={"cloturee": True, "cloturee_le": timezone.now()},
    )
    assert grille not in [e.adresse for e in _blocs(connecter("animateur").get("/"))["seances-en-retard"].elements]
    assert _blocs(connecter("chef").get("/"))["saisies-en-retard"].precision == "2 séances en retard en tout"


def test_the_chef_sees_the_actions_late_by_more_than_a_week(connecter, seances):
    bloc = _blocs(connecter("chef").get(reverse("accueil")))["saisies-en-retard"]
    assert sorted(_textes(bloc)) == ["Aide aux devoirs des Tilleuls", "Club échecs d’une autre structure"]
    assert bloc.total == 2 and bloc.precision == "2 séances en retard en tout"
    assert all("1 séance à saisir" in element.detail for element in bloc.elements)


def test_the_chef_sees_the_dossiers_waiting_for_the_team_in_each_state(connecter):
    blocs = _blocs(connecter("chef").get(reverse("accueil")))
    assert _textes(blocs["dossiers-depose"]) == [TITRES[EtatDossier.DEPOSE]]
    assert _textes(blocs["dossiers-en_instruction"]) == [TITRES[EtatDossier.EN_INSTRUCTION]]
    assert _textes(blocs["dossiers-bilan_depose"]) == [TITRES[EtatDossier.BILAN_DEPOSE]]
    assert blocs["dossiers-depose"].voir_tout == f"{reverse('dossiers:liste')}?etat=depose"
    # The porteur's draft is not the team's yet.
    assert TITRES[EtatDossier.BROUILLON] not in str(blocs)


def _terminer_l_action(dossier, fin):
    Action.objects.filter(pk=dossier.action_id).update(date_debut=fin - timedelta(days=30), date_fin=fin)


def test_a_bilan_is_due_once_the_action_ends_within_thirty_days(connecter):
    en_cours = Dossier.objects.get(titre=TITRES[EtatDossier.EN_COURS])
    assert _blocs(connecter("chef").get(reverse("accueil")))["bilans-attendus"].total == 0
    _terminer_l_action(en_cours, AUJOURDHUI() - timedelta(days=2))
    bloc = _blocs(connecter("chef").get(reverse("accueil")))["bilans-attendus"]
    assert _textes(bloc) == [en_cours.titre]
    assert f"action terminée le {AUJOURDHUI() - timedelta(days=2):%d/%m/%Y}" in bloc.elements[0].detail
    porteur = _blocs(connecter("porteur").get(reverse("accueil")))
    assert en_cours.titre in _textes(porteur["dossiers-a-faire"])
    assert en_cours.titre not in _textes(porteur["dossiers-en-cours"])


def test_the_porteur_sees_their_dossiers_and_what_each_awaits(connecter, comptes, reference):
    campagne = Campagne.objects.get(contrat=reference)
    autre = dossier_enregistrer(
        campagne=campagne,
        auteur=comptes["porteur"],
        donnees={"titre": "Projet d’une autre structure", "structure": StructureFactory(contrat=reference)},
        montants={},
    )
    Dossier.objects.filter(pk=autre.pk).update(etat=EtatDossier.DEPOSE)
    en_cours = Dossier.objects.get(titre=TITRES[EtatDossier.EN_COURS])
    TransitionDossier.objects.create(
        dossier=en_cours,
        nom="renvoyer_bilan",
        etat_avant=EtatDossier.BILAN_DEPOSE,
        etat_apres=EtatDossier.EN_COURS,
        auteur=comptes["chef"],
        commentaire="Le compte rendu financier manque.",
    )
    reponse = connecter("porteur").get(reverse("accueil"))
    blocs = _blocs(reponse)
    a_faire = {e.texte: e.detail for e in blocs["dossiers-a-faire"].elements}
    assert a_faire == {
        TITRES[EtatDossier.BROUILLON]: f"{STRUCTURE_DU_PORTEUR} – Brouillon : à compléter puis déposer",
        en_cours.titre: f"{STRUCTURE_DU_PORTEUR} – Bilan renvoyé avec un commentaire : « Le compte rendu financier "
        "manque. » ; à reprendre et déposer",
    }
    suivi = blocs["dossiers-en-cours"]
    assert suivi.total == 7 and len(suivi.elements) == PREMIERS and not suivi.a_faire
    assert f'{TITRES[EtatDossier.DEPOSE]}</a> <span class="text-body-secondary">– {STRUCTURE_DU_PORTEUR} – Déposé' in (
        reponse.content.decode()
    )
    # Another structure's dossier, settled and refused ones are not in their lists.
    html = reponse.content.decode()
    assert "Projet d’une autre structure" not in html
    assert TITRES[EtatDossier.SOLDE] not in html and TITRES[EtatDossier.REFUSE] not in html
    assert _textes(blocs["campagnes-ouvertes"]) == [campagne.intitule]
    assert blocs["campagnes-ouvertes"].elements[0].adresse == campagne.get_absolute_url()
    # The chef sees the other structure's deposited dossier.
    assert "Projet d’une autre structure" in _textes(_blocs(connecter("chef").get("/"))["dossiers-depose"])


def _dossier_en_instruction(comptes, reference, titre, montants):
    campagne = Campagne.objects.get(contrat=reference)
    dossier = dossier_enregistrer(
        campagne=campagne,
        auteur=comptes["porteur"],
        donnees={"titre": titre, "structure": Structure.objects.get(contrat=reference, nom=STRUCTURE_DU_PORTEUR)},
        montants=montants,
    )
    Dossier.objects.filter(pk=dossier.pk).update(etat=EtatDossier.EN_INSTRUCTION)
    return dossier


def test_the_partner_sees_the_dossiers_waiting_for_its_avis_only(connecter, comptes, reference):
    caf = Partenaire.objects.get(contrat=reference, sigle="CAF")
    anct = Partenaire.objects.get(contrat=reference, sigle="ANCT")
    _dossier_en_instruction(comptes, reference, "Demande à la CAF", {caf: Decimal("1500"), anct: Decimal("900")})
    _dossier_en_instruction(comptes, reference, "Demande à l’État seul", {anct: Decimal("3000")})
    bloc = _blocs(connecter("partenaire").get(reverse("accueil")))["avis-a-donner"]
    # The demo dossier in instruction asks the CAF too, but the CAF gave its avis already.
    assert _textes(bloc) == ["Demande à la CAF"]
    assert bloc.elements[0].detail.endswith("1\u202f500,00\xa0€ demandés à votre institution")


def test_a_partner_not_asked_for_money_has_no_avis_to_give(client, comptes, reference):
    region = get_user_model().objects.create_user(username="region", email="region@exemple.fr")
    adhesion_definir(
        utilisateur=region, contrat=reference, role=Role.PARTENAIRE, partenaire=PartenaireFactory(contrat=reference)
    )
    client.force_login(region)
    reponse = client.get(reverse("accueil"))
    assert _blocs(reponse)["avis-a-donner"].total == 0
    assert "Aucun dossier en instruction n’attend l’avis de votre institution." in reponse.content.decode()
    # Granted no quartier: the whole contract's key figures, masked.
    assert [groupe.quartier for groupe in reponse.context["chiffres"]] == [None]
    assert reponse.context["notes"]


def _chiffres(groupe):
    return [(f.fiche.code, [(ligne.indicateur.code, ligne.actuelle) for ligne in f.lignes]) for f in groupe.fiches]


def test_the_key_figures_are_those_of_the_dashboards(connecter, reference):
    """The chef's are /indicateurs/'s; the partner's, those of each of their quartiers' dashboards,
    small counts masked: three children of one quartier show as « < 5 »."""
    structure = Structure.objects.get(contrat=reference, nom=STRUCTURE_DE_L_ANIMATEUR)
    action = _action(structure, "Atelier lecture")
    jour = max(AnneeScolaire.courante().debut, AUJOURDHUI() - timedelta(days=1))
    seance = SeanceFactory(action=action, date=jour, a_saisir=True)
    for _ in range(3):
        PresenceFactory(seance=seance, participant=InscriptionFactory(action=action).participant)
    chef = connecter("chef")
    (contrat,) = chef.get(reverse("accueil")).context["chiffres"]
    attendu = [
        (element.fiche.code, [(ligne.indicateur.code, ligne.actuelle) for ligne in element.lignes])
        for element in chef.get("/indicateurs/").context["fiches"]
    ]
    assert _chiffres(contrat) == attendu
    assert dict(dict(attendu)["1.2.3"])["nb_enfants_beneficiaires"] == 3
    partenaire = connecter("partenaire")
    groupes = partenaire.get(reverse("accueil")).context["chiffres"]
    assert sorted(groupe.quartier.code for groupe in groupes) == sorted(QUARTIERS_DU_PARTENAIRE)
    quartier = action.quartiers.get()
    (groupe,) = [g for g in groupes if g.quartier == quartier]
    tableau = partenaire.get(reverse("indicateurs:quartier", kwargs={"fiche": "1.2.3", "code": quartier.code}))
    lignes = {ligne.indicateur.code: ligne.actuelle for ligne in tableau.context["tableau"].lignes}
    (fiche,) = [f for f in groupe.fiches if f.fiche.code == "1.2.3"]
    for ligne in fiche.lignes:
        assert ligne.actuelle == lignes[ligne.indicateur.code], ligne.indicateur.code
    assert str(dict(_chiffres(groupe))["1.2.3"][1][1]) == "< 5"


def test_an_anonymous_visitor_is_sent_to_the_login_page(client):
    reponse = client.get(reverse("accueil"))
    assert reponse.status_code == 302 and reponse["Location"] == f"{reverse('connexion')}?next=/"


def test_an_account_without_membership_is_refused(client, db):
    client.force_login(get_user_model().objects.create_user(username="sans-adhesion"))
    assert client.get(reverse("accueil")).status_code == 403


def test_logging_in_leads_home(client, demo):
    reponse = client.post(reverse("connexion"), {"username": "demo-chef", "password": demo["demo-chef"]})
    assert reponse.status_code == 302 and reponse["Location"] == reverse("accueil")


@pytest.mark.parametrize("role", ["chef", "animateur", "porteur", "partenaire"])
def test_the_page_costs_the_same_queries_with_more_to_do(
    connecter, comptes, reference, seances, role, django_assert_num_queries
):
    client = connecter(role)
    client.get(reverse("accueil"))
    # The figures computed afresh both times (indicateurs.fraicheur), as after a write.
    nouvelle_generation()
    with CaptureQueriesContext(connection) as avant:
        assert client.get(reverse("accueil")).status_code == 200
    caf = Partenaire.objects.get(contrat=reference, sigle="CAF")
    structure = Structure.objects.get(contrat=reference, nom=STRUCTURE_DE_L_ANIMATEUR)
    for rang in range(PREMIERS + 2):
        _dossier_en_instruction(comptes, reference, f"Projet {rang}", {caf: Decimal(100 + rang)})
        brouillon = _dossier_en_instruction(comptes, reference, f"Brouillon {rang}", {})
        Dossier.objects.filter(pk=brouillon.pk).update(etat=EtatDossier.BROUILLON)
        action = _action(structure, f"Action {rang}")
        for jours in (0, 9, 10, 30):
            SeanceFactory(action=action, date=AUJOURDHUI() - timedelta(days=jours), a_saisir=True)
    with django_assert_num_queries(len(avant)):
        reponse = client.get(reverse("accueil"))
    assert any(bloc.autres for bloc in reponse.context["blocs"] if bloc.a_faire)
