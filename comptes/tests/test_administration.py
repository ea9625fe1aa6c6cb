"""The Django admin contract by contract, and accounts an administrator may not act on.

The administrator of the demo contract (A) faces a second contract (B, « Brocéliande ») with one
row of every kind its admin shows: every admin page of each of those rows answers 404 (403 for
the history pages), none is listed, offered in a form or named in a list filter. A superuser
sees them all. Every model registered in the admin must appear in ACCES_PAR_MODELE, so that a
model added later is scoped or fails here."""

import datetime

import pytest
from axes.models import AccessAttempt, AccessFailureLog, AccessLog
from django.contrib import admin
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group
from django.urls import reverse
from rest_framework.authtoken.models import Token, TokenProxy

from comptes.enums import Role
from comptes.models import Adhesion
from comptes.services import adhesion_definir
from dossiers.services import annee_cloturer
from fiches.administration import PARTAGE, DuContrat
from fiches.enums import NatureIndicateur
from fiches.models import Axe, ClotureAnnee, Contrat, Enjeu, Fiche, Pilier, Quartier
from fiches.tests.factories import ContratFactory, EnonceIndicateurFactory, FicheFactory, QuartierFactory
from indicateurs.models import Cible, Indicateur, ValeurExterne
from partenaires.models import Etablissement, Partenaire, SourceFinancement, Structure
from partenaires.tests.factories import (
    EtablissementFactory,
    PartenaireFactory,
    SourceFinancementFactory,
    StructureFactory,
)

pytestmark = pytest.mark.django_db

NOM_B = "Contrat de Brocéliande"
MOT_DE_PASSE = "ancien-mot-de-passe-solide-42"
NOUVEAU = "nouveau-mot-de-passe-pirate-77"


def _url(modele, vue, *args):
    return reverse(f"admin:{modele._meta.app_label}_{modele._meta.model_name}_{vue}", args=args)


@pytest.fixture
def contrat_b(demo):
    """Contract B, one row of each kind its admin lists, and a chef de projet of B."""
    contrat = ContratFactory(nom=NOM_B, code="broceliande")
    fiche = FicheFactory(enjeu__axe__pilier__contrat=contrat, titre="Fiche de Brocéliande")
    quartier = QuartierFactory(contrat=contrat, nom="Quartier de Brocéliande")
    indicateur = Indicateur.objects.create(
        fiche=fiche,
        enonce=EnonceIndicateurFactory(fiche=fiche, nature=NatureIndicateur.EFFET),
        code="broceliande",
        libelle="Indicateur de Brocéliande",
        nature=NatureIndicateur.EFFET,
        unite="pourcentage",
        sens="hausse",
        mode="externe",
        definition="Taux de réussite de Brocéliande",
    )
    structure = StructureFactory(contrat=contrat, nom="Structure de Brocéliande")
    structure.quartiers.set([quartier])
    chef_b = get_user_model().objects.create_user(username="chef-broceliande", password=MOT_DE_PASSE)
    connexion = {"username": chef_b.username, "ip_address": "203.0.113.9", "user_agent": "navigateur"}
    connexion.update(http_accept="text/html", path_info="/connexion/")
    objets = {
        Contrat: contrat,
        Pilier: fiche.enjeu.axe.pilier,
        Axe: fiche.enjeu.axe,
        Enjeu: fiche.enjeu,
        Fiche: fiche,
        Quartier: quartier,
        Partenaire: PartenaireFactory(contrat=contrat, nom="Partenaire de Brocéliande"),
        Structure: structure,
        Etablissement: EtablissementFactory(contrat=contrat, nom="École de Brocéliande", quartier=quartier),
        SourceFinancement: SourceFinancementFactory(contrat=contrat, libelle="Source de Brocéliande"),
        Indicateur: indicateur,
        Cible: Cible.objects.create(indicateur=indicateur, contrat=contrat, annee_scolaire="2025-2026", valeur=50),
        ValeurExterne: ValeurExterne.objects.create(
            indicateur=indicateur,
            contrat=contrat,
            quartier=quartier,
            annee_scolaire="2024-2025",
            valeur=80,
            source="Rectorat de Brocéliande",
            date_source=datetime.date(2025, 7, 1),
        ),
        Adhesion: adhesion_definir(utilisateur=chef_b, contrat=contrat, role=Role.CHEF_DE_PROJET),
        ClotureAnnee: annee_cloturer(contrat=contrat, annee=2024, auteur=chef_b),
        get_user_model(): chef_b,
        AccessAttempt: AccessAttempt.objects.create(**connexion, get_data="", post_data="", failures_since_start=3),
        AccessLog: AccessLog.objects.create(**connexion),
        AccessFailureLog: AccessFailureLog.objects.create(**connexion),
        TokenProxy: TokenProxy.objects.get(pk=Token.objects.create(user=chef_b).pk),
    }
    return objets


