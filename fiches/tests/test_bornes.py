"""The bounds every typed value is held to (fiches.bornes), and the requests refused before any
view reads them (a NUL byte in the address: config.requetes)."""

import pytest
from django.contrib import admin
from django.core.exceptions import ValidationError

from fiches.annees import AnneeScolaire
from fiches.models import Fiche

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize(
    ("libelle", "annee"),
    [
        ("2025-2026", 2025),
        ("1990-1991", 1990),
        ("2100-2101", 2100),
        ("1989-1990", None),
        ("2101-2102", None),
        ("0000-0001", None),
        ("9999-10000", None),
        ("٢٠٢٥-٢٠٢٦", None),
        ("2025-2027", None),
    ],
)
def test_a_school_year_is_read_only_within_the_dates_a_record_may_carry(libelle, annee):
    lue = AnneeScolaire.depuis_libelle(libelle)
    assert (lue.annee_de_rentree if lue else None) == annee
    if lue:
        assert lue.fin.year == annee + 1


@pytest.mark.parametrize(("libelle", "rentree"), [("2024-2025", 2024), ("2101-2102", None), (None, None), ("x", None)])
def test_a_page_asked_for_no_school_year_it_can_read_shows_the_current_one(libelle, rentree):
    attendue = rentree or AnneeScolaire.courante().annee_de_rentree
    assert AnneeScolaire.demandee(libelle).annee_de_rentree == attendue


@pytest.mark.parametrize(
    "adresse",
    [
        "/fiches/%00/",
        "/fiches/1.2.3%00/",
        "/fiches/1.2.3/indicateurs/%00/",
        "/partenaires/dispositifs/%00/",
        "/indicateurs/fiches/1.2.3/definitions/%00/",
        "/indicateurs/fiches/%00/",
        "/actions/?q=%00",
        "/actions/?%00=1",
        "/participants/?page=%00",
        "/connexion/?next=/%00",
    ],
)
def test_a_nul_byte_in_the_address_is_a_bad_request_answered_in_french(client_connecte, reference, adresse):
    assert client_connecte.get(adresse.replace("%00", "")).status_code < 500
    reponse = client_connecte.get(adresse)
    assert reponse.status_code == 400
    html = reponse.content.decode()
    assert "<h1>Requête invalide</h1>" in html
    assert "L’adresse demandée contient des caractères qu’aucune page ne peut lire." in html


def test_the_fiche_admin_refuses_an_id_of_20_digits_as_an_unknown_choice(rf, utilisateur, reference):
    # SQLite cannot bind such an id in the IN list Django builds for a multiple choice: it answered 500.
    requete = rf.get("/")
    requete.user = utilisateur
    formulaire = admin.site._registry[Fiche].get_form(requete, Fiche.objects.get(code="1.2.3"))
    for champ in ["types_acteurs", "partenaires", "dispositifs", "sources_financement"]:
        with pytest.raises(ValidationError) as refus:
            formulaire.base_fields[champ].clean(["1", "9" * 20])
        assert refus.value.messages == ["Sélectionnez un choix valide. 99999999999999999999 n’en fait pas partie."]
