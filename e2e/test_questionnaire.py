"""The « envie d’école » questionnaire on a tablet (effect E2): the animateur opens a child's
questionnaire from their session and hands the tablet over; the child answers with the keyboard
or by touch, on large faces, sees no link, and the list of children comes back only with the
animateur's password."""

from urllib.parse import urlsplit

from django.urls import reverse

from actions.models import QuestionnaireRempli
from actions.questionnaires import questionnaire

from .conftest import DELAI_MS
from .outils import MOT_DE_PASSE, a_le_focus, se_connecter, tabuler_jusqua
from .plan import Demo

ANIMATEUR = "demo-animateur"
# A tablet held upright, touch enabled.
TABLETTE = {"width": 768, "height": 1024}
CIBLE_MIN = 44


def _tablette(navigateur, live_server):
    contexte = navigateur.new_context(
        base_url=live_server.url, locale="fr-FR", viewport=TABLETTE, has_touch=True, is_mobile=True
    )
    contexte.set_default_timeout(DELAI_MS)
    return contexte


def _deux_enfants():
    """Two children of the demo action whose consent covers the questionnaire, their entries
    cleared so that each answers one now."""
    demo = Demo()
    action = demo.action_questionnaire
    niveaux = [niveau for forme in questionnaire().formes for niveau in forme.niveaux]
    enfants = list(
        action.inscriptions.filter(
            participant__consentement_questionnaire=True, participant__niveau_scolaire__in=niveaux
        )
        .order_by("participant__code")
        .values_list("participant_id", flat=True)[:2]
    )
    assert len(enfants) == 2, "l’action de la démo doit avoir deux enfants dont le consentement couvre le questionnaire"
    QuestionnaireRempli.objects.filter(action=action, participant__in=enfants).delete()
    return action, enfants


def _rendre_la_tablette(page, action):
    assert page.locator("main a[href]").count() == 0, "the child's pages have no link"
    page.get_by_label("Mot de passe de l’animateur").fill(MOT_DE_PASSE)
    with page.expect_navigation():
        page.get_by_role("button", name="Revenir à la liste des enfants").click()
    assert urlsplit(page.url).path == reverse("actions:questionnaires", kwargs={"pk": action.pk})


def test_a_child_answers_on_a_tablet_with_the_keyboard_then_another_by_touch(donnees_demo, navigateur, live_server):
    action, (premier, second) = _deux_enfants()
    contexte = _tablette(navigateur, live_server)
    try:
        page = contexte.new_page()
        se_connecter(page, ANIMATEUR)

        # The keyboard: Tab into each question's group of faces, the arrows choose, Enter sends.
        page.goto(
            reverse("actions:questionnaire_tablette", kwargs={"pk": action.pk, "moment": "entree", "enfant": premier})
        )
        assert page.locator("nav, header a").count() == 0
        groupes = page.locator("fieldset.question")
        nombre = groupes.count()
        assert 6 <= nombre <= 8
        for rang in range(nombre):
            premier_visage = groupes.nth(rang).locator("input[type=radio]").first
            tabuler_jusqua(page, premier_visage)
            # From the first face (pas du tout), two steps right: plutôt oui.
            page.keyboard.press("ArrowRight")
            page.keyboard.press("ArrowRight")
            assert groupes.nth(rang).locator("input[type=radio]").nth(2).is_checked()
        bouton = page.get_by_role("button", name="J’ai fini")
        tabuler_jusqua(page, bouton)
        assert a_le_focus(bouton)
        with page.expect_navigation():
            page.keyboard.press("Enter")
        assert "Merci" in page.locator("h1").inner_text()
        rempli = QuestionnaireRempli.objects.get(action=action, participant=premier, moment="entree")
        assert set(rempli.reponses.values()) == {3} and rempli.mode == "tablette"
        _rendre_la_tablette(page, action)

        # Touch: the second child taps a face per question, each a target of 44 px at least.
        page.goto(
            reverse("actions:questionnaire_tablette", kwargs={"pk": action.pk, "moment": "entree", "enfant": second})
        )
        etiquettes = page.locator("label.visage-etiquette")
        for rang in range(etiquettes.count()):
            boite = etiquettes.nth(rang).bounding_box()
            assert boite["width"] >= CIBLE_MIN and boite["height"] >= CIBLE_MIN
        # One question left unanswered first: refused next to it, nothing saved.
        for rang in range(1, nombre := page.locator("fieldset.question").count()):
            page.locator("fieldset.question").nth(rang).locator("label.visage-etiquette").nth(3).tap()
        with page.expect_navigation():
            page.get_by_role("button", name="J’ai fini").tap()
        assert "Choisissez une réponse." in page.locator("fieldset.question").first.inner_text()
        assert not QuestionnaireRempli.objects.filter(action=action, participant=second).exists()
        page.locator("fieldset.question").first.locator("label.visage-etiquette").nth(3).tap()
        with page.expect_navigation():
            page.get_by_role("button", name="J’ai fini").tap()
        rempli = QuestionnaireRempli.objects.get(action=action, participant=second, moment="entree")
        assert set(rempli.reponses.values()) == {4} and len(rempli.reponses) == nombre
        _rendre_la_tablette(page, action)
    finally:
        contexte.close()
