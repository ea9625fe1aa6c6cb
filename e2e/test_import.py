"""An animateur imports a month of attendance from the spreadsheet they filled in: they upload it,
read in the preview what it will change (and nothing is written yet), confirm, and the grid holds
it. The upload and preview pages pass axe-core and the Nu Html Checker."""

import re

from actions import exports
from actions.models import Presence
from actions.selectors import presences_du_mois
from fiches.tableurs import en_csv

from .outils import se_connecter
from .plan import Demo
from .test_parcours import ANIMATEUR, _champ, _message
from .verificateurs import auditer_accessibilite, resumer_erreurs_html, resumer_violations, valider_html


def _mois_change(demo):
    """The audited session's month as its export writes it, with the first child expected at the
    session noted the other way round. Returns the file, the child and whether they come now."""
    seance = demo.seance
    mois = exports.Mois(seance.date.year, seance.date.month)
    grille = presences_du_mois(action=demo.action, debut=mois.debut, fin=mois.fin)
    (feuille, *_) = exports.presences_du_mois(demo.action, mois, grille)
    colonne = next(rang for rang, c in enumerate(feuille.colonnes) if c.cle == exports.titre_de_seance(seance))
    ligne = next(ligne for ligne in feuille.lignes if ligne[colonne] in (exports.PRESENT, exports.ABSENT))
    ligne[colonne] = exports.ABSENT if ligne[colonne] == exports.PRESENT else exports.PRESENT
    return en_csv(feuille), ligne[0], ligne[colonne] == exports.PRESENT


def test_an_animateur_uploads_a_month_reads_the_preview_and_confirms(donnees_demo, page, tmp_path):
    demo = Demo()
    contenu, code, vient = _mois_change(demo)
    fichier = tmp_path / "presences-du-mois.csv"
    fichier.write_bytes(contenu)
    presence = Presence.objects.filter(seance=demo.seance, participant__code=code)
    se_connecter(page, ANIMATEUR)

    page.goto("/imports/")
    _champ(page, "Contenu du fichier").select_option("presences")
    _champ(page, "Action").select_option(str(demo.action.pk))
    _champ(page, "Fichier").set_input_files(str(fichier))
    pages_html = [tmp_path / "importer.html"]
    pages_html[0].write_text(page.content(), encoding="utf-8")
    violations = auditer_accessibilite(page)
    with page.expect_navigation():
        page.get_by_role("button", name="Voir ce que l’import ferait").click()

    assert page.get_by_role("heading", level=1).inner_text().startswith("Aperçu de l’import")
    recapitulatif = page.get_by_role("table", name=re.compile("Ce que l’import ferait"))
    assert recapitulatif.get_by_role("row", name=re.compile(r"modifiées\s+1")).count() == 1
    assert page.get_by_role("cell", name=code).count() == 1
    assert presence.exists() != vient, "l’aperçu n’écrit rien"
    pages_html.append(tmp_path / "apercu.html")
    pages_html[1].write_text(page.content(), encoding="utf-8")
    violations += auditer_accessibilite(page)

    with page.expect_navigation():
        page.get_by_role("button", name=re.compile("Confirmer et enregistrer 1 ligne")).click()

    assert "Import enregistré" in _message(page)
    assert presence.exists() == vient
    assert not violations, "\n".join(resumer_violations(violations))
    erreurs = [e for messages in valider_html(pages_html).values() for e in resumer_erreurs_html(messages)]
    assert not erreurs, "\n".join(erreurs)
