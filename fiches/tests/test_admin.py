import pytest
from django.contrib import admin
from django.contrib.auth import get_user_model
from django.urls import reverse

from fiches.enums import Rubrique
from fiches.models import Fiche, ParagrapheFiche, Quartier
from partenaires.models import Etablissement

pytestmark = pytest.mark.django_db

MODELES = sorted(admin.site._registry, key=lambda m: m._meta.label)


def _url(modele, vue, *args):
    return reverse(f"admin:{modele._meta.app_label}_{modele._meta.model_name}_{vue}", args=args)


@pytest.mark.parametrize("modele", MODELES, ids=lambda m: m._meta.label)
def test_every_admin_page_opens_for_an_administrator(client_admin, modele):
    objet = modele.objects.order_by("pk").first()
    assert objet is not None, f"la démonstration ne crée aucun {modele._meta.verbose_name}"
    for url in [
        _url(modele, "changelist"),
        _url(modele, "changelist") + "?q=a",
        _url(modele, "add"),
        _url(modele, "change", objet.pk),
        _url(modele, "history", objet.pk),
    ]:
        assert client_admin.get(url).status_code == 200, url


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
