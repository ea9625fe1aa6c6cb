"""Right values, right inputs: a count is a whole number, a percentage lies in 0–100, a target
is checked against its unit, year selectors start on the current school year, and a chef
corrects or removes an external value, which the history keeps."""

import datetime
import re
from contextlib import contextmanager
from decimal import Decimal

import pytest
from django.contrib.auth import get_user_model
from django.db import IntegrityError, connection, transaction
from django.test import Client
from django.test.utils import CaptureQueriesContext
from hypothesis import example, given
from hypothesis import strategies as st

from actions.tests.navigateur import formulaire, texte
from fiches.annees import AnneeScolaire
from fiches.tests.factories import ContratFactory

from ..forms import cibles_vues
from ..models import Cible, Indicateur, ValeurExterne

pytestmark = pytest.mark.django_db

COURANTE = AnneeScolaire.courante()
PASSEE = COURANTE.precedente().libelle
URL_VALEURS = "/indicateurs/valeurs/"


def _client(username, client=None):
    client = client or Client()
    client.force_login(get_user_model().objects.get(username=username))
    return client


def _cible(client, code, valeur, annee=COURANTE.libelle):
    url = f"/indicateurs/fiches/1.2.3/definitions/{code}/"
    donnees = formulaire(client.get(url), "valeur")
    donnees.update(annee_scolaire=[annee], quartier=[""], valeur=[valeur])
    return client.post(url, donnees)


def _valeur(client, code, valeur, annee=PASSEE, **modifications):
    # Last year: the demo enters school results for the three years before this one.
    ValeurExterne.objects.filter(
        indicateur__code=code, annee_scolaire=annee, quartier=None, etablissement=None
    ).delete()
    donnees = {
        "indicateur": Indicateur.objects.get(fiche__code="1.2.3", code=code).pk,
        "annee_scolaire": annee,
        "valeur": valeur,
        "source": "DEPP",
        "date_source": "15/10/2026",
        **modifications,
    }
    return client.post(URL_VALEURS, donnees)


def _valeur_du_contrat(code, annee=PASSEE):
    return ValeurExterne.objects.filter(
        indicateur__code=code, annee_scolaire=annee, quartier=None, etablissement=None
    ).first()


