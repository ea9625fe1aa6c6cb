"""The import pages: upload, preview, confirmation, history, templates; the refusals of a file in
French next to its field; who may import what."""

import datetime
import io

import pytest
from django.contrib.auth import get_user_model
from django.core.files.uploadedfile import SimpleUploadedFile
from openpyxl import load_workbook

from actions.models import Participant, Presence
from actions.tests.factories import ParticipantFactory
from actions.tests.test_exports import un_mois_d_octobre
from demo.adhesions import STRUCTURE_DE_L_ANIMATEUR
from fiches.annees import AnneeScolaire
from fiches.tests.test_pages import REQUETES_DE_SESSION
from indicateurs.models import ValeurExterne

from ..enums import EtatImport
from ..lecture import TAILLE_MAX
from ..models import ImportTableur
from .outils import csv_francais, export_du_mois, importer, mois_d_une_structure

pytestmark = pytest.mark.django_db

AUTRE_STRUCTURE = "Association Lire et Grandir"

MOIS_CHANGE = csv_francais([["code", "15/10/2025", "22/10/2025"], ["A00001", "1", "0"], ["B00002", "1", "1"]])


def deposer(client, contenu, *, action=None, nature="presences", nom="mois.csv"):
    return client.post(
        "/imports/",
        {"nature": nature, "action": action.pk if action else "", "fichier": SimpleUploadedFile(nom, contenu)},
    )


def test_a_file_is_uploaded_previewed_then_confirmed_and_kept_in_the_history(client_connecte):
    action = un_mois_d_octobre()
    assert client_connecte.get("/imports/").status_code == 200

    reponse = deposer(client_connecte, MOIS_CHANGE, action=action)

    import_tableur = ImportTableur.objects.get()
    assert reponse.status_code == 302 and reponse["Location"] == f"/imports/{import_tableur.pk}/"
    page = client_connecte.get(reponse["Location"])
    html = page.content.decode()
    assert "no-store" in page["Cache-Control"]
    assert "Aperçu de l’import" in html and "Confirmer et enregistrer 2 lignes" in html
    assert "15/10/2025 : présent" in html
    assert not Presence.objects.filter(seance__date=datetime.date(2025, 10, 15), participant__code="A00001").exists()

    reponse = client_connecte.post(f"/imports/{import_tableur.pk}/confirmer/")

    assert reponse.status_code == 302
    assert Presence.objects.filter(seance__date=datetime.date(2025, 10, 15), participant__code="A00001").exists()
    import_tableur.refresh_from_db()
    assert (import_tableur.etat, import_tableur.nb_modifies, import_tableur.auteur.username) == (
        EtatImport.CONFIRME,
        2,
        "agent",
    )
    historique = client_connecte.get("/imports/historique/").content.decode()
    assert "mois.csv" in historique and "Présences d’un mois d’une action" in historique


@pytest.mark.parametrize(
    ("contenu", "nom", "message"),
    [
        (b"", "mois.csv", "Le fichier est vide."),
        (b"%PDF-1.7", "mois.pdf", "Ce type de fichier n’est pas lu"),
        (b"x" * (TAILLE_MAX + 1), "mois.csv", "Le fichier pèse plus de 5 Mo"),
        (b"PK\x03\x04abime", "mois.xlsx", "Ce fichier Excel ne s’ouvre pas"),
    ],
)
def test_a_file_that_cannot_be_read_is_refused_in_french_and_nothing_is_kept(client_connecte, contenu, nom, message):
    action = un_mois_d_octobre()
    reponse = deposer(client_connecte, contenu, action=action, nom=nom)
    assert reponse.status_code == 200
    assert message in reponse.content.decode()
    assert not ImportTableur.objects.exists()


def test_an_action_s_attendance_asks_for_its_action(client_connecte):
    un_mois_d_octobre()
    reponse = deposer(client_connecte, MOIS_CHANGE)
    assert "Choisissez l’action" in reponse.content.decode()


def test_a_preview_with_an_error_shows_it_in_a_table_and_cannot_be_confirmed(client_connecte):
    action = un_mois_d_octobre()
    deposer(client_connecte, csv_francais([["code", "15/10/2025"], ["A00001", "2"]]), action=action)
    import_tableur = ImportTableur.objects.get()

    html = client_connecte.get(f"/imports/{import_tableur.pk}/").content.decode()

    assert '<th scope="col">Raison</th>' in html and "valeur non reconnue" in html
    assert "Confirmer" not in html
    reponse = client_connecte.post(f"/imports/{import_tableur.pk}/confirmer/")
    assert "rien n’a été enregistré" in reponse.content.decode()
    assert ImportTableur.objects.get().etat == EtatImport.APERCU