# How the admin of each registered model is reached by the administrator of A for a row of B.
# PARTAGE: shared by every contract (read by all, written by a superuser only).
ACCES_PAR_MODELE = {
    **dict.fromkeys(
        [
            Contrat,
            Pilier,
            Axe,
            Enjeu,
            Fiche,
            Quartier,
            Partenaire,
            Structure,
            Etablissement,
            SourceFinancement,
            Indicateur,
            Cible,
            ValeurExterne,
            Adhesion,
            ClotureAnnee,
        ],
        "contrat",
    ),
    get_user_model(): "compte d’un autre contrat",
    AccessAttempt: "compte d’un autre contrat",
    AccessLog: "compte d’un autre contrat",
    AccessFailureLog: "compte d’un autre contrat",
    TokenProxy: "compte d’un autre contrat",
    Group: "les rôles : lecture seule pour les administrateurs, écrits par comptes.services",
}


def _modeles_partages():
    return [m for m in admin.site._registry if getattr(m, "chemin_du_contrat", "") is PARTAGE]


def test_every_model_of_the_admin_says_how_it_is_scoped():
    inconnus = set(admin.site._registry) - set(ACCES_PAR_MODELE) - set(_modeles_partages())
    assert not inconnus, f"à restreindre au contrat et à ajouter à ACCES_PAR_MODELE : {inconnus}"
    for modele, modele_admin in admin.site._registry.items():
        if modele is not Group:
            assert isinstance(modele_admin, DuContrat), f"{type(modele_admin).__name__} sans DuContrat"
        for inline in modele_admin.inlines:
            assert issubclass(inline, DuContrat), f"{inline.__name__} sans DuContrat"


def _pages_d_un_objet(modele, objet):
    """Every admin URL pattern of the model that names an object: change, delete, history,
    one version of its history, password."""
    pages = {vue: _url(modele, vue, objet.pk) for vue in ("change", "delete", "history")}
    if modele is get_user_model():
        pages["password"] = _url(modele, "password_change", objet.pk)
    version = getattr(objet, "history", None)
    if version is not None and hasattr(version, "first") and version.first():
        pages["version"] = reverse(
            f"admin:{modele._meta.app_label}_{modele._meta.model_name}_simple_history",
            args=[objet.pk, version.first().history_id],
        )
    return pages


def test_the_administrator_of_a_reaches_no_row_of_b_through_any_admin_page(client_admin, contrat_b):
    for modele, objet in contrat_b.items():
        for vue, url in _pages_d_un_objet(modele, objet).items():
            attendu = {403, 404} if vue in ("history", "version") else {404}
            assert client_admin.get(url).status_code in attendu, url
            assert client_admin.post(url, {}).status_code in attendu | {405}, url
        liste = client_admin.get(_url(modele, "changelist"))
        assert liste.status_code == 200
        assert objet.pk not in {o.pk for o in liste.context["cl"].result_list}, modele
        # Neither in the rows nor in the filters (a filter on a relation lists B's values otherwise).
        assert NOM_B not in liste.content.decode(), modele


def test_a_superuser_reaches_every_contract(client, contrat_b):
    client.force_login(get_user_model().objects.create_superuser(username="technique", password="x"))
    for modele, objet in contrat_b.items():
        assert client.get(_url(modele, "change", objet.pk)).status_code == 200, modele
        liste = client.get(_url(modele, "changelist"))
        assert objet.pk in {o.pk for o in liste.context["cl"].result_list}, modele


