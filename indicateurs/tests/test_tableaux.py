import csv
import datetime
import io
import re
from decimal import Decimal
from fractions import Fraction

import pytest
from django.contrib.auth import get_user_model
from django.core.exceptions import ValidationError
from django.core.management import call_command
from django.test import Client

from actions.models import Presence
from actions.tests.factories import ActionFactory, InscriptionFactory, PresenceFactory, SeanceFactory
from actions.tests.navigateur import formulaire
from demo.adhesions import QUARTIERS_DU_PARTENAIRE
from demo.fiche_fictive import FICHIER, charger_fiche_fictive
from fiches.annees import AnneeScolaire
from fiches.models import RealisationAttendue
from fiches.reference import lire_reference
from indicateurs.models import Cible, Indicateur, ValeurExterne
from indicateurs.services import reference_charger
from indicateurs.tests.classeurs import lignes_du_classeur

pytestmark = pytest.mark.django_db

ANNEE = "2025-2026"
CODES_ATTENDUS = {
    "nb_actions",
    "nb_interventions_croisees",
    "nb_actions_parents",
    "nb_enfants_beneficiaires",
    "nb_participations_anonymes",
    "part_residents_qpv",
    "frequentation",
    "taux_assiduite",
    "nb_parents",
    "taux_reussite_dnb",
    "retard_entree_6e",
    "nb_decrocheurs",
    "part_actions_concues_avec_ecole",
    "part_actions_animees_avec_parents",
    "nb_partenaires_distincts",
    "part_seances_en_ecole",
    "nb_enfants_questionnaire_avant_apres",
    "evolution_score_envie_ecole",
    "part_score_envie_ecole_en_hausse",
}


def _client(client, username):
    client.force_login(get_user_model().objects.get(username=username))
    return client


def _activite(reference, *, enfants=6, actions=1):
    """Actions in the first demo quartier, each with `enfants` children present at one session."""
    quartier = reference.quartiers.order_by("code").first()
    structure = reference.structures.order_by("pk").first()
    realisation = RealisationAttendue.objects.get(fiche__code="1.2.3", code="R1")
    for _ in range(actions):
        action = ActionFactory(realisation=realisation, porteur=structure, quartiers=[quartier])
        seance = SeanceFactory(action=action, date=datetime.date(2025, 10, 1), enfants_anonymes=3, parents_presents=2)
        for _ in range(enfants):
            participant = InscriptionFactory(action=action, participant__quartier_residence=quartier).participant
            PresenceFactory(seance=seance, participant=participant)
    return quartier


def _grossir(reference, fois=10):
    _activite(reference, enfants=6, actions=fois)


def test_the_fiche_s_indicators_are_loaded_with_their_definition(reference):
    assert set(Indicateur.objects.values_list("code", flat=True)) == CODES_ATTENDUS
    assert Indicateur.objects.get(code="nb_enfants_beneficiaires").enonce.code == "IR2"
    assert Indicateur.objects.get(code="nb_decrocheurs").get_sens_display() == "à la baisse"
    _, bilan = reference_charger(donnees=lire_reference())
    assert bilan.inchange


def test_charger_reference_loads_the_indicators_too(db, capsys):
    call_command("charger_reference")
    assert Indicateur.objects.count() == len(CODES_ATTENDUS)


def test_another_fiche_s_file_brings_that_fiche_s_indicators(db, capsys):
    call_command("charger_reference")
    call_command("charger_reference", fichier=FICHIER)

    assert set(Indicateur.objects.filter(fiche__code="D.1").values_list("code", flat=True)) == {
        "nb_actions",
        "nb_enfants_beneficiaires",
        "nb_parents",
        "nb_livres_empruntes",
    }
    assert Indicateur.objects.filter(fiche__code="1.2.3").count() == len(CODES_ATTENDUS)


