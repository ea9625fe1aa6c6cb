"""A chef closes a finished school year from a page that says what it means; its figures are
then marked final on the dashboards, the definition pages and the exports; its targets and
external values refuse every change, in the services and in the admin, where an administrator
reopens the year with a reason."""

import datetime
import re

import pytest
from django.contrib.auth import get_user_model
from django.core.exceptions import ValidationError
from django.test import Client

from actions.models import Action
from actions.tests.navigateur import texte
from demo.dossiers import TITRES, dossiers_de_demo
from dossiers.enums import EtatDossier
from dossiers.models import Dossier
from dossiers.services import annee_cloturer
from fiches.annees import AnneeScolaire
from fiches.models import ClotureAnnee

from .. import services
from ..models import Cible, Indicateur, ValeurExterne

pytestmark = pytest.mark.django_db

COURANTE = AnneeScolaire.courante()
FERMEE = COURANTE.precedente()
BANDEAU = "Année clôturée : chiffres définitifs."


def _client(username):
    client = Client()
    client.force_login(get_user_model().objects.get(username=username))
    return client


@pytest.fixture
def fermee(demo, reference):
    """The demo with its previous year closed by its chef."""
    return annee_cloturer(contrat=reference, annee=FERMEE, auteur=get_user_model().objects.get(username="demo-chef"))


def _indicateur(code):
    return Indicateur.objects.get(fiche__code="1.2.3", code=code)


def _refus(ecriture, objet):
    with pytest.raises(ValidationError) as refus:
        ecriture()
    (message,) = refus.value.messages
    assert re.fullmatch(
        rf"L’année scolaire {FERMEE} est clôturée depuis le \d\d/\d\d/\d{{4}} par Cheffe de projet Démo : {objet}\.",
        message,
    ), message


def test_targets_and_external_values_of_a_closed_year_are_final(fermee, reference):
    dnb = _indicateur("taux_reussite_dnb")
    valeur = ValeurExterne.objects.get(indicateur=dnb, annee_scolaire=FERMEE.libelle, quartier=None, etablissement=None)
    avant = list(ValeurExterne.objects.order_by("pk").values_list("pk", "annee_scolaire", "valeur"))
    cibles = list(Cible.objects.order_by("pk").values_list("pk", "valeur"))

    _refus(
        lambda: services.cible_fixer(
            indicateur=dnb, contrat=reference, annee_scolaire=FERMEE.libelle, quartier=None, valeur=90
        ),
        "ses cibles ne peuvent plus être modifiées",
    )
    _refus(
        lambda: services.valeur_externe_enregistrer(
            contrat=reference,
            donnees={
                "indicateur": _indicateur("nb_decrocheurs"),
                "annee_scolaire": FERMEE.libelle,
                "quartier": reference.quartiers.first(),
                "valeur": 3,
                "source": "DEPP",
                "date_source": datetime.date(2026, 10, 1),
            },
        ),
        "aucune valeur externe ne peut plus y être ajoutée",
    )
    _refus(
        lambda: services.valeur_externe_modifier(valeur=valeur, donnees={"indicateur": dnb, "valeur": 12}),
        "ses valeurs externes ne peuvent plus être modifiées",
    )
    # Moved out of the closed year, or into it from an open one: both change it.
    _refus(
        lambda: services.valeur_externe_modifier(
            valeur=valeur, donnees={"indicateur": dnb, "annee_scolaire": COURANTE.libelle}
        ),
        "ses valeurs externes ne peuvent plus être modifiées",
    )
    ouverte = ValeurExterne.objects.filter(indicateur=dnb, annee_scolaire=FERMEE.precedente().libelle).first()
    _refus(
        lambda: services.valeur_externe_modifier(
            valeur=ouverte, donnees={"indicateur": dnb, "annee_scolaire": FERMEE.libelle}
        ),
        "ses valeurs externes ne peuvent plus être modifiées",
    )
    _refus(
        lambda: services.valeur_externe_supprimer(valeur=valeur), "ses valeurs externes ne peuvent plus être supprimées"
    )

    assert list(ValeurExterne.objects.order_by("pk").values_list("pk", "annee_scolaire", "valeur")) == avant
    assert list(Cible.objects.order_by("pk").values_list("pk", "valeur")) == cibles
    # The current year is open.
    services.cible_fixer(indicateur=dnb, contrat=reference, annee_scolaire=COURANTE.libelle, quartier=None, valeur=90)