class TestLesValeursSelonLUnite:
    @pytest.mark.parametrize(
        "code, saisie, message",
        [
            ("nb_decrocheurs", "36,5", "Cet indicateur est un nombre entier : saisissez 36 ou 37, pas 36,5."),
            ("nb_decrocheurs", "-5", "Un nombre ne peut pas être négatif : -5 est refusé."),
            ("taux_reussite_dnb", "150", "Un pourcentage est compris entre 0 et 100 : 150 est refusé."),
            ("taux_reussite_dnb", "-0,5", "Un pourcentage est compris entre 0 et 100 : -0,5 est refusé."),
            ("taux_reussite_dnb", "12abc", "Nombre non reconnu : écrivez par exemple 36, 81,5 ou 1 250."),
        ],
    )
    def test_an_external_value_out_of_its_unit_is_refused_next_to_the_field(self, demo, code, saisie, message):
        reponse = _valeur(_client("demo-chef"), code, saisie)
        assert reponse.status_code == 200
        assert reponse.context["form"].errors["valeur"] == [message]
        assert message in texte(reponse)
        assert _valeur_du_contrat(code) is None

    @pytest.mark.parametrize(
        "code, saisie, attendue, affichee",
        [
            ("nb_decrocheurs", "36", Decimal("36"), "36"),
            ("nb_decrocheurs", "1 250", Decimal("1250"), "1\u202f250"),
            ("nb_decrocheurs", "0", Decimal("0"), "0"),
            ("taux_reussite_dnb", "81,5 %", Decimal("81.5"), "81,5\u00a0%"),
            ("taux_reussite_dnb", "100", Decimal("100"), "100,0\u00a0%"),
        ],
    )
    def test_an_external_value_within_its_unit_is_saved_and_shown_as_such(self, demo, code, saisie, attendue, affichee):
        client = _client("demo-chef")
        assert _valeur(client, code, saisie).status_code == 302
        assert _valeur_du_contrat(code).valeur == attendue
        assert f'<td class="text-end">{affichee}</td>' in texte(client.get(URL_VALEURS))

    @pytest.mark.parametrize(
        "code, saisie, message",
        [
            ("nb_actions", "-5", "Un nombre ne peut pas être négatif : -5 est refusé."),
            ("nb_actions", "24,5", "Cet indicateur est un nombre entier : saisissez 24 ou 25, pas 24,5."),
            ("taux_assiduite", "150", "Un pourcentage est compris entre 0 et 100 : 150 est refusé."),
        ],
    )
    def test_a_target_out_of_its_unit_is_refused_next_to_the_field(self, demo, code, saisie, message):
        avant = list(Cible.objects.order_by("pk").values_list("pk", "valeur"))
        reponse = _cible(_client("demo-chef"), code, saisie)
        assert reponse.status_code == 200
        assert reponse.context["form"].errors["valeur"] == [message]
        assert message in texte(reponse)
        assert list(Cible.objects.order_by("pk").values_list("pk", "valeur")) == avant

    def test_a_target_within_its_unit_is_saved(self, demo):
        client = _client("demo-chef")
        assert _cible(client, "nb_actions", "30").status_code == 302
        assert _cible(client, "taux_assiduite", "72,5").status_code == 302
        cibles = Cible.objects.filter(annee_scolaire=COURANTE.libelle, quartier=None)
        assert cibles.get(indicateur__code="nb_actions").valeur == 30
        assert cibles.get(indicateur__code="taux_assiduite").valeur == Decimal("72.5")
        assert '<td class="text-end">30</td>' in texte(client.get("/indicateurs/fiches/1.2.3/definitions/nb_actions/"))

    @pytest.mark.parametrize("modele", [Cible, ValeurExterne])
    def test_the_database_refuses_a_negative_figure_that_bypassed_the_forms(self, demo, reference, modele):
        champs = {
            "indicateur": Indicateur.objects.get(fiche__code="1.2.3", code="taux_reussite_dnb"),
            "contrat": reference,
            "annee_scolaire": "2030-2031",
            "valeur": Decimal("-1"),
        }
        if modele is ValeurExterne:
            champs |= {"source": "DEPP", "date_source": datetime.date(2026, 10, 15)}
        with pytest.raises(IntegrityError), transaction.atomic():
            modele.objects.create(**champs)

    def test_the_demo_counts_are_whole_numbers_and_shown_without_decimals(self, demo):
        comptes = ValeurExterne.objects.filter(indicateur__unite="nombre")
        assert comptes.exists()
        assert all(v.valeur == v.valeur.to_integral_value() for v in comptes)
        html = texte(_client("demo-chef").get("/indicateurs/fiches/1.2.3/", {"annee": PASSEE}))
        chiffres = re.search(r'id="indicateur-nb_decrocheurs".*?<td class="text-end fw-bold">([^<]*)</td>', html, re.S)
        assert re.fullmatch(r"\d+", chiffres[1]), chiffres[1]


