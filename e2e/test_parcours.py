"""What the users do in a browser, from the login page on. An animateur creates an action, gives
it a series of sessions, enrols children, records who came and sees the action's attendance rate
move, while a chef de projet sees the contract and quartier dashboards count those presences. The
attendance grid is filled in with the keyboard alone (RGAA 4.1 criteria 7.3 and 12.13: everything
works without a mouse). A partner reads a quartier's dashboard and reaches no action nor child."""

import re
from datetime import timedelta
from urllib.parse import urlsplit

from django.urls import reverse
from django.utils import timezone

from actions.dates import dates_de_la_serie
from actions.models import Action, Participant, Seance
from demo.adhesions import QUARTIERS_DU_PARTENAIRE
from fiches.annees import AnneeScolaire
from fiches.calendrier import jours_non_ouvres
from fiches.models import Contrat, Quartier

from .outils import a_le_focus, se_connecter, tabuler_jusqua
from .plan import QUARTIER_AUDITE, STRUCTURE_AUDITEE, Demo
from .verificateurs import auditer_accessibilite, resumer_erreurs_html, resumer_violations, valider_html

ANIMATEUR = "demo-animateur"
CHEF = "demo-chef"
PARTENAIRE = "demo-partenaire"
TITRE = "Atelier lecture du mercredi (e2e)"


def _jj_mm_aaaa(jour):
    return f"{jour:%d/%m/%Y}"


def _champ(page, libelle):
    """The field of that label exactly. Crispy adds an asterisk to the label of a required field,
    and the regular expression sees the label's text as written, spaces around it included."""
    return page.get_by_label(re.compile(rf"^\s*{re.escape(libelle)}\s*\*?\s*$"))


def _message(page):
    return page.get_by_role("status").first.inner_text()


def _frequentation(page, url):
    """The dashboard's attendance figure (presences plus children who came unenrolled) for the year."""
    page.goto(url)
    return int(re.sub(r"\D", "", page.locator("#indicateur-frequentation td").first.inner_text()))


