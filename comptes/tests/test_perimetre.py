"""Who sees what. The matrix walks every URL pattern of the project for every role, so a page
added later is refused to the wrong roles or fails here until its line is written; a fifth
column is an animateur limited to a quartier facing their structure's records elsewhere. The
admin's patterns, contract by contract and model by model, are walked in test_administration.py."""

import datetime

import pytest
from django.contrib.auth import get_user_model
from django.urls import URLPattern, URLResolver, get_resolver, reverse
from django.utils import timezone

from actions.models import Action
from actions.tests.factories import (
    ActionFactory,
    FinancementFactory,
    InscriptionFactory,
    PresenceFactory,
    SeanceFactory,
)
from comptes.enums import Role
from comptes.services import adhesion_definir
from demo.adhesions import STRUCTURE_DE_L_ANIMATEUR
from demo.dossiers import TITRES, dossiers_de_demo
from dossiers.enums import EtatDossier
from dossiers.models import Campagne, Dossier
from fiches.models import ClotureAnnee, Fiche, RealisationAttendue
from fiches.services import annee_publier
from fiches.tests.factories import FicheFactory, RealisationAttendueFactory
from imports.models import ImportTableur
from indicateurs.models import ValeurExterne
from partenaires.models import Structure

pytestmark = pytest.mark.django_db

ROLES = {
    Role.ADMINISTRATEUR: "demo-admin",
    Role.CHEF_DE_PROJET: "demo-chef",
    Role.ANIMATEUR: "demo-animateur",
    Role.PARTENAIRE: "demo-partenaire",
    Role.PORTEUR: "demo-porteur",
}
TOUS = dict.fromkeys(Role, 200)
SAISIE = {**dict.fromkeys(Role, 403), Role.ADMINISTRATEUR: 200, Role.CHEF_DE_PROJET: 200, Role.ANIMATEUR: 200}
# Targets and external values, campaigns: the officers'.
PILOTAGE = {**dict.fromkeys(Role, 403), Role.ADMINISTRATEUR: 200, Role.CHEF_DE_PROJET: 200}
# Campaigns and dossiers: the officers instruct, the porteur files, the financeur partner gives
# its avis (the dossier of the matrix asks the demo partner's CAF for money); animateurs have none.
DOSSIERS = {**dict.fromkeys(Role, 200), Role.ANIMATEUR: 403}
# The dossier's own form: the porteur's (its draft, for the modification).
REDACTION = {**dict.fromkeys(Role, 403), Role.PORTEUR: 200}
# A bilan: the porteur writes it, the officers read and validate it; partners (their avis only)
# and animateurs never see it.
BILANS = {**PILOTAGE, Role.PORTEUR: 200}
# A child's answers to the questionnaire, child by child: within the structure only, its animateurs.
ANIMATION = {**dict.fromkeys(Role, 403), Role.ANIMATEUR: 200}
# A method a view does not handle is refused first, for every role alike.
ECRITURE_POST = dict.fromkeys(Role, 405)

