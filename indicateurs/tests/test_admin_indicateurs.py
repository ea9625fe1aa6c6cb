"""The indicator admin: a computed indicator is made by choosing a registered calculation, and
nothing an administrator enters answers 500, on the admin or on the dashboards."""

import pytest
from django.contrib.auth import get_user_model
from django.urls import reverse

from demo.fiche_fictive import charger_fiche_fictive
from fiches.models import Fiche
from indicateurs.models import Indicateur

pytestmark = pytest.mark.django_db

AJOUTER = reverse("admin:indicateurs_indicateur_add")


@pytest.fixture
def fictive(demo, reference):
    return charger_fiche_fictive(contrat=reference)


def _donnees(fiche, **champs):
    enonce = fiche.enonces_indicateurs.order_by("pk").first()
    return {
        "fiche": fiche.pk,
        "enonce": enonce.pk,
        "mode": "calcule",
        "calcul": "",
        "code": "",
        "libelle": "Indicateur ajouté",
        "nature": "realisation",
        "unite": "nombre",
        "sens": "hausse",
        "definition": "Ajouté dans l’administration.",
        "niveau": "contrat",
        "frequence": "annuelle",
        "valeur_reference": "",
        "annee_reference": "",
        "ordre": "50",
        "cibles-TOTAL_FORMS": "0",
        "cibles-INITIAL_FORMS": "0",
        "cibles-MIN_NUM_FORMS": "0",
        "cibles-MAX_NUM_FORMS": "1000",
        **champs,
    }


def _erreurs(reponse):
    assert reponse.status_code == 200, "refused on the form, not a 500 nor a save"
    formulaire = reponse.context["adminform"].form
    return {champ: list(messages) for champ, messages in formulaire.errors.items()}


def test_a_computed_indicator_is_created_by_choosing_a_registered_calculation(client_admin, fictive):
    formulaire = client_admin.get(AJOUTER).context["adminform"].form
    choix = dict(formulaire.fields["calcul"].choices)
    assert choix["taux_assiduite"] == "Taux d’assiduité (taux_assiduite)" and "nb_inconnu" not in choix

    reponse = client_admin.post(AJOUTER, _donnees(fictive, calcul="taux_assiduite", code="ignore-moi"))

    assert reponse.status_code == 302
    cree = Indicateur.objects.get(fiche=fictive, libelle="Indicateur ajouté")
    assert cree.code == "taux_assiduite" and cree.mode == "calcule"
    html = client_admin.get(f"/indicateurs/fiches/{fictive.code}/").content.decode()
    assert 'id="indicateur-taux_assiduite"' in html
    modifier = client_admin.get(reverse("admin:indicateurs_indicateur_change", args=[cree.pk]))
    assert modifier.context["adminform"].form["calcul"].value() == "taux_assiduite"


def test_a_computed_indicator_without_a_calculation_is_refused_next_to_the_field(client_admin, fictive):
    avant = Indicateur.objects.count()

    sans = _erreurs(client_admin.post(AJOUTER, _donnees(fictive, code="nb_inconnu")))

    assert sans == {"calcul": ["Choisissez le calcul de cet indicateur calculé."]}
    externe = _erreurs(client_admin.post(AJOUTER, _donnees(fictive, mode="externe", calcul="nb_actions", code="x")))
    assert externe == {"calcul": ["Seul un indicateur calculé a un calcul : laissez ce champ vide."]}
    sans_code = _erreurs(client_admin.post(AJOUTER, _donnees(fictive, mode="externe")))
    assert sans_code == {"code": ["Donnez un code à cette valeur externe."]}
    assert Indicateur.objects.count() == avant


def test_a_code_is_unique_within_its_fiche_not_across_fiches(client_admin, fictive, reference):
    fiche = Fiche.objects.get(code="1.2.3")
    avant = Indicateur.objects.count()

    calcule = _erreurs(client_admin.post(AJOUTER, _donnees(fiche, calcul="nb_actions")))
    externe = _erreurs(client_admin.post(AJOUTER, _donnees(fiche, mode="externe", code="nb_decrocheurs")))

    assert calcule == externe == {"__all__": ["Cette fiche a déjà un indicateur de ce code."]}
    assert Indicateur.objects.count() == avant
    # The same code in the fictional fiche: its own indicator.
    assert client_admin.post(AJOUTER, _donnees(fictive, mode="externe", code="nb_decrocheurs")).status_code == 302
    assert set(Indicateur.objects.filter(code="nb_decrocheurs").values_list("fiche__code", flat=True)) == {
        "1.2.3",
        "D.1",
    }
    for code_fiche in ("1.2.3", "D.1"):
        assert client_admin.get(f"/indicateurs/fiches/{code_fiche}/definitions/nb_decrocheurs/").status_code == 200
    assert client_admin.get("/indicateurs/").status_code == 200


def test_a_statement_of_another_fiche_is_refused(client_admin, fictive, reference):
    autre = Fiche.objects.get(code="1.2.3").enonces_indicateurs.first()

    erreurs = _erreurs(client_admin.post(AJOUTER, _donnees(fictive, calcul="frequentation", enonce=autre.pk)))

    assert erreurs == {"enonce": ["Choisissez un indicateur de la fiche de cette mesure."]}


def test_a_computed_indicator_with_no_calculation_made_behind_the_admin_breaks_no_page(client, demo, reference):
    """One written before calculations were chosen from the registry, or by hand in the database."""
    nb_actions = Indicateur.objects.get(fiche__code="1.2.3", code="nb_actions")
    Indicateur.objects.create(
        fiche=nb_actions.fiche,
        enonce=nb_actions.enonce,
        code="nb_inconnu",
        libelle="Sans calcul",
        nature="realisation",
        unite="nombre",
        sens="hausse",
        mode="calcule",
        definition="Écrit à la main.",
        ordre=1,
    )
    for role in ("demo-chef", "demo-partenaire", "demo-animateur"):
        client.force_login(get_user_model().objects.get(username=role))
        for adresse in (
            "/indicateurs/",
            "/indicateurs/fiches/1.2.3/",
            "/indicateurs/fiches/1.2.3/definitions/nb_inconnu/",
        ):
            assert client.get(adresse, follow=True).status_code == 200, (role, adresse)