def test_an_animateur_records_attendance_and_the_rate_and_the_dashboards_change(
    donnees_demo, page, nouveau_contexte, artefacts
):
    aujourdhui = timezone.localdate()
    # Within the school year under way: the demo closed the previous one, which refuses them.
    rentree = AnneeScolaire.courante().debut
    debut, fin = max(aujourdhui - timedelta(days=91), rentree), aujourdhui + timedelta(days=60)

    se_connecter(page, ANIMATEUR)
    page.get_by_role("navigation", name="Navigation principale").get_by_role("link", name="Actions").click()
    page.get_by_role("link", name="Nouvelle action").click()
    page.get_by_label("Titre").fill(TITRE)
    page.get_by_label("R1 – Actions éducatives").check()
    page.get_by_label("Culture").check()
    page.get_by_label("Statut").select_option(label="En cours")
    page.get_by_label("Structure porteuse").select_option(label=STRUCTURE_AUDITEE)
    page.get_by_label("Les Tilleuls (QN09591A)").check()
    page.get_by_label("Date de début").fill(_jj_mm_aaaa(debut))
    page.get_by_label("Date de fin").fill(_jj_mm_aaaa(fin))
    page.get_by_role("button", name="Enregistrer").click()
    page.wait_for_url(re.compile(r"/actions/\d+/$"))
    assert page.get_by_role("heading", level=1).inner_text() == TITRE
    assert "est enregistrée" in _message(page)
    action = Action.objects.get(titre=TITRE)

    # Every Wednesday of the last twelve weeks but public holidays and the school holidays of the
    # demo contract's zone (whatever the day the test runs, some are school days): all past.
    du, au = max(aujourdhui - timedelta(days=84), rentree), aujourdhui - timedelta(days=1)
    sans_ecole = jours_non_ouvres(zone=Contrat.objects.get().zone_scolaire, debut=du, fin=au)
    mercredis = list(dates_de_la_serie(date_debut=du, date_fin=au, jours=[2]))
    attendues = [jour for jour in mercredis if jour not in sans_ecole]
    page.get_by_role("link", name="Ajouter une série").click()
    assert "les vacances scolaires de la zone C" in page.locator("main").inner_text()
    _champ(page, "Du").fill(_jj_mm_aaaa(du))
    _champ(page, "Au").fill(_jj_mm_aaaa(au))
    page.get_by_label("Mercredi").check()
    with page.expect_response(lambda reponse: reponse.request.method == "POST") as envoi:
        page.get_by_role("button", name="Créer les séances").click()
    assert page.get_by_role("heading", level=1).inner_text() == "Série de séances créée"
    assert f"{len(attendues)} séances ajoutées" in page.locator("main").inner_text()
    sautees = page.get_by_role("table", name=re.compile("Dates sautées"))
    assert sautees.locator("tbody tr").count() == len(mercredis) - len(attendues)
    # The result of a POST is no page of the site map: audited here.
    _auditer(page, envoi.value.text(), "actions-serie-creee", artefacts)
    page.get_by_role("link", name="Retour à l’action").click()
    page.wait_for_url(f"**{action.get_absolute_url()}")
    assert page.get_by_role("heading", name=f"Séances ({len(attendues)})").is_visible()

    # Three children of the structure. Their parents' consent, without which no presence can be
    # noted, is arranged here to predate the action, whatever the day the test runs.
    enfants = list(Participant.objects.filter(structure=action.porteur, anonymise_le__isnull=True).order_by("code")[:3])
    Participant.objects.filter(pk__in=[e.pk for e in enfants]).update(date_consentement=debut)
    page.get_by_role("link", name="Inscrire des enfants").click()
    for enfant in enfants:
        page.get_by_label(enfant.code, exact=True).check()
    page.get_by_label("Date d’inscription").fill(_jj_mm_aaaa(debut))
    page.get_by_role("button", name="Inscrire").click()
    page.wait_for_url(f"**{action.get_absolute_url()}")
    assert _message(page) == "3 enfant(s) inscrit(s)."
    taux = page.locator("#taux-assiduite")
    # No grid saved yet: no rate, rather than 0 % from sessions nobody entered.
    assert taux.inner_text() == "–"
    assert page.locator("#seances-a-saisir strong").inner_text() == str(len(attendues))

    derniere = action.seances.order_by("date").last()
    # Meanwhile, the chef de projet reads the dashboards of the session's school year.
    chef = nouveau_contexte().new_page()
    se_connecter(chef, CHEF)
    annee = f"?annee={AnneeScolaire.de_la_date(derniere.date).libelle}"
    fiche = action.realisation.fiche.code
    tableaux = [
        f"/indicateurs/fiches/{fiche}/{annee}",
        f"/indicateurs/fiches/{fiche}/quartiers/{QUARTIER_AUDITE}/{annee}",
    ]
    avant = [_frequentation(chef, url) for url in tableaux]

    page.get_by_role("link", name=f"Présences du {derniere.date:%d/%m/%Y}").click()
    page.get_by_label(enfants[0].code, exact=True).check()
    page.get_by_label(enfants[1].code, exact=True).check()
    page.get_by_role("button", name="Enregistrer les présences").click()
    page.wait_for_url(f"**{action.get_absolute_url()}")
    assert _message(page) == f"Présences du {derniere.date:%d/%m/%Y} enregistrées."
    # Two presences out of the three children of the one session entered; the others wait.
    assert taux.inner_text() == "66,7\u00a0%"
    seances = page.get_by_role("table", name="Séances de l’action et leur fréquentation")
    ligne = seances.get_by_role("row").filter(has_text=f"{derniere.date:%d/%m/%Y}")
    assert "2 / 3" in ligne.inner_text()
    # The action runs in that quartier: both dashboards count the two presences, live.
    assert [_frequentation(chef, url) for url in tableaux] == [n + 2 for n in avant]


