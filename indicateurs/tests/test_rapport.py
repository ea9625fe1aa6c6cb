"""The annual report (Rapport annuel) as a PDF: the dashboards' figures for the same year and
role, read back from the PDF's text; the closure mark; the definitions; who may read which."""

import datetime
import io

import pytest
from django.contrib.auth import get_user_model
from django.test import Client

from actions.tests.factories import ActionFactory, FinancementFactory
from dossiers.services import annee_cloturer
from fiches.annees import AnneeScolaire
from fiches.models import RealisationAttendue
from fiches.templatetags.format_fr import evolution, valeur
from indicateurs.models import Indicateur
from indicateurs.rapport import en_pdf, rapport_annuel

from .test_tableaux import ANNEE, _activite, _grossir

pytestmark = pytest.mark.django_db

URL = f"/indicateurs/rapport/{ANNEE}/"
QUARTIER = "QN09591A"


def _client(username):
    client = Client()
    client.force_login(get_user_model().objects.get(username=username))
    return client


def _texte(reponse):
    """The PDF's text as a PDF library reads it back, its white space (line breaks, the narrow
    spaces of French numbers) made single spaces."""
    pypdf = pytest.importorskip("pypdf")
    assert reponse.status_code == 200 and reponse["Content-Type"] == "application/pdf"
    lecteur = pypdf.PdfReader(io.BytesIO(reponse.content))
    return " ".join(" ".join(page.extract_text() for page in lecteur.pages).split())


def _cellules(ligne):
    """The cells of an indicator's row, as the dashboard writes them: the year, the year before, the change."""
    unite = ligne.indicateur.unite
    return " ".join(
        " ".join(cellule.split())
        for cellule in (
            valeur(ligne.actuelle, unite),
            valeur(ligne.precedente, unite),
            evolution(ligne.evolution, unite),
        )
    )


class TestChiffres:
    def test_the_report_holds_the_dashboard_s_figures_for_the_same_year_and_role(self, demo, reference):
        _activite(reference, enfants=7)
        chef = _client("demo-chef")
        tableau = chef.get("/indicateurs/fiches/1.2.3/", {"annee": ANNEE}).context["tableau"]
        reponse = chef.get(URL, {"fiche": "1.2.3"})
        # The same selectors: the very figures of the page.
        rapport = reponse.context["rapport"]
        assert [(ligne.actuelle, ligne.precedente, ligne.cible) for ligne in rapport.fiches[0].tableau.lignes] == [
            (ligne.actuelle, ligne.precedente, ligne.cible) for ligne in tableau.lignes
        ]
        texte = _texte(reponse)
        for ligne in tableau.lignes:
            assert ligne.indicateur.libelle in texte
            assert _cellules(ligne) in texte, ligne.indicateur.code
        assert "Indicateurs d’effets" in texte and "Ventilations" in texte

    def test_a_partner_reads_the_masked_figures_and_the_chef_the_real_ones(self, demo, reference):
        _activite(reference, enfants=4)
        parametres = {"fiche": "1.2.3", "quartier": QUARTIER}
        partenaire = _client("demo-partenaire")
        tableau = partenaire.get(f"/indicateurs/fiches/1.2.3/quartiers/{QUARTIER}/", {"annee": ANNEE}).context[
            "tableau"
        ]
        reponse = partenaire.get(URL, parametres)
        enfants = next(
            ligne
            for ligne in reponse.context["rapport"].fiches[0].tableau.lignes
            if ligne.indicateur.code == "nb_enfants_beneficiaires"
        )
        assert str(enfants.actuelle) == "< 5"
        texte = _texte(reponse)
        assert "Version pour les partenaires" in texte
        for ligne in tableau.lignes:
            assert _cellules(ligne) in texte, ligne.indicateur.code
        assert f"{enfants.indicateur.libelle} < 5 0" in texte
        # Nor the funding of the actions: the officers' to read.
        assert "Actions et financements" not in texte and reponse.context["rapport"].financements is None

        chef = _client("demo-chef")
        texte = _texte(chef.get(URL, parametres))
        for ligne in (
            chef.get(f"/indicateurs/fiches/1.2.3/quartiers/{QUARTIER}/", {"annee": ANNEE}).context["tableau"].lignes
        ):
            assert _cellules(ligne) in texte, ligne.indicateur.code
        assert f"{enfants.indicateur.libelle} 4 0 en hausse (+4), favorable" in texte
        assert "Version pour les partenaires" not in texte
        assert "Actions et financements" in texte and "Totaux par financeur" in texte

    def test_each_indicator_s_definition_is_in_the_annex(self, demo, reference):
        texte = _texte(_client("demo-chef").get(URL))
        assert "Annexe : définitions des indicateurs" in texte
        for indicateur in Indicateur.objects.filter(fiche__code="1.2.3"):
            assert " ".join(indicateur.definition.split())[:80] in texte, indicateur.code

    def test_the_cover_says_when_it_was_produced_and_whether_the_figures_are_final(self, demo, reference):
        fermee = AnneeScolaire.courante().precedente()
        annee_cloturer(contrat=reference, annee=fermee, auteur=get_user_model().objects.get(username="demo-chef"))
        chef = _client("demo-chef")
        texte = _texte(chef.get(f"/indicateurs/rapport/{fermee}/"))
        assert "Année clôturée : chiffres définitifs." in texte
        assert f"L’année scolaire {fermee} est clôturée depuis le" in texte
        assert "Rapport produit le" in texte and f"Rapport annuel {fermee}" in texte
        courante = _texte(chef.get(f"/indicateurs/rapport/{AnneeScolaire.courante()}/"))
        assert "Année non clôturée : chiffres provisoires." in courante and "chiffres définitifs" not in courante