# Expected status of a GET, per URL name and role, on objects within the animateur's scope.
MATRICE = {
    # Every member has a home page: what waits for their role.
    "accueil": TOUS,
    "connexion": dict.fromkeys(Role, 302),
    "deconnexion": dict.fromkeys(Role, 405),
    "sante": TOUS,
    # Every account has a password, whatever its role.
    "comptes:mot_de_passe_oublie": TOUS,
    "comptes:mot_de_passe_envoye": TOUS,
    "comptes:nouveau_mot_de_passe": TOUS,
    "comptes:mot_de_passe_reinitialise": TOUS,
    "comptes:changer_mot_de_passe": TOUS,
    "comptes:mot_de_passe_change": TOUS,
    "fiches:liste": TOUS,
    "fiches:detail": TOUS,
    "fiches:indicateur": TOUS,
    "partenaires:annuaire": TOUS,
    "partenaires:partenaire": TOUS,
    "partenaires:dispositif": TOUS,
    "actions:liste": SAISIE,
    "actions:nouvelle": SAISIE,
    "actions:detail": SAISIE,
    "actions:modifier": SAISIE,
    "actions:archiver": ECRITURE_POST,
    "actions:annuler": SAISIE,
    "actions:supprimer": SAISIE,
    "actions:ajouter_financement": SAISIE,
    "actions:modifier_financement": SAISIE,
    "actions:supprimer_financement": SAISIE,
    "actions:ajouter_seance": SAISIE,
    "actions:serie_seances": SAISIE,
    "actions:modifier_seance": SAISIE,
    "actions:annuler_seance": SAISIE,
    "actions:retablir_seance": ECRITURE_POST,
    "actions:supprimer_seance": SAISIE,
    "actions:presences": SAISIE,
    "actions:presences_du_mois": SAISIE,
    "actions:inscriptions": SAISIE,
    "actions:questionnaires": ANIMATION,
    "actions:grille_questionnaires": ANIMATION,
    "actions:feuilles_questionnaire": ANIMATION,
    "actions:questionnaire_tablette": ANIMATION,
    "actions:questionnaire_merci": ANIMATION,
    "actions:participants": SAISIE,
    "actions:nouveau_participant": SAISIE,
    "actions:participant": SAISIE,
    "actions:modifier_participant": SAISIE,
    "actions:exporter_participant": SAISIE,
    # The lists' exports, within the reader's scope; children in one file: the officers only.
    "actions:export_actions": SAISIE,
    "actions:export_financements": SAISIE,
    "actions:export_seances": SAISIE,
    "actions:export_seances_action": SAISIE,
    "actions:export_presences": SAISIE,
    "actions:export_participants": PILOTAGE,
    # The demo partner is granted two quartiers: a fiche's dashboard sends them to theirs.
    "indicateurs:tableau": TOUS,
    "indicateurs:fiche": {**TOUS, Role.PARTENAIRE: 302},
    "indicateurs:quartier": TOUS,
    "indicateurs:export_csv": {**TOUS, Role.PARTENAIRE: 403},
    "indicateurs:export_xlsx": {**TOUS, Role.PARTENAIRE: 403},
    "indicateurs:definition": TOUS,
    # The annual report (PDF) of the contract, as its dashboards: a partner granted quartiers asks for one.
    "indicateurs:rapport": {**TOUS, Role.PARTENAIRE: 403},
    "indicateurs:valeurs": PILOTAGE,
    "indicateurs:modifier_valeur": PILOTAGE,
    "indicateurs:supprimer_valeur": PILOTAGE,
    "dossiers:campagnes": DOSSIERS,
    "dossiers:campagne": DOSSIERS,
    "dossiers:nouvelle_campagne": PILOTAGE,
    "dossiers:modifier_campagne": PILOTAGE,
    "dossiers:nouveau": REDACTION,
    "dossiers:liste": DOSSIERS,
    "dossiers:detail": DOSSIERS,
    "dossiers:modifier": REDACTION,
    "dossiers:bilan": BILANS,
    "dossiers:modifier_bilan": REDACTION,
    # The contract's funding at a glance: the officers' (partners, animateurs, porteurs: 403).
    "dossiers:financements": PILOTAGE,
    "dossiers:financements_csv": PILOTAGE,
    "dossiers:financements_xlsx": PILOTAGE,
    # Closing a year: its officers decide it (the page explains, or says why not yet).
    "indicateurs:cloturer": PILOTAGE,
    # Publishing its bilan: the contract's administrators, who answer for what it shows.
    "indicateurs:publier": {**dict.fromkeys(Role, 403), Role.ADMINISTRATEUR: 200},
    # The published year's public bilan: for everyone, logged in or not (test_acces.py).
    "bilan:index": TOUS,
    "bilan:contrat": TOUS,
    "bilan:quartier": TOUS,
    "bilan:export_csv": TOUS,
    "bilan:rapport": TOUS,
    # Imports: whoever records actions (the external values' template: the officers', below).
    "imports:importer": SAISIE,
    "imports:historique": SAISIE,
    "imports:modele": SAISIE,
    # The animateur's own preview of their action's month: theirs, and the officers'.
    "imports:apercu": SAISIE,
    "imports:confirmer": ECRITURE_POST,
    "imports:actualiser": ECRITURE_POST,
    # The read-only API: the dashboards' aggregates, for every member as the dashboards are; a
    # partner granted quartiers names one of them for the values (api/tests for the rest).
    "api:contrat": TOUS,
    "api:annees": TOUS,
    "api:fiches": TOUS,
    "api:fiche": TOUS,
    "api:indicateurs": TOUS,
    "api:quartiers": TOUS,
    "api:valeurs": {**TOUS, Role.PARTENAIRE: 403},
    "api:schema": TOUS,
    "api:documentation": TOUS,
}


