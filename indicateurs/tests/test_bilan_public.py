"""Issue 17, point 2: the public bilan of a published year. An anonymous visitor reaches only the
years an administrator published, and reads there what a partner of the whole contract reads,
never more; its pages are computed once per publication, then served from the cache."""

import csv
import io

import pytest
from django.contrib.auth import get_user_model
from django.core.cache import cache
from django.test import Client
from django.utils import timezone

from actions.models import Action, Participant
from comptes.enums import Role
from fiches.models import ClotureAnnee
from fiches.services import annee_depublier, annee_publier, annee_rouvrir
from fiches.tests.factories import ContratFactory, QuartierFactory
from indicateurs.tests.test_masquage_surs import ANNEE, ENFANTS, _client_de, _enfant, _export, peupler
from indicateurs.tests.test_tableaux import _figure as _figure_du_tableau

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def cache_vide():
    cache.clear()
    yield
    cache.clear()


@pytest.fixture
def admin(db):
    return get_user_model().objects.create_user(username="administratrice", first_name="Camille", last_name="Martin")


def cloturer(contrat, annee=ANNEE):
    return ClotureAnnee.objects.create(
        contrat=contrat, annee_scolaire=annee.annee_de_rentree, cloturee=True, cloturee_le=timezone.now()
    )


def publier(contrat, auteur, annee=ANNEE):
    return annee_publier(cloture=cloturer(contrat, annee), auteur=auteur)


def _figure(html, code):
    """The figure of fiche 1.2.3's indicator on a public page, where each row's id names its fiche."""
    return _figure_du_tableau(html.replace('<tr id="123-indicateur-', '<tr id="indicateur-'), code)


def adresse(contrat, quartier=None, annee=ANNEE):
    base = f"/bilan/{contrat.code}/{annee.libelle}/"
    return f"{base}quartiers/{quartier.code}/" if quartier else base


def csv_public(client, contrat, quartier=None):
    reponse = client.get(
        f"/bilan/{contrat.code}/{ANNEE.libelle}/fiches/1.2.3/export.csv",
        {"quartier": quartier.code} if quartier else {},
    )
    assert reponse.status_code == 200
    lignes = list(csv.DictReader(io.StringIO(reponse.content.decode("utf-8-sig")), delimiter=";"))
    return {(ligne["code"], ligne["ventilation"]): ligne["valeur"] for ligne in lignes if ligne["code"]}, [
        ligne["libelle"] for ligne in lignes if not ligne["code"]
    ]


@pytest.fixture
def trois_et_neuf(reference):
    """3 children in quartier A and 9 in B: A's 3 is "< 5", and B is "s", or the contract's 12
    minus B's 9 would give A's 3 away (test_masquage_surs, worked by hand there)."""
    enfants = [_enfant(0, (0, 0, 1))] * 3 + [_enfant(1, (1, 0, 1))] * 9
    return peupler(reference, {"quartiers": 2, "actions": [[0], [1]], "anonymes": [0, 0], "enfants": enfants})


def test_an_anonymous_visitor_reads_the_partner_s_masked_figures_never_the_true_ones(
    client, reference, trois_et_neuf, admin
):
    a, b = trois_et_neuf
    publier(reference, admin)
    partenaire = _client_de(Client(), reference, Role.PARTENAIRE)
    chef = _client_de(Client(), reference, Role.CHEF_DE_PROJET)
    for quartier in (None, a, b):
        parametres = {"quartier": quartier.code} if quartier else {}
        publics, notes = csv_public(client, reference, quartier)
        masques, _ = _export(partenaire, **parametres)
        assert publics == masques, quartier
        assert any(note.startswith("« < 5 »") for note in notes)
        # The closure is said, not who closed the year.
        assert "Année clôturée : chiffres définitifs. L’année scolaire 2025-2026 est clôturée depuis le" in notes[-1]
        assert "Martin" not in notes[-1]
    contrat, _ = csv_public(client, reference)
    assert (
        contrat[(ENFANTS, "")],
        contrat[(ENFANTS, f"quartier={a.code}")],
        contrat[(ENFANTS, f"quartier={b.code}")],
    ) == (
        "12",
        "< 5",
        "s",
    )
    # The officers read the true counts, which the public pages never show.
    verite, _ = _export(chef, quartier=a.code)
    assert verite[(ENFANTS, "")] == "3"
    for quartier, attendu in ((a, "&lt; 5"), (b, "s")):
        page = client.get(adresse(reference, quartier)).content.decode()
        assert _figure(page, ENFANTS) == attendu
        assert f'<td class="text-end">{attendu}</td>' in page
    page = client.get(adresse(reference)).content.decode()
    assert _figure(page, ENFANTS) == "12"