def test_data_changed_since_the_preview_are_refused_and_the_same_file_previewed_again(client_connecte):
    action = un_mois_d_octobre()
    deposer(client_connecte, MOIS_CHANGE, action=action)
    import_tableur = ImportTableur.objects.get()
    importer(MOIS_CHANGE, action=action, nom="mois.csv")

    reponse = client_connecte.post(f"/imports/{import_tableur.pk}/confirmer/")

    assert "Les données ont changé depuis l’aperçu" in reponse.content.decode()
    reponse = client_connecte.post(f"/imports/{import_tableur.pk}/actualiser/")
    nouveau = ImportTableur.objects.filter(etat=EtatImport.APERCU).latest("pk")
    assert reponse["Location"] == f"/imports/{nouveau.pk}/"
    assert (nouveau.nb_modifies, nouveau.nb_inchanges) == (0, 2)
    assert "Le fichier ne change rien" in client_connecte.get(reponse["Location"]).content.decode()


@pytest.mark.parametrize("nature", ["presences", "inscriptions"])
def test_each_template_is_a_workbook_with_french_headers_and_a_how_to(client_connecte, nature):
    reponse = client_connecte.get(f"/imports/modeles/{nature}.xlsx")
    classeur = load_workbook(io.BytesIO(reponse.content))
    assert classeur.sheetnames == ["Présences", "Mode d’emploi"]
    assert classeur["Présences"]["A1"].value == "Code de l’enfant"


def compte(username):
    return get_user_model().objects.get(username=username)


@pytest.mark.parametrize("username", ["demo-partenaire", "demo-porteur"])
def test_partners_and_porteurs_import_nothing(client, demo, username):
    client.force_login(compte(username))
    assert client.get("/imports/").status_code == 403
    assert client.get("/imports/modeles/presences.xlsx").status_code == 403


def test_an_animateur_imports_their_structure_s_attendance_but_no_external_value(client, demo, reference):
    client.force_login(compte("demo-animateur"))
    mois_d_une_structure(reference, STRUCTURE_DE_L_ANIMATEUR)
    autre = mois_d_une_structure(reference, AUTRE_STRUCTURE, prefixe="X")
    form = client.get("/imports/").context["form"]

    assert [valeur for valeur, _ in form.fields["nature"].choices] == ["enfants", "presences", "inscriptions"]
    assert autre not in form.fields["action"].queryset
    assert client.get("/imports/modeles/valeurs.xlsx").status_code == 403
    reponse = deposer(client, export_du_mois(autre, format="csv"), action=autre)
    assert "Sélectionnez un choix valide" in reponse.content.decode()
    reponse = deposer(client, b"Fiche;Valeur\r\n", nature="valeurs")
    assert not ImportTableur.objects.exists()


def test_an_officer_imports_external_values_from_their_template(client, demo, reference):
    client.force_login(compte("demo-chef"))
    modele = client.get("/imports/modeles/valeurs.xlsx")

    reponse = deposer(client, modele.content, nature="valeurs", nom="valeurs.xlsx")

    import_tableur = ImportTableur.objects.get()
    assert reponse["Location"] == f"/imports/{import_tableur.pk}/"
    assert (import_tableur.nb_erreurs, import_tableur.nb_crees, import_tableur.nb_modifies) == (0, 0, 0)


def test_an_animateur_sees_their_own_imports_only_and_no_longer_one_of_an_action_out_of_their_scope(
    client, demo, reference
):
    animateur, chef = compte("demo-animateur"), compte("demo-chef")
    action = mois_d_une_structure(reference, STRUCTURE_DE_L_ANIMATEUR)
    autre = mois_d_une_structure(reference, AUTRE_STRUCTURE, prefixe="X")
    import_du_chef, _ = importer(export_du_mois(action), action=action)
    import_du_chef.auteur = chef
    import_du_chef.save()
    client.force_login(animateur)

    assert client.get(f"/imports/{import_du_chef.pk}/").status_code == 404
    import_du_chef.auteur = animateur
    import_du_chef.save()
    assert client.get(f"/imports/{import_du_chef.pk}/").status_code == 200
    import_du_chef.action = autre
    import_du_chef.save()
    assert client.get(f"/imports/{import_du_chef.pk}/").status_code == 404


# The preview page: the import with its author and action, the action checked in scope.
REQUETES_APERCU = REQUETES_DE_SESSION + 2
# The history: its page of imports and their count.
REQUETES_HISTORIQUE = REQUETES_DE_SESSION + 2