@pytest.mark.parametrize("annee", [ANNEE, "en cours"])
@pytest.mark.parametrize("url", ["/indicateurs/fiches/1.2.3/", "/indicateurs/fiches/1.2.3/quartiers/QN09591A/"])
def test_dashboards_cost_the_same_queries_at_1x_and_10x(client, demo, reference, url, annee, django_assert_num_queries):
    """A finished year, read whole, and the year under way, cut at today with the previous one
    (the contract's column of a quartier's page too): the same queries."""
    annee = AnneeScolaire.courante().libelle if annee == "en cours" else annee
    client = _client(client, "demo-chef")
    _activite(reference)
    with django_assert_num_queries(REQUETES[url]):
        assert client.get(url, {"annee": annee}).status_code == 200
    _grossir(reference)
    assert Presence.objects.count() == 66
    with django_assert_num_queries(REQUETES[url]):
        client.get(url, {"annee": annee})


# Session, user, membership, then: the fiche, its indicators, the 12 queries of the computation,
# targets, external values, the quartiers of the menu. A quartier's page: the quartier itself and
# the schools' values too, 10 queries of computation for the quartier (no breakdown by quartier),
# and 8 for the contract's figures beside them (its 12 but the names of quartiers, réalisations
# and structures, and the organisations of every quartier, already read). Last, whether the year
# is closed (its figures then final). Effect E1 costs one query per page (10 and 8 were 9 and 7):
# its shares of actions are read from the actions' profiles, grouped by two more flags, its share
# of sessions from the sessions' summaries already read, its organisations from one query over
# the actions that a quartier's page shares with the contract's column
# (indicateurs.calculs.sources.Sources.organisations_par_quartier). Effect E2 one more per pass:
# the questionnaires' pairs (Sources.questionnaires); the children by éducation prioritaire one
# more per pass (Sources.enfants_par_education_prioritaire): 12, 10 and 8. The contract's page
# draws the map of its quartiers, from the figures computed: their outlines, one query.
REQUETES = {
    "/indicateurs/fiches/1.2.3/": 3 + 1 + 1 + 12 + 1 + 1 + 1 + 1 + 1,
    "/indicateurs/fiches/1.2.3/quartiers/QN09591A/": 3 + 1 + 1 + 1 + 10 + 8 + 1 + 1 + 1 + 1 + 1,
}
# An export of a quartier: the page's queries but the menu's quartiers and the contract's
# column, which no export has.
REQUETES_EXPORT_QUARTIER = REQUETES["/indicateurs/fiches/1.2.3/quartiers/QN09591A/"] - 1 - 8


@pytest.mark.parametrize("extension", ["csv", "xlsx"])
def test_a_quartier_export_costs_the_same_queries_at_1x_and_10x(
    client, demo, reference, extension, django_assert_num_queries
):
    client = _client(client, "demo-chef")
    _activite(reference)
    parametres = {"fiche": "1.2.3", "quartier": "QN09591A", "annee": ANNEE}
    with django_assert_num_queries(REQUETES_EXPORT_QUARTIER):
        assert client.get(f"/indicateurs/export.{extension}", parametres).status_code == 200
    _grossir(reference)
    with django_assert_num_queries(REQUETES_EXPORT_QUARTIER):
        client.get(f"/indicateurs/export.{extension}", parametres)


def _indicateur_calcule(reference, code):
    """A computed indicator added in the admin, beside those of the fiche's file."""
    nb_actions = Indicateur.objects.get(code="nb_actions")
    return Indicateur.objects.create(
        fiche=nb_actions.fiche,
        enonce=nb_actions.enonce,
        code=code,
        libelle=f"Indicateur {code}",
        nature="realisation",
        unite="nombre",
        sens="hausse",
        mode="calcule",
        definition="Ajouté dans l’administration.",
        ordre=99,
    )


def test_a_computed_indicator_with_no_registered_calculation_shows_no_figures(
    client, demo, reference, django_assert_num_queries
):
    _activite(reference)
    _indicateur_calcule(reference, "nb_sans_calcul")
    client = _client(client, "demo-chef")

    with django_assert_num_queries(REQUETES["/indicateurs/fiches/1.2.3/"]):
        html = client.get("/indicateurs/fiches/1.2.3/", {"annee": ANNEE}).content.decode()

    assert _figure(html, "nb_sans_calcul") == "–"
    assert "Aucun calcul enregistré sous le code « nb_sans_calcul »" in html
    assert _figure(html, "nb_enfants_beneficiaires") == "6"
    export = client.get("/indicateurs/export.csv", {"fiche": "1.2.3", "annee": ANNEE}).content.decode("utf-8")
    (ligne,) = [x for x in csv.DictReader(io.StringIO(export[1:]), delimiter=";") if x["code"] == "nb_sans_calcul"]
    assert (ligne["valeur"], ligne["valeur_annee_precedente"]) == ("", "")


