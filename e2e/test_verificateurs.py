"""Each checker must fail on a page broken on purpose: a checker that silently checks nothing would
otherwise let every page pass."""

from .verificateurs import PAGE_CASSEE, auditer_accessibilite, valider_html

PAGE_CORRECTE = PAGE_CASSEE.replace(
    '<input type="text" name="nom">', '<label for="nom">Nom</label><input type="text" name="nom" id="nom">'
).replace("<div><p>Ce bloc n’est jamais refermé.</p>", "<div><p>Ce bloc est refermé.</p></div>")


def test_axe_reports_a_field_without_a_label(page):
    page.set_content(PAGE_CASSEE)
    violations = auditer_accessibilite(page)
    assert "label" in {v["id"] for v in violations}
    (champ,) = next(v for v in violations if v["id"] == "label")["nodes"]
    assert champ["target"] == ["input"]


def test_axe_finds_nothing_once_the_field_has_its_label(page):
    page.set_content(PAGE_CORRECTE)
    assert auditer_accessibilite(page) == []


def test_vnu_reports_an_element_left_open(tmp_path):
    cassee, correcte = tmp_path / "cassee.html", tmp_path / "correcte.html"
    cassee.write_text(PAGE_CASSEE, encoding="utf-8")
    correcte.write_text(PAGE_CORRECTE, encoding="utf-8")
    erreurs = valider_html([cassee, correcte])
    assert any("Unclosed element “div”" in m["message"] for m in erreurs["cassee.html"]), erreurs
    assert erreurs["correcte.html"] == []
