import pytest
from django.contrib import admin
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group
from django.core.exceptions import ValidationError
from django.urls import reverse

from dossiers.services import annee_cloturer
from fiches.enums import Rubrique
from fiches.models import ClotureAnnee, Contrat, Fiche, LienFiche, ParagrapheFiche, Quartier
from partenaires.models import Etablissement, Structure
from partenaires.tests.factories import PartenaireFactory

from .factories import AxeFactory, QuartierFactory

pytestmark = pytest.mark.django_db

MODELES = sorted(admin.site._registry, key=lambda m: m._meta.label)


def _url(modele, vue, *args):
    return reverse(f"admin:{modele._meta.app_label}_{modele._meta.model_name}_{vue}", args=args)


@pytest.mark.parametrize("modele", MODELES, ids=lambda m: m._meta.label)
def test_every_admin_page_opens_for_an_administrator(client_admin, modele):
    administrateur = get_user_model().objects.get(username="demo-admin")
    peut_ajouter = administrateur.has_perm(f"{modele._meta.app_label}.add_{modele._meta.model_name}")
    pages = [
        (_url(modele, "changelist"), 200),
        (_url(modele, "changelist") + "?q=a", 200),
        (_url(modele, "add"), 200 if peut_ajouter else 403),
    ]
    if modele is ClotureAnnee:
        # The demo fixture leaves every year open, for the tests that write into them.
        annee_cloturer(contrat=Contrat.objects.order_by("pk").first(), annee=2024, auteur=administrateur)
    # Login attempts are only logged by django-axes: the demo has none.
    if modele._meta.app_label != "axes":
        objet = modele.objects.order_by("pk").first()
        assert objet is not None, f"la démonstration ne crée aucun {modele._meta.verbose_name}"
        pages += [(_url(modele, "change", objet.pk), 200), (_url(modele, "history", objet.pk), 200)]
    for url, attendu in pages:
        assert client_admin.get(url).status_code == attendu, url


def test_an_administrator_cannot_make_anyone_superuser_nor_edit_roles(client_admin):
    compte = get_user_model().objects.get(username="demo-chef")
    formulaire = client_admin.get(_url(get_user_model(), "change", compte.pk)).context["adminform"].form
    assert "is_superuser" not in formulaire.fields
    assert "user_permissions" not in formulaire.fields
    # The role's group and the staff flag follow the membership (Adhésions), never set by hand.
    assert "groups" not in formulaire.fields and "is_staff" not in formulaire.fields
    assert client_admin.get(_url(Group, "add")).status_code == 403


def test_admin_speaks_french_even_to_an_english_browser(client_admin):
    html = client_admin.get(_url(Fiche, "changelist"), HTTP_ACCEPT_LANGUAGE="en-US,en;q=0.9").content.decode()
    assert "Sélectionnez" in html and "Rechercher" in html


def test_admin_is_closed_to_other_roles(client, demo):
    client.force_login(get_user_model().objects.get(username="demo-chef"))
    reponse = client.get("/admin/")
    assert reponse.status_code == 302 and reponse["Location"].startswith("/admin/login/")


def test_a_school_with_a_wrong_uai_is_refused_next_to_the_field(client_admin, reference):
    reponse = client_admin.post(
        _url(Etablissement, "add"),
        {
            "uai": "0751234K",
            "contrat": reference.pk,
            "nom": "École des Lilas",
            "type": "ecole_elementaire",
            "education_prioritaire": "rep",
            "commune": reference.communes.first().pk,
        },
    )
    assert reponse.status_code == 200
    erreurs = reponse.context["adminform"].form.errors
    assert "elle doit être J" in erreurs["uai"][0]
    assert not Etablissement.objects.filter(nom="École des Lilas").exists()


def test_a_quartier_with_a_malformed_code_is_refused(client_admin, reference):
    reponse = client_admin.post(
        _url(Quartier, "add"),
        {"contrat": reference.pk, "code": "QN751M", "nom": "Les Lilas", "communes": [reference.communes.first().pk]},
    )
    assert "n’est pas un code de quartier prioritaire" in reponse.context["adminform"].form.errors["code"][0]
    assert not Quartier.objects.filter(nom="Les Lilas").exists()


def _formulaire_de_fiche(client, fiche):
    """The fiche's change form as the browser would send it back, inlines included."""
    contexte = client.get(_url(Fiche, "change", fiche.pk)).context
    formulaire = contexte["adminform"].form
    donnees = {nom: formulaire.initial[nom] for nom in ("enjeu", "code", "titre", "ordre")}
    for nom in ("partenaires", "types_acteurs", "dispositifs", "sources_financement"):
        donnees[nom] = [objet.pk for objet in formulaire.initial[nom]]
    for inline in contexte["inline_admin_formsets"]:
        formset = inline.formset
        donnees.update({f"{formset.prefix}-{k}": v for k, v in formset.management_form.initial.items()})
        for index, form in enumerate(formset.forms):
            for nom, champ in form.fields.items():
                valeur = form.initial.get(nom, champ.initial)
                if valeur is not None:
                    donnees[f"{formset.prefix}-{index}-{nom}"] = getattr(valeur, "pk", valeur)
    return donnees