def test_a_dashboard_computes_only_the_indicators_it_shows(client, demo, reference, django_assert_num_queries):
    _activite(reference)
    Indicateur.objects.filter(mode="calcule").exclude(code="nb_parents").delete()
    client = _client(client, "demo-chef")

    # nb_parents reads one dataset: one query of computation instead of twelve; and it is not
    # counted by quartier, so there is no map, nor its outlines to read.
    with django_assert_num_queries(REQUETES["/indicateurs/fiches/1.2.3/"] - 12 + 1 - 1):
        html = client.get("/indicateurs/fiches/1.2.3/", {"annee": ANNEE}).content.decode()

    assert _figure(html, "nb_parents") == "2"


def _figure(html, code):
    ligne = re.search(rf'<tr id="indicateur-{code}">(.*?)</tr>', html, re.S).group(1)
    return re.sub(r"<[^>]+>", "", re.findall(r'<td class="text-end fw-bold">(.*?)</td>', ligne)[0]).strip()


def test_the_page_shows_each_figure_with_the_previous_year_and_the_target(client, demo, reference):
    _activite(reference, enfants=6)
    Cible.objects.update_or_create(
        indicateur=Indicateur.objects.get(code="nb_enfants_beneficiaires"),
        contrat=reference,
        quartier=None,
        annee_scolaire=ANNEE,
        defaults={"valeur": 12},
    )
    html = _client(client, "demo-chef").get("/indicateurs/fiches/1.2.3/", {"annee": ANNEE}).content.decode()
    assert _figure(html, "nb_enfants_beneficiaires") == "6"
    assert _figure(html, "frequentation") == "9"  # 6 presences + 3 counted at the door
    assert _figure(html, "nb_participations_anonymes") == "3"
    ligne = re.search(r'<tr id="indicateur-nb_enfants_beneficiaires">(.*?)</tr>', html, re.S).group(1)
    assert "en hausse (+6)" in ligne and "favorable" in ligne
    assert "50&nbsp;%" in ligne  # 6 children for a target of 12
    assert 'href="/indicateurs/fiches/1.2.3/definitions/nb_enfants_beneficiaires/"' in ligne
    assert "<svg" in html and "<table" in html


def test_an_unknown_school_year_falls_back_to_the_current_one(client, demo):
    reponse = _client(client, "demo-chef").get("/indicateurs/fiches/1.2.3/", {"annee": "2025"})
    assert reponse.context["tableau"].annee.libelle == reponse.context["annees"][0].libelle


