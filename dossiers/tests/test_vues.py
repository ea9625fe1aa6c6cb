"""The pages: who sees which dossiers, what a refusal looks like, what the forms refuse, and
how many queries a list costs as it grows."""

import re

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from actions.tests.navigateur import formulaire, texte
from comptes.enums import Role
from comptes.services import adhesion_definir
from demo.dossiers import TITRES
from dossiers.enums import EtatDossier
from dossiers.models import Campagne, Dossier, TransitionDossier
from dossiers.services import dossier_enregistrer
from fiches.models import RealisationAttendue
from partenaires.models import Partenaire

from .conftest import dossier_en

pytestmark = pytest.mark.django_db


def _titres(reponse):
    return {dossier.titre for dossier in reponse.context["page"]}


def test_each_role_lists_the_dossiers_its_scope_gives(connecter, campagne, comptes, reference):
    tous = set(TITRES.values())
    assert _titres(connecter("porteur").get(reverse("dossiers:liste"))) == tous
    # A draft is the porteur's until deposited.
    assert _titres(connecter("chef").get(reverse("dossiers:liste"))) == tous - {TITRES[EtatDossier.BROUILLON]}
    # Every demo dossier asks the CAF: one that does not is not the CAF's to see.
    depose = dossier_en(EtatDossier.DEPOSE)
    depose.lignes.filter(financeur__sigle="CAF").delete()
    assert _titres(connecter("partenaire").get(reverse("dossiers:liste"))) == tous - {
        TITRES[EtatDossier.BROUILLON],
        TITRES[EtatDossier.DEPOSE],
    }
    assert connecter("partenaire").get(depose.get_absolute_url()).status_code == 404
    assert connecter("chef").get(dossier_en(EtatDossier.BROUILLON).get_absolute_url()).status_code == 404
    autre = reference.structures.exclude(nom=depose.structure.nom).first()
    adhesion_definir(utilisateur=comptes["porteur"], contrat=reference, role=Role.PORTEUR, structures=[autre])
    assert _titres(connecter("porteur").get(reverse("dossiers:liste"))) == set()
    assert connecter("porteur").get(depose.get_absolute_url()).status_code == 404


def test_the_partner_reads_its_own_line_of_the_budget_and_its_own_avis_only(connecter, campagne, reference):
    dossier = dossier_en(EtatDossier.EN_INSTRUCTION)
    anct = Partenaire.objects.get(contrat=reference, sigle="ANCT")
    TransitionDossier.objects.create(
        dossier=dossier, nom="donner_avis", etat_avant="en_instruction", etat_apres="en_instruction",
        partenaire=anct, commentaire="Avis réservé de l’ANCT.",
    )  # fmt: skip
    page = connecter("partenaire").get(dossier.get_absolute_url()).content.decode()
    assert "Avis favorable" in page and "Avis réservé de l’ANCT." not in page
    assert "Caisse d’allocations familiales" in page and "Agence nationale de la cohésion" not in page
    assert "Avis réservé de l’ANCT." in connecter("chef").get(dossier.get_absolute_url()).content.decode()


def test_a_refused_step_is_said_on_the_page_and_nothing_is_written(connecter, campagne):
    dossier = dossier_en(EtatDossier.EN_INSTRUCTION)
    reponse = connecter("chef").post(
        dossier.get_absolute_url(), {"transition": "refuser", "commentaire": "", "etat_vu": "en_instruction"}
    )
    assert reponse.status_code == 200
    assert "« Refuser » demande un commentaire : dites pourquoi." in reponse.content.decode()
    reponse = connecter("porteur").post(
        dossier.get_absolute_url(), {"transition": "retenir", "commentaire": "", "etat_vu": "en_instruction"}
    )
    assert "Votre rôle ne permet pas de faire « Retenir » sur ce dossier." in reponse.content.decode()
    assert Dossier.objects.get(pk=dossier.pk).etat == EtatDossier.EN_INSTRUCTION
    assert not dossier.transitions.filter(nom__in=["refuser", "retenir"]).exists()