def test_the_pages_show_the_objectives_and_definitions_and_nothing_of_a_child_an_action_or_money(
    client, reference, trois_et_neuf, admin
):
    a, _ = trois_et_neuf
    publier(reference, admin)
    page = client.get(adresse(reference, a)).content.decode()
    assert "Objectifs de la fiche" in page and "Définitions des indicateurs" in page
    assert f'id="definition-123-{ENFANTS}"' in page and f'href="#definition-123-{ENFANTS}"' in page
    assert f'href="/bilan/{reference.code}/2025-2026/rapport.pdf?quartier={a.code}"' in page
    assert "/indicateurs/" not in page and "/actions/" not in page and "Financements" not in page
    for action in Action.objects.all():
        assert action.titre not in page
    for enfant in Participant.objects.all():
        assert enfant.code not in page
    pdf = client.get(f"/bilan/{reference.code}/2025-2026/rapport.pdf", {"quartier": a.code})
    assert pdf.status_code == 200 and pdf["Content-Type"] == "application/pdf"


def test_only_published_years_are_reached_and_the_others_answer_a_french_404(client, reference, admin):
    quartier = QuartierFactory(contrat=reference)
    autre = ContratFactory(code="autre-contrat")
    autre_quartier = QuartierFactory(contrat=autre)
    publier(autre, admin)
    publier(reference, admin, ANNEE.precedente())
    cloturer(reference)  # closed, never published
    assert client.get(adresse(autre)).status_code == 200
    introuvables = [
        adresse(reference),
        adresse(reference, quartier),
        # Another contract's quartier, in a year of this contract that is published.
        adresse(reference, autre_quartier, ANNEE.precedente()),
        f"/bilan/{reference.code}/2025-2027/",
        f"/bilan/{reference.code}/2025/",
        f"/bilan/inconnu/{ANNEE.libelle}/",
        f"/bilan/{reference.code}/{ANNEE.libelle}/rapport.pdf",
        f"/bilan/{reference.code}/{ANNEE.precedente().libelle}/fiches/9.9.9/export.csv",
        f"/bilan/{reference.code}/{ANNEE.precedente().libelle}/rapport.pdf?quartier=xx",
        f"/bilan/{reference.code}/{ANNEE.precedente().libelle}/quartiers/{'Q' * 9}/",
    ]
    for url in introuvables:
        reponse = client.get(url)
        assert reponse.status_code == 404, url
        assert "Aucun bilan public ne répond à cette adresse" in reponse.content.decode(), url
    index = client.get("/bilan/").content.decode()
    assert f'href="/bilan/{autre.code}/{ANNEE.libelle}/"' in index
    assert f'href="/bilan/{reference.code}/{ANNEE.precedente().libelle}/"' in index
    assert f'href="/bilan/{reference.code}/{ANNEE.libelle}/"' not in index
    # Nothing else opens without a login.
    assert client.get("/indicateurs/").status_code == 302
    assert client.get("/indicateurs/annees/2025-2026/publication/").status_code == 302