class TestExports:
    def _csv(self, client, **parametres):
        reponse = client.get("/indicateurs/export.csv", {"fiche": "1.2.3", "annee": ANNEE, **parametres})
        contenu = reponse.content.decode("utf-8")
        assert contenu.startswith("\ufeff")
        return list(csv.DictReader(io.StringIO(contenu[1:]), delimiter=";")), reponse

    def test_csv_has_one_row_per_indicator_and_breakdown_value(self, client, demo, reference):
        _activite(reference)
        lignes, reponse = self._csv(_client(client, "demo-chef"))
        assert reponse["Content-Disposition"] == f'attachment; filename="indicateurs-1.2.3-contrat-{ANNEE}.csv"'
        assert list(lignes[0]) == [
            "code", "libelle", "annee_scolaire", "perimetre", "ventilation", "valeur",
            "valeur_annee_precedente", "cible", "unite", "base_de_comparaison",
        ]  # fmt: skip
        totaux = {ligne["code"]: ligne for ligne in lignes if not ligne["ventilation"]}
        assert set(totaux) == CODES_ATTENDUS
        assert totaux["nb_enfants_beneficiaires"]["valeur"] == "6"
        assert totaux["taux_assiduite"]["valeur"] == "100,0"
        sexes = {x["ventilation"]: x["valeur"] for x in lignes if x["ventilation"].startswith("sexe=")}
        assert sum(int(v) for v in sexes.values()) == 6

    def test_exports_parse_back_to_the_figures_of_the_page(self, client, demo, reference):
        _activite(reference)
        client = _client(client, "demo-chef")
        html = client.get("/indicateurs/fiches/1.2.3/", {"annee": ANNEE}).content.decode()
        lignes, _ = self._csv(client)
        xlsx = {
            ligne["code"]: ligne
            for ligne in lignes_du_classeur(
                client.get("/indicateurs/export.xlsx", {"fiche": "1.2.3", "annee": ANNEE}).content
            )
            if not ligne["ventilation"]
        }
        for ligne in lignes:
            if ligne["ventilation"] or not ligne["valeur"]:
                continue
            page = _figure(html, ligne["code"]).replace("\u202f", "").replace("\u00a0%", "")
            assert page == ligne["valeur"], ligne["code"]
            assert xlsx[ligne["code"]]["valeur"] == Fraction(ligne["valeur"].replace(",", "."))

    def test_a_quartier_export_is_for_that_quartier(self, client, demo, reference):
        quartier = _activite(reference)
        lignes, reponse = self._csv(_client(client, "demo-chef"), quartier=quartier.code)
        assert {ligne["perimetre"] for ligne in lignes} == {quartier.code}
        assert f"indicateurs-1.2.3-{quartier.code}-{ANNEE}.csv" in reponse["Content-Disposition"]


class TestPartenaire:
    def test_small_counts_are_masked_on_the_page_and_in_exports(self, client, demo, reference):
        _activite(reference, enfants=4)
        client = _client(client, "demo-partenaire")
        reponse = client.get("/indicateurs/fiches/1.2.3/quartiers/QN09591A/", {"annee": ANNEE})
        html = reponse.content.decode()
        assert _figure(html, "nb_enfants_beneficiaires") == "&lt; 5"
        lignes = list(
            csv.DictReader(
                io.StringIO(
                    client.get(
                        "/indicateurs/export.csv", {"fiche": "1.2.3", "annee": ANNEE, "quartier": "QN09591A"}
                    ).content.decode()[1:]
                ),
                delimiter=";",
            )
        )
        enfants = [x for x in lignes if x["code"] == "nb_enfants_beneficiaires"]
        assert enfants and all(x["valeur"] in {"< 5", "0"} for x in enfants)

    def test_officers_see_the_real_counts(self, client, demo, reference):
        _activite(reference, enfants=4)
        html = (
            _client(client, "demo-chef")
            .get("/indicateurs/fiches/1.2.3/quartiers/QN09591A/", {"annee": ANNEE})
            .content.decode()
        )
        assert _figure(html, "nb_enfants_beneficiaires") == "4"

    def test_a_partner_granted_quartiers_sees_only_those(self, client, demo):
        client = _client(client, "demo-partenaire")
        reponse = client.get("/indicateurs/fiches/1.2.3/")
        assert reponse.status_code == 302 and reponse["Location"].startswith(
            "/indicateurs/fiches/1.2.3/quartiers/QN0959"
        )
        assert client.get("/indicateurs/fiches/1.2.3/quartiers/QN09595E/").status_code == 404
        assert client.get("/indicateurs/export.csv", {"fiche": "1.2.3", "quartier": "QN09595E"}).status_code == 404
        assert client.get("/indicateurs/export.csv", {"fiche": "1.2.3"}).status_code == 403


