import pytest

from fiches.tests.factories import EnjeuFactory, FicheFactory
from fiches.tests.test_pages import REQUETES_DE_SESSION

from .factories import DispositifFactory, PartenaireFactory, SourceFinancementFactory

pytestmark = pytest.mark.django_db


def test_partner_and_dispositif_pages_list_the_fiches_that_mobilise_them(reference, client_connecte):
    caf = reference.partenaires.get(sigle="CAF")
    assert 'href="/fiches/1.2.3/"' in client_connecte.get(caf.get_absolute_url()).content.decode()
    assert 'href="/fiches/1.2.3/"' in client_connecte.get("/partenaires/dispositifs/psad/").content.decode()
    isole = DispositifFactory()
    assert 'href="/fiches/1.2.3/"' not in client_connecte.get(isole.get_absolute_url()).content.decode()
    assert client_connecte.get("/partenaires/dispositifs/inconnu/").status_code == 404


def test_directory_query_count_holds_as_partners_multiply(reference, client_connecte, django_assert_num_queries):
    with django_assert_num_queries(REQUETES_DE_SESSION + 4):
        client_connecte.get("/partenaires/")
    for _ in range(10):
        SourceFinancementFactory(contrat=reference, financeur=PartenaireFactory(contrat=reference))
        DispositifFactory()
    with django_assert_num_queries(REQUETES_DE_SESSION + 4):
        client_connecte.get("/partenaires/")


def test_partner_page_query_count_holds(reference, client_connecte, django_assert_num_queries):
    caf = reference.partenaires.get(sigle="CAF")
    with django_assert_num_queries(REQUETES_DE_SESSION + 3):
        client_connecte.get(caf.get_absolute_url())
    for _ in range(10):
        FicheFactory(enjeu=EnjeuFactory(axe__pilier__contrat=reference)).partenaires.add(caf)
        SourceFinancementFactory(contrat=reference, financeur=caf)
    with django_assert_num_queries(REQUETES_DE_SESSION + 3):
        client_connecte.get(caf.get_absolute_url())