def noms_des_urls(resolver=None, espace=""):
    for entree in (resolver or get_resolver()).url_patterns:
        if isinstance(entree, URLResolver):
            yield from noms_des_urls(entree, f"{espace}{entree.namespace}:" if entree.namespace else espace)
        elif isinstance(entree, URLPattern) and entree.name:
            yield f"{espace}{entree.name}"


@pytest.fixture
def donnees(demo, reference):
    """One record of each kind, run by the demo animateur's structure."""
    structure = Structure.objects.get(contrat=reference, nom=STRUCTURE_DE_L_ANIMATEUR)
    action = ActionFactory(
        realisation=RealisationAttendue.objects.get(fiche__code="1.2.3", code="R1"),
        porteur=structure,
        quartiers=list(structure.quartiers.all()),
        questionnaire_envie_ecole=True,
    )
    inscription = InscriptionFactory(action=action, participant__consentement_questionnaire=True)
    dossiers_de_demo(contrat=reference)
    publiee = ClotureAnnee.objects.create(
        contrat=reference, annee_scolaire=2024, cloturee=True, cloturee_le=timezone.now()
    )
    annee_publier(cloture=publiee, auteur=get_user_model().objects.get(username="demo-admin"))
    import_tableur = ImportTableur.objects.create(
        contrat=reference,
        auteur=get_user_model().objects.get(username="demo-animateur"),
        nature="presences",
        action=action,
        nom_du_fichier="mois.csv",
        contenu=b"code\r\n",
    )
    return {
        "campagne": Campagne.objects.get(contrat=reference),
        "dossier": Dossier.objects.get(titre=TITRES[EtatDossier.EN_INSTRUCTION]),
        "brouillon": Dossier.objects.get(titre=TITRES[EtatDossier.BROUILLON]),
        "en_cours": Dossier.objects.get(titre=TITRES[EtatDossier.EN_COURS]),
        "action": action,
        "seance": SeanceFactory(action=action),
        "financement": FinancementFactory(action=action, source=reference.sources_financement.first()),
        "participant": inscription.participant,
        "partenaire": reference.partenaires.first(),
        "valeur_externe": ValeurExterne.objects.filter(contrat=reference).first(),
        "import": import_tableur,
        "contrat": reference.code,
    }