class TestCiblesEtValeurs:
    URL_CIBLE = "/indicateurs/fiches/1.2.3/definitions/taux_assiduite/"

    def _cible(self, client, valeur, page=None):
        """Set the contract's target of ANNEE from the definition sheet, loaded just before (or `page`)."""
        donnees = formulaire(page or client.get(self.URL_CIBLE), "valeur")
        donnees.update(annee_scolaire=[ANNEE], quartier=[""], valeur=[valeur])
        return client.post(self.URL_CIBLE, donnees)

    def test_an_officer_sets_a_target_on_the_definition_sheet(self, client, demo, reference):
        client = _client(client, "demo-chef")
        assert self._cible(client, "72.5").status_code == 302
        assert self._cible(client, "75").status_code == 302
        cibles = Cible.objects.filter(indicateur__code="taux_assiduite", annee_scolaire=ANNEE, quartier=None)
        assert list(cibles.values_list("valeur", flat=True)) == [Decimal("75")]
        reponse = self._cible(client, "beaucoup")
        assert reponse.context["form"].errors["valeur"] == [
            "Nombre non reconnu : écrivez par exemple 36, 81,5 ou 1 250."
        ]

    def test_a_target_set_by_someone_else_since_the_page_was_loaded_is_not_replaced_unseen(
        self, client, demo, reference
    ):
        Cible.objects.filter(indicateur__code="taux_assiduite", annee_scolaire=ANNEE, quartier=None).delete()
        client = _client(client, "demo-chef")
        page = client.get(self.URL_CIBLE)
        autre = _client(Client(), "demo-admin")
        assert self._cible(autre, "80").status_code == 302

        reponse = self._cible(client, "75", page=page)

        cible = Cible.objects.get(indicateur__code="taux_assiduite", annee_scolaire=ANNEE, quartier=None)
        assert cible.valeur == Decimal("80")
        (message,) = reponse.context["form"].errors["valeur"]
        assert message.startswith(
            f"Une cible de 80,0\u00a0% a été fixée entre-temps pour {ANNEE} (tout le contrat) "
            "par Administratrice Démo le "
        )
        assert message.endswith(
            ": votre cible de 75,0\u00a0% n’a pas été enregistrée. Enregistrez de nouveau pour la remplacer."
        )
        assert "80,0\u00a0%" in reponse.content.decode(), "the page lists the target set meanwhile"
        # Sent again as shown, the form replaces it knowingly.
        assert client.post(self.URL_CIBLE, formulaire(reponse, "valeur")).status_code == 302
        cible.refresh_from_db()
        assert cible.valeur == Decimal("75")

    def test_a_partner_cannot_set_a_target(self, client, demo):
        client = _client(client, "demo-partenaire")
        assert (
            "Fixer une cible"
            not in client.get("/indicateurs/fiches/1.2.3/definitions/taux_assiduite/").content.decode()
        )
        avant = list(Cible.objects.values_list("pk", "valeur"))
        reponse = client.post(
            "/indicateurs/fiches/1.2.3/definitions/taux_assiduite/", {"annee_scolaire": ANNEE, "valeur": "1"}
        )
        assert reponse.status_code == 403
        assert list(Cible.objects.values_list("pk", "valeur")) == avant

    # The demo has school results up to last year: this year is still to enter.
    ANNEE_A_SAISIR = AnneeScolaire.courante().libelle

    def _valeur(self, client, **modifications):
        donnees = {
            "indicateur": Indicateur.objects.get(code="taux_reussite_dnb").pk,
            "annee_scolaire": self.ANNEE_A_SAISIR,
            "valeur": "81.5",
            "source": "DEPP",
            "date_source": "15/10/2026",
            **modifications,
        }
        return client.post("/indicateurs/valeurs/", donnees)

    def test_an_officer_records_an_external_value_once(self, client, demo, reference):
        client = _client(client, "demo-chef")
        assert self._valeur(client).status_code == 302
        html = client.get("/indicateurs/fiches/1.2.3/", {"annee": self.ANNEE_A_SAISIR}).content.decode()
        assert _figure(html, "taux_reussite_dnb") == "81,5\u00a0%"
        reponse = self._valeur(client, valeur="90")
        (message,) = reponse.context["form"].errors["valeur"]
        assert message.startswith(
            "Une valeur existe déjà pour cet indicateur, ce contrat et cette année : 81,5\u00a0% (DEPP, 15/10/2026), "
            "saisie par Cheffe de projet Démo le "
        )
        assert message.endswith(
            ". La vôtre n’a pas été enregistrée : si celle-ci est fausse, "
            "corrigez-la dans la liste des valeurs saisies."
        )
        assert ValeurExterne.objects.get(annee_scolaire=self.ANNEE_A_SAISIR).valeur == Decimal("81.5")

    def test_a_value_for_a_quartier_and_a_school_at_once_is_refused(self, client, demo, reference):
        client = _client(client, "demo-chef")
        reponse = self._valeur(
            client, quartier=reference.quartiers.first().pk, etablissement=reference.etablissements.first().pk
        )
        assert "Choisissez un quartier ou un établissement, pas les deux." in reponse.content.decode()
        assert not ValeurExterne.objects.filter(annee_scolaire=self.ANNEE_A_SAISIR).exists()

    def test_a_computed_indicator_is_not_offered_for_entry(self, client, demo):
        reponse = self._valeur(_client(client, "demo-chef"), indicateur=Indicateur.objects.get(code="nb_actions").pk)
        assert "indicateur" in reponse.context["form"].errors
        assert not ValeurExterne.objects.filter(annee_scolaire=self.ANNEE_A_SAISIR).exists()