def test_editing_a_fiche_with_one_bad_bullet_saves_nothing(client_admin):
    fiche = Fiche.objects.get(code="1.2.3")
    donnees = _formulaire_de_fiche(client_admin, fiche)
    donnees["titre"] = "Titre modifié"
    donnees["paragraphes-0-texte"] = ""  # a bullet emptied by mistake

    reponse = client_admin.post(_url(Fiche, "change", fiche.pk), donnees)

    assert reponse.status_code == 200
    assert "Ce champ est obligatoire." in reponse.content.decode()
    fiche.refresh_from_db()
    assert fiche.titre != "Titre modifié"
    assert ParagrapheFiche.objects.filter(fiche=fiche, texte="").count() == 0


def test_editing_a_fiche_reorders_its_bullets_and_keeps_the_history(client_admin):
    fiche = Fiche.objects.get(code="1.2.3")
    donnees = _formulaire_de_fiche(client_admin, fiche)
    # The two context bullets swap places.
    index = {donnees[f"paragraphes-{i}-id"]: i for i in range(int(donnees["paragraphes-TOTAL_FORMS"]))}
    premier, second = ParagrapheFiche.objects.filter(fiche=fiche, rubrique=Rubrique.CONTEXTE).order_by("ordre")
    donnees[f"paragraphes-{index[premier.pk]}-ordre"] = 2
    donnees[f"paragraphes-{index[second.pk]}-ordre"] = 1

    reponse = client_admin.post(_url(Fiche, "change", fiche.pk), donnees)

    assert reponse.status_code == 302, reponse.context["errors"] if reponse.context else ""
    ordre = ParagrapheFiche.objects.filter(fiche=fiche, rubrique=Rubrique.CONTEXTE).order_by("ordre")
    assert list(ordre) == [second, premier]
    derniere = premier.history.first()
    assert derniere.history_user.username == "demo-admin"


def test_a_link_to_an_axe_of_another_contract_or_with_another_code_is_refused(reference):
    fiche = Fiche.objects.get(code="1.2.3")
    lien = LienFiche(fiche=fiche, niveau="axe", code="T.2", libelle="Jeunesse", axe=AxeFactory(code="T.2"))
    with pytest.raises(ValidationError) as erreur:
        lien.full_clean()
    assert erreur.value.message_dict["axe"] == ["Cet élément appartient à un autre contrat que la fiche."]
    lien.axe = fiche.liens.get(code="T.3").axe
    with pytest.raises(ValidationError, match="ne correspond pas au code du lien"):
        lien.full_clean()
    lien.niveau = "enjeu"
    with pytest.raises(ValidationError, match="ne pointe pas vers un axe"):
        lien.full_clean()


def test_a_fiche_cannot_mobilise_the_partner_of_another_contract(client_admin, client):
    fiche = Fiche.objects.get(code="1.2.3")
    donnees = _formulaire_de_fiche(client_admin, fiche)
    etranger = PartenaireFactory(nom="CAF d’ailleurs")
    donnees["partenaires"] = [*donnees["partenaires"], etranger.pk]
    # The contract's administrator is not even offered it (fiches.administration)...
    reponse = client_admin.post(_url(Fiche, "change", fiche.pk), donnees)
    assert "n’en fait pas partie" in reponse.context["adminform"].form.errors["partenaires"][0]
    # ...and a superuser, who sees every contract, is told why.
    client.force_login(get_user_model().objects.create_superuser(username="technique", password="x"))
    reponse = client.post(_url(Fiche, "change", fiche.pk), donnees)
    assert "autre contrat que la fiche : CAF d’ailleurs" in reponse.context["adminform"].form.errors["partenaires"][0]
    assert not fiche.partenaires.filter(pk=etranger.pk).exists()


def test_a_fiche_code_that_would_break_its_url_is_refused(client_admin):
    fiche = Fiche.objects.get(code="1.2.3")
    donnees = {**_formulaire_de_fiche(client_admin, fiche), "code": "1/2"}
    reponse = client_admin.post(_url(Fiche, "change", fiche.pk), donnees)
    assert "Code attendu" in reponse.context["adminform"].form.errors["code"][0]


def test_two_fiches_of_one_contract_cannot_share_a_code(client_admin):
    fiche = Fiche.objects.get(code="1.2.3")
    donnees = {**_formulaire_de_fiche(client_admin, fiche), "code": "1.2.2"}
    reponse = client_admin.post(_url(Fiche, "change", fiche.pk), donnees)
    assert reponse.context["adminform"].form.errors["code"] == [
        "Une autre fiche de ce contrat porte déjà le code 1.2.2."
    ]


def test_a_structure_stays_in_its_contract_and_its_quartiers_are_still_checked(client_admin, client, reference):
    structure = Structure.objects.filter(contrat=reference).first()
    formulaire = client_admin.get(_url(Structure, "change", structure.pk)).context["adminform"].form
    # Its actions answer the contract's fiches and its children count there: the contract is shown, not offered.
    assert "contrat" not in formulaire.fields
    ailleurs = QuartierFactory()
    assert ailleurs not in formulaire.fields["quartiers"].queryset
    # A superuser is offered every contract's quartiers: the form still refuses another one's.
    client.force_login(get_user_model().objects.create_superuser(username="technique", password="x"))
    reponse = client.post(
        _url(Structure, "change", structure.pk),
        {
            "nom": structure.nom,
            "type": structure.type_id,
            "commune": structure.commune_id,
            "quartiers": [ailleurs.pk],
            "active": "on",
        },
    )
    assert reponse.status_code == 200
    assert "appartiennent à un autre contrat" in reponse.context["adminform"].form.errors["quartiers"][0]
    assert not structure.quartiers.filter(pk=ailleurs.pk).exists()