def _auditer(page, html, nom, artefacts):
    """axe-core on the page as shown, the Nu Html Checker on the HTML the server sent, and a
    screenshot beside the audit's."""
    assert resumer_violations(auditer_accessibilite(page)) == []
    fichier = artefacts / f"{nom}.html"
    fichier.write_text(html, encoding="utf-8")
    assert resumer_erreurs_html(valider_html([fichier])[fichier.name]) == []
    (artefacts / "captures").mkdir(exist_ok=True)
    page.screenshot(path=artefacts / "captures" / f"{nom}--{ANIMATEUR}.png", full_page=True)


def _focus_visible(element):
    """Bootstrap draws the focus ring as a box-shadow; the browser's default is an outline."""
    return element.evaluate(
        "(e) => { const s = getComputedStyle(e); return s.boxShadow !== 'none' || s.outlineStyle !== 'none'; }"
    )


def test_the_attendance_grid_is_completed_with_the_keyboard_alone(donnees_demo, page):
    seance = Demo().seance
    inscrits = Participant.objects.filter(
        inscriptions__action=seance.action, inscriptions__date_inscription__lte=seance.date
    )
    # Arranged: every enrolled child's parents consented before the session, whatever the day the
    # test runs, so that every box of the grid can be ticked.
    inscrits.exclude(date_consentement__lte=seance.date).update(date_consentement=seance.date)
    consentis = sorted(inscrits.values_list("pk", flat=True))
    assert len(consentis) >= 2, "la séance de la démo doit avoir au moins deux enfants inscrits"
    se_connecter(page, ANIMATEUR)
    page.goto(seance.get_absolute_url())

    # The first Tab reaches the skip link, which takes the focus past the navigation.
    page.keyboard.press("Tab")
    evitement = page.get_by_role("link", name="Aller au contenu")
    assert a_le_focus(evitement)
    page.keyboard.press("Enter")
    assert page.evaluate("() => document.activeElement.id") == "contenu"

    tout_cocher = page.get_by_role("button", name="Tout cocher")
    tabuler_jusqua(page, tout_cocher)
    assert _focus_visible(tout_cocher)
    cases = page.locator("input[name=presents]")
    toutes_cochees = page.locator("input[name=presents]:not(:checked)").count() == 0
    page.keyboard.press("Enter")
    if toutes_cochees:
        # The button unticks everything when every box was already ticked: once more.
        page.keyboard.press("Enter")
    assert cases.count() >= 2 and page.locator("input[name=presents]:not(:checked)").count() == 0

    # The first child was absent after all: untick with the space bar.
    premiere_case = page.locator(f"#present-{consentis[0]}")
    tabuler_jusqua(page, premiere_case)
    assert _focus_visible(premiere_case)
    page.keyboard.press("Space")
    assert not premiere_case.is_checked()

    for etiquette, valeur in [("Enfants non inscrits venus", "3"), ("Parents présents", "2")]:
        champ = page.get_by_label(etiquette)
        tabuler_jusqua(page, champ)
        page.keyboard.press("Control+A")
        page.keyboard.type(valeur)
    # Enter in a field sends the form, as the browser does for any form with a submit button.
    with page.expect_navigation():
        page.keyboard.press("Enter")

    # The browser keeps the skip link's #contenu through the redirect: compare paths.
    assert urlsplit(page.url).path == seance.action.get_absolute_url()
    assert "enregistrées" in _message(page)
    seance = Seance.objects.get(pk=seance.pk)
    presents = set(seance.presences.values_list("participant_id", flat=True))
    assert presents == set(consentis) - {consentis[0]}
    assert (seance.enfants_anonymes, seance.parents_presents) == (3, 2)