def _url(nom, donnees):
    parametres = {
        "fiches:detail": {"code": "1.2.3"},
        "fiches:indicateur": {"code": "1.2.3", "code_indicateur": "IR1"},
        "partenaires:partenaire": {"pk": donnees["partenaire"].pk},
        "indicateurs:modifier_valeur": {"pk": donnees["valeur_externe"].pk},
        "indicateurs:supprimer_valeur": {"pk": donnees["valeur_externe"].pk},
        "partenaires:dispositif": {"code": "clas"},
        "actions:modifier_financement": {"pk": donnees["financement"].pk},
        "actions:supprimer_financement": {"pk": donnees["financement"].pk},
        "actions:modifier_seance": {"pk": donnees["seance"].pk},
        "actions:annuler_seance": {"pk": donnees["seance"].pk},
        "actions:retablir_seance": {"pk": donnees["seance"].pk},
        "actions:supprimer_seance": {"pk": donnees["seance"].pk},
        "actions:presences": {"pk": donnees["seance"].pk},
        "actions:participant": {"pk": donnees["participant"].pk},
        "actions:modifier_participant": {"pk": donnees["participant"].pk},
        "actions:exporter_participant": {"pk": donnees["participant"].pk},
        "indicateurs:fiche": {"fiche": "1.2.3"},
        "indicateurs:quartier": {"fiche": "1.2.3", "code": "QN09591A"},
        "indicateurs:definition": {"fiche": "1.2.3", "code": "nb_actions"},
        "indicateurs:cloturer": {"annee": "2024-2025"},
        "indicateurs:rapport": {"annee": "2024-2025"},
        "indicateurs:publier": {"annee": "2024-2025"},
        "bilan:contrat": {"contrat": donnees["contrat"], "annee": "2024-2025"},
        "bilan:quartier": {"contrat": donnees["contrat"], "annee": "2024-2025", "code": "QN09591A"},
        "bilan:export_csv": {"contrat": donnees["contrat"], "annee": "2024-2025", "fiche": "1.2.3"},
        "bilan:rapport": {"contrat": donnees["contrat"], "annee": "2024-2025"},
        "comptes:nouveau_mot_de_passe": {"uidb64": "MQ", "token": "perime"},
        "dossiers:campagne": {"pk": donnees["campagne"].pk},
        "dossiers:modifier_campagne": {"pk": donnees["campagne"].pk},
        "dossiers:nouveau": {"campagne": donnees["campagne"].pk},
        "dossiers:detail": {"pk": donnees["dossier"].pk},
        "dossiers:modifier": {"pk": donnees["brouillon"].pk},
        "imports:modele": {"nature": "presences"},
        "imports:apercu": {"pk": donnees["import"].pk},
        "imports:confirmer": {"pk": donnees["import"].pk},
        "imports:actualiser": {"pk": donnees["import"].pk},
        "dossiers:bilan": {"pk": donnees["en_cours"].pk},
        "dossiers:modifier_bilan": {"pk": donnees["en_cours"].pk},
        "api:fiche": {"contrat": "contrat-de-ville", "fiche": "1.2.3"},
        "actions:grille_questionnaires": {"pk": donnees["action"].pk, "moment": "entree"},
        "actions:feuilles_questionnaire": {"pk": donnees["action"].pk, "moment": "entree"},
        "actions:questionnaire_tablette": {
            "pk": donnees["action"].pk,
            "moment": "entree",
            "enfant": donnees["participant"].pk,
        },
    }
    if nom in parametres:
        return reverse(nom, kwargs=parametres[nom])
    if nom.startswith("api:") and nom not in ("api:schema", "api:documentation"):
        return reverse(nom, kwargs={"contrat": "contrat-de-ville"})
    if nom in ("indicateurs:export_csv", "indicateurs:export_xlsx"):
        return f"{reverse(nom)}?fiche=1.2.3"
    try:
        return reverse(nom)
    except Exception:  # noqa: BLE001 - the remaining patterns take the action's pk
        return reverse(nom, kwargs={"pk": donnees["action"].pk})


def test_the_matrix_covers_every_url_of_the_project():
    noms = {nom for nom in noms_des_urls() if not nom.startswith("admin:")}
    assert noms == set(MATRICE), f"à ajouter à la matrice : {noms - set(MATRICE)}"


@pytest.mark.parametrize("role", list(Role), ids=lambda r: r.value)
def test_every_page_answers_each_role_as_its_scope_says(client, donnees, role):
    client.force_login(get_user_model().objects.get(username=ROLES[role]))
    for nom, attendus in MATRICE.items():
        assert client.get(_url(nom, donnees)).status_code == attendus[role], nom


def _limiter_l_animateur_a_un_autre_quartier(reference, donnees):
    """The demo animateur limited to one quartier of their structure, and the records of `donnees`
    moved to another: the same structure, out of their scope."""
    animateur = get_user_model().objects.get(username="demo-animateur")
    structure = Structure.objects.get(contrat=reference, nom=STRUCTURE_DE_L_ANIMATEUR)
    un, autre = structure.quartiers.order_by("code")[:2]
    donnees["action"].quartiers.set([un])
    adhesion_definir(
        utilisateur=animateur, contrat=reference, role=Role.ANIMATEUR, structures=[structure], quartiers=[autre]
    )
    return animateur


# The pages that name a record: out of the animateur's quartiers, each answers 404 (the POST-only
# writes are refused before any record is read).
LISTES = {
    "actions:liste",
    "actions:nouvelle",
    "actions:participants",
    "actions:nouveau_participant",
    "actions:export_actions",
    "actions:export_financements",
    "actions:export_seances",
    "actions:export_participants",
}
PAGES_D_UN_ENREGISTREMENT = {
    nom: 404 for nom in MATRICE if (nom.startswith("actions:") and nom not in LISTES) or nom == "imports:apercu"
} | {nom: 405 for nom, attendus in MATRICE.items() if attendus is ECRITURE_POST}