class TestDocument:
    def test_an_accessible_pdf_titled_in_french_with_a_french_file_name(self, demo, reference):
        reponse = _client("demo-chef").get(URL, {"fiche": "1.2.3", "quartier": QUARTIER})
        assert reponse["Content-Disposition"] == (
            f'attachment; filename="rapport-annuel-{ANNEE}-fiche-1.2.3-{QUARTIER}.pdf"'
        )
        pypdf = pytest.importorskip("pypdf")
        lecteur = pypdf.PdfReader(io.BytesIO(reponse.content))
        assert lecteur.pdf_header == "%PDF-1.7"
        # Tagged (PDF/UA-1): a structure tree, the language, the title shown as the window's.
        catalogue = lecteur.trailer["/Root"]
        assert "/StructTreeRoot" in catalogue and catalogue["/MarkInfo"]["/Marked"]
        assert catalogue["/Lang"] == "fr" and catalogue["/ViewerPreferences"]["/DisplayDocTitle"]
        assert b"pdfuaid:part" in catalogue["/Metadata"].get_data()
        assert lecteur.metadata.title.startswith(f"Rapport annuel {ANNEE}")
        # A4, numbered.
        assert {(round(page.mediabox.width), round(page.mediabox.height)) for page in lecteur.pages} == {(595, 842)}
        assert f"Page 1 sur {len(lecteur.pages)}" in lecteur.pages[0].extract_text()

    def test_the_contract_s_report_covers_every_fiche_and_a_quartier_s_lists_its_actions(self, demo, reference):
        _activite(reference)
        chef = _client("demo-chef")
        contrat = chef.get(URL).context["rapport"]
        assert [element.fiche.code for element in contrat.fiches] == ["1.2.2", "1.2.3"]
        assert contrat.quartier is None and contrat.financements.par_action == []
        quartier = chef.get(URL, {"quartier": QUARTIER}).context["rapport"]
        assert quartier.quartier.code == QUARTIER and quartier.financements.par_quartier == []

    def test_the_funding_of_the_year_per_financeur_and_per_action_or_quartier(self, demo, reference):
        quartier = reference.quartiers.get(code=QUARTIER)
        action = ActionFactory(
            titre="Atelier lecture",
            realisation=RealisationAttendue.objects.get(fiche__code="1.2.3", code="R1"),
            porteur=reference.structures.order_by("pk").first(),
            quartiers=[quartier],
            date_debut=datetime.date(2025, 10, 1),
            date_fin=datetime.date(2026, 6, 30),
        )
        FinancementFactory(action=action, montant_demande=5000, montant_accorde=4000, montant_verse=2000)
        chef = _client("demo-chef")
        montants = "5 000,00 € 4 000,00 € 2 000,00 €"
        texte = _texte(chef.get(URL, {"quartier": QUARTIER}))
        assert f"Atelier lecture {action.porteur.nom} {montants}" in texte
        assert f"Total {montants}" in texte
        texte = _texte(chef.get(URL))
        assert f"{quartier.nom} {montants}" in texte and "Atelier lecture" not in texte

    def test_the_pdf_is_built_from_the_report_alone(self, demo, reference):
        """No request needed: a command or a task could send it."""
        perimetre = _client("demo-chef").get(URL).wsgi_request.perimetre
        rapport = rapport_annuel(perimetre=perimetre, annee=AnneeScolaire.depuis_libelle(ANNEE))
        assert en_pdf(rapport).startswith(b"%PDF")