class TestLesAnneesProposees:
    def _selection(self, html):
        liste = re.search(r'<select name="annee_scolaire".*?</select>', html, re.S)[0]
        return re.findall(r'<option value="([^"]+)"[^>]*selected', liste), liste

    def test_a_target_starts_on_the_current_school_year(self, demo):
        choisie, liste = self._selection(
            texte(_client("demo-chef").get("/indicateurs/fiches/1.2.3/definitions/nb_actions/"))
        )
        assert choisie == [COURANTE.libelle]
        assert liste.index('label="Année en cours"') < liste.index('label="Années passées"')
        assert f"{COURANTE.annee_de_rentree + 3}-{COURANTE.annee_de_rentree + 4}" in liste

    def test_an_external_value_starts_on_the_current_school_year_and_offers_no_year_ahead(self, demo):
        choisie, liste = self._selection(texte(_client("demo-chef").get(URL_VALEURS)))
        assert choisie == [COURANTE.libelle]
        assert f"{COURANTE.annee_de_rentree + 1}-{COURANTE.annee_de_rentree + 2}" not in liste
        assert f"{COURANTE.annee_de_rentree - 5}-{COURANTE.annee_de_rentree - 4}" in liste

    def test_a_form_sent_as_loaded_writes_in_the_current_school_year(self, demo):
        client = _client("demo-chef")
        donnees = formulaire(client.get("/indicateurs/fiches/1.2.3/definitions/nb_actions/"), "valeur")
        donnees["valeur"] = ["31"]
        assert client.post("/indicateurs/fiches/1.2.3/definitions/nb_actions/", donnees).status_code == 302
        assert Cible.objects.get(indicateur__code="nb_actions", quartier=None, valeur=31).annee_scolaire == (
            COURANTE.libelle
        )


def _modifier(client, objet, page=None, **modifications):
    url = f"/indicateurs/valeurs/{objet.pk}/modifier/"
    donnees = formulaire(page or client.get(url), "valeur")
    donnees.update({nom: [str(v)] for nom, v in modifications.items()})
    return client.post(url, donnees)


class TestCorrigerUneValeur:
    def test_a_chef_corrects_a_value_and_the_history_keeps_the_one_before(self, demo):
        valeur = _valeur_du_contrat("nb_decrocheurs")
        avant = valeur.valeur
        client = _client("demo-chef")
        page = client.get(URL_VALEURS)
        assert f'href="/indicateurs/valeurs/{valeur.pk}/modifier/"' in texte(page)

        reponse = _modifier(client, valeur, valeur=f"{avant + 1:.0f}", source="Plateforme PSAD")

        assert reponse.status_code == 302
        valeur.refresh_from_db()
        assert (valeur.valeur, valeur.source, valeur.version) == (avant + 1, "Plateforme PSAD", 1)
        historique = list(valeur.history.order_by("history_date").values_list("valeur", "history_user__username"))
        assert historique == [(avant, None), (avant + 1, "demo-chef")]

    def test_a_correction_out_of_the_unit_is_refused_and_nothing_changes(self, demo):
        valeur = _valeur_du_contrat("nb_decrocheurs")
        reponse = _modifier(_client("demo-chef"), valeur, valeur="12,5", source="Autre")
        assert reponse.context["form"].errors["valeur"] == [
            "Cet indicateur est un nombre entier : saisissez 12 ou 13, pas 12,5."
        ]
        assert f"tout le contrat : {valeur.valeur:.0f} ({valeur.source}," in texte(reponse), "the value as saved"
        assert ValeurExterne.objects.get(pk=valeur.pk).source == valeur.source

    def test_a_correction_onto_another_value_s_place_is_refused(self, demo):
        valeur = _valeur_du_contrat("nb_decrocheurs")
        autre = _valeur_du_contrat("nb_decrocheurs", annee=COURANTE.precedente().precedente().libelle)
        reponse = _modifier(_client("demo-chef"), valeur, annee_scolaire=autre.annee_scolaire)
        (message,) = reponse.context["form"].errors["valeur"]
        assert message.startswith(
            f"Une valeur existe déjà pour cet indicateur, ce contrat et cette année : {autre.valeur:.0f} "
        )
        assert ValeurExterne.objects.get(pk=valeur.pk).annee_scolaire == PASSEE

    def test_corrections_of_different_fields_at_once_are_merged(self, demo):
        valeur = _valeur_du_contrat("nb_decrocheurs")
        chef, admin = _client("demo-chef"), _client("demo-admin")
        page = chef.get(f"/indicateurs/valeurs/{valeur.pk}/modifier/")
        assert _modifier(admin, valeur, valeur="40").status_code == 302

        assert _modifier(chef, valeur, page=page, source="Rectorat").status_code == 302

        valeur.refresh_from_db()
        assert (valeur.valeur, valeur.source, valeur.version) == (40, "Rectorat", 2)

    def test_the_same_field_corrected_twice_at_once_is_not_overwritten_unseen(self, demo):
        valeur = _valeur_du_contrat("nb_decrocheurs")
        chef, admin = _client("demo-chef"), _client("demo-admin")
        page = chef.get(f"/indicateurs/valeurs/{valeur.pk}/modifier/")
        assert _modifier(admin, valeur, valeur="40").status_code == 302

        reponse = _modifier(chef, valeur, page=page, valeur="41")

        assert ValeurExterne.objects.get(pk=valeur.pk).valeur == 40
        assert reponse.context["form"].errors["valeur"] == ["Modifié entre-temps par Administratrice Démo : « 40 »."]
        assert "Rien n’a été enregistré" in texte(reponse)
        # Sent again as shown, the chef's value replaces it, knowingly.
        assert (
            chef.post(f"/indicateurs/valeurs/{valeur.pk}/modifier/", formulaire(reponse, "valeur")).status_code == 302
        )
        assert ValeurExterne.objects.get(pk=valeur.pk).valeur == 41

    def test_a_correction_in_the_admin_is_not_saved_over_by_a_chef_s_page_loaded_before(self, demo):
        valeur = _valeur_du_contrat("nb_decrocheurs")
        chef = _client("demo-chef")
        page = chef.get(f"/indicateurs/valeurs/{valeur.pk}/modifier/")
        admin = _client("demo-admin")
        url_admin = f"/admin/indicateurs/valeurexterne/{valeur.pk}/change/"
        donnees = formulaire(admin.get(url_admin), "valeur")
        donnees["valeur"] = ["40"]
        assert admin.post(url_admin, donnees).status_code == 302

        reponse = _modifier(chef, valeur, page=page, valeur="41")

        assert reponse.status_code == 200
        assert ValeurExterne.objects.get(pk=valeur.pk).valeur == 40