def test_the_buttons_are_the_transitions_the_role_may_run(connecter, campagne):
    dossier = dossier_en(EtatDossier.EN_INSTRUCTION)
    boutons = {role: [nom for nom, _ in connecter(role).get(dossier.get_absolute_url()).context["transitions"]]
               for role in ["chef", "partenaire", "porteur"]}  # fmt: skip
    assert sorted(boutons["chef"]) == ["ajourner", "refuser", "retenir"]
    assert boutons["partenaire"] == ["donner_avis"]
    assert boutons["porteur"] == []


@pytest.mark.parametrize(
    ("champ", "valeur", "message"),
    [
        ("siret", "73282932000075", "Ce numéro SIRET n’existe pas : sa clé de contrôle est fausse."),
        ("siret", "7328293200", "Un numéro SIRET compte 14 chiffres"),
        ("rna", "W12345", "Un numéro RNA s’écrit W suivi de 9 chiffres"),
        ("date_fin", "01/01/2020", "La date de fin précède la date de début."),
    ],
)
def test_the_dossier_form_refuses_a_wrong_number_next_to_its_field(
    connecter, formulaire_complet, campagne, champ, valeur, message
):
    donnees = {k: v for k, v in formulaire_complet.items() if not k.startswith("_")} | {champ: valeur}
    reponse = connecter("porteur").post(reverse("dossiers:nouveau", kwargs={"campagne": campagne.pk}), donnees)
    assert reponse.status_code == 200
    assert any(message in erreur for erreur in reponse.context["form"].errors[champ]), reponse.context["form"].errors
    assert not Dossier.objects.filter(titre="Ludothèque itinérante").exists()


def test_a_deposited_dossier_is_no_longer_edited(connecter, campagne):
    dossier = dossier_en(EtatDossier.DEPOSE)
    reponse = connecter("porteur").post(
        reverse("dossiers:modifier", kwargs={"pk": dossier.pk}),
        {"titre": "Autre titre", "structure": dossier.structure_id},
    )
    assert "Ce dossier est « Déposé » : seul un brouillon se modifie." in reponse.content.decode()
    assert Dossier.objects.get(pk=dossier.pk).titre == TITRES[EtatDossier.DEPOSE]


def test_a_campaign_is_created_with_its_envelopes_by_the_officer(connecter, campagne, reference):
    caf = Partenaire.objects.get(contrat=reference, sigle="CAF")
    fiche = campagne.fiches.get()
    reponse = connecter("chef").post(
        reverse("dossiers:nouvelle_campagne"),
        {
            "intitule": "Appel à projets été",
            "annee_scolaire": campagne.annee_scolaire,
            "ouverture": "01/03/2027",
            "cloture": "31/03/2027",
            "fiches": [fiche.pk],
            "source": campagne.source_id,
            f"enveloppe_{caf.pk}": "10 000",
        },
    )
    assert reponse.status_code == 302
    nouvelle = reference.campagnes.get(intitule="Appel à projets été")
    assert [(e.financeur, e.montant) for e in nouvelle.enveloppes.all()] == [(caf, 10000)]


@pytest.mark.parametrize("role", ["chef", "porteur", "partenaire"])
def test_the_list_and_a_dossier_cost_the_same_queries_with_more_dossiers(
    connecter, campagne, comptes, django_assert_num_queries, role
):
    """A list page and a dossier with its history: more dossiers and more avis, the same queries."""
    client = connecter(role)
    modele = dossier_en(EtatDossier.EN_INSTRUCTION)

    def requetes(url):
        with CaptureQueriesContext(connection) as capture:
            assert client.get(url).status_code == 200
        return len(capture)

    avant = requetes(reverse("dossiers:liste")), requetes(modele.get_absolute_url())
    for rang in range(5):
        dossier = dossier_enregistrer(
            campagne=campagne,
            auteur=comptes["porteur"],
            donnees={"titre": f"Projet {rang}", "structure": modele.structure},
            montants={ligne.financeur: ligne.montant_demande for ligne in modele.lignes.select_related("financeur")},
        )
        Dossier.objects.filter(pk=dossier.pk).update(etat=EtatDossier.EN_INSTRUCTION)
        TransitionDossier.objects.create(
            dossier=modele, nom="donner_avis", etat_avant="en_instruction", etat_apres="en_instruction",
            auteur=comptes["partenaire"], partenaire=modele.lignes.get(financeur__sigle="CAF").financeur,
            commentaire=f"Avis {rang}",
        )  # fmt: skip
    with django_assert_num_queries(avant[0]):
        client.get(reverse("dossiers:liste"))
    with django_assert_num_queries(avant[1]):
        client.get(modele.get_absolute_url())