class TestAcces:
    @pytest.mark.parametrize("username", ["demo-chef", "demo-admin", "demo-animateur", "demo-porteur"])
    def test_every_member_who_reads_the_contract_s_dashboards_reads_its_report(self, demo, username):
        reponse = _client(username).get(URL)
        assert reponse.status_code == 200
        assert reponse.context["rapport"].masque == (username not in ("demo-chef", "demo-admin"))

    def test_a_partner_reads_the_report_of_its_quartiers_only(self, demo):
        partenaire = _client("demo-partenaire")
        assert partenaire.get(URL, {"quartier": QUARTIER}).status_code == 200
        assert partenaire.get(URL).status_code == 403
        assert partenaire.get(URL, {"fiche": "1.2.3"}).status_code == 403
        assert partenaire.get(URL, {"quartier": "QN09595E"}).status_code == 404

    @pytest.mark.parametrize(
        ("url", "parametres"),
        [
            ("/indicateurs/rapport/2025/", {}),
            ("/indicateurs/rapport/2025-2027/", {}),
            ("/indicateurs/rapport/1800-1801/", {}),
            (URL, {"fiche": "9.9.9"}),
            (URL, {"fiche": "<script>"}),
            (URL, {"quartier": "QN00000X"}),
        ],
    )
    def test_a_bad_year_fiche_or_quartier_is_not_found_never_a_server_error(self, demo, url, parametres):
        assert _client("demo-chef").get(url, parametres).status_code == 404

    def test_an_anonymous_visitor_is_sent_to_log_in(self, client, demo):
        reponse = client.get(URL)
        assert reponse.status_code == 302 and "connexion" in reponse["Location"]

    def test_the_view_refuses_the_contract_to_a_partner_before_building_anything(
        self, demo, django_assert_max_num_queries
    ):
        partenaire = _client("demo-partenaire")
        with django_assert_max_num_queries(6):
            assert partenaire.get(URL).status_code == 403


# Session, user, membership; then: the fiches, their objectives, expected réalisations and
# effects; their indicators, the 10 queries of the computation, targets, external values (the
# dashboards' own); the year's closure; the funding lines per financeur and per quartier.
# Effect E1 costs one query, as on the dashboards (its organisations): 10 and 8 were 9 and 7; the
# contract's 6 beside a quartier's read none more (a quartier's pass read every quartier's).
# Effect E2 one more per pass (Sources.questionnaires), and the children by éducation
# prioritaire one more per pass (Sources.enfants_par_education_prioritaire): 12, 10, and 8
# beside a quartier's.
REQUETES = 3 + 4 + 1 + 12 + 1 + 1 + 1 + 2
# A quartier's: the quartier; the contract's figures beside its own (8 more, as its dashboard),
# 10 for the quartier's computation instead of 12, the schools' values; funding per action, not
# per quartier.
REQUETES_QUARTIER = REQUETES + 1 + 8 - 2 + 1


@pytest.mark.parametrize(
    ("parametres", "requetes"),
    # A fiche's: the fiche asked for, read first to refuse an unknown one.
    [({}, REQUETES), ({"fiche": "1.2.3"}, REQUETES + 1), ({"quartier": QUARTIER}, REQUETES_QUARTIER)],
)
def test_a_report_costs_the_same_queries_at_1x_and_10x(
    demo, reference, parametres, requetes, django_assert_num_queries
):
    chef = _client("demo-chef")
    _activite(reference)
    with django_assert_num_queries(requetes):
        assert chef.get(URL, parametres).status_code == 200
    _grossir(reference)
    with django_assert_num_queries(requetes):
        assert chef.get(URL, parametres).status_code == 200


def test_the_dashboards_link_to_the_report_of_what_they_show(demo):
    chef = _client("demo-chef")
    page = chef.get("/indicateurs/", {"annee": ANNEE}).content.decode()
    assert f'href="{URL}"' in page
    page = chef.get(f"/indicateurs/fiches/1.2.3/quartiers/{QUARTIER}/", {"annee": ANNEE}).content.decode()
    assert f'href="{URL}?fiche=1.2.3&amp;quartier={QUARTIER}"' in page
    # A partner's opens on the first of its quartiers, as its dashboards do.
    page = _client("demo-partenaire").get("/indicateurs/", {"annee": ANNEE}).content.decode()
    assert f'href="{URL}?quartier=QN0959' in page