def test_every_page_answers_an_animateur_limited_to_a_quartier_as_its_scope_says(client, donnees, reference):
    """The fifth column of the matrix: records of the animateur's own structure, in a quartier
    they are not given. A child seen only in an action there is out of scope too."""
    client.force_login(_limiter_l_animateur_a_un_autre_quartier(reference, donnees))
    for nom, attendus in MATRICE.items():
        attendu = PAGES_D_UN_ENREGISTREMENT.get(nom, attendus[Role.ANIMATEUR])
        assert client.get(_url(nom, donnees)).status_code == attendu, nom
    assert donnees["participant"].code not in client.get("/participants/").content.decode()
    # The lists' exports leave the action out as the list does.
    for nom in ("actions:export_actions", "actions:export_financements", "actions:export_seances"):
        assert donnees["action"].titre not in client.get(reverse(nom), {"format": "csv"}).content.decode(), nom


@pytest.mark.parametrize("role", list(Role), ids=lambda r: r.value)
def test_the_django_admin_is_for_administrators_only(client, demo, role):
    client.force_login(get_user_model().objects.get(username=ROLES[role]))
    reponse = client.get("/admin/fiches/fiche/")
    if role == Role.ADMINISTRATEUR:
        assert reponse.status_code == 200
    else:
        assert reponse.status_code == 302 and reponse["Location"].startswith("/admin/login/")


def test_the_staff_flag_alone_does_not_open_the_admin(client, demo):
    chef = get_user_model().objects.get(username="demo-chef")
    chef.is_staff = True
    chef.save()
    client.force_login(chef)
    assert client.get("/admin/").status_code == 302


class TestAnimateur:
    @pytest.fixture
    def autre_action(self, reference, demo):
        """An action of another structure of the same contract."""
        autre = Structure.objects.filter(contrat=reference).exclude(nom=STRUCTURE_DE_L_ANIMATEUR).first()
        action = ActionFactory(
            realisation=RealisationAttendue.objects.get(fiche__code="1.2.3", code="R2"), porteur=autre, titre="Ailleurs"
        )
        InscriptionFactory(action=action)
        SeanceFactory(action=action)
        return action

    @pytest.fixture
    def client_animateur(self, client, demo):
        client.force_login(get_user_model().objects.get(username="demo-animateur"))
        return client

    def test_records_of_another_structure_answer_404(self, client_animateur, autre_action):
        for url in [
            autre_action.get_absolute_url(),
            reverse("actions:modifier", kwargs={"pk": autre_action.pk}),
            autre_action.seances.get().get_absolute_url(),
            autre_action.inscriptions.get().participant.get_absolute_url(),
        ]:
            assert client_animateur.get(url).status_code == 404, url
        html = client_animateur.get("/actions/").content.decode()
        assert "Ailleurs" not in html

    def test_a_write_out_of_scope_is_refused_and_changes_nothing(self, client_animateur, autre_action):
        reponse = client_animateur.post(reverse("actions:archiver", kwargs={"pk": autre_action.pk}), {"archivee": "1"})
        assert reponse.status_code == 404
        autre_action.refresh_from_db()
        assert not autre_action.archivee
        seance = autre_action.seances.get()
        reponse = client_animateur.post(
            seance.get_absolute_url(), {"presents": [], "enfants_anonymes": 40, "parents_presents": 0}
        )
        assert reponse.status_code == 404
        seance.refresh_from_db()
        assert seance.enfants_anonymes == 0
        for nom, cible, donnees in [
            ("actions:annuler", autre_action, {"motif": "Détournement"}),
            ("actions:supprimer", autre_action, {}),
            ("actions:annuler_seance", seance, {"motif": "Détournement"}),
            ("actions:supprimer_seance", seance, {}),
        ]:
            assert client_animateur.post(reverse(nom, kwargs={"pk": cible.pk}), donnees).status_code == 404, nom
        seance.refresh_from_db()
        assert seance.annulee_le is None and Action.objects.get(pk=autre_action.pk).statut != "annulee"

    def test_an_action_cannot_be_given_to_another_structure(self, client_animateur, autre_action, reference):
        reponse = client_animateur.post(
            "/actions/nouvelle/",
            {
                "titre": "Détournée",
                "realisation": RealisationAttendue.objects.get(fiche__code="1.2.3", code="R1").pk,
                "thematiques": [],
                "porteur": autre_action.porteur_id,
                "quartiers": [reference.quartiers.first().pk],
                "date_debut": "01/10/2025",
                "date_fin": "01/12/2025",
                "statut": "prevue",
            },
        )
        assert "porteur" in reponse.context["form"].errors
        assert not Action.objects.filter(titre="Détournée").exists()

    def test_children_of_another_structure_are_out_of_sight(self, client_animateur, autre_action):
        html = client_animateur.get("/participants/").content.decode()
        assert autre_action.inscriptions.get().participant.code not in html

    def test_an_animateur_limited_to_a_quartier_sees_only_its_actions(self, client, reference, demo, donnees):
        client.force_login(_limiter_l_animateur_a_un_autre_quartier(reference, donnees))
        assert client.get(donnees["action"].get_absolute_url()).status_code == 404