def test_a_partner_reads_a_quartier_dashboard_and_reaches_no_action_nor_child(donnees_demo, page):
    demo = Demo()
    se_connecter(page, PARTENAIRE)
    navigation = page.get_by_role("navigation", name="Navigation principale")
    navigation.get_by_role("link", name="Tableaux de bord").click()
    # The list of the fiches; a partner granted some quartiers goes on to the first of them, in
    # the fiche's dashboard, and sees only those.
    page.get_by_role("link", name=f"Fiche {demo.fiche.code} – {demo.fiche.titre}").click()
    assert urlsplit(page.url).path.startswith(f"/indicateurs/fiches/{demo.fiche.code}/quartiers/")
    quartier = Quartier.objects.get(code=QUARTIER_AUDITE).nom
    perimetre = page.get_by_role("navigation", name="Périmètre du tableau de bord")
    accordes = set(Quartier.objects.filter(code__in=QUARTIERS_DU_PARTENAIRE).values_list("nom", flat=True))
    assert set(perimetre.get_by_role("link").all_inner_texts()) == accordes
    perimetre.get_by_role("link", name=quartier).click()
    assert page.get_by_role("heading", level=1).inner_text().startswith(quartier)
    assert page.locator("#indicateur-frequentation").is_visible()
    assert not navigation.get_by_role("link", name="Actions").count()
    assert not navigation.get_by_role("link", name="Enfants").count()
    assert not page.locator("a[href^='/actions/'], a[href^='/participants/']").count()

    for url in [
        reverse("actions:liste"),
        demo.action.get_absolute_url(),
        demo.seance.get_absolute_url(),
        reverse("actions:participants"),
        demo.participant.get_absolute_url(),
        reverse("actions:exporter_participant", kwargs={"pk": demo.participant.pk}),
    ]:
        reponse = page.goto(url)
        assert reponse.status in (403, 404), f"{PARTENAIRE} ouvre {url} ({reponse.status})"


def test_the_month_grid_is_used_with_the_keyboard_alone_on_a_320_pixel_screen(donnees_demo, page):
    """RGAA 10.11 (reflow at 320 px): the page does not scroll sideways, the grid does within
    its box, the children's codes stay in view; each box is a 44 px target, named for the child
    and the session, ticked with the space bar, and the month saved from the keyboard."""
    seance = Demo().seance
    inscrits = Participant.objects.filter(
        inscriptions__action=seance.action, inscriptions__date_inscription__lte=seance.date
    )
    inscrits.exclude(date_consentement__lte=seance.date).update(date_consentement=seance.date)
    enfant = inscrits.order_by("code").first()
    se_connecter(page, ANIMATEUR)
    page.set_viewport_size({"width": 320, "height": 640})
    url = f"{reverse('actions:presences_du_mois', kwargs={'pk': seance.action_id})}?mois={seance.date:%Y-%m}"
    page.goto(url)

    assert page.evaluate("() => document.documentElement.scrollWidth") <= 320
    conteneur = page.locator(".grille-mois-conteneur")
    assert conteneur.evaluate("(e) => e.scrollWidth > e.clientWidth"), "the grid scrolls within its box"
    code = page.locator(".grille-mois tbody th").first
    gauche = code.bounding_box()["x"]
    conteneur.evaluate("(e) => { e.scrollLeft = e.scrollWidth; }")
    assert abs(code.bounding_box()["x"] - gauche) < 1, "the children's codes stay in view"
    conteneur.evaluate("(e) => { e.scrollLeft = 0; }")

    case = page.get_by_role("checkbox", name=f"Présent·e : {enfant.code}, séance du {seance.date:%d/%m}")
    etiquette = page.locator(".case-presence", has=case).bounding_box()
    assert etiquette["width"] >= 44 and etiquette["height"] >= 44
    etait_cochee = case.is_checked()
    tabuler_jusqua(page, case)
    assert _focus_visible(case)
    page.keyboard.press("Space")
    assert case.is_checked() != etait_cochee
    bouton = page.get_by_role("button", name="Enregistrer les présences du mois")
    tabuler_jusqua(page, bouton, maximum=600)
    with page.expect_navigation():
        page.keyboard.press("Enter")

    assert "enregistrées" in _message(page)
    presente = Seance.objects.get(pk=seance.pk).presences.filter(participant=enfant).exists()
    assert presente != etait_cochee