class TestSupprimerUneValeur:
    def test_a_chef_removes_a_value_after_confirming_and_the_history_keeps_it(self, demo):
        valeur = _valeur_du_contrat("taux_reussite_dnb")
        client = _client("demo-chef")
        url = f"/indicateurs/valeurs/{valeur.pk}/supprimer/"
        confirmation = client.get(url)
        assert "Supprimer cette valeur ?" in texte(confirmation)
        assert ValeurExterne.objects.filter(pk=valeur.pk).exists(), "a GET deletes nothing"

        assert client.post(url, formulaire(confirmation, "version")).status_code == 302

        assert not ValeurExterne.objects.filter(pk=valeur.pk).exists()
        derniere = ValeurExterne.history.filter(id=valeur.pk).order_by("-history_date").first()
        assert (derniere.history_type, derniere.valeur, derniere.history_user.username) == (
            "-",
            valeur.valeur,
            "demo-chef",
        )

    def test_a_value_corrected_since_the_confirmation_was_shown_is_not_removed(self, demo):
        valeur = _valeur_du_contrat("taux_reussite_dnb")
        chef = _client("demo-chef")
        url = f"/indicateurs/valeurs/{valeur.pk}/supprimer/"
        confirmation = chef.get(url)
        assert _modifier(_client("demo-admin"), valeur, valeur="12").status_code == 302

        reponse = chef.post(url, formulaire(confirmation, "version"))

        assert reponse.status_code == 200
        assert "Cette valeur a été modifiée entre-temps par Administratrice Démo le " in texte(reponse)
        assert "elle est maintenant de 12,0\u00a0% pour" in texte(reponse)
        assert ValeurExterne.objects.get(pk=valeur.pk).valeur == 12
        # Confirmed again, as it is now, it goes.
        assert chef.post(url, formulaire(reponse, "version")).status_code == 302
        assert not ValeurExterne.objects.filter(pk=valeur.pk).exists()

    def test_a_deletion_without_the_version_shown_deletes_nothing(self, demo):
        valeur = _valeur_du_contrat("taux_reussite_dnb")
        reponse = _client("demo-chef").post(f"/indicateurs/valeurs/{valeur.pk}/supprimer/", {})
        assert "Cette page ne dit pas quelle version de la fiche elle modifie : rechargez-la." in texte(reponse)
        assert ValeurExterne.objects.filter(pk=valeur.pk).exists()