class TestAnimateurLimiteAUnQuartier:
    """Issue 16, point 2: an animateur of Les Tilleuls limited to one quartier opened the record,
    the edit page and the export of a child seen only in an action elsewhere."""

    @pytest.fixture
    def situation(self, client, reference, donnees):
        animateur = _limiter_l_animateur_a_un_autre_quartier(reference, donnees)
        structure = donnees["action"].porteur
        ici = ActionFactory(
            realisation=donnees["action"].realisation,
            porteur=structure,
            quartiers=list(animateur.adhesions.get().quartiers.all()),
            titre="Action de son quartier",
        )
        partage = InscriptionFactory(action=ici).participant
        InscriptionFactory(action=donnees["action"], participant=partage)
        autre_seance = SeanceFactory(action=donnees["action"], date=donnees["seance"].date + datetime.timedelta(days=7))
        PresenceFactory(seance=autre_seance, participant=partage)
        client.force_login(animateur)
        return {
            "ailleurs": donnees["participant"],
            "partage": partage,
            "ici": ici,
            "action_ailleurs": donnees["action"],
        }

    def test_a_child_seen_only_elsewhere_answers_404_everywhere(self, client, situation):
        enfant = situation["ailleurs"]
        for url in [
            enfant.get_absolute_url(),
            reverse("actions:modifier_participant", kwargs={"pk": enfant.pk}),
            reverse("actions:exporter_participant", kwargs={"pk": enfant.pk}),
        ]:
            assert client.get(url).status_code == 404, url
        reponse = client.post(
            reverse("actions:modifier_participant", kwargs={"pk": enfant.pk}),
            {"structure": enfant.structure_id, "sexe": "F", "annee_naissance": 2015, "niveau_scolaire": "CM1"},
        )
        assert reponse.status_code == 404
        assert enfant.code not in client.get("/participants/").content.decode()
        # Nor can it be brought into scope by enrolling it in one of their actions.
        formulaire = client.get(reverse("actions:inscriptions", kwargs={"pk": situation["ici"].pk})).context["form"]
        assert enfant not in formulaire.fields["participants"].queryset

    def test_a_child_of_their_actions_shows_only_what_happened_there(self, client, situation):
        enfant = situation["partage"]
        html = client.get(enfant.get_absolute_url()).content.decode()
        assert "Action de son quartier" in html
        assert situation["action_ailleurs"].titre not in html
        donnees = client.get(reverse("actions:exporter_participant", kwargs={"pk": enfant.pk})).json()
        assert [i["action"] for i in donnees["inscriptions"]] == ["Action de son quartier"]
        assert donnees["presences"] == []
        assert donnees["limite"].startswith("Inscriptions et présences des actions de vos quartiers seulement")
        assert enfant.code in client.get("/participants/").content.decode()

    def test_a_child_just_created_is_reached_until_its_first_enrolment(self, client, situation):
        reponse = client.post(
            reverse("actions:nouveau_participant"),
            {
                "structure": situation["ici"].porteur_id,
                "sexe": "F",
                "annee_naissance": 2016,
                "niveau_scolaire": "CM2",
                "date_consentement": "01/09/2025",
                # The structure may follow a child of the same profile already.
                "confirmer_doublon": "on",
            },
            follow=True,
        )
        assert reponse.status_code == 200 and "Enfant enregistré sous le code" in reponse.content.decode()

    def test_an_officer_still_sees_the_whole_record(self, client, situation):
        client.force_login(get_user_model().objects.get(username="demo-chef"))
        donnees = client.get(reverse("actions:exporter_participant", kwargs={"pk": situation["partage"].pk})).json()
        assert len(donnees["inscriptions"]) == 2 and len(donnees["presences"]) == 1
        assert "limite" not in donnees