class TestFiches:
    """The contract's page lists its fiches with their key figures; each fiche has its dashboard."""

    def _fiche_b(self, reference):
        fiche = charger_fiche_fictive(contrat=reference)
        quartier = reference.quartiers.order_by("code").first()
        action = ActionFactory(
            realisation=fiche.realisations_attendues.get(),
            porteur=reference.structures.order_by("pk").first(),
            quartiers=[quartier],
        )
        seance = SeanceFactory(action=action, date=datetime.date(2025, 10, 8), parents_presents=4)
        for _ in range(3):
            PresenceFactory(seance=seance, participant=InscriptionFactory(action=action).participant)
        return fiche

    def test_the_contract_page_lists_each_fiche_with_its_own_key_figures_in_constant_queries(
        self, client, demo, reference, django_assert_num_queries
    ):
        _activite(reference, enfants=6)
        client = _client(client, "demo-chef")
        with django_assert_num_queries(REQUETES_DES_FICHES):
            html = client.get("/indicateurs/", {"annee": ANNEE}).content.decode()
        self._fiche_b(reference)
        _grossir(reference, fois=3)
        with django_assert_num_queries(REQUETES_DES_FICHES):
            html = client.get("/indicateurs/", {"annee": ANNEE}).content.decode()

        section_a, section_b = html.split('<section class="card')[2:4]
        assert 'href="/indicateurs/fiches/1.2.3/?annee=2025-2026"' in section_a
        assert _chiffre(section_a, "Nombre d’actions") == "4" and _chiffre(section_a, "Nombre d’enfants") == "24"
        assert _chiffre(section_a, "Taux d’assiduité") == "100,0\u00a0%"
        assert 'href="/indicateurs/fiches/D.1/?annee=2025-2026"' in section_b
        assert _chiffre(section_b, "Nombre d’ateliers") == "1" and _chiffre(section_b, "Enfants venus") == "3"
        assert _chiffre(section_b, "Présences de parents") == "4"
        assert "Aucun indicateur n’est défini pour cette fiche." in html.split('<section class="card')[1]

    def test_a_partner_sees_the_fiches_without_the_contract_s_figures_and_links_to_a_quartier_of_theirs(
        self, client, demo, reference
    ):
        _activite(reference, enfants=6)
        html = _client(client, "demo-partenaire").get("/indicateurs/").content.decode()
        assert "Nombre d’actions" not in html
        assert re.search(r'href="/indicateurs/fiches/1\.2\.3/quartiers/QN0959\dA?[A-Z]?/\?annee=', html)
        assert 'href="/indicateurs/fiches/1.2.3/?' not in html

    def test_a_quartier_page_shows_the_contract_s_figure_beside_each_of_its_own(self, client, demo, reference):
        quartier = _activite(reference, enfants=6)
        ailleurs = reference.quartiers.exclude(pk=quartier.pk).order_by("code").first()
        action = ActionFactory(
            realisation=RealisationAttendue.objects.get(fiche__code="1.2.3", code="R2"),
            porteur=reference.structures.order_by("pk").first(),
            quartiers=[ailleurs],
        )
        PresenceFactory(
            seance=SeanceFactory(action=action, date=datetime.date(2025, 10, 8)),
            participant=InscriptionFactory(action=action).participant,
        )
        html = (
            _client(client, "demo-chef")
            .get(f"/indicateurs/fiches/1.2.3/quartiers/{quartier.code}/", {"annee": ANNEE})
            .content.decode()
        )
        assert ">voir<" not in html and "Tout le contrat 2025-2026" in html
        assert (_figure(html, "nb_actions"), _contrat(html, "nb_actions")) == ("1", "2")
        assert (_figure(html, "nb_enfants_beneficiaires"), _contrat(html, "nb_enfants_beneficiaires")) == ("6", "7")
        assert _contrat(html, "taux_assiduite") == "100,0\u00a0%"

    def test_a_partner_s_quartier_page_leads_to_no_other_quartier_nor_to_the_contract(self, client, demo, reference):
        _activite(reference)
        html = (
            _client(client, "demo-partenaire")
            .get(f"/indicateurs/fiches/1.2.3/quartiers/{QUARTIERS_DU_PARTENAIRE[0]}/", {"annee": ANNEE})
            .content.decode()
        )
        quartiers = set(re.findall(r'href="/indicateurs/fiches/1\.2\.3/quartiers/([^/]+)/', html))
        assert quartiers == set(QUARTIERS_DU_PARTENAIRE)
        assert 'href="/indicateurs/fiches/1.2.3/?' not in html and "Tout le contrat" not in html
        for adresse in re.findall(r'href="(/indicateurs/[^"]*)"', html):
            assert client.get(adresse.replace("&amp;", "&")).status_code == 200, adresse

    def test_a_breakdown_that_is_not_a_partition_says_so_where_it_is_shown(self, client, demo, reference):
        _activite(reference)
        html = _client(client, "demo-chef").get("/indicateurs/fiches/1.2.3/", {"annee": ANNEE}).content.decode()
        figures = re.findall(r"<figure.*?</figure>", html, re.S)
        notes = {
            re.search(r'id="titre-([^"]+)"', figure).group(1): "Pas une partition." in figure for figure in figures
        }
        assert notes["nb_actions-thematique"] and notes["nb_actions-quartier"]
        assert notes["nb_enfants_beneficiaires-quartier"]
        assert not notes["nb_actions-realisation"] and not notes["nb_enfants_beneficiaires-sexe"]
        assert not notes["nb_enfants_beneficiaires-residence"]
        # Bars with their values and a scale, as text of the page (the map's numbers of quartiers
        # are marks of the drawing, in SVG).
        ventilations = html[html.index('id="titre-ventilations"') :]
        assert 'class="graphique-echelle"' in ventilations and "<text" not in ventilations