def test_a_chef_closes_a_finished_year_from_a_page_that_says_what_it_means(demo, reference):
    chef = _client("demo-chef")
    url = f"/indicateurs/annees/{FERMEE}/cloturer/"
    liste = texte(chef.get(f"/indicateurs/?annee={FERMEE}"))
    assert f"clôturer l’année {FERMEE}" in liste

    page = texte(chef.get(url))
    assert f"Clôturer l’année scolaire {FERMEE} ?" in page
    assert "Plus personne ne pourra modifier ce qui change ces chiffres : les présences et les séances" in page
    assert "Seul un administrateur pourra rouvrir l’année, en indiquant pourquoi" in page
    assert not ClotureAnnee.objects.exists()

    reponse = chef.post(url)

    assert reponse.status_code == 302 and reponse["Location"] == f"/indicateurs/?annee={FERMEE}"
    cloture = ClotureAnnee.objects.get()
    assert (cloture.annee_scolaire, cloture.cloturee, cloture.cloturee_par.username) == (
        FERMEE.annee_de_rentree,
        True,
        "demo-chef",
    )
    liste = texte(chef.get(f"/indicateurs/?annee={FERMEE}"))
    assert BANDEAU in liste and f"clôturer l’année {FERMEE}" not in liste
    # Closed, the page says so and offers nothing; posted again, nothing changes.
    assert "est clôturée depuis le" in texte(chef.get(url))
    assert chef.post(url).status_code == 200
    assert ClotureAnnee.objects.get().cloturee_le == cloture.cloturee_le


def test_a_year_under_way_cannot_be_closed(demo):
    chef = _client("demo-chef")
    url = f"/indicateurs/annees/{COURANTE}/cloturer/"

    reponse = chef.post(url)

    assert reponse.status_code == 200
    assert (
        f"L’année scolaire {COURANTE} n’est pas terminée : elle pourra être clôturée à partir du "
        f"01/09/{COURANTE.annee_de_rentree + 1}." in texte(reponse)
    )
    assert not ClotureAnnee.objects.exists()
    assert f"clôturer l’année {COURANTE}" not in texte(chef.get("/indicateurs/"))
    assert chef.get("/indicateurs/annees/2024-2026/cloturer/").status_code == 404


def test_a_year_waits_for_the_bilans_of_the_actions_that_ended_in_it(demo, reference):
    dossiers_de_demo(contrat=reference)
    dossier = Dossier.objects.get(titre=TITRES[EtatDossier.EN_COURS])
    # Its action ran last year; one still running after the year's end would not count.
    Action.objects.filter(pk=dossier.action_id).update(
        date_debut=FERMEE.debut + datetime.timedelta(days=30), date_fin=FERMEE.fin - datetime.timedelta(days=30)
    )
    chef = _client("demo-chef")
    url = f"/indicateurs/annees/{FERMEE}/cloturer/"
    raison = (
        f"Les bilans de ces actions terminées en {FERMEE} ne sont pas encore validés : « {dossier.titre} ». "
        "L’année pourra être clôturée une fois leurs bilans validés."
    )

    assert raison in texte(chef.get(url))
    assert f"clôturer l’année {FERMEE}" not in texte(chef.get(f"/indicateurs/?annee={FERMEE}"))
    reponse = chef.post(url)
    assert reponse.status_code == 200 and raison in texte(reponse)
    with pytest.raises(ValidationError) as refus:
        annee_cloturer(contrat=reference, annee=FERMEE, auteur=None)
    assert refus.value.messages == [raison]
    assert not ClotureAnnee.objects.exists()

    for etat in (EtatDossier.BILAN_DEPOSE, EtatDossier.CONVENTIONNE):
        Dossier.objects.filter(pk=dossier.pk).update(etat=etat)
        assert raison in texte(chef.post(url))
    Dossier.objects.filter(pk=dossier.pk).update(etat=EtatDossier.BILAN_VALIDE)
    assert chef.post(url).status_code == 302
    assert ClotureAnnee.objects.get().cloturee


@pytest.mark.parametrize("username", ["demo-animateur", "demo-partenaire"])
def test_only_officers_close_a_year(demo, username):
    client = _client(username)
    assert client.post(f"/indicateurs/annees/{FERMEE}/cloturer/").status_code == 403
    assert not ClotureAnnee.objects.exists()
    assert "clôturer l’année" not in texte(client.get(f"/indicateurs/?annee={FERMEE}"))


def test_the_closing_page_costs_the_same_queries_closed_or_not(demo, reference, django_assert_num_queries):
    chef = _client("demo-chef")
    url = f"/indicateurs/annees/{FERMEE}/cloturer/"
    # Session, user, membership, the closure, the bilans it waits for.
    with django_assert_num_queries(5):
        chef.get(url)
    annee_cloturer(contrat=reference, annee=FERMEE, auteur=None)
    with django_assert_num_queries(5):
        chef.get(url)


