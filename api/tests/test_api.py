import pytest
from django.contrib.auth import get_user_model
from django.utils.http import http_date
from rest_framework.authtoken.models import Token

from comptes.enums import Role
from comptes.perimetre import perimetre_de
from fiches.annees import AnneeScolaire
from fiches.models import Fiche
from fiches.tests.factories import ContratFactory
from indicateurs.calculs.registre import CALCULS
from indicateurs.selectors import tableau_de_bord

from .conftest import ANNEE, API, compte

pytestmark = pytest.mark.django_db

EFFECTIFS = {code for code, calcul in CALCULS.items() if calcul.effectif_d_enfants}


def _indicateurs(reponse):
    return {i["code"]: i for fiche in reponse.json()["results"] for i in fiche["indicateurs"]}


def _chiffres(indicateur):
    """Every figure of an indicator of the answer: total, previous year, breakdown lines."""
    yield indicateur["actuelle"]
    yield indicateur["precedente"]
    for ventilation in indicateur["ventilations"]:
        for ligne in ventilation["lignes"]:
            yield ligne["actuelle"]
            yield ligne["precedente"]


def _en_clair(chiffre):
    """A figure of the answer as the dashboard writes it: « < 5 », « s », or the number."""
    if chiffre["masque"]:
        return chiffre["masque"]
    return None if chiffre["valeur"] is None else str(chiffre["valeur"])


class TestMasquage:
    @pytest.fixture
    def petits_effectifs(self, territoire):
        """Counts of 1 to 4 children in the partner's quartier, 3 and 4 in the other."""
        territoire.activite(territoire.quartier, 1)
        territoire.activite(territoire.quartier, 2)
        territoire.activite(territoire.autre, 4)
        territoire.activite(territoire.autre, 3)
        return territoire

    def test_a_partner_reads_the_figures_of_its_dashboard_masked_alike(self, client_partenaire, petits_effectifs):
        t = petits_effectifs
        reponse = client_partenaire.get(f"{API}valeurs/", {"annee": ANNEE, "quartier": t.quartier.code})
        assert reponse.status_code == 200, reponse.content
        tableau = tableau_de_bord(
            perimetre=perimetre_de(t.partenaire),
            annee=AnneeScolaire.depuis_libelle(ANNEE),
            fiche=Fiche.objects.get(code="1.2.3"),
            quartier=t.quartier,
        )
        api = _indicateurs(reponse)
        assert set(api) == {ligne.indicateur.code for ligne in tableau.lignes}
        for ligne in tableau.lignes:
            indicateur = api[ligne.indicateur.code]
            attendus = [ligne.actuelle, ligne.precedente] + [
                valeur for v in ligne.ventilations for part in v.lignes for valeur in (part.actuelle, part.precedente)
            ]
            assert [_en_clair(c) for c in _chiffres(indicateur)] == [None if a is None else str(a) for a in attendus], (
                ligne.indicateur.code
            )
        # 3 children in the quartier: hidden, as on the page, and its value nowhere in the answer.
        assert api["nb_enfants_beneficiaires"]["actuelle"] == {"valeur": None, "masque": "< 5"}
        assert reponse.json()["notes"] and reponse.json()["perimetre"] == t.quartier.code

    def test_no_count_of_one_to_four_children_reaches_a_partner_nor_the_public(
        self, client, client_partenaire, petits_effectifs
    ):
        t = petits_effectifs
        t.publier(2025)
        for lecteur, parametres in [
            (client_partenaire, {"quartier": t.quartier.code}),
            (client, {}),
        ]:
            reponse = lecteur.get(f"{API}valeurs/", {"annee": ANNEE, **parametres})
            assert reponse.status_code == 200
            for code, indicateur in _indicateurs(reponse).items():
                if code in EFFECTIFS:
                    assert not [c for c in _chiffres(indicateur) if c["valeur"] in {1, 2, 3, 4}], code
            client_partenaire.defaults.pop("HTTP_AUTHORIZATION", None)

    def test_an_officer_reads_the_real_counts(self, client, petits_effectifs):
        client.force_login(petits_effectifs.chef)
        reponse = client.get(f"{API}valeurs/", {"annee": ANNEE})
        assert _indicateurs(reponse)["nb_enfants_beneficiaires"]["actuelle"] == {"valeur": 10, "masque": None}
        assert reponse.json()["notes"] == []
        quartier = client.get(f"{API}valeurs/", {"annee": ANNEE, "quartier": petits_effectifs.quartier.code})
        enfants = _indicateurs(quartier)["nb_enfants_beneficiaires"]
        assert enfants["actuelle"]["valeur"] == 3 and enfants["valeur_contrat"]["valeur"] == 10