def test_a_withdrawn_or_reopened_year_leaves_at_once_and_a_republication_shows_its_new_figures(
    client, reference, admin
):
    (quartier,) = peupler(
        reference, {"quartiers": 1, "actions": [[0]], "anonymes": [0], "enfants": [_enfant(0, (0, 0, 1))] * 6}
    )
    cloture = publier(reference, admin)
    assert _figure(client.get(adresse(reference, quartier)).content.decode(), ENFANTS) == "6"
    annee_depublier(cloture=cloture, auteur=admin)
    assert client.get(adresse(reference, quartier)).status_code == 404
    annee_publier(cloture=cloture, auteur=admin)
    annee_rouvrir(cloture=cloture, motif="Un enfant oublié", auteur=admin)
    assert client.get(adresse(reference, quartier)).status_code == 404
    # A seventh child, come while the year is open again; then it is closed and published again.
    peupler(
        reference, {"quartiers": 1, "actions": [[0]], "anonymes": [0], "enfants": [_enfant(0, (0, 0, 1))]}, [quartier]
    )
    ClotureAnnee.objects.filter(pk=cloture.pk).update(cloturee=True)
    annee_publier(cloture=cloture, auteur=admin)
    assert _figure(client.get(adresse(reference, quartier)).content.decode(), ENFANTS) == "7"


def _peupler_a_la_taille(reference, enfants):
    return peupler(
        reference,
        {
            "quartiers": 3,
            "actions": [[0], [1, 2]],
            "anonymes": [1, 0],
            "enfants": [_enfant(0, (0, 0, 1), (1, 0, 2))] * enfants,
        },
    )


# Committed, as on a server: figures read by a transaction that has written are not kept.
@pytest.mark.django_db(transaction=True)
@pytest.mark.parametrize("enfants", [3, 30])
def test_a_first_read_costs_a_fixed_number_of_queries_and_the_next_one_reads_the_cache(
    client, reference, admin, enfants, django_assert_num_queries
):
    quartiers = _peupler_a_la_taille(reference, enfants)
    publier(reference, admin)
    # As the annual report it is built from (test_rapport), with effects E1 and E2, the children
    # by éducation prioritaire and, for masking, the children with both questionnaires of every
    # perimeter; the contract's page draws the map of its quartiers (their outlines, one query).
    # The quartier's page shows the contract's figures beside its own: computed for the contract's
    # page just before, they come from the cache (indicateurs.fraicheur), 5 queries less.
    for url, premiere in ((adresse(reference), 23), (adresse(reference, quartiers[0]), 27 - 5)):
        with django_assert_num_queries(premiere):
            assert client.get(url).status_code == 200
        # The publication alone is read again: a withdrawal takes the page offline at once.
        with django_assert_num_queries(1):
            assert client.get(url).status_code == 200
    with django_assert_num_queries(1):
        assert client.get(f"/bilan/{reference.code}/{ANNEE.libelle}/fiches/1.2.3/export.csv").status_code == 200
    with django_assert_num_queries(1):
        assert client.get("/bilan/").status_code == 200


def test_the_contract_s_page_maps_its_quartiers_linked_to_their_public_pages_the_masked_ones_hatched(
    client, reference, trois_et_neuf, admin
):
    a, b = trois_et_neuf
    triangle = [[2.0, 48.0], [2.01, 48.0], [2.01, 48.01], [2.0, 48.0]]
    for numero, quartier in enumerate((a, b)):
        decale = {"type": "MultiPolygon", "coordinates": [[[[x + numero / 50, y] for x, y in triangle]]]}
        type(quartier).objects.filter(pk=quartier.pk).update(contour=decale)
    publier(reference, admin)
    html = client.get(adresse(reference)).content.decode()
    carte = html[html.index('id="carte-123"') :]
    assert carte.count("<path") == 2
    for quartier in (a, b):
        assert f'href="{adresse(reference, quartier)}"' in carte
    # The first indicator counted by quartier, the actions (never masked): one in each. A's 3
    # children and B's 9, masked for the public, appear nowhere in the map's section.
    tableau = carte[carte.index("<table") : carte.index("</table>")]
    assert "Nombre d’actions" in tableau
    assert ">3<" not in carte and ">9<" not in carte
    # Drawn once, with the page: no choice of indicator the cached page could not follow.
    assert 'name="carte"' not in carte
    # The quartier pages have no map.
    assert 'id="carte-123"' not in client.get(adresse(reference, a)).content.decode()