def test_an_envelope_a_dossier_asks_is_not_removed(connecter, campagne, reference):
    anct = Partenaire.objects.get(contrat=reference, sigle="ANCT")
    url = reverse("dossiers:modifier_campagne", kwargs={"pk": campagne.pk})
    donnees = formulaire(connecter("chef").get(url), "intitule") | {f"enveloppe_{anct.pk}": ""}
    reponse = connecter("chef").post(url, donnees)
    assert "Des dossiers sollicitent déjà ces financeurs : Agence nationale de la cohésion des territoires" in (
        texte(reponse)
    )
    assert campagne.enveloppes.filter(financeur=anct).exists()


def test_a_dossier_s_realisations_are_those_of_its_fiche(connecter, campagne, formulaire_complet):
    """Réalisations without their fiche (the reference has one fiche: the campaign's) are refused."""
    donnees = {k: v for k, v in formulaire_complet.items() if not k.startswith("_")} | {"fiche": ""}
    code = RealisationAttendue.objects.get(pk=donnees["realisations"][0]).code
    reponse = connecter("porteur").post(reverse("dossiers:nouveau", kwargs={"campagne": campagne.pk}), donnees)
    assert reponse.context["form"].errors["realisations"] == [
        f"Choisissez les réalisations de la fiche du dossier : {code} n’en sont pas."
    ]
    assert not Dossier.objects.filter(titre="Ludothèque itinérante").exists()


def test_the_list_filters_by_campaign_state_and_structure(connecter, campagne):
    client = connecter("chef")
    assert _titres(client.get(reverse("dossiers:liste"), {"etat": "en_cours"})) == {TITRES[EtatDossier.EN_COURS]}
    structure = dossier_en(EtatDossier.DEPOSE).structure_id
    assert len(_titres(client.get(reverse("dossiers:liste"), {"structure": structure, "campagne": campagne.pk}))) == 10


@pytest.mark.parametrize("role", ["chef", "porteur"])
def test_the_campaign_pages_cost_the_same_queries_with_more_campaigns(
    connecter, campagne, django_assert_num_queries, role
):
    client = connecter(role)
    with CaptureQueriesContext(connection) as capture:
        client.get(reverse("dossiers:campagnes"))
    for rang in range(3):
        copie = Campagne.objects.create(
            contrat=campagne.contrat, intitule=f"Appel {rang}", annee_scolaire=campagne.annee_scolaire,
            ouverture=campagne.ouverture, cloture=campagne.cloture, source=campagne.source,
        )  # fmt: skip
        copie.fiches.set(campagne.fiches.all())
        for enveloppe in campagne.enveloppes.all():
            copie.enveloppes.create(financeur_id=enveloppe.financeur_id, montant=enveloppe.montant)
    with django_assert_num_queries(len(capture)):
        reponse = client.get(reverse("dossiers:campagnes"))
    assert len(reponse.context["campagnes"]) == 4


def test_the_siret_field_takes_a_number_pasted_with_its_spaces(connecter, campagne):
    """The browser cuts what is typed at the input's maxlength: a SIRET copied as the INSEE prints
    it (« 732 829 320 00074 », 17 characters) must fit whole, the form drops the spaces."""
    page = connecter("porteur").get(reverse("dossiers:nouveau", kwargs={"campagne": campagne.pk})).content.decode()
    champ = re.search(r'<input[^>]*name="siret"[^>]*>', page)[0]
    assert 'maxlength="17"' in champ
