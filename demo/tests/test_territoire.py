import re
from io import StringIO

import pytest
from django.contrib.auth import authenticate, get_user_model
from django.contrib.auth.models import Group
from django.core.management import CommandError, call_command
from django.test import override_settings

from comptes.enums import Role
from demo.adhesions import QUARTIERS_DU_PARTENAIRE
from fiches.enums import ZoneScolaire
from fiches.models import Contrat, Quartier
from partenaires.models import Etablissement, Structure

pytestmark = pytest.mark.django_db


def test_demo_builds_a_territory_and_one_user_per_role(demo, reference):
    assert 4 <= Quartier.objects.filter(contrat=reference).count() <= 6
    assert Structure.objects.filter(contrat=reference).count() >= 4
    assert Etablissement.objects.filter(contrat=reference, education_prioritaire="rep_plus").exists()
    roles = {u.username: u.groups.get().name for u in get_user_model().objects.filter(username__startswith="demo-")}
    assert roles == {
        "demo-admin": Role.ADMINISTRATEUR.label,
        "demo-chef": Role.CHEF_DE_PROJET.label,
        "demo-animateur": Role.ANIMATEUR.label,
        "demo-partenaire": Role.PARTENAIRE.label,
        "demo-porteur": Role.PORTEUR.label,
    }
    for username, mot_de_passe in demo.items():
        assert authenticate(username=username, password=mot_de_passe) is not None, username


def test_the_fictional_contract_gets_the_school_holiday_zone_of_its_fictional_departement(demo, reference):
    reference.refresh_from_db()
    assert reference.zone_scolaire == ZoneScolaire.C


def test_a_zone_an_administrator_chose_is_kept(reference):
    Contrat.objects.filter(pk=reference.pk).update(zone_scolaire=ZoneScolaire.A)
    call_command("generer_demo")
    assert Contrat.objects.get(pk=reference.pk).zone_scolaire == ZoneScolaire.A


def test_only_the_demo_administrator_is_staff(demo):
    assert set(get_user_model().objects.filter(is_staff=True).values_list("username", flat=True)) == {"demo-admin"}
    assert not get_user_model().objects.filter(is_superuser=True).exists()


def test_running_the_demo_again_adds_nothing_and_renews_passwords(demo, reference):
    avant = (Quartier.objects.count(), Structure.objects.count(), Etablissement.objects.count())
    call_command("generer_demo")
    assert (Quartier.objects.count(), Structure.objects.count(), Etablissement.objects.count()) == avant
    assert authenticate(username="demo-chef", password=demo["demo-chef"]) is None


def test_the_demo_prints_the_partner_s_api_token_renewed_at_each_run(reference, client):
    cles = []
    for _ in range(2):
        sortie = StringIO()
        call_command("generer_demo", stdout=sortie)
        cles.append(re.search(r"Jeton de l’API de demo-partenaire .* : (\w+)$", sortie.getvalue(), re.M)[1])
    assert cles[0] != cles[1]
    quartiers = client.get("/api/v1/contrats/contrat-de-ville/quartiers/", HTTP_AUTHORIZATION=f"Token {cles[1]}")
    assert {q["code"] for q in quartiers.json()["results"]} == set(QUARTIERS_DU_PARTENAIRE)
    assert client.get("/api/v1/contrats/contrat-de-ville/", HTTP_AUTHORIZATION=f"Token {cles[0]}").status_code == 401


def test_the_demo_needs_the_reference_first(db):
    with pytest.raises(CommandError, match="lancez d’abord « python manage.py charger_reference »"):
        call_command("generer_demo")


@override_settings(DEMO_AUTORISEE=False)
def test_the_demo_is_refused_with_production_settings(reference):
    with pytest.raises(CommandError, match="interdites avec ces réglages"):
        call_command("generer_demo")
    assert not Quartier.objects.exists()
    assert not get_user_model().objects.filter(username__startswith="demo-").exists()


def test_a_demo_account_cannot_log_in_with_production_settings(demo, client):
    with override_settings(DEMO_AUTORISEE=False):
        assert authenticate(username="demo-chef", password=demo["demo-chef"]) is None
        reponse = client.post("/connexion/", {"username": "demo-chef", "password": demo["demo-chef"]})
        assert reponse.status_code == 200 and "_auth_user_id" not in client.session
    assert authenticate(username="demo-chef", password=demo["demo-chef"]) is not None


def test_roles_exist_after_migrate_with_the_admin_permissions_of_administrators(db):
    assert set(Group.objects.values_list("name", flat=True)) == {role.label for role in Role}
    administrateur = Group.objects.get(name=Role.ADMINISTRATEUR.label)
    assert administrateur.permissions.filter(codename="change_fiche").exists()
    assert administrateur.permissions.filter(codename="change_etablissement").exists()
    assert not Group.objects.get(name=Role.PARTENAIRE.label).permissions.exists()
