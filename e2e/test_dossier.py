"""A dossier of the appel à projets walked in Chromium from the draft to soldé, each step by the
person whose step it is, each in their own browser: the porteur writes a draft, completes and
deposits it; the chef de projet puts it in instruction; the CAF's partner gives its avis; the
chef retains it and conventionne it, which makes it the action; the porteur files the bilan;
the chef returns it once with a comment, the porteur files it again, the chef validates it and
settles the dossier. The history then tells each step, by whom."""

import re

from django.urls import reverse

from dossiers.enums import EtatDossier
from dossiers.models import Campagne, Dossier

from .conftest import ARTEFACTS
from .outils import se_connecter

TITRE = "Club des petits journalistes (e2e)"


def _champ(page, libelle):
    return page.get_by_label(re.compile(rf"^\s*{re.escape(libelle)}\s*\*?\s*$"))


def _message(page):
    return page.get_by_role("status").first.inner_text()


def _navigateur_de(nouveau_contexte, username):
    page = nouveau_contexte().new_page()
    se_connecter(page, username)
    return page


def _etape(page, dossier, bouton, commentaire=""):
    """Open the dossier's page, write the comment, press the step's button; the page says the
    new state."""
    page.goto(dossier.get_absolute_url())
    if commentaire:
        page.get_by_label("Commentaire").fill(commentaire)
    with page.expect_navigation():
        page.get_by_role("button", name=bouton).click()
    erreurs = page.locator("#erreurs")
    assert not erreurs.count(), erreurs.inner_text()
    dossier.refresh_from_db()
    return dossier


def _ecrire_le_brouillon(page, campagne):
    page.goto(campagne.get_absolute_url())
    page.get_by_role("link", name="Nouveau dossier").click()
    _champ(page, "Titre du projet").fill(TITRE)
    _champ(page, "Structure porteuse").select_option(index=1)
    _champ(page, "Public visé").fill("Enfants de CM1 et CM2 du quartier, et leurs parents.")
    page.get_by_role("group", name=re.compile("Quartiers prioritaires")).get_by_role("checkbox").first.check()
    _champ(page, "Fiche").select_option(index=1)
    # From January to June of the campaign's school year.
    _champ(page, "Date de début").fill(f"05/01/{campagne.annee_scolaire + 1}")
    _champ(page, "Date de fin").fill(f"26/06/{campagne.annee_scolaire + 1}")
    with page.expect_navigation():
        page.get_by_role("button", name="Enregistrer le brouillon").click()
    assert "brouillon est enregistré" in _message(page)
    # The page says what is still missing before it can be deposited.
    manquants = page.locator("#manquants").inner_text()
    assert "les objectifs" in manquants and "le montant demandé à au moins un financeur" in manquants
    return Dossier.objects.get(titre=TITRE)


def _completer_et_deposer(page, dossier, campagne):
    page.get_by_role("link", name="Compléter le brouillon").click()
    _champ(page, "Objectifs").fill("Écrire et publier un journal d’école, donner envie de lire et d’écrire.")
    page.get_by_role("group", name=re.compile("Réalisations attendues")).get_by_role("checkbox").first.check()
    _champ(page, "Coût total du projet (€)").fill("9 800")
    caf = next(e.financeur for e in campagne.enveloppes.select_related("financeur") if e.financeur.sigle == "CAF")
    _champ(page, f"Montant demandé : {caf}").fill("3 500")
    _champ(page, "SIRET de la structure").fill("732 829 320 00074")
    with page.expect_navigation():
        page.get_by_role("button", name="Enregistrer").click()
    assert "Brouillon enregistré" in _message(page)
    assert not page.locator("#manquants").count()
    return _etape(page, dossier, "Déposer le dossier")