def test_a_closed_year_s_figures_are_marked_final_everywhere_they_appear(fermee):
    for client in (_client("demo-chef"), _client("demo-partenaire")):
        for url in (
            f"/indicateurs/?annee={FERMEE}",
            f"/indicateurs/fiches/1.2.3/quartiers/QN09591A/?annee={FERMEE}",
        ):
            page = texte(client.get(url))
            assert BANDEAU in page, url
            assert f"L’année scolaire {FERMEE} est clôturée depuis le" in page, url
    chef = _client("demo-chef")
    assert BANDEAU in texte(chef.get(f"/indicateurs/fiches/1.2.3/?annee={FERMEE}"))
    assert BANDEAU not in texte(chef.get(f"/indicateurs/fiches/1.2.3/?annee={COURANTE}"))
    assert BANDEAU in texte(chef.get("/indicateurs/fiches/1.2.3/definitions/taux_reussite_dnb/"))
    assert BANDEAU in texte(chef.get("/indicateurs/valeurs/"))
    export = chef.get(f"/indicateurs/export.csv?fiche=1.2.3&annee={FERMEE}").content.decode("utf-8-sig")
    assert f"Année clôturée : chiffres définitifs. L’année scolaire {FERMEE} est clôturée depuis le" in export
    courante = chef.get(f"/indicateurs/export.csv?fiche=1.2.3&annee={COURANTE}").content.decode("utf-8-sig")
    assert "Année clôturée" not in courante


def test_the_correction_pages_of_a_closed_year_s_value_say_so_instead_of_a_form(fermee):
    chef = _client("demo-chef")
    valeur = ValeurExterne.objects.filter(annee_scolaire=FERMEE.libelle).first()
    for url in (f"/indicateurs/valeurs/{valeur.pk}/modifier/", f"/indicateurs/valeurs/{valeur.pk}/supprimer/"):
        reponse = chef.get(url)
        assert BANDEAU in texte(reponse) and 'name="version"' not in reponse.content.decode()
        chef.post(url, {"version": valeur.version, "valeur": "1"})
    assert ValeurExterne.objects.filter(pk=valeur.pk, valeur=valeur.valeur).exists()


class TestAdministration:
    def test_an_administrator_reopens_a_year_with_a_reason_kept_in_the_history(self, fermee, client_admin):
        url = f"/admin/fiches/clotureannee/{fermee.pk}/change/"

        sans_motif = client_admin.post(url, {"motif_reouverture": " "})
        assert sans_motif.status_code == 200 and "Ce champ est obligatoire." in texte(sans_motif)
        assert ClotureAnnee.objects.get().cloturee

        assert client_admin.post(url, {"motif_reouverture": "Valeurs du DNB corrigées par la DEPP"}).status_code == 302
        cloture = ClotureAnnee.objects.get()
        assert not cloture.cloturee
        derniere = cloture.history.order_by("-history_date").first()
        assert (derniere.history_change_reason, derniere.history_user.username) == (
            "Année rouverte : Valeurs du DNB corrigées par la DEPP",
            "demo-admin",
        )
        # Reopened, it is read only here, and takes writes again.
        assert client_admin.post(url, {"motif_reouverture": "encore"}).status_code == 403
        valeur = ValeurExterne.objects.filter(annee_scolaire=FERMEE.libelle).first()
        services.valeur_externe_supprimer(valeur=valeur)
        # A chef closes it again from the page.
        assert _client("demo-chef").post(f"/indicateurs/annees/{FERMEE}/cloturer/").status_code == 302
        assert ClotureAnnee.objects.get().cloturee

    def test_the_admin_neither_adds_nor_deletes_closures(self, fermee, client_admin):
        assert client_admin.get("/admin/fiches/clotureannee/add/").status_code == 403
        assert client_admin.post(f"/admin/fiches/clotureannee/{fermee.pk}/delete/", {"post": "yes"}).status_code == 403
        assert ClotureAnnee.objects.filter(cloturee=True).count() == 1

    def test_targets_and_values_of_a_closed_year_are_not_changed_in_the_admin(self, fermee, client_admin):
        valeur = ValeurExterne.objects.filter(annee_scolaire=FERMEE.libelle).select_related("indicateur").first()
        url = f"/admin/indicateurs/valeurexterne/{valeur.pk}/change/"
        donnees = {
            "indicateur": valeur.indicateur_id,
            "contrat": valeur.contrat_id,
            "annee_scolaire": valeur.annee_scolaire,
            "quartier": valeur.quartier_id or "",
            "etablissement": valeur.etablissement_id or "",
            "valeur": "1",
            "source": valeur.source,
            "date_source": valeur.date_source.strftime("%d/%m/%Y"),
        }
        reponse = client_admin.post(url, donnees)
        assert reponse.status_code == 200
        assert "ses cibles et valeurs externes ne peuvent plus être modifiées" in texte(reponse)
        assert (
            client_admin.post(f"/admin/indicateurs/valeurexterne/{valeur.pk}/delete/", {"post": "yes"}).status_code
            == 403
        )
        ajout = client_admin.post("/admin/indicateurs/valeurexterne/add/", {**donnees, "quartier": ""})
        assert "ses cibles et valeurs externes ne peuvent plus être modifiées" in texte(ajout)
        assert ValeurExterne.objects.filter(pk=valeur.pk, valeur=valeur.valeur).exists()