# Session, user, membership; the fiches and their indicators; the datasets of their key figures
# (actions: profils, réalisations, thèmes, structures, quartiers; children: profils, by quartier
# with the quartiers' names, by éducation prioritaire; sessions), for every fiche at once; whether
# the year is closed; for an officer reading a finished year, the bilans its closing waits for.
REQUETES_DES_FICHES = 3 + 2 + 5 + 4 + 1 + 1 + 1


def _chiffre(html, libelle):
    return re.sub(r"<[^>]+>", "", re.search(rf"{libelle}[^<]*</dt><dd[^>]*>(.*?) <span", html, re.S).group(1)).strip()


def _contrat(html, code):
    ligne = re.search(rf'<tr id="indicateur-{code}">(.*?)</tr>', html, re.S).group(1)
    return re.sub(r"<[^>]+>", "", re.findall(r'<td class="text-end">(.*?)</td>', ligne)[-1]).strip()


@pytest.mark.parametrize(
    ("modification", "message"),
    [
        ({"enonce": "IR9"}, "L’indicateur « IR9 » de la fiche « 1.2.3 » n’existe pas."),
        ({"code": "nb_interventions_croisees"}, "Un indicateur (fiche, code) apparaît deux fois dans le fichier"),
        ({"code": "nb_inconnu"}, "Aucun calcul n’est enregistré sous ce code"),
    ],
)
def test_a_file_s_indicator_that_cannot_be_is_refused_in_french_and_nothing_is_saved(db, modification, message):
    donnees = lire_reference()
    donnees["indicateurs"][0].update(modification)

    with pytest.raises(ValidationError) as erreur:
        reference_charger(donnees=donnees)

    assert message in " ".join(erreur.value.messages)
    assert not Indicateur.objects.exists()