def test_a_user_of_one_contract_sees_nothing_of_another(client, demo, donnees):
    """A second contract with its own fiche 1.2.3 and action: the chef of the first sees neither."""
    ailleurs = FicheFactory(code="1.2.3", titre="Fiche d’un autre contrat")
    action = ActionFactory(realisation=RealisationAttendueFactory(fiche=ailleurs), titre="Action d’ailleurs")
    client.force_login(get_user_model().objects.get(username="demo-chef"))
    assert "Fiche d’un autre contrat" not in client.get("/fiches/1.2.3/").content.decode()
    assert client.get(action.get_absolute_url()).status_code == 404
    assert "Action d’ailleurs" not in client.get("/actions/").content.decode()
    assert Fiche.objects.filter(code="1.2.3").count() == 2


def test_a_user_without_membership_is_refused_everywhere_but_public_pages(client, demo):
    client.force_login(get_user_model().objects.create_user(username="sans-role", password="x"))
    assert client.get("/fiches/").status_code == 403
    assert "Votre rôle ne donne pas accès à cette page" in client.get("/actions/").content.decode()
    assert client.get("/sante/").status_code == 200
    assert client.get("/bilan/").status_code == 200


def test_an_anonymous_visitor_opens_the_public_bilan_and_nothing_else(client, donnees):
    """Every pattern of the matrix, without a login: the published year's bilan, the health
    check and the way into an account answer; the API answers itself, never with the login page
    (what it shows the public is tested in api/tests); every other page asks for a login first."""
    entree = {"connexion", "comptes:mot_de_passe_oublie", "comptes:mot_de_passe_envoye"}
    entree |= {"comptes:nouveau_mot_de_passe", "comptes:mot_de_passe_reinitialise"}
    publiques = {nom for nom in MATRICE if nom.startswith("bilan:")} | {"sante"} | entree
    for nom in MATRICE:
        reponse = client.get(_url(nom, donnees))
        if nom in publiques:
            assert reponse.status_code == 200, nom
        elif nom.startswith("api:"):
            assert reponse.status_code in (200, 404) and "/connexion/" not in reponse.get("Location", ""), nom
        else:
            assert reponse.status_code == 302 and reponse["Location"].startswith("/connexion/?next="), nom


def test_an_administrator_gives_a_role_in_the_admin_and_its_rights_follow(client, demo, reference):
    client.force_login(get_user_model().objects.get(username="demo-admin"))
    nouveau = get_user_model().objects.create_user(username="mme-martin", password="x")
    structure = Structure.objects.get(contrat=reference, nom=STRUCTURE_DE_L_ANIMATEUR)
    reponse = client.post(
        "/admin/comptes/adhesion/add/",
        {"utilisateur": nouveau.pk, "contrat": reference.pk, "role": "administrateur", "structures": [structure.pk]},
    )
    assert reponse.status_code == 302
    nouveau.refresh_from_db()
    assert nouveau.is_staff and nouveau.groups.get().name == "Administrateur"


@pytest.mark.parametrize(
    ("role", "message"),
    [
        ("animateur", "Un animateur saisit pour au moins une structure."),
        ("porteur", "Un porteur de projet dépose les dossiers d’au moins une structure."),
    ],
)
def test_an_animateur_or_a_porteur_without_structure_is_refused_in_the_admin(client, demo, reference, role, message):
    client.force_login(get_user_model().objects.get(username="demo-admin"))
    nouveau = get_user_model().objects.create_user(username="m-durand", password="x")
    reponse = client.post(
        "/admin/comptes/adhesion/add/", {"utilisateur": nouveau.pk, "contrat": reference.pk, "role": role}
    )
    assert reponse.context["adminform"].form.errors["structures"] == [message]
    assert not nouveau.adhesions.exists()
