"""The audits cover every page only if the map of the site names every URL pattern: a pattern
added to the app must be added to e2e/plan.py, or this test says which."""

from .plan import ADMIN_AUDITE, PAGES, SANS_PAGE, motifs_a_auditer


def test_every_url_pattern_of_the_project_is_in_the_map_of_audited_pages():
    motifs, sans_nom = motifs_a_auditer()
    connus = set(PAGES) | set(SANS_PAGE) | set(ADMIN_AUDITE)
    assert not sans_nom, f"Motifs d’URL sans nom (name=...), impossibles à auditer : {sans_nom}"
    manquants = sorted(motifs - connus)
    assert not manquants, (
        f"Motifs d’URL absents de e2e/plan.py : {manquants}. Ajoutez chacun à PAGES (comment construire une URL "
        "réelle depuis la démo, formulaire=True pour un formulaire) ou à SANS_PAGE (pas de page HTML, avec la raison)."
    )
    perimes = sorted(connus - motifs)
    assert not perimes, f"e2e/plan.py nomme des motifs qui n’existent plus : {perimes}"


def test_a_page_is_either_audited_or_declared_without_a_page_never_both():
    assert not set(PAGES) & set(SANS_PAGE)
    assert not set(PAGES) & set(ADMIN_AUDITE)
