"""One dossier walked from the draft to soldé through the pages, each step by the role whose it
is: the porteur writes and deposits it, the officer instructs it, the CAF gives its avis, the
officer decides and conventionne it (it becomes the action, with its funding), the porteur
fills and files the bilan, the officer returns it once, the porteur corrects it, the officer
validates it and settles the dossier."""

import pytest
from django.urls import reverse

from actions.models import Financement
from dossiers.enums import EtatDossier
from dossiers.models import Dossier, TransitionDossier

from .conftest import formulaire_de_bilan

pytestmark = pytest.mark.django_db


def _etape(client, dossier, nom, commentaire=""):
    reponse = client.post(
        dossier.get_absolute_url(), {"transition": nom, "commentaire": commentaire, "etat_vu": dossier.etat}
    )
    assert reponse.status_code == 302, reponse.content.decode()
    dossier.refresh_from_db()
    return dossier


def test_a_dossier_goes_from_draft_to_solde_through_the_pages_as_each_role(connecter, campagne, formulaire_complet):
    porteur = connecter("porteur")
    donnees = {k: v for k, v in formulaire_complet.items() if not k.startswith("_")}
    # A draft first, without its objectives nor its amounts: saved all the same.
    brouillon = {**donnees, "objectifs": ""}
    brouillon = {k: v for k, v in brouillon.items() if not k.startswith("montant_")}
    reponse = porteur.post(reverse("dossiers:nouveau", kwargs={"campagne": campagne.pk}), brouillon)
    assert reponse.status_code == 302, reponse.context["form"].errors
    dossier = Dossier.objects.get(titre="Ludothèque itinérante")
    assert dossier.etat == EtatDossier.BROUILLON and dossier.siret == "73282932000074"
    page = porteur.get(dossier.get_absolute_url()).content.decode()
    assert "les objectifs" in page and "le montant demandé à au moins un financeur" in page

    reponse = porteur.post(dossier.get_absolute_url(), {"transition": "deposer", "etat_vu": "brouillon"})
    assert "Le dossier n’est pas complet. Il manque : les objectifs ; le montant demandé" in reponse.content.decode()
    assert Dossier.objects.get(pk=dossier.pk).etat == EtatDossier.BROUILLON

    assert porteur.post(reverse("dossiers:modifier", kwargs={"pk": dossier.pk}), donnees).status_code == 302
    assert {(ligne.financeur.sigle, ligne.montant_demande) for ligne in dossier.lignes.select_related("financeur")} == {
        (f.sigle, m) for f, m in formulaire_complet["_montants"].items()
    }
    _etape(porteur, dossier, "deposer", "Merci de votre lecture.")

    chef = connecter("chef")
    _etape(chef, dossier, "instruire")
    partenaire = connecter("partenaire")
    assert "Donner l’avis de mon institution" in partenaire.get(dossier.get_absolute_url()).content.decode()
    _etape(partenaire, dossier, "donner_avis", "La CAF est favorable.")
    assert dossier.etat == EtatDossier.EN_INSTRUCTION

    chef = connecter("chef")
    _etape(chef, dossier, "retenir", "Retenu en comité de pilotage.")
    _etape(chef, dossier, "conventionner")
    action = dossier.action
    assert (action.titre, action.porteur_id, action.date_debut) == (
        dossier.titre,
        dossier.structure_id,
        dossier.date_debut,
    )
    assert set(action.quartiers.all()) == set(dossier.quartiers.all())
    assert {
        (f.financeur.sigle, f.source_id, f.montant_demande, f.montant_accorde)
        for f in Financement.objects.filter(action=action).select_related("financeur")
    } == {(f.sigle, campagne.source_id, m, m) for f, m in formulaire_complet["_montants"].items()}
    _etape(chef, dossier, "demarrer")

    porteur = connecter("porteur")
    reponse = porteur.post(dossier.get_absolute_url(), {"transition": "deposer_bilan", "etat_vu": "en_cours"})
    assert "Le bilan n’a pas encore été rempli" in reponse.content.decode()
    formulaire_du_bilan = reverse("dossiers:modifier_bilan", kwargs={"pk": dossier.pk})
    assert porteur.post(formulaire_du_bilan, formulaire_de_bilan(dossier, perspectives="")).status_code == 302
    reponse = porteur.post(dossier.get_absolute_url(), {"transition": "deposer_bilan", "etat_vu": "en_cours"})
    assert "Le bilan n’est pas complet. Il manque : les suites envisagées." in reponse.content.decode()
    assert porteur.post(formulaire_du_bilan, formulaire_de_bilan(dossier)).status_code == 302
    _etape(porteur, dossier, "deposer_bilan")
    chef = connecter("chef")
    assert (
        "Douze enfants ont joué chaque semaine."
        in chef.get(reverse("dossiers:bilan", args=[dossier.pk])).content.decode()
    )
    _etape(chef, dossier, "renvoyer_bilan", "Précisez les difficultés.")
    assert dossier.etat == EtatDossier.EN_COURS
    porteur = connecter("porteur")
    reponse = porteur.post(formulaire_du_bilan, formulaire_de_bilan(dossier, difficultes="Un local trop petit."))
    assert reponse.status_code == 302
    _etape(porteur, dossier, "deposer_bilan", "Bilan complété.")
    chef = connecter("chef")
    _etape(chef, dossier, "valider_bilan")
    _etape(chef, dossier, "solder")

    assert dossier.etat == EtatDossier.SOLDE
    etapes = list(TransitionDossier.objects.filter(dossier=dossier).values_list("nom", "etat_avant", "etat_apres"))
    assert [nom for nom, _, _ in etapes] == [
        "deposer", "instruire", "donner_avis", "retenir", "conventionner", "demarrer",
        "deposer_bilan", "renvoyer_bilan", "deposer_bilan", "valider_bilan", "solder",
    ]  # fmt: skip
    assert etapes[2] == ("donner_avis", "en_instruction", "en_instruction")
    page = chef.get(dossier.get_absolute_url()).content.decode()
    assert "Précisez les difficultés." in page and "La CAF est favorable." in page