def test_no_form_of_the_admin_offers_a_row_of_b(client_admin, contrat_b, reference):
    objets_de_b = {(type(o), o.pk) for o in contrat_b.values()}
    pages = []
    for modele in admin.site._registry:
        pages.append(_url(modele, "add"))
        objet = modele._default_manager.order_by("pk").first()
        if objet is not None and (type(objet), objet.pk) not in objets_de_b:
            pages.append(_url(modele, "change", objet.pk))
    ouvertes = 0
    for url in pages:
        reponse = client_admin.get(url)
        if reponse.status_code != 200 or "adminform" not in reponse.context:
            continue
        ouvertes += 1
        formulaires = [(reponse.context["adminform"].form, ())]
        for inline in reponse.context["inline_admin_formsets"]:
            formset = inline.formset
            # The hidden id and parent of an inline row: the row edited is looked up among the
            # parent's own, whatever id is posted.
            tenue = (formset.model._meta.pk.name, formset.fk.name)
            formulaires += [(f, tenue) for f in [*formset.forms, formset.empty_form]]
        for formulaire, tenue in formulaires:
            for nom, champ in formulaire.fields.items():
                choix = getattr(champ, "queryset", None)
                if choix is None or nom in tenue:
                    continue
                offerts = {(choix.model, pk) for pk in choix.values_list("pk", flat=True)}
                assert not offerts & objets_de_b, f"{url} propose dans « {nom} » : {offerts & objets_de_b}"
    assert ouvertes > 20


def test_a_choice_of_b_posted_by_hand_is_refused(client_admin, contrat_b, reference):
    nouveau = get_user_model().objects.create_user(username="mme-martin", password="x")
    reponse = client_admin.post(
        _url(Adhesion, "add"), {"utilisateur": nouveau.pk, "contrat": contrat_b[Contrat].pk, "role": "administrateur"}
    )
    assert "contrat" in reponse.context["adminform"].form.errors
    reponse = client_admin.post(
        _url(Quartier, "add"),
        {
            "contrat": contrat_b[Contrat].pk,
            "code": "QN09599Z",
            "nom": "Les Lilas",
            "communes": [reference.communes.first().pk],
        },
    )
    assert "contrat" in reponse.context["adminform"].form.errors
    assert not nouveau.adhesions.exists() and not Quartier.objects.filter(nom="Les Lilas").exists()


def test_what_every_contract_shares_is_read_only_for_an_administrator(client_admin):
    partages = _modeles_partages()
    assert {m._meta.model_name for m in partages} == {"commune", "thematique", "typestructure", "dispositif"}
    administrateur = get_user_model().objects.get(username="demo-admin")
    for modele in partages:
        objet = modele.objects.order_by("pk").first()
        assert client_admin.get(_url(modele, "change", objet.pk)).status_code == 200
        assert client_admin.get(_url(modele, "add")).status_code == 403
        assert client_admin.post(_url(modele, "delete", objet.pk), {"post": "yes"}).status_code == 403
        assert not administrateur.has_perm(f"{modele._meta.app_label}.change_{modele._meta.model_name}")
    assert client_admin.get(_url(Contrat, "add")).status_code == 403