def test_a_dossier_goes_from_draft_to_solde_in_the_browser_as_each_role(donnees_demo, nouveau_contexte, artefacts):
    campagne = Campagne.objects.order_by("-annee_scolaire").first()
    porteur = _navigateur_de(nouveau_contexte, "demo-porteur")
    dossier = _ecrire_le_brouillon(porteur, campagne)
    assert dossier.etat == EtatDossier.BROUILLON
    dossier = _completer_et_deposer(porteur, dossier, campagne)
    assert dossier.etat == EtatDossier.DEPOSE
    porteur.screenshot(path=artefacts / "dossier-depose-porteur.png", full_page=True)

    chef = _navigateur_de(nouveau_contexte, "demo-chef")
    chef.goto(reverse("dossiers:liste") + "?etat=depose")
    chef.get_by_role("link", name=TITRE).click()
    assert _etape(chef, dossier, "Mettre en instruction").etat == EtatDossier.EN_INSTRUCTION

    partenaire = _navigateur_de(nouveau_contexte, "demo-partenaire")
    partenaire.goto(reverse("dossiers:liste"))
    partenaire.get_by_role("link", name=TITRE).click()
    _etape(partenaire, dossier, "Donner l’avis de mon institution", "Avis favorable de la CAF.")
    assert dossier.etat == EtatDossier.EN_INSTRUCTION

    assert _etape(chef, dossier, "Retenir").etat == EtatDossier.RETENU
    assert _etape(chef, dossier, "Conventionner (crée l’action)").etat == EtatDossier.CONVENTIONNE
    assert dossier.action.titre == TITRE
    chef.get_by_role("link", name=TITRE).first.click()
    assert chef.get_by_role("heading", level=1).inner_text().startswith(TITRE)
    assert _etape(chef, dossier, "Marquer en cours").etat == EtatDossier.EN_COURS

    _remplir_le_bilan(porteur, dossier)
    _deposer_le_bilan(porteur, dossier)
    assert dossier.etat == EtatDossier.BILAN_DEPOSE
    chef.goto(reverse("dossiers:bilan", kwargs={"pk": dossier.pk}))
    assert "Charges de personnel" in chef.locator("main").inner_text()
    chef.screenshot(path=artefacts / "bilan-chef.png", full_page=True)
    _etape(chef, dossier, "Renvoyer le bilan au porteur", "Précisez l’écart sur les charges de personnel.")
    assert dossier.etat == EtatDossier.EN_COURS
    porteur.goto(dossier.get_absolute_url())
    assert "Précisez l’écart sur les charges de personnel." in porteur.locator("main").inner_text()
    _deposer_le_bilan(porteur, dossier)
    assert _etape(chef, dossier, "Valider le bilan").etat == EtatDossier.BILAN_VALIDE
    assert _etape(chef, dossier, "Solder").etat == EtatDossier.SOLDE

    historique = chef.get_by_role("table", name=re.compile("Chaque étape du dossier")).inner_text()
    for etat in ["Déposé", "En instruction", "Retenu", "Conventionné", "En cours", "Bilan déposé", "Soldé"]:
        assert etat in historique
    assert "Avis favorable de la CAF." in historique
    chef.screenshot(path=artefacts / "dossier-solde-chef.png", full_page=True)


def _remplir_le_bilan(page, dossier):
    """The texts, and a compte rendu spent as planned: the staff paid by the CAF's grant and the
    structure's own funds."""
    page.goto(dossier.get_absolute_url())
    page.get_by_role("link", name="Remplir le bilan").click()
    _champ(page, "Objectifs atteints").fill("Un journal publié chaque mois, lu dans les familles.")
    _champ(page, "Difficultés rencontrées").fill("Peu de garçons au début de l’année.")
    _champ(page, "Suites envisagées").fill("Ouvrir le club aux CE2.")
    caf = "74 Subventions d’exploitation : Caisse d’allocations familiales (CAF)"
    for colonne in ("prévu", "réalisé"):
        _champ(page, f"Montant {colonne} : 64 Charges de personnel").fill("6 300")
        _champ(page, f"Montant {colonne} : 75 Autres produits de gestion courante").fill("2 800")
    _champ(page, f"Montant réalisé : {caf}").fill("3 500")
    assert _champ(page, f"Montant prévu : {caf}").input_value().replace("\u202f", " ").startswith("3")
    with page.expect_navigation():
        page.get_by_role("button", name="Enregistrer le bilan").click()
    assert not page.locator(".invalid-feedback").count(), page.locator("main").inner_text()
    page.screenshot(path=ARTEFACTS / "bilan-porteur.png", full_page=True)


def _deposer_le_bilan(page, dossier):
    _etape(page, dossier, "Déposer le bilan", "Bilan de l’année transmis.")
