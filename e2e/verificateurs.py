"""The two checkers every page goes through: axe-core (accessibility, WCAG 2.1 A and AA) in the
browser, and the Nu Html Checker (valid HTML) on the HTML the server sent. Both come from npm,
pinned by package-lock.json (`npm ci`); a missing tool fails loudly instead of checking nothing."""

import json
import shutil
import subprocess
from pathlib import Path

from django.conf import settings

NODE_MODULES = Path(settings.BASE_DIR) / "node_modules"
AXE_JS = NODE_MODULES / "axe-core" / "axe.min.js"
VNU_JAR = NODE_MODULES / "vnu-jar" / "build" / "dist" / "vnu.jar"

# RGAA 4.1 follows WCAG 2.1 level AA: the rules of levels A and AA, of WCAG 2.0 and 2.1.
REGLES_WCAG = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa"]

# One page with one fault for each checker: a field without a label (axe) and an element left
# open (vnu). A checker that reports nothing on it is not running.
PAGE_CASSEE = """<!DOCTYPE html>
<html lang="fr">
<head><meta charset="utf-8"><title>Page cassée exprès</title></head>
<body>
<main>
  <h1>Page cassée exprès</h1>
  <form method="post"><input type="text" name="nom"><button type="submit">Envoyer</button></form>
  <div><p>Ce bloc n’est jamais refermé.</p>
</main>
</body>
</html>
"""


def _outil(chemin):
    if not chemin.exists():
        raise RuntimeError(f"{chemin} est introuvable : lancez « npm ci » (make install) à la racine du projet.")
    return chemin


def preparer_audit(contexte):
    """Load axe-core into every page the context opens, before the page's own scripts: injecting
    it after each navigation costs as much again as the audit itself.

    The app forbids any script but its own (Content-Security-Policy): the context must be opened
    with bypass_csp=True for axe-core to run."""
    contexte.add_init_script(path=str(_outil(AXE_JS)))


def auditer_accessibilite(page):
    """Run axe-core on the page as the browser shows it now; returns its violations."""
    if not page.evaluate("() => typeof window.axe === 'object'"):
        page.add_script_tag(path=str(_outil(AXE_JS)))
    resultat = page.evaluate(
        "(regles) => axe.run(document, {runOnly: {type: 'tag', values: regles}, resultTypes: ['violations']})",
        REGLES_WCAG,
    )
    # A run that evaluated no rule at all would report no violation: count that as a failure.
    if not resultat["passes"] and not resultat["violations"] and not resultat["incomplete"]:
        raise RuntimeError(f"axe-core n’a évalué aucune règle sur {page.url}")
    return resultat["violations"]


def resumer_violations(violations):
    """One line per rule and element, readable in a test failure."""
    return [
        f"{v['id']} ({v['impact']}) {v['help']} : {' '.join(map(str, n['target']))} — {n['html'][:160]}"
        for v in violations
        for n in v["nodes"]
    ]


def valider_html(fichiers):
    """Validate HTML files with the Nu Html Checker in one JVM; returns {file name: [errors]},
    files without error included with an empty list."""
    fichiers = [Path(f) for f in fichiers]
    java = shutil.which("java")
    if java is None:
        raise RuntimeError(
            "java est introuvable : le Nu Html Checker demande Java 11 ou plus (apt-get install default-jre-headless)."
        )
    # The checker recurses deeply on large pages; its own advice is a stack of at least 512k.
    commande = [java, "-Xss4m", "-jar", str(_outil(VNU_JAR)), "--errors-only", "--format", "json", "--stdout"]
    sortie = subprocess.run([*commande, *map(str, fichiers)], capture_output=True, text=True, timeout=300, check=False)
    # vnu exits 1 when it finds errors; anything else, or no JSON, means it did not check.
    if sortie.returncode not in (0, 1):
        raise RuntimeError(f"vnu a échoué ({sortie.returncode}) : {sortie.stderr or sortie.stdout}")
    try:
        messages = json.loads(sortie.stdout)["messages"]
    except (json.JSONDecodeError, KeyError) as erreur:
        raise RuntimeError(f"vnu n’a pas rendu de JSON : {sortie.stdout[:500]} {sortie.stderr[:500]}") from erreur
    erreurs = {f.name: [] for f in fichiers}
    for message in messages:
        nom = Path(message.get("url", "").removeprefix("file:")).name
        if nom not in erreurs:
            # A message about no file of ours (a fatal error of the checker itself) must not be lost.
            raise RuntimeError(f"vnu : {message}")
        erreurs[nom].append(message)
    return erreurs


def resumer_erreurs_html(messages):
    return [f"ligne {m.get('lastLine', '?')} : {m['message']} — {m.get('extract', '').strip()[:120]}" for m in messages]