class TestQuiPeutCorriger:
    @pytest.mark.parametrize("role", ["demo-partenaire", "demo-animateur"])
    @pytest.mark.parametrize("page", ["modifier", "supprimer"])
    def test_partners_and_animateurs_are_refused(self, demo, role, page):
        valeur = _valeur_du_contrat("taux_reussite_dnb")
        client = _client(role)
        url = f"/indicateurs/valeurs/{valeur.pk}/{page}/"
        assert client.get(url).status_code == 403
        assert client.post(url, {"version": "0", "valeur": "1"}).status_code == 403
        assert ValeurExterne.objects.get(pk=valeur.pk).valeur == valeur.valeur

    @pytest.mark.parametrize("page", ["modifier", "supprimer"])
    def test_another_contract_s_value_is_not_found(self, demo, page):
        ailleurs = ValeurExterne.objects.create(
            indicateur=Indicateur.objects.get(fiche__code="1.2.3", code="taux_reussite_dnb"),
            contrat=ContratFactory(),
            annee_scolaire=PASSEE,
            valeur=Decimal("50"),
            source="DEPP",
            date_source=datetime.date(2026, 10, 15),
        )
        client = _client("demo-chef")
        url = f"/indicateurs/valeurs/{ailleurs.pk}/{page}/"
        assert client.get(url).status_code == 404
        assert client.post(url, {"version": "0"}).status_code == 404
        assert ValeurExterne.objects.filter(pk=ailleurs.pk, valeur=50).exists()

    def test_the_list_of_values_costs_the_same_queries_however_many_values(self, demo, django_assert_num_queries):
        client = _client("demo-chef")
        client.get(URL_VALEURS)
        with CaptureQueriesContext(connection) as toutes:
            client.get(URL_VALEURS)
        ValeurExterne.objects.filter(etablissement__isnull=False).delete()
        with django_assert_num_queries(len(toutes)):
            client.get(URL_VALEURS)


# --- Generated values, as every role ------------------------------------------------------------

SAISIES = st.one_of(
    st.decimals(min_value=-1000, max_value=100_000, places=3, allow_nan=False, allow_infinity=False).map(
        lambda d: str(d).replace(".", ",")
    ),
    st.integers(min_value=-(2**63), max_value=2**63).map(str),
    st.text(max_size=20),
)
ROLES = ["demo-chef", "demo-admin", "demo-partenaire", "demo-animateur"]
CHEFS = {"demo-chef", "demo-admin"}


def _conforme(valeur, unite):
    if unite == "pourcentage":
        return 0 <= valeur <= 100
    return valeur >= 0 and valeur == valeur.to_integral_value()


@contextmanager
def _isole():
    """One example in a savepoint rolled back after it: every example meets the demo as loaded."""
    point = transaction.savepoint_create()
    try:
        yield
    finally:
        transaction.savepoint_rollback(point)
        connection.needs_rollback = False