@pytest.mark.parametrize("fois", [1, 10])
def test_the_preview_and_the_history_cost_the_same_queries_when_the_data_grow(
    client_connecte, django_assert_num_queries, fois
):
    action = un_mois_d_octobre()
    for _ in range(fois):
        deposer(client_connecte, MOIS_CHANGE, action=action)
    import_tableur = ImportTableur.objects.latest("pk")
    with django_assert_num_queries(REQUETES_APERCU):
        client_connecte.get(f"/imports/{import_tableur.pk}/")
    for apercu in ImportTableur.objects.all():
        apercu.etat = EtatImport.CONFIRME
        apercu.save()
    with django_assert_num_queries(REQUETES_HISTORIQUE):
        client_connecte.get("/imports/historique/")


def test_an_officer_corrects_an_external_value_through_its_template(client, demo, reference):
    client.force_login(compte("demo-chef"))
    classeur = load_workbook(io.BytesIO(client.get("/imports/modeles/valeurs.xlsx").content))
    feuille = classeur["Valeurs externes"]
    nouvelle = 2 if feuille["G2"].value == 1 else 1
    feuille["G2"] = nouvelle
    tampon = io.BytesIO()
    classeur.save(tampon)
    deposer(client, tampon.getvalue(), nature="valeurs", nom="valeurs.xlsx")
    import_tableur = ImportTableur.objects.get()
    assert (import_tableur.nb_modifies, import_tableur.nb_erreurs) == (1, 0), import_tableur.resultat

    assert client.post(f"/imports/{import_tableur.pk}/confirmer/").status_code == 302
    assert ValeurExterne.objects.filter(valeur=nouvelle, version=1).count() == 1


def test_an_animateur_enrols_children_of_their_structure_from_a_file(client, demo, reference):
    client.force_login(compte("demo-animateur"))
    action = mois_d_une_structure(reference, STRUCTURE_DE_L_ANIMATEUR)
    enfant = ParticipantFactory(structure=action.porteur, code="N00004")
    deposer(
        client, csv_francais([["code", "Inscrit le"], ["N00004", "12/10/2025"]]), nature="inscriptions", action=action
    )
    import_tableur = ImportTableur.objects.get()

    assert client.post(f"/imports/{import_tableur.pk}/confirmer/").status_code == 302
    assert action.inscriptions.filter(participant=enfant, date_inscription=datetime.date(2025, 10, 12)).exists()


def test_the_children_s_template_is_the_export_s_columns_with_the_duplicate_column_and_a_how_to(client_connecte):
    classeur = load_workbook(io.BytesIO(client_connecte.get("/imports/modeles/enfants.xlsx").content))

    assert classeur.sheetnames == ["Enfants", "Mode d’emploi"]
    entetes = [cellule.value for cellule in classeur["Enfants"][1]]
    assert entetes[0] == "Code de l’enfant" and entetes[-1] == "Autre enfant au même profil"
    assert any("« oui »" in (ligne[1].value or "") for ligne in classeur["Mode d’emploi"].iter_rows())


@pytest.mark.parametrize("format", ["xlsx", "csv"])
def test_an_officer_imports_the_children_s_export_back_and_nothing_changes(client, demo, reference, format):
    client.force_login(compte("demo-chef"))
    mois_d_une_structure(reference, STRUCTURE_DE_L_ANIMATEUR)
    export = client.get(f"/participants/export/?format={format}")

    deposer(client, export.content, nature="enfants", nom=f"enfants.{format}")

    import_tableur = ImportTableur.objects.get()
    assert (import_tableur.nb_erreurs, import_tableur.nb_crees, import_tableur.nb_modifies) == (0, 0, 0)
    assert import_tableur.nb_inchanges == Participant.objects.count() > 0


def test_an_animateur_creates_a_child_of_their_structure_only(client, demo, reference):
    client.force_login(compte("demo-animateur"))
    annee = AnneeScolaire.courante().annee_de_rentree - 9
    entetes = ["Sexe", "Année de naissance", "Niveau scolaire", "Structure qui le suit"]
    deposer(client, csv_francais([entetes, ["Fille", annee, "CM1", AUTRE_STRUCTURE]]), nature="enfants", nom="e.csv")
    refuse = ImportTableur.objects.get()
    assert refuse.resultat["erreurs"][0][:2] == [2, "Structure qui le suit"]
    assert client.post(f"/imports/{refuse.pk}/confirmer/").status_code == 200
    avant = Participant.objects.count()

    deposer(
        client,
        csv_francais([entetes, ["Fille", annee, "CM1", STRUCTURE_DE_L_ANIMATEUR]]),
        nature="enfants",
        nom="e.csv",
    )
    import_tableur = ImportTableur.objects.latest("pk")

    assert client.post(f"/imports/{import_tableur.pk}/confirmer/").status_code == 302
    assert Participant.objects.count() == avant + 1
    assert Participant.objects.latest("cree_le").structure.nom == STRUCTURE_DE_L_ANIMATEUR