class TestPerimetreDuJeton:
    def test_a_token_opens_the_partner_s_quartiers_only(self, client_partenaire, territoire):
        reponse = client_partenaire.get(f"{API}quartiers/")
        assert [q["code"] for q in reponse.json()["results"]] == [territoire.quartier.code]
        autre = client_partenaire.get(f"{API}valeurs/", {"annee": ANNEE, "quartier": territoire.autre.code})
        assert autre.status_code == 400
        assert autre.json() == {
            "quartier": [f"Aucun quartier qui vous est ouvert n’a le code « {territoire.autre.code} »."]
        }

    def test_a_partner_granted_quartiers_never_reads_the_contract_s_figures(self, client_partenaire, territoire):
        reponse = client_partenaire.get(f"{API}valeurs/", {"annee": ANNEE})
        assert reponse.status_code == 403
        assert reponse.json() == {"detail": "Choisissez un de vos quartiers (paramètre quartier)."}
        quartier = client_partenaire.get(f"{API}valeurs/", {"annee": ANNEE, "quartier": territoire.quartier.code})
        assert all(i["valeur_contrat"] is None for i in _indicateurs(quartier).values())

    def test_a_token_reads_what_its_account_s_login_would(self, client, client_partenaire, territoire):
        avec_jeton = client_partenaire.get(f"{API}valeurs/", {"annee": ANNEE, "quartier": territoire.quartier.code})
        client_partenaire.defaults.pop("HTTP_AUTHORIZATION", None)
        client.force_login(territoire.partenaire)
        connecte = client.get(f"{API}valeurs/", {"annee": ANNEE, "quartier": territoire.quartier.code})
        assert avec_jeton.json() == connecte.json()

    def test_an_unknown_token_is_refused_in_french(self, client, territoire):
        reponse = client.get(f"{API}fiches/", HTTP_AUTHORIZATION="Token inconnu")
        assert reponse.status_code == 401
        assert reponse.json() == {"detail": "Token non valide."}
        assert reponse["WWW-Authenticate"] == "Token"

    def test_a_demo_account_s_token_opens_nothing_outside_a_demo(self, client, territoire, settings):
        demo = get_user_model().objects.create_user(username="demo-caf")
        jeton = Token.objects.create(user=demo)
        settings.DEMO_AUTORISEE = False
        reponse = client.get(f"{API}fiches/", HTTP_AUTHORIZATION=f"Token {jeton.key}")
        assert reponse.status_code == 401
        assert reponse.json() == {"detail": "Ce compte ne peut pas se connecter ici."}

    def test_a_member_of_another_contract_reads_this_one_as_the_public(self, client, territoire):
        client.force_login(compte("ailleurs", ContratFactory(), Role.CHEF_DE_PROJET))
        assert client.get(f"{API}valeurs/", {"annee": ANNEE}).status_code == 404


class TestPublic:
    ADRESSES = ["", "annees/", "fiches/", "fiches/1.2.3/", "indicateurs/", "quartiers/", "valeurs/"]

    @pytest.mark.parametrize("adresse", ADRESSES)
    def test_a_contract_without_published_year_answers_404_to_the_public(self, client, territoire, adresse):
        territoire.publier(2024, publiee=False)
        reponse = client.get(f"{API}{adresse}")
        assert reponse.status_code == 404
        assert reponse.json() == {"detail": "Aucun contrat de ce code n’a d’année publiée."}

    def test_the_public_reads_published_years_only(self, client, territoire):
        territoire.activite(territoire.quartier, 6, jour=AnneeScolaire(2024).debut.replace(month=10))
        territoire.publier(2024)
        territoire.publier(2023, publiee=False)
        assert client.get(f"{API}annees/").json() == [{"annee": "2024-2025", "cloturee": True, "publiee": True}]
        reponse = client.get(f"{API}valeurs/")
        assert reponse.status_code == 200 and reponse.json()["annee"] == "2024-2025"
        enfants = _indicateurs(reponse)["nb_enfants_beneficiaires"]
        assert enfants["actuelle"] == {"valeur": 6, "masque": None}
        # The year before is not published: its figures are left out.
        assert all(c == {"valeur": None, "masque": None} for c in [enfants["precedente"]])
        for annee in ("2023-2024", "2025-2026"):
            refus = client.get(f"{API}valeurs/", {"annee": annee})
            assert refus.status_code == 404
            assert refus.json() == {"detail": f"L’année scolaire {annee} n’est pas publiée."}

    def test_a_reopened_year_leaves_the_api_at_once(self, client, territoire):
        territoire.publier(2024)
        assert client.get(f"{API}valeurs/", {"annee": "2024-2025"}).status_code == 200
        territoire.publier(2024, publiee=False, cloturee=False)
        assert client.get(f"{API}valeurs/", {"annee": "2024-2025"}).status_code == 404


