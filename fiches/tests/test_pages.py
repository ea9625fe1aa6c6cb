import pytest

from fiches.models import Fiche
from partenaires.tests.factories import DispositifFactory, PartenaireFactory, SourceFinancementFactory

from .factories import (
    EffetAttenduFactory,
    EnjeuFactory,
    EnonceIndicateurFactory,
    FicheFactory,
    LienFicheFactory,
    ParagrapheFicheFactory,
    RealisationAttendueFactory,
)

pytestmark = pytest.mark.django_db

# Session and user of the signed-in client, then their scope: membership, and the contract that
# a superuser without membership administers.
REQUETES_DE_SESSION = 4


def faire_grossir(fiche, fois=10):
    """Ten times more of everything the fiche page shows."""
    contrat = fiche.enjeu.axe.pilier.contrat
    for _ in range(fois):
        ParagrapheFicheFactory(fiche=fiche)
        RealisationAttendueFactory(fiche=fiche)
        EffetAttenduFactory(fiche=fiche)
        EnonceIndicateurFactory(fiche=fiche)
        EnonceIndicateurFactory(fiche=fiche, effet=True)
        LienFicheFactory(fiche=fiche, vers_fiche=True, fiche_liee__enjeu=fiche.enjeu)
        fiche.partenaires.add(PartenaireFactory(contrat=contrat))
        fiche.dispositifs.add(DispositifFactory())
        fiche.sources_financement.add(
            SourceFinancementFactory(contrat=contrat, financeur=PartenaireFactory(contrat=contrat))
        )


def test_fiche_page_shows_its_place_links_and_print_stylesheet(reference, client_connecte):
    html = client_connecte.get("/fiches/1.2.3/").content.decode()
    assert "<h1>" in html and "Fiche 1.2.3" in html
    assert "Pilier 1 – Cohésion sociale" in html
    assert "Axe 1.2" in html
    caf = reference.partenaires.get(sigle="CAF")
    assert f'href="/partenaires/{caf.pk}/"' in html
    assert 'href="/partenaires/dispositifs/clas/"' in html
    assert 'href="/fiches/1.2.3/indicateurs/IE2/"' in html
    assert 'href="/fiches/1.2.2/"' in html
    assert 'href="/fiches/#axe-T.3"' in html
    assert 'href="/indicateurs/fiches/1.2.3/"' in html, "the fiche links to its own dashboard"
    assert 'media="print"' in html


def test_an_unknown_fiche_answers_404_in_french(reference, client_connecte):
    reponse = client_connecte.get("/fiches/9.9.9/")
    assert reponse.status_code == 404
    assert "Page introuvable" in reponse.content.decode()


def test_fiche_page_query_count_holds_as_the_fiche_grows(reference, client_connecte, django_assert_num_queries):
    fiche = Fiche.objects.get(code="1.2.3")
    with django_assert_num_queries(REQUETES_DE_SESSION + 10):
        assert client_connecte.get("/fiches/1.2.3/").status_code == 200
    faire_grossir(fiche)
    with django_assert_num_queries(REQUETES_DE_SESSION + 10):
        reponse = client_connecte.get("/fiches/1.2.3/")
    assert reponse.content.decode().count("Paragraphe ") == 10


def test_fiche_list_groups_fiches_by_pilier_axe_and_enjeu(reference, client_connecte):
    html = client_connecte.get("/fiches/").content.decode()
    positions = [html.index(t) for t in ["Pilier 1 – Cohésion sociale", "Axe 1.2", "Enjeu 1.2.2", "Fiche 1.2.3"]]
    assert positions == sorted(positions)
    assert html.index("Axes transversaux") > html.index("Fiche 1.2.3")
    assert 'id="enjeu-1.2.4"' in html


def test_fiche_list_query_count_holds_as_fiches_multiply(reference, client_connecte, django_assert_num_queries):
    with django_assert_num_queries(REQUETES_DE_SESSION + 4):
        client_connecte.get("/fiches/")
    for _ in range(10):
        FicheFactory(enjeu=EnjeuFactory(axe__pilier__contrat=reference))
    with django_assert_num_queries(REQUETES_DE_SESSION + 4):
        html = client_connecte.get("/fiches/").content.decode()
    assert html.count("Fiche d’essai") == 10


def test_indicator_page_names_its_fiche(reference, client_connecte):
    html = client_connecte.get("/fiches/1.2.3/indicateurs/IR2/").content.decode()
    assert "Indicateur de réalisation IR2" in html
    assert "Nombre d’enfants bénéficiant de ces actions" in html
    assert 'href="/indicateurs/fiches/1.2.3/definitions/nb_enfants_beneficiaires/"' in html
    assert client_connecte.get("/fiches/1.2.3/indicateurs/IR9/").status_code == 404