def test_generated_targets_are_saved_only_within_their_unit_and_by_a_chef(demo):
    clients = {role: _client(role) for role in ROLES}

    @given(role=st.sampled_from(ROLES), code=st.sampled_from(["nb_actions", "taux_assiduite"]), saisie=SAISIES)
    @example(role="demo-chef", code="nb_actions", saisie="-5")
    @example(role="demo-chef", code="nb_actions", saisie="24,5")
    @example(role="demo-chef", code="taux_assiduite", saisie="150")
    @example(role="demo-partenaire", code="nb_actions", saisie="12")
    def essai(role, code, saisie):
        with _isole():
            avant = set(Cible.objects.values_list("pk", "annee_scolaire", "valeur"))
            # The targets as the page lists them: a valid target then replaces this year's.
            vues = cibles_vues(Cible.objects.filter(indicateur__code=code))
            reponse = clients[role].post(
                f"/indicateurs/fiches/1.2.3/definitions/{code}/",
                {"annee_scolaire": COURANTE.libelle, "quartier": "", "valeur": saisie, "vues": vues},
            )
            assert reponse.status_code < 500
            enregistree = reponse.status_code == 302
            assert enregistree == (role in CHEFS and _lisible(saisie, code)), reponse.status_code
            if not enregistree:
                assert set(Cible.objects.values_list("pk", "annee_scolaire", "valeur")) == avant
                return
            cible = Cible.objects.select_related("indicateur").get(
                indicateur__code=code, annee_scolaire=COURANTE.libelle, quartier=None
            )
            assert _conforme(cible.valeur, cible.indicateur.unite)

    essai()


def test_generated_external_values_are_saved_only_within_their_unit_and_by_a_chef(demo):
    clients = {role: _client(role) for role in ROLES}

    @given(role=st.sampled_from(ROLES), code=st.sampled_from(["nb_decrocheurs", "taux_reussite_dnb"]), saisie=SAISIES)
    @example(role="demo-chef", code="nb_decrocheurs", saisie="36,5")
    @example(role="demo-chef", code="taux_reussite_dnb", saisie="100,01")
    @example(role="demo-chef", code="taux_reussite_dnb", saisie="-0")
    @example(role="demo-animateur", code="nb_decrocheurs", saisie="36")
    def essai(role, code, saisie):
        with _isole():
            valeur = _valeur_du_contrat(code)
            # A correction of last year's value, and an entry of this year's.
            for url, annee, version in [
                (f"/indicateurs/valeurs/{valeur.pk}/modifier/", PASSEE, {"version": str(valeur.version)}),
                (URL_VALEURS, COURANTE.libelle, {}),
            ]:
                avant = set(ValeurExterne.objects.values_list("pk", "annee_scolaire", "valeur", "version"))
                donnees = {
                    "indicateur": str(valeur.indicateur_id),
                    "annee_scolaire": annee,
                    "valeur": saisie,
                    "source": "DEPP",
                    "date_source": "15/10/2026",
                    **version,
                }
                reponse = clients[role].post(url, donnees)
                assert reponse.status_code < 500
                enregistree = reponse.status_code == 302
                assert enregistree == (role in CHEFS and _lisible(saisie, code)), (url, reponse.status_code)
                if not enregistree:
                    assert set(ValeurExterne.objects.values_list("pk", "annee_scolaire", "valeur", "version")) == avant
                    continue
                enregistree = ValeurExterne.objects.select_related("indicateur").get(
                    indicateur__code=code, annee_scolaire=annee, quartier=None, etablissement=None
                )
                assert _conforme(enregistree.valeur, enregistree.indicateur.unite)

    essai()


def _lisible(saisie, code):
    """Whether the form reads `saisie` as a figure its unit allows: what else must be refused."""
    nu = " ".join(saisie.strip().removesuffix("%").split())
    # Two decimals at most, as typed, and ten digits before them (the column's 12 digits).
    if not re.fullmatch(r"-?(?:[0-9]{1,3}(?: [0-9]{3})+|[0-9]+)(?:[,.][0-9]{1,2})?", nu):
        return False
    valeur = Decimal(nu.replace(" ", "").replace(",", "."))
    if abs(valeur) >= 10**10:
        return False
    return _conforme(valeur, "pourcentage" if code.startswith("taux_") else "nombre")