class TestParametres:
    @pytest.mark.parametrize(
        ("parametres", "erreur"),
        [
            ({"annee": "2025-2027"}, {"annee": ["« 2025-2027 » n’est pas une année scolaire : écrivez-la 2025-2026."]}),
            ({"annee": "hier"}, {"annee": ["« hier » n’est pas une année scolaire : écrivez-la 2025-2026."]}),
            ({"quartier": "QN99999Z"}, {"quartier": ["Aucun quartier qui vous est ouvert n’a le code « QN99999Z »."]}),
            ({"fiche": "9.9.9"}, {"fiche": ["Aucune fiche du contrat n’a le code « 9.9.9 »."]}),
            ({"ventilation": "age"}, {"ventilation": ["«\u00a0age\u00a0» n'est pas un choix valide."]}),
        ],
    )
    def test_an_unknown_parameter_is_refused_in_french(self, client, territoire, parametres, erreur):
        client.force_login(territoire.chef)
        reponse = client.get(f"{API}valeurs/", parametres)
        assert reponse.status_code == 400
        assert reponse.json() == erreur

    def test_one_breakdown_and_one_fiche(self, client, territoire):
        client.force_login(territoire.chef)
        territoire.activite(territoire.quartier, 5)
        reponse = client.get(f"{API}valeurs/", {"annee": ANNEE, "fiche": "1.2.3", "ventilation": "sexe"})
        assert [f["fiche"] for f in reponse.json()["results"]] == ["1.2.3"]
        axes = {v["axe"] for i in _indicateurs(reponse).values() for v in i["ventilations"]}
        assert axes == {"sexe"}

    def test_an_unknown_page_answers_404_in_french(self, client, territoire):
        client.force_login(territoire.chef)
        reponse = client.get(f"{API}fiches/", {"page": "12"})
        assert reponse.status_code == 404 and reponse.json()["detail"].startswith("Page")

    @pytest.mark.parametrize("methode", ["post", "put", "patch", "delete", "options"])
    def test_the_api_only_reads(self, client, territoire, methode):
        client.force_login(territoire.chef)
        reponse = getattr(client, methode)(f"{API}valeurs/")
        assert reponse.status_code == 405
        assert reponse.json()["detail"] == f"Méthode «\u00a0{methode.upper()}\u00a0» non autorisée."


class TestConditionnel:
    def test_an_unchanged_answer_is_304_and_a_new_figure_changes_its_etag(self, client, territoire):
        client.force_login(territoire.chef)
        premiere = client.get(f"{API}valeurs/", {"annee": ANNEE})
        etag = premiere["ETag"]
        assert client.get(f"{API}valeurs/", {"annee": ANNEE}, HTTP_IF_NONE_MATCH=etag).status_code == 304
        territoire.activite(territoire.quartier, 1)
        apres = client.get(f"{API}valeurs/", {"annee": ANNEE}, HTTP_IF_NONE_MATCH=etag)
        assert apres.status_code == 200 and apres["ETag"] != etag

    def test_a_closed_year_is_last_modified_at_its_closure(self, client, territoire):
        cloture = territoire.publier(2024)
        reponse = client.get(f"{API}valeurs/", {"annee": "2024-2025"})
        assert reponse["Last-Modified"] == http_date(cloture.cloturee_le.timestamp())
        depuis = client.get(f"{API}valeurs/", {"annee": "2024-2025"}, HTTP_IF_MODIFIED_SINCE=reponse["Last-Modified"])
        assert depuis.status_code == 304 and depuis["ETag"] == reponse["ETag"]


# Session, user, membership (the reader's scope), the fiches counted and listed, whether the year
# is closed, then the dashboards' own queries for the page's fiches: their indicators, the 12 of
# the computation (indicateurs/tests/test_calculs.py: effects E1 and E2 and the children by
# éducation prioritaire included), targets, external values.
REQUETES_VALEURS = 3 + 2 + 1 + 1 + 12 + 1 + 1


def test_the_values_cost_the_same_queries_at_1x_and_10x(client, territoire, django_assert_num_queries):
    client.force_login(territoire.chef)
    territoire.activite(territoire.quartier, 6)
    with django_assert_num_queries(REQUETES_VALEURS):
        assert client.get(f"{API}valeurs/", {"annee": ANNEE}).status_code == 200
    for _ in range(10):
        territoire.activite(territoire.autre, 6)
    with django_assert_num_queries(REQUETES_VALEURS):
        assert client.get(f"{API}valeurs/", {"annee": ANNEE}).status_code == 200


def test_an_administrator_gives_a_token_to_an_account_of_their_contract_and_revokes_it(client, territoire):
    administrateur = compte("admin", territoire.contrat, Role.ADMINISTRATEUR)
    departement = compte("departement", territoire.contrat, Role.PARTENAIRE)
    ailleurs = compte("ailleurs", ContratFactory(), Role.PARTENAIRE)
    client.force_login(administrateur)
    formulaire = client.get("/admin/authtoken/tokenproxy/add/")
    offerts = set(formulaire.context["adminform"].form.fields["user"].queryset)
    assert departement in offerts and ailleurs not in offerts
    assert client.post("/admin/authtoken/tokenproxy/add/", {"user": departement.pk}).status_code == 302
    cle = Token.objects.get(user=departement).key
    client.logout()
    assert client.get(f"{API}fiches/", HTTP_AUTHORIZATION=f"Token {cle}").status_code == 200
    client.force_login(administrateur)
    supprimer = f"/admin/authtoken/tokenproxy/{departement.pk}/delete/"
    assert client.post(supprimer, {"post": "yes"}).status_code == 302
    client.logout()
    assert client.get(f"{API}fiches/", HTTP_AUTHORIZATION=f"Token {cle}").status_code == 401