class TestComptesHorsDePortee:
    """Acting on an account is acting as it: an administrator cannot reach one that can do more."""

    @pytest.fixture(params=["superutilisateur", "membre d’un autre contrat", "permissions propres"])
    def cible(self, request, demo, reference, contrat_b):
        comptes = get_user_model().objects
        if request.param == "superutilisateur":
            compte = comptes.create_superuser(username="racine", email="racine@ville.fr", password=MOT_DE_PASSE)
            # Even a member of the administrator's own contract.
            adhesion_definir(utilisateur=compte, contrat=reference, role=Role.ADMINISTRATEUR)
        elif request.param == "membre d’un autre contrat":
            compte = comptes.create_user(username="double", email="double@ville.fr", password=MOT_DE_PASSE)
            adhesion_definir(utilisateur=compte, contrat=reference, role=Role.CHEF_DE_PROJET)
            adhesion_definir(utilisateur=compte, contrat=contrat_b[Contrat], role=Role.ADMINISTRATEUR)
        else:
            compte = comptes.create_user(username="outil", email="outil@ville.fr", password=MOT_DE_PASSE)
            compte.user_permissions.add(*Group.objects.get(name="Administrateur").permissions.all()[:3])
        return compte

    def test_its_password_cannot_be_changed(self, client_admin, cible):
        reponse = client_admin.post(
            _url(get_user_model(), "password_change", cible.pk),
            {"password1": NOUVEAU, "password2": NOUVEAU, "usable_password": "true"},
        )
        assert reponse.status_code == 404
        cible.refresh_from_db()
        assert cible.check_password(MOT_DE_PASSE) and not cible.check_password(NOUVEAU)

    def test_its_email_username_activation_and_groups_cannot_be_changed(self, client_admin, cible):
        reponse = client_admin.post(
            _url(get_user_model(), "change", cible.pk),
            {"username": "pris", "email": "pirate@exemple.org", "is_active": "", "groups": []},
        )
        assert reponse.status_code == 404
        avant = (cible.username, cible.email, cible.is_active, set(cible.groups.all()))
        cible.refresh_from_db()
        assert (cible.username, cible.email, cible.is_active, set(cible.groups.all())) == avant

    def test_it_cannot_be_deleted_nor_opened_nor_listed(self, client_admin, cible):
        assert client_admin.post(_url(get_user_model(), "delete", cible.pk), {"post": "yes"}).status_code == 404
        assert client_admin.get(_url(get_user_model(), "change", cible.pk)).status_code == 404
        assert client_admin.get(_url(get_user_model(), "history", cible.pk)).status_code == 404
        liste = client_admin.get(_url(get_user_model(), "changelist")).context["cl"].result_list
        assert cible not in liste
        assert get_user_model().objects.filter(pk=cible.pk).exists()

    def test_its_memberships_cannot_be_changed_nor_given(self, client_admin, cible, reference):
        for adhesion in cible.adhesions.all():
            assert client_admin.get(_url(Adhesion, "change", adhesion.pk)).status_code == 404
            reponse = client_admin.post(
                _url(Adhesion, "change", adhesion.pk),
                {"utilisateur": cible.pk, "contrat": reference.pk, "role": "partenaire"},
            )
            assert reponse.status_code == 404
        roles = set(cible.adhesions.values_list("contrat", "role"))
        reponse = client_admin.post(
            _url(Adhesion, "add"), {"utilisateur": cible.pk, "contrat": reference.pk, "role": "partenaire"}
        )
        assert "utilisateur" in reponse.context["adminform"].form.errors
        assert set(cible.adhesions.values_list("contrat", "role")) == roles
        cible.refresh_from_db()
        assert cible.is_superuser or not cible.groups.filter(name="Partenaire").exists()

    def test_its_login_attempts_are_not_shown(self, client_admin, cible):
        tentative = AccessAttempt.objects.create(
            username=cible.username,
            ip_address="203.0.113.7",
            user_agent="navigateur",
            http_accept="text/html",
            path_info="/connexion/",
            get_data="",
            post_data="",
            failures_since_start=5,
        )
        assert client_admin.get(_url(AccessAttempt, "change", tentative.pk)).status_code == 404
        assert client_admin.post(_url(AccessAttempt, "delete", tentative.pk), {"post": "yes"}).status_code == 404
        assert AccessAttempt.objects.filter(pk=tentative.pk).exists()


def test_a_superuser_s_takeover_through_the_admin_fails_end_to_end(client, demo):
    """The probe of the issue: an administrator posts a new password for the superuser, then
    logs in as it to open what their group is refused."""
    racine = get_user_model().objects.create_superuser(username="racine", password=MOT_DE_PASSE)
    client.force_login(get_user_model().objects.get(username="demo-admin"))
    assert client.get("/admin/auth/group/add/").status_code == 403
    reponse = client.post(
        f"/admin/auth/user/{racine.pk}/password/",
        {"password1": NOUVEAU, "password2": NOUVEAU, "usable_password": "true"},
    )
    assert reponse.status_code == 404
    client.logout()
    assert not client.login(username="racine", password=NOUVEAU)


def test_an_administrator_still_manages_the_accounts_of_their_contract(client_admin):
    chef = get_user_model().objects.get(username="demo-chef")
    reponse = client_admin.post(
        _url(get_user_model(), "password_change", chef.pk),
        {"password1": NOUVEAU, "password2": NOUVEAU, "usable_password": "true"},
    )
    assert reponse.status_code == 302
    chef.refresh_from_db()
    assert chef.check_password(NOUVEAU)
    nouveau = get_user_model().objects.create_user(username="sans-adhesion", password="x")
    assert client_admin.get(_url(get_user_model(), "change", nouveau.pk)).status_code == 200
